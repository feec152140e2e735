"""Small helpers to build pygame_gui widgets in a column.

Texts, tooltips and placeholders are given in English: pygame_gui translates them through
the catalog ``gridsim.app.language`` registers, and re-labels them when the language changes.
"""

from __future__ import annotations

import pygame
import pygame_gui
from pygame_gui.core import UIContainer
from pygame_gui.elements import (
    UIButton,
    UICheckBox,
    UIDropDownMenu,
    UIHorizontalSlider,
    UILabel,
    UITextEntryLine,
)

ROW = 28


class Column:
    """Lays out widgets top to bottom in a UIContainer (no background of its own)."""

    def __init__(self, manager, rect: pygame.Rect, pad: int = 10):
        self.manager = manager
        self.container = UIContainer(rect, manager)
        self.pad = pad
        self.width = rect.width - 2 * pad
        self.y = 6

    def skip(self, dy: int) -> None:
        self.y += dy

    def _rect(self, x: int, w: int, h: int = ROW) -> pygame.Rect:
        return pygame.Rect(self.pad + x, self.y, w, h)

    def heading(self, text: str) -> UILabel:
        label = UILabel(
            self._rect(0, self.width, 22),
            text,
            self.manager,
            self.container,
            object_id="#heading",
        )
        self.y += 24
        return label

    def label(self, text: str, x: int, w: int, h: int = ROW, object_id=None) -> UILabel:
        return UILabel(self._rect(x, w, h), text, self.manager, self.container, object_id=object_id)

    def button(self, text: str, x: int, w: int, tip: str | None = None, object_id=None) -> UIButton:
        return UIButton(
            self._rect(x, w),
            text,
            self.manager,
            self.container,
            tool_tip_text=tip or None,
            object_id=object_id,
        )

    def entry(self, x: int, w: int, text: str = "", placeholder: str = "") -> UITextEntryLine:
        return UITextEntryLine(
            self._rect(x, w),
            self.manager,
            self.container,
            initial_text=text,
            placeholder_text=placeholder or None,
        )

    def dropdown(self, options, start, x: int, w: int) -> UIDropDownMenu:
        return UIDropDownMenu(options, start, self._rect(x, w), self.manager, self.container)

    def checkbox(
        self, text: str, x: int = 0, checked: bool = False, tip: str | None = None
    ) -> UICheckBox:
        return UICheckBox(
            pygame.Rect(self.pad + x, self.y + 5, 18, 18),
            text,
            self.manager,
            self.container,
            initial_state=checked,
            tool_tip_text=tip or None,
        )

    def slider(self, x: int, w: int, start: int, low: int, high: int) -> UIHorizontalSlider:
        return UIHorizontalSlider(
            self._rect(x, w, 24), start, (low, high), self.manager, self.container
        )

    def next_row(self, h: int = ROW + 4) -> None:
        self.y += h


def labelled_entry(
    col: Column,
    text: str,
    x: int,
    label_w: int,
    entry_w: int,
    value: str,
    tip=None,
    placeholder: str = "",
):
    """A right-aligned label followed by a text entry, on the current row; returns the entry."""
    col.label(text, x, label_w, object_id="#field_label")
    entry = col.entry(x + label_w + 2, entry_w, value, placeholder)
    if tip:
        entry.set_tooltip(tip)
    return entry


def select_option(menu: UIDropDownMenu, option: tuple[str, str]) -> None:
    """Show ``option`` as a drop-down's choice, as if the user had picked it (no event)."""
    menu.selected_option = option
    for state in menu.menu_states.values():
        state.selected_option = option
    closed = menu.menu_states["closed"]
    if menu.current_state is closed and closed.selected_option_button is not None:
        closed.selected_option_button.set_text(option[0])


def is_checked(box: UICheckBox) -> bool:
    return bool(box.get_state() is True)


__all__ = ["Column", "labelled_entry", "is_checked", "select_option", "pygame_gui"]

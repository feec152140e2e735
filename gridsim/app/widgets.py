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

from gridsim import limits

ROW = 28


class SteppedSlider(UIHorizontalSlider):
    """An integer slider whose arrow buttons move it one step, and a click on its track one
    step towards the click (pygame_gui's own track ignores clicks); dragging works as usual."""

    def process_event(self, event: pygame.event.Event) -> bool:
        if (
            event.type == pygame.MOUSEBUTTONDOWN
            and event.button == 1
            and self.is_enabled
            and self.visible
            and self.rect.collidepoint(event.pos)
            and not any(
                b is not None and b.rect.collidepoint(event.pos)
                for b in (self.sliding_button, self.left_button, self.right_button)
            )
        ):
            toward = 1 if event.pos[0] > self.sliding_button.rect.centerx else -1
            self.step(toward)
            return True
        return super().process_event(event)

    def step(self, steps: int) -> None:
        """Move ``steps`` steps (clamped to the range) and post the MOVED event a drag posts."""
        low, high = sorted(self.value_range)
        value = int(min(high, max(low, int(self.get_current_value()) + steps)))
        self.set_current_value(value, warn=False)
        pygame.event.post(
            pygame.event.Event(
                pygame_gui.UI_HORIZONTAL_SLIDER_MOVED,
                value=value,
                ui_element=self,
                ui_object_id=self.most_specific_combined_id,
            )
        )


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

    def entry(
        self,
        x: int,
        w: int,
        text: str = "",
        placeholder: str = "",
        max_chars: int = int(limits.NUMBER_TEXT.high),
    ) -> UITextEntryLine:
        """A one-line text box holding at most ``max_chars`` characters (by default a typed
        number's limit: a 5,000-character paste would otherwise stall the UI re-laying its
        text out)."""
        entry = UITextEntryLine(
            self._rect(x, w),
            self.manager,
            self.container,
            initial_text=text,
            placeholder_text=placeholder or None,
        )
        entry.set_text_length_limit(max_chars)
        return entry

    def dropdown(self, options, start, x: int, w: int, object_id=None) -> UIDropDownMenu:
        return UIDropDownMenu(
            options, start, self._rect(x, w), self.manager, self.container, object_id=object_id
        )

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
        return SteppedSlider(self._rect(x, w, 24), start, (low, high), self.manager, self.container)

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


def keep_tooltips_off(manager, keep_clear) -> int:
    """Move any open tooltip that would cover one of the ``keep_clear`` rectangles (a
    validation message, the training status) to a free place: above its widget, else
    below the rectangles it hid. pygame_gui puts a tooltip under its widget, which is
    exactly where the message about that widget's bad value is. The number moved."""
    keep_clear = [pygame.Rect(r) for r in keep_clear if r is not None and r.width and r.height]
    if not keep_clear:
        return 0
    screen = pygame.Rect((0, 0), manager.get_root_container().get_size())
    moved = 0
    for element in manager.get_sprite_group().sprites():
        tip = getattr(element, "tool_tip", None)
        if tip is None or not tip.alive() or tip.rect.collidelist(keep_clear) < 0:
            continue
        above = tip.rect.copy()
        above.bottom = element.rect.top - 2
        below = tip.rect.copy()
        below.top = max(r.bottom for r in keep_clear if tip.rect.colliderect(r)) + 2
        for place in (above, below):
            place.clamp_ip(screen)
            if place.collidelist(keep_clear) < 0:
                tip.set_position(place.topleft)
                moved += 1
                break
    return moved


TOOLTIP_WIDTH = 170
"""pygame_gui's tooltip width, which its text wraps inside (theme tool_tip rect_width)."""
TOOLTIP_MAX_WIDTH = 420
TOOLTIP_PAD = 24
"""The tooltip's text box padding and border, both sides."""


def fit_tooltips(manager) -> int:
    """Widen every tooltip whose translated text holds an unbreakable run wider than the
    tooltip: pygame_gui wraps at spaces only, and cuts a longer run with dashes ("再点一次-"
    / "-回到…": Chinese has no spaces). Call after a language switch; the number widened."""
    from gridsim.app.i18n import t

    font = manager.get_theme().get_font(["tool_tip.text_box", "text_box"])  # what it is drawn in
    widened = 0
    for element in manager.get_sprite_group().sprites():
        text = getattr(element, "tool_tip_text", None)
        if not text:
            continue
        run = max(font.size(part)[0] for part in t(text).split(" "))
        width = (
            min(TOOLTIP_MAX_WIDTH, run + TOOLTIP_PAD) if run + TOOLTIP_PAD > TOOLTIP_WIDTH else None
        )
        if element.tool_tip_wrap_width != width:
            element.tool_tip_wrap_width = width
            widened += width is not None
    return widened

"""The layout file dialog: pygame_gui's UIFileDialog, made modal and safe for a teaching tool.

pygame_gui's dialog already filters by suffix (``allowed_suffixes``) and checks that an
opened file exists; it has no switch for its delete button nor for hidden folders, and is
not modal by default. So this dialog:
- blocks every click outside itself while open (``set_blocking``: the board behind it
  cannot be edited by a stray click);
- has no delete button (opening or saving a layout must never delete a file);
- lists folders and ``*.json`` files only (``suffixes``: agent files use ``.pt``), without
  hidden folders (.git, .cache ...);
- opens where layouts are: the folder last used, else the shipped ``assets/layouts``.
Its colours, fonts and list rows come from ``assets/theme.json`` (``file_dialog`` blocks).
"""

from __future__ import annotations

from pathlib import Path

import pygame
from pygame_gui.windows import UIFileDialog

from gridsim.layout import LAYOUTS_DIR

LAYOUT_SUFFIXES = {".json"}


def layouts_folder() -> Path:
    """The folder of the shipped layouts (assets/layouts)."""
    return Path(LAYOUTS_DIR).resolve()


class LayoutFileDialog(UIFileDialog):
    """A modal dialog to pick a layout file to open, or a name to save one under."""

    def __init__(
        self,
        rect: pygame.Rect,
        manager,
        *,
        title: str,
        start: Path,
        save: bool,
        suffixes: set[str] = LAYOUT_SUFFIXES,
    ):
        super().__init__(
            rect,
            manager,
            window_title=title,
            initial_file_path=str(start),
            allow_existing_files_only=not save,
            allowed_suffixes=set(suffixes),
            always_on_top=True,
        )
        self.set_blocking(True)
        self.delete_button.kill()  # never offered: see the module docstring
        for button, x in ((self.parent_directory_button, 32), (self.refresh_button, 54)):
            button.set_relative_position((x, 10))

    def update_current_file_list(self) -> None:
        """Folders (but not hidden ones) and layout files of the current folder."""
        super().update_current_file_list()
        self.current_file_list = [
            item
            for item in self.current_file_list
            if not (item[0] if isinstance(item, tuple) else item).startswith(".")
        ]

    @property
    def shown_names(self) -> list[str]:
        """The names listed, folders first (for tests and the soak script)."""
        return [item[0] if isinstance(item, tuple) else item for item in self.current_file_list]

"""Checks shared by the commands that open the app (`gui`, `demo`, `python main.py` alone):
window size, frame count, screenshot path and whether there is a display at all.

Each returns a value or raises ``WindowError`` with the one line the command prints after
``error:`` (exit code 2), before the window opens, so nothing runs for nothing.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from gridsim import limits

HEADLESS_DRIVERS = ("offscreen", "dummy")
"""SDL video drivers that draw nowhere a person can see."""


class WindowError(ValueError):
    """A bad window option, or no display: one line for the user."""


def parse_size(text: str) -> tuple[int, int]:
    """(width, height) from 'WxH', each within limits.WINDOW_WIDTH / WINDOW_HEIGHT."""
    parts = text.lower().split("x") if isinstance(text, str) else []
    if len(parts) != 2 or len(text) > limits.NUMBER_TEXT.high:
        raise WindowError(f"--size expects WxH like 1280x800, got {limits.short_repr(text)}")
    try:
        width = limits.parse(limits.WINDOW_WIDTH, parts[0], "--size width")
        height = limits.parse(limits.WINDOW_HEIGHT, parts[1], "--size height")
    except limits.LimitError as e:
        raise WindowError(str(e)) from None
    return width, height


def parse_frames(text: str | None) -> int | None:
    """The --frames count (None: run until the window closes)."""
    if text is None:
        return None
    try:
        return limits.parse(limits.FRAMES, text, "--frames")
    except limits.LimitError as e:
        raise WindowError(str(e)) from None


def check_screenshot(path: str | None) -> None:
    """Create and probe the screenshot's folder now, not after the run."""
    if path is None:
        return
    from gridsim.files import UserFileError, check_output_path

    try:
        check_output_path(path, "file", what="--screenshot")
    except UserFileError as e:
        raise WindowError(str(e)) from None
    if Path(path).suffix.lower() != ".png":
        raise WindowError(
            f"--screenshot saves a PNG: give a name ending in .png, got {limits.short_repr(path)}"
        )


NO_DISPLAY = "no display found; use --headless to run without a window"


def check_display(headless: bool) -> None:
    """Without --headless, refuse to run on a driver that shows nothing.

    With no X11 or Wayland display, SDL silently falls back to its 'offscreen' driver and
    the app would run invisibly forever. On Linux and the BSDs the environment tells
    (neither DISPLAY nor WAYLAND_DISPLAY); then SDL itself is asked which driver it got,
    with its own stderr chatter silenced. A driver the user chose on purpose
    (SDL_VIDEODRIVER=dummy, as the tests do) is respected.
    """
    if headless:
        return
    chosen = os.environ.get("SDL_VIDEODRIVER", "").lower()
    if chosen in HEADLESS_DRIVERS:
        return
    if (
        not chosen
        and sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        raise WindowError(NO_DISPLAY)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    try:
        with _quiet_stderr():
            pygame.display.init()
        driver = pygame.display.get_driver()
    except pygame.error as e:
        raise WindowError(
            f"no display could be opened ({e}); use --headless to run without one"
        ) from None
    if driver in HEADLESS_DRIVERS:
        pygame.display.quit()
        raise WindowError(NO_DISPLAY)


@contextlib.contextmanager
def _quiet_stderr():
    """Silence file descriptor 2 (SDL writes to it directly) for the block."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

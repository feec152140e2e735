"""The Record button and its format menu in the top bar, and the notice that says where a
recording went: the app's face of ``gridsim.app.recorder``.

Record (or the R key) starts recording the current tab's central view (the board, the
cart, or the demo) into the recordings folder, as a GIF or an MP4, with or without the
returns plot beside it; pressing it again stops and saves. The notice (where the file
went) is drawn over the bottom of the central view after the frame is captured, so it never
appears in the video.
"""

from __future__ import annotations

import time
from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UIDropDownMenu

from gridsim.app.draw import style
from gridsim.app.i18n import language, t, translate_message
from gridsim.app.language import RECORD_BUTTON
from gridsim.app.recorder import (
    Recorder,
    RecordingError,
    default_path,
    recordings_folder,
    size_text,
)
from gridsim.app.widgets import select_option

OPTIONS = (
    ("GIF", "gif"),
    ("GIF + plot", "gif+plot"),
    ("MP4", "mp4"),
    ("MP4 + plot", "mp4+plot"),
)
BUTTON_WIDTH = 100
MENU_WIDTH = 112
WIDTH = BUTTON_WIDTH + 4 + MENU_WIDTH
"""The top bar's room for Record and its menu."""
NOTICE_SECONDS = 8.0


def shown_path(path) -> str:
    """``path`` with the home folder written as ~ (shorter in a notice)."""
    path = Path(path)
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def error_text(e: RecordingError) -> str:
    """Why a recording cannot start, in the current language: the path as given, then the
    problem translated on its own, with the OS's reason ("Permission denied") translated
    where the catalog knows it."""
    fields = {k: reason_text(v) if k == "reason" else v for k, v in e.fields.items()}
    problem = t(e.problem, **fields)
    if e.path is None:
        return problem
    return shown_path(e.path) + ("：" if language() == "zh" else ": ") + problem


def reason_text(reason) -> str:
    """The OS's reason ("permission denied", or "FOLDER: not a directory") in the current
    language where the catalog knows it; the path in front is kept as it is."""
    reason = str(reason)
    where, sep, what = reason.rpartition(": ")
    what = what[:1].lower() + what[1:]
    return where + ("：" if language() == "zh" else ": ") * bool(sep) + t(what)


class RecordingControls:
    """Record / Stop, the format menu, and the notice; owns the app's Recorder."""

    def __init__(self, manager, x: int, recorder: Recorder | None = None):
        self.manager = manager
        self.recorder = recorder or Recorder()
        self.choice = "gif"
        self.notice = ""
        self.notice_color = style.TEXT
        self.notice_until = 0.0
        self._label = "● Record"
        self._reported = None
        self.button = UIButton(
            pygame.Rect(x, 7, BUTTON_WIDTH, 30),
            "● Record",
            manager,
            tool_tip_text=self.tip(),
            object_id=RECORD_BUTTON,
        )
        self.menu = UIDropDownMenu(
            list(OPTIONS), OPTIONS[0], pygame.Rect(x + BUTTON_WIDTH + 4, 7, MENU_WIDTH, 30), manager
        )
        self.menu.set_tooltip("record as an animated GIF or an MP4 video, with or without the plot")

    def place(self, x: int) -> None:
        """Put Record at ``x`` in the top bar, its menu beside it."""
        self.button.set_relative_position((x, 7))
        self.menu.set_relative_position((x + BUTTON_WIDTH + 4, 7))

    def tip(self) -> str:
        return t(
            "record the view into {folder} (press again to stop and save) · R",
            folder=shown_path(recordings_folder()),
        )

    @property
    def fmt(self) -> str:
        return self.choice.split("+")[0]

    @property
    def with_plot(self) -> bool:
        return self.choice.endswith("+plot")

    def choose(self, choice: str) -> None:
        """Pick a format (one of OPTIONS' ids), as the menu does."""
        option = next(o for o in OPTIONS if o[1] == choice)
        self.choice = choice
        select_option(self.menu, option)

    # --- commands ----------------------------------------------------------------------
    def toggle(self, label: str, lang: str) -> None:
        """Start recording (to the default folder) or stop and save."""
        if self.recorder.recording:
            self.stop()
        else:
            self.start(default_path(label, lang, self.fmt))

    def start(self, path) -> bool:
        if self.recorder.encoding:
            self.say(t("still saving the last recording; try again in a moment"), error=True)
            return False
        try:
            path = self.recorder.start(path)
        except RecordingError as e:
            self.say(t("cannot record: {e}", e=error_text(e)), error=True)
            return False
        self.say(t("recording to {path}: press R or Stop to save", path=shown_path(path)))
        return True

    def stop(self) -> None:
        self.recorder.stop()
        self.say(t("saving the recording…"))

    def cancel(self) -> str:
        """Cancel a recording in progress (the window is closing); a line for the terminal."""
        if not self.recorder.recording:
            return ""
        self.recorder.cancel()
        return "recording cancelled: the app closed before Stop, so nothing was saved"

    # --- per frame ---------------------------------------------------------------------
    def handle_event(self, event) -> bool:
        if event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED and event.ui_element is self.menu:
            self.choice = event.selected_option_id
            return True
        return False

    def update(self) -> None:
        """The button's label (Record, Stop with the time, saving…) and the result notice."""
        r = self.recorder
        if r.recording:
            seconds = int(r.seconds)
            label = t("■ Stop {m}:{s}", m=seconds // 60, s=f"{seconds % 60:02d}")
        else:
            label = t("saving…") if r.busy else t("● Record")
        if label != self._label:
            self._label = label
            self.button.set_text(label)
            self.menu.enable() if not r.busy else self.menu.disable()
        if r.result is not None and r.result is not self._reported:
            self._reported = r.result
            self.report(r.result)

    def report(self, result) -> None:
        if result.ok:
            w, h = result.size
            text = t(
                "saved {path} ({n} frames, {w}×{h}, {size})",
                path=shown_path(result.path),
                n=result.frames,
                w=w,
                h=h,
                size=size_text(result.bytes),
            )
            if result.dropped:
                text += " " + t("({n} frames skipped: the computer was busy)", n=result.dropped)
            if result.stopped_at_limit:
                text += " " + t("(recordings stop at {s} s)", s=round(result.seconds))
            self.say(text)
        elif result.error != "cancelled":
            self.say(t("the recording failed: {e}", e=translate_message(result.error)), error=True)

    def say(self, text: str, error: bool = False) -> None:
        self.notice = text
        self.notice_color = style.ERROR if error else style.TEXT
        self.notice_until = time.monotonic() + NOTICE_SECONDS

    def relabel(self) -> None:
        """After a language switch: texts with numbers or paths in them."""
        self.button.set_tooltip(self.tip())
        self._label = None

    def draw_notice(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        """The notice across the bottom of ``area`` (the central view), on a pale band that
        covers whole lines of what is below it; drawn after the frame was captured."""
        if not self.notice or time.monotonic() > self.notice_until:
            return
        lines = style.wrap(self.notice, 14, area.width - 40)[:3]
        height = 14 + 19 * len(lines)
        box = pygame.Rect(area.x + 8, area.bottom - height - 8, area.width - 16, height)
        surface.fill((255, 252, 235), box)
        border = style.ERROR if self.notice_color == style.ERROR else (230, 200, 120)
        pygame.draw.rect(surface, border, box, 1, border_radius=4)
        style.blit_lines(surface, lines, (box.x + 12, box.y + 7), 14, self.notice_color, gap=2)

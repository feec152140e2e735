"""The window: one UIManager, a top bar of tabs, the scenes, and the main loop.

``App.frame()`` runs one iteration (events, update, draw, flip), so tests and the
headless mode drive the very same loop by posting pygame events between frames.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UILabel, UITextEntryLine

from gridsim import limits
from gridsim.app import language as app_language
from gridsim.app.draw import style
from gridsim.app.garbage import Collector
from gridsim.app.panels.recording import WIDTH as RECORD_WIDTH
from gridsim.app.panels.recording import RecordingControls
from gridsim.app.scenes.base import TOP_BAR
from gridsim.app.ui_manager import UIManager
from gridsim.app.widgets import fit_tooltips, keep_tooltips_off

THEME = Path(__file__).resolve().parents[2] / "assets" / "theme.json"
DEFAULT_SIZE = (1280, 800)
MIN_SIZE = (int(limits.WINDOW_WIDTH.low), int(limits.WINDOW_HEIGHT.low))
SCENES = ("gridworld", "cartpole", "demos", "compare")
TABS = (
    ("gridworld", "Gridworld"),
    ("cartpole", "CartPole"),
    ("demos", "Demos"),
    ("compare", "Compare"),
)
LANGUAGES = (("en", "English"), ("zh", "中文"))
TAB_KEYS = {
    pygame.K_1: "gridworld",
    pygame.K_2: "cartpole",
    pygame.K_3: "demos",
    pygame.K_4: "compare",
}
# what the user does that may rebuild widgets (see gridsim.app.garbage)
INPUT_EVENTS = (pygame.MOUSEBUTTONUP, pygame.KEYUP, pygame.TEXTINPUT, pygame.VIDEORESIZE)


class App:
    """The GridSim window and its scenes.

    ``factory`` builds trainers (default: agents.process_trainer.ProcessTrainer: training
    runs in a child process, so this process never imports torch);
    ``demo`` is the demo the Demos tab opens on; ``lang`` the language (default: the one
    remembered), and ``remember`` whether a switch is saved; ``fixed_dt`` (seconds) makes
    every frame advance the scenes by the same step, paced at that rate (headless runs
    then show the same moment after N frames, and a trainer thread still gets real time).
    """

    def __init__(
        self,
        size=DEFAULT_SIZE,
        scene: str = "gridworld",
        factory=None,
        world=None,
        fps: int = 60,
        demo: str | None = None,
        lang: str | None = None,
        remember: bool = True,
        fixed_dt: float | None = None,
    ):
        pygame.display.init()
        pygame.font.init()
        self.fps = fps
        self.remember = remember
        self.fixed_dt = fixed_dt
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        pygame.display.set_caption("GridSim")
        self.size = self.screen.get_size()
        self.manager = UIManager(self.size, str(THEME))
        app_language.add_cjk_fonts(self.manager)
        self.language = lang or app_language.saved_language()
        app_language.set_language(self.language, self.manager, remember=False)
        self.clock = pygame.time.Clock()
        self.frames = 0
        self.running = True
        self.first_frame_at: float | None = None
        self.frame_times: list[float] = []
        self.collector = Collector()
        self._build_top_bar()
        from gridsim.app.scenes.cartpole import CartPoleScene
        from gridsim.app.scenes.compare import CompareScene
        from gridsim.app.scenes.demos import DemosScene
        from gridsim.app.scenes.gridworld import GridworldScene

        self.scenes = {
            "gridworld": GridworldScene(self.manager, self.size, world=world, factory=factory),
            "cartpole": CartPoleScene(self.manager, self.size, factory=factory),
            "demos": DemosScene(self.manager, self.size, factory=factory, demo=demo),
            "compare": CompareScene(
                self.manager, self.size, world_source=lambda: self.scenes["gridworld"].world
            ),
        }
        self.current = ""
        for each in self.scenes.values():
            each.hide()
        self.switch(scene)
        fit_tooltips(self.manager)

    def _build_top_bar(self) -> None:
        """Title, one tab per scene, and the English / 中文 switch at the right end. Texts are
        English: pygame_gui re-labels them when the language changes."""
        UILabel(pygame.Rect(12, 8, 110, 28), "GridSim", self.manager, object_id="#topbar_title")
        self.tabs = {}
        for i, (name, title) in enumerate(TABS):
            self.tabs[name] = UIButton(
                pygame.Rect(130 + i * 136, 6, 130, 34),
                title,
                self.manager,
                tool_tip_text=f"Ctrl+{i + 1}",
                object_id="#tab",
            )
        self.recording = RecordingControls(self.manager, 0)
        self.language_buttons = {}
        for code, name in LANGUAGES:
            self.language_buttons[code] = UIButton(
                pygame.Rect(0, 7, 90, 30),
                name,
                self.manager,
                object_id=app_language.LANGUAGE_BUTTON,
            )
        self._place_top_bar()
        self.language_buttons[self.language].select()

    def _place_top_bar(self) -> None:
        """Tabs from the left, the language switch at the right end, Record and its format
        menu right after the tabs: the tabs narrow (130 px down to 104) so that all of it
        fits at 1024 px."""
        w = self.size[0]
        room = w - 130 - 200 - 10 - RECORD_WIDTH
        tab = max(104, min(130, room // len(TABS) - 6))
        for i, button in enumerate(self.tabs.values()):
            button.set_relative_position((130 + i * (tab + 6), 6))
            button.set_dimensions((tab, 34))
        self.recording.place(130 + len(TABS) * (tab + 6) + 4)
        for i, button in enumerate(self.language_buttons.values()):
            button.set_relative_position((w - 200 + i * 94, 7))

    def set_language(self, code: str) -> None:
        """Switch every label, caption, tooltip and message to ``code`` ('en' or 'zh')."""
        app_language.set_language(code, self.manager, remember=self.remember)
        self.language = code
        for c, button in self.language_buttons.items():
            button.select() if c == code else button.unselect()
        for scene in self.scenes.values():
            scene.panel.relabel()
        self.recording.relabel()
        fit_tooltips(self.manager)

    @property
    def scene(self):
        return self.scenes[self.current]

    def switch(self, name: str) -> None:
        """Show scene ``name``; the other scenes' training is paused (one trainer at a time
        keeps the UI smooth on two cores)."""
        if name not in self.scenes:
            raise ValueError(f"unknown scene {name!r} (choose from {', '.join(SCENES)})")
        if name == self.current:
            return
        if self.current:
            self.scene.hide()
            self.scene.panel.controller.pause()
            self.tabs[self.current].unselect()
        self.current = name
        self.scene.layout(self.size)
        self.scene.show()
        self.tabs[name].select()

    def resize(self, size) -> None:
        w, h = max(MIN_SIZE[0], size[0]), max(MIN_SIZE[1], size[1])
        if (w, h) != tuple(size):
            self.screen = pygame.display.set_mode((w, h), pygame.RESIZABLE)
        self.size = (w, h)
        self.manager.set_window_resolution(self.size)
        self._place_top_bar()
        for scene in self.scenes.values():
            scene.layout(self.size)

    # --- the loop ------------------------------------------------------------------
    def frame(self) -> bool:
        """One iteration of the main loop; False once the user closed the window."""
        started = time.perf_counter()
        if self.fixed_dt is None:
            dt = self.clock.tick(self.fps) / 1000.0
        else:
            self.clock.tick(round(1 / self.fixed_dt))
            dt = self.fixed_dt
        for event in pygame.event.get():
            if event.type in INPUT_EVENTS:
                self.collector.note_input()
            self.handle_event(event)
        if not self.running:
            return False
        self.manager.update(dt)
        self.scene.update(dt)
        keep_tooltips_off(self.manager, self.scene.keep_clear())
        self._follow_agent_redirect()
        self.recording.update()
        self.draw(self.screen)
        recorder = self.recording.recorder
        if recorder.recording:
            recorder.capture(self.screen, self.scene.record_rects(self.recording.with_plot), dt)
        # after the capture: never in the video
        self.recording.draw_notice(self.screen, self.scene.center_rect)
        pygame.display.flip()
        self.collector.maybe_collect()
        self.frames += 1
        if self.first_frame_at is None:
            self.first_frame_at = time.perf_counter()
        self.frame_times.append(time.perf_counter() - started)
        if len(self.frame_times) > 10_000:
            del self.frame_times[:5_000]
        return True

    def handle_event(self, event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
            return
        if event.type == pygame.VIDEORESIZE:
            self.resize(event.size)
            return
        consumed = self.manager.process_events(event)
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            for name, tab in self.tabs.items():
                if event.ui_element is tab:
                    self.switch(name)
                    return
            for code, button in self.language_buttons.items():
                if event.ui_element is button:
                    self.set_language(code)
                    return
            if event.ui_element is self.recording.button:
                self.toggle_recording()
                return
        if self.recording.handle_event(event):
            return
        if consumed and event.type == pygame.MOUSEBUTTONDOWN:
            return  # (a button-up always reaches the scene: a drag may end over a widget)
        if event.type in (pygame.KEYDOWN, pygame.KEYUP) and self.typing():
            return  # the keys belong to a text box
        if event.type == pygame.KEYDOWN and self.modal_open():
            if event.key == pygame.K_q and event.mod & pygame.KMOD_CTRL:
                self.running = False
            return  # a modal dialog (the layout file dialog) has the keyboard
        if event.type == pygame.KEYDOWN and self.shortcut(event.key, event.mod):
            return
        self.scene.handle_event(event)

    def shortcut(self, key: int, mod: int) -> bool:
        """The keyboard's way to the buttons (their tooltips name the keys): Space runs or
        pauses, S steps, Ctrl+R resets, Ctrl+O / Ctrl+S open / save a layout, Ctrl+Shift+O /
        Ctrl+Shift+S open / save an agent, R records, I opens or closes the update inspector,
        Ctrl+1..4 switch tabs, Ctrl+Q quits. True when ``key`` was one of them."""
        ctrl = bool(mod & pygame.KMOD_CTRL)
        if ctrl and key == pygame.K_q:
            self.running = False
            return True
        if ctrl and key in TAB_KEYS:
            self.switch(TAB_KEYS[key])
            return True
        if key == pygame.K_r and not ctrl:
            self.toggle_recording()
            return True
        panel, scene = self.scene.panel, self.scene
        if key == pygame.K_SPACE and not ctrl:
            running = hasattr(panel, "run") and panel.controller.status() == "running"
            button = getattr(panel, "pause" if running else "run", None)
        elif key == pygame.K_s and not ctrl:
            button = getattr(panel, "step", None)
        elif key == pygame.K_r and ctrl:
            button = getattr(panel, "reset", None)
        elif key in (pygame.K_o, pygame.K_s) and ctrl and mod & pygame.KMOD_SHIFT:
            files = getattr(panel, "agent_files", None)
            button = getattr(files, "open_button" if key == pygame.K_o else "save_button", None)
        elif key in (pygame.K_o, pygame.K_s) and ctrl:
            button = getattr(scene, "open_button" if key == pygame.K_o else "save_button", None)
        elif key == pygame.K_i and not ctrl:
            inspector = getattr(scene, "inspector", None)
            button = getattr(panel, "inspect", None)
            if inspector is not None and inspector.is_open:
                button = inspector.close_button
        else:
            return False
        if button is None or not button.visible or not button.is_enabled:
            return False
        # the same event a click makes, so the scene reacts exactly as to a click
        scene.handle_event(pygame.event.Event(pygame_gui.UI_BUTTON_PRESSED, ui_element=button))
        return True

    def modal_open(self) -> bool:
        """True while a blocking window (the layout file dialog) is open."""
        stack = self.manager.get_window_stack().get_full_stack()
        return any(getattr(w, "is_blocking", False) and w.alive() for w in stack)

    # --- agent files ---------------------------------------------------------------
    def open_agent(self, path) -> None:
        """Open an agent file in the current tab (the Gridworld tab from the Demos tab); a
        file for the other env moves on to that tab by itself."""
        if getattr(self.scene.panel, "agent_files", None) is None:
            self.switch("gridworld")
        self.scene.panel.agent_files.open(path)

    def _follow_agent_redirect(self) -> None:
        """The file just opened holds an agent for the other env: open it in that tab."""
        files = getattr(self.scene.panel, "agent_files", None)
        if files is None or files.redirect is None:
            return
        env, path = files.redirect
        files.redirect = None
        if env in self.scenes and env != self.current:
            self.switch(env)
            self.scene.panel.agent_files.open(path)

    # --- recording -----------------------------------------------------------------
    def record_label(self) -> str:
        """What a recording's default file name says it shows: the tab, or the demo."""
        if self.current == "demos" and getattr(self.scene, "demo", None) is not None:
            return f"demo-{self.scene.demo.key}"
        return self.current

    def toggle_recording(self) -> None:
        """Record / Stop (the button and the R key): into the recordings folder."""
        self.recording.toggle(self.record_label(), self.language)

    def start_recording(self, path) -> bool:
        """Record from the next frame on into ``path`` (.gif or .mp4), as --record does."""
        return self.recording.start(path)

    def finish_recording(self, timeout: float = 120.0):
        """Stop recording and wait until the file is written; the RecordingResult (None if
        nothing was recording)."""
        result = self.recording.recorder.stop(wait=True, timeout=timeout)
        self.recording.update()
        return result

    def typing(self) -> bool:
        """True while a text box has the keyboard focus."""
        return any(isinstance(e, UITextEntryLine) for e in self.manager.get_focus_set() or ())

    def draw(self, surface: pygame.Surface) -> None:
        self.scene.draw(surface)  # a scene paints everything below the top bar
        surface.fill(style.TOPBAR, (0, 0, self.size[0], TOP_BAR))
        self.manager.draw_ui(surface)

    def run(self, frames: int | None = None) -> int:
        """Run until the window closes (or for ``frames`` frames); the number of frames drawn."""
        while self.running and (frames is None or self.frames < frames):
            if not self.frame():
                break
        return self.frames

    def screenshot(self, path) -> None:
        """Save the last drawn frame as PNG, atomically (gridsim.files.open_atomically: the
        file keeps its mode, a symlink is written through)."""
        from gridsim.files import open_atomically

        with open_atomically(path) as f:
            pygame.image.save(self.screen, f, "screenshot.png")

    def close(self, timeout: float = 0.6) -> None:
        """Stop every trainer and close the window: all trainers are told to stop at once,
        then waited for together for at most ``timeout`` seconds (their threads are daemons,
        so a long update in flight cannot hold the process open)."""
        cancelled = self.recording.cancel()
        if cancelled:
            print(cancelled, file=sys.stderr)
        elif self.recording.recorder.busy:  # Stop was pressed: let the file be finished
            self.recording.recorder.stop(wait=True, timeout=30.0)
        pending = [scene.panel.controller.request_stop() for scene in self.scenes.values()]
        deadline = time.perf_counter() + timeout
        for trainer in pending:
            if trainer is not None:
                try:
                    trainer.stop(timeout=max(0.0, deadline - time.perf_counter()))
                except Exception:  # noqa: BLE001 - closing must not fail
                    pass
        for scene in self.scenes.values():
            scene.close()
        pygame.display.quit()

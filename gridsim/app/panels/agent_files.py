"""Open agent… / Save agent… in a training panel: the app's side of ``agent.pt`` files.

The UI never reads or writes an agent file itself (that needs torch): it picks a path,
sends it to the trainer (``TrainingController.open_agent`` / ``save_agent``) with a token,
and acts once on the report that comes back in the snapshot (``Snapshot.agent_file``).
An opened agent brings its algorithm, world, seed and hyper-parameters, and the app takes
them over: a policy only means something on the world and with the algorithm it was trained
with, so asking to open it is asking to see that agent, not to squeeze it into the current
settings. A file for the other env is handed to the other tab (``redirect``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.elements import UIButton

from gridsim.app.draw import style
from gridsim.app.file_dialog import LayoutFileDialog
from gridsim.app.i18n import language, t, translate_message

BUTTON_WIDTH = 110
DEFAULT_NAME = "agent.pt"


class AgentFiles:
    """Two buttons, one file dialog, and the outcome of the last open/save as a status line.

    ``on_opened(snapshot)`` is called once when an agent was opened (the scene takes over
    its world, the panel its algorithm and boxes). ``redirect`` is (env, path) when the file
    holds an agent for the other env; the App opens it in that tab.
    """

    def __init__(self, manager, container, env: str, controller, width: int):
        self.manager = manager
        self.env = env
        self.controller = controller
        self.on_opened = None
        self.redirect: tuple[str, str] | None = None
        self.message = ""
        self.color = style.MUTED
        self.pending: tuple[int, str] | None = None  # (token, action) awaiting its report
        self._dialog = None
        self._dialog_kind = ""
        self.folder: Path | None = None  # where the dialog was used last
        x = width - 2 * BUTTON_WIDTH - 4 + 10
        self.open_button = UIButton(
            pygame.Rect(x, 3, BUTTON_WIDTH, 25),
            "Open agent…",
            manager,
            container,
            tool_tip_text="open an agent.pt (from train or Save agent…): its algorithm, world, "
            "policy and history · Ctrl+Shift+O",
        )
        self.save_button = UIButton(
            pygame.Rect(x + BUTTON_WIDTH + 4, 3, BUTTON_WIDTH, 25),
            "Save agent…",
            manager,
            container,
            tool_tip_text="save this agent (policy, settings, history) as agent.pt · Ctrl+Shift+S",
        )

    # --- commands ----------------------------------------------------------------------
    def open(self, path) -> None:
        """Ask the trainer to open ``path``; the outcome arrives with a later snapshot."""
        path = str(Path(path).expanduser())
        token = self.controller.open_agent(path)
        if token:
            self.pending = (token, "open")
            self._say(t("opening {name}…", name=Path(path).name))
        else:
            self._say(self.controller.error or t("training is not available"), error=True)

    def save(self, path) -> None:
        path = Path(path).expanduser()
        if path.suffix.lower() != ".pt":
            self._say(t("{name}: an agent file ends in .pt", name=path.name), error=True)
            return
        token = self.controller.save_agent(str(path))
        if not token:
            self._say(t("nothing to save yet: train first"), error=True)
            return
        self.pending = (token, "save")
        self._say(t("saving {name}…", name=path.name))

    def _say(self, text: str, error: bool = False, ok: bool = False) -> None:
        self.message = text
        self.color = style.ERROR if error else style.OK if ok else style.MUTED

    # --- events ------------------------------------------------------------------------
    def handle_event(self, event) -> bool:
        """True when the event was one of these buttons or the dialog."""
        et = event.type
        if et == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in (
            self.open_button,
            self.save_button,
        ):
            self.open_dialog("open" if event.ui_element is self.open_button else "save")
            return True
        if self._dialog is not None and getattr(event, "ui_element", None) is self._dialog:
            if et == pygame_gui.UI_FILE_DIALOG_PATH_PICKED:
                kind, self._dialog = self._dialog_kind, None
                self.folder = Path(event.text).parent
                self.open(event.text) if kind == "open" else self.save(event.text)
                return True
            if et == pygame_gui.UI_WINDOW_CLOSE:
                self._dialog = None
                return True
        return False

    def open_dialog(self, kind: str) -> None:
        """The modal file dialog (.pt files), in the folder last used (else the current one)."""
        if self._dialog is not None:
            self._dialog.kill()
        w, h = self.manager.get_root_container().get_size()
        rect = pygame.Rect(0, 0, min(640, w - 40), min(500, h - 80))
        rect.center = (w // 2, h // 2)
        folder = self.folder or Path.cwd()
        self._dialog = LayoutFileDialog(
            rect,
            self.manager,
            title=t("Open an agent (*.pt)") if kind == "open" else t("Save the agent as (*.pt)"),
            start=folder / DEFAULT_NAME if kind == "save" else folder,
            save=kind == "save",
            suffixes={".pt"},
        )
        self._dialog_kind = kind

    # --- per frame ---------------------------------------------------------------------
    def update(self, snapshot) -> None:
        """Act on the report of the command in flight, once."""
        report = getattr(snapshot, "agent_file", None) if snapshot is not None else None
        if self.pending is None or report is None or report.token != self.pending[0]:
            return
        self.pending = None
        name = Path(report.path).name
        if report.ok and report.action == "open":
            if self.on_opened is not None:
                self.on_opened(snapshot)
            self._say(opened_text(name, snapshot), ok=True)
        elif report.ok:
            self._say(t("saved {name} (update {u})", name=name, u=snapshot.update), ok=True)
        elif report.action == "open" and report.env and report.env != self.env:
            self.redirect = (report.env, report.path)
            self._say(t("{name} holds a {env} agent: opening it there", name=name, env=report.env))
        else:
            self._say(refusal_text(report.message), error=True)

    def forget(self) -> None:
        """Reset: the line about the agent opened or saved goes (one still in flight stays)."""
        if self.pending is None:
            self.message = ""

    def status_line(self) -> tuple[str, tuple] | None:
        return (self.message, self.color) if self.message else None

    def close(self) -> None:
        if self._dialog is not None:
            self._dialog.kill()
            self._dialog = None


def opened_text(name: str, snapshot) -> str:
    """'opened agent.pt: ppo on the 3x3 gridworld, update 68' in the current language."""
    world = snapshot.world
    if world is not None:
        return t(
            "opened {name}: {algo} on the {r}×{c} gridworld, update {u}",
            name=name,
            algo=snapshot.algo,
            r=world.rows,
            c=world.cols,
            u=snapshot.update,
        )
    return t(
        "opened {name}: {algo} on CartPole, update {u}",
        name=name,
        algo=snapshot.algo,
        u=snapshot.update,
    )


def refusal_text(message: str) -> str:
    """The trainer's reason for refusing a file ("PATH: what is wrong (why)"), in the current
    language, naming the file rather than its whole path. Split here rather than matched as
    one template: a general "{a}: {b}" template elsewhere in the catalog would take it."""
    path, sep, problem = message.partition(": ")
    if not sep or "/" not in path and "." not in path:
        return translate_message(message)
    m = re.fullmatch(r"(?P<what>[^(]+?) \((?P<why>.*)\)", problem)
    if m and t(m["what"] + " ({reason})") != m["what"] + " ({reason})":
        problem = t(m["what"] + " ({reason})", reason=translate_message(m["why"]))
    else:
        problem = translate_message(problem)
    return Path(path).name + ("：" if language() == "zh" else ": ") + problem

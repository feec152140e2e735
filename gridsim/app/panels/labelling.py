"""The labelling panel: you are the human whose preferences DPO, KTO and RLHF learn from.

DPO and RLHF get *pairs*: two trajectories of the current policy from the same start
(their log-ratios r_theta(tau) = sum_t log pi_theta(a_t|s_t) - log pi_ref(a_t|s_t) can
only be compared when the start state, and with it the dynamics, is shared), drawn side
by side: press 1 if the left one is better, 2 if the right one is, 0 to skip, or click
the better board. KTO gets one trajectory and a verdict: Y (good, desirable) or N (bad).
Every label goes to the trainer at once (``TrainingController.add_preferences``), which
then does UPDATES_PER_LABEL updates on all labels given so far and waits for the next.
Open... / Save... read and write them as JSON Lines with TRL's field names
(``gridsim.preferences``).

Trajectories are sampled in the UI process, with numpy (``gridsim.labelling``), from the
latest snapshot's pi(a|s), so what you judge is what the policy does now.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pygame
import pygame_gui
from pygame_gui.core import UIContainer
from pygame_gui.elements import UIButton, UICheckBox

from gridsim.app.animation import Animation
from gridsim.app.draw import board as draw_board
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import preferences as draw_prefs
from gridsim.app.draw import style
from gridsim.app.file_dialog import LayoutFileDialog
from gridsim.app.i18n import language, t
from gridsim.labelling import EXPLORE, LabelItem, sample_item, uniform
from gridsim.preferences import (
    Judgement,
    Pair,
    PreferenceFileError,
    read_judgements,
    read_pairs,
    write_judgements,
    write_pairs,
)
from gridsim.trajectory import Trajectory
from gridsim.world import N_ACTIONS, World, state_name

PAIR_ALGOS = ("dpo", "rlhf")
SINGLE_ALGOS = ("kto",)
LABEL_SUFFIXES = {".jsonl"}
STEPS_PER_SECOND = 4.0
HEAD = 44  # header and counter (Chinese lines are taller)
CAPTION = 24  # above each board: its number and return (a Chinese line is 22 pixels)
FOOT = 104  # below the boards: the label buttons, the file row, the message
NOTE = 30  # between the boards and the buttons: a two-line note (see LabellingPanel.note)
BUTTON_H = 30
LEARN_SECONDS = 5.0
"""The longest the next item waits for a label's updates without a sign of progress (a stuck
or failed run). A run that is still starting (its child process importing torch: many seconds
on a busy machine) or that still reports new updates is waited for, up to LEARN_MAX_SECONDS."""
LEARN_MAX_SECONDS = 60.0
UPDATES_PER_LABEL = 20
"""Updates the run does after each label, on all labels so far, before it waits for the next
(bench/bench_preferences.py's --updates-per-label default, and the trainer's own
``updates_per_label``: a "human" run also stops by itself, "waiting for labels", once they are
spent, so Run cannot train on past them). Training on at full speed while a person thinks would
fit the few labels there are hundreds of times over: the policy drifts to routes nobody
preferred."""
MIN_SIDE_CELL = 40
"""Below this many pixels per cell, two boards side by side are too small to read (a 10x10
world in a 1024-pixel window): the pair is drawn in its two colours on the scene's board."""


COLORS = (draw_prefs.FIRST, draw_prefs.SECOND)
BUTTON_TEXTS = ("1 is better", "0: skip", "2 is better", "Y: good", "N: bad", "hide rewards")
BUTTON_TEXTS += ("Open labels…", "Save labels…")
"""The panel's widget texts, in English (pygame_gui shows the catalog's translation)."""


def label_kind(algo: str) -> str | None:
    """'pair' (dpo, rlhf), 'single' (kto) or None (an algorithm that takes no labels)."""
    if algo in PAIR_ALGOS:
        return "pair"
    if algo in SINGLE_ALGOS:
        return "single"
    return None


class LabellingPanel:
    """Two boards (or one, for KTO), the label buttons and keys, the counter and the
    label files. The scene gives it a rect, the world and the current pi every frame."""

    def __init__(self, manager, controller, seed: int = 0):
        self.manager = manager
        self.controller = controller
        self.rng = np.random.default_rng(seed)
        self.kind: str | None = None
        self.world: World | None = None
        self.pi: np.ndarray | None = None
        self.item: LabelItem | None = None
        self.anim = Animation(1, STEPS_PER_SECOND, 1.0)
        self.hide_rewards = False
        self.waiting = False  # the run waits for its first label
        self.updates: int | None = None  # the run's update count, from its latest snapshot
        self.learning: tuple[int, float, float] | None = None
        """(update to wait for, deadline without progress, the last deadline) after a label."""
        self.seen_updates: int | None = None  # the update count seen while learning
        self.skipped = 0
        self.message, self.message_color = "", style.MUTED
        self.message_rect: pygame.Rect | None = None  # where the message was drawn last
        self.rect = pygame.Rect(0, 0, 300, 300)
        self.shared: draw_grid.GridGeometry | None = None
        self.geos: list[draw_grid.GridGeometry] = []
        self.thumbs: dict[bool, pygame.Rect] = {}
        self._pictures = draw_board.PictureCache(4)  # the boards' cells and labels
        self._tags: dict[int, tuple] = {}  # board -> (what it was placed for, its reward tags)
        self._dialog = None
        self._dialog_kind = ""
        self._dialog_folder: Path | None = None
        self.visible = False
        self.container = UIContainer(pygame.Rect(0, 0, 300, 300), manager)
        c = self.container
        self.first_button = UIButton(
            pygame.Rect(0, 0, 10, BUTTON_H),
            "1 is better",
            manager,
            c,
            tool_tip_text="trajectory 1 (blue) is better · 1 (or click its board)",
        )
        self.skip_button = UIButton(
            pygame.Rect(0, 0, 10, BUTTON_H),
            "0: skip",
            manager,
            c,
            tool_tip_text="no label: show another · 0",
        )
        self.second_button = UIButton(
            pygame.Rect(0, 0, 10, BUTTON_H),
            "2 is better",
            manager,
            c,
            tool_tip_text="trajectory 2 (orange) is better · 2 (or click its board)",
        )
        self.good_button = UIButton(
            pygame.Rect(0, 0, 10, BUTTON_H),
            "Y: good",
            manager,
            c,
            tool_tip_text="a trajectory you want more of (desirable) · Y",
        )
        self.bad_button = UIButton(
            pygame.Rect(0, 0, 10, BUTTON_H),
            "N: bad",
            manager,
            c,
            tool_tip_text="a trajectory you want less of (undesirable) · N",
        )
        self.hide_box = UICheckBox(
            pygame.Rect(0, 0, 18, 18),
            "hide rewards",
            manager,
            c,
            tool_tip_text="judge the routes alone, not their rewards",
        )
        self.open_button = UIButton(
            pygame.Rect(0, 0, 10, BUTTON_H),
            "Open labels…",
            manager,
            c,
            tool_tip_text="add labels from a JSON Lines file (TRL's fields)",
        )
        self.save_button = UIButton(
            pygame.Rect(0, 0, 10, BUTTON_H),
            "Save labels…",
            manager,
            c,
            tool_tip_text="write the labels given so far to a JSON Lines file",
        )
        self.hide()

    # --- labels, as the controller keeps them ----------------------------------------------
    @property
    def pairs(self) -> list[Pair]:
        return self.controller.pairs

    @property
    def judgements(self) -> list[Judgement]:
        return self.controller.judgements

    def count(self) -> int:
        """Labels given for the current kind (pairs for dpo/rlhf, verdicts for kto)."""
        return len(self.judgements) if self.kind == "single" else len(self.pairs)

    # --- layout ------------------------------------------------------------------------
    @staticmethod
    def side_cell(rect: pygame.Rect, world: World) -> int:
        """The cell size two boards side by side would get in ``rect``."""
        height = rect.height - HEAD - FOOT - NOTE
        area = pygame.Rect(rect.x, rect.y + HEAD, (rect.width - 16) // 2, height)
        return draw_prefs.tile_boards(area, 1, *world.shape, title=CAPTION)[0].cell

    @staticmethod
    def margins() -> tuple[int, int]:
        """(above, below) the scene's board that the panel needs when it draws on that board."""
        return HEAD + CAPTION, FOOT + NOTE

    def layout(self, rect: pygame.Rect, shared: draw_grid.GridGeometry | None = None) -> None:
        """The panel in ``rect``: its own boards side by side, or, given ``shared`` (the
        scene's board, inside ``rect``), the pair drawn in two colours on that board."""
        self.rect = pygame.Rect(rect)
        self.shared = shared
        r = self.rect
        self.container.set_relative_position((r.x, r.bottom - FOOT))
        self.container.set_dimensions((r.width, FOOT))
        w = (r.width - 8) // 3
        icon = 26  # room for the drawn thumb before "Y: good" and "N: bad"
        y = 4
        self.first_button.set_relative_position((0, y))
        self.first_button.set_dimensions((w, BUTTON_H))
        self.skip_button.set_relative_position((w + 4, y))
        self.skip_button.set_dimensions((w, BUTTON_H))
        self.second_button.set_relative_position((2 * (w + 4), y))
        self.second_button.set_dimensions((r.width - 2 * (w + 4), BUTTON_H))
        self.good_button.set_relative_position((icon, y))
        self.good_button.set_dimensions((w - icon, BUTTON_H))
        self.bad_button.set_relative_position((2 * (w + 4) + icon, y))
        self.bad_button.set_dimensions((r.width - 2 * (w + 4) - icon, BUTTON_H))
        self.thumbs = {
            True: pygame.Rect(r.x, r.bottom - FOOT + y + 3, icon - 2, BUTTON_H - 6),
            False: pygame.Rect(r.x + 2 * (w + 4), r.bottom - FOOT + y + 3, icon - 2, BUTTON_H - 6),
        }
        y += BUTTON_H + 8
        self.hide_box.set_relative_position((0, y + 6))
        half = (r.width - 150) // 2
        self.open_button.set_relative_position((146, y))
        self.open_button.set_dimensions((half, BUTTON_H))
        self.save_button.set_relative_position((150 + half, y))
        self.save_button.set_dimensions((r.width - 150 - half, BUTTON_H))
        self.message_y = r.bottom - FOOT + y + BUTTON_H + 6
        self._place_boards()

    def _place_boards(self) -> None:
        if self.world is None:
            self.geos = []
            return
        if self.shared is not None:
            self.geos = [self.shared]
            return
        r = self.rect
        area = pygame.Rect(r.x, r.y + HEAD, r.width, r.height - HEAD - FOOT - NOTE)
        count = 1 if self.kind == "single" else 2
        # a pair always side by side (1 left, 2 right), whatever the grid's shape
        width = (area.width - 16 * (count - 1)) // count
        geos = []
        for k in range(count):
            column = pygame.Rect(area.x + k * (width + 16), area.y, width, area.height)
            geos.extend(draw_prefs.tile_boards(column, 1, *self.world.shape, title=CAPTION))
        self.geos = geos

    def show(self) -> None:
        self.visible = True
        self.container.show()
        self._show_buttons()

    def hide(self) -> None:
        self.visible = False
        self.container.hide()
        if self._dialog is not None:
            self._dialog.kill()
            self._dialog = None

    def _show_buttons(self) -> None:
        pair = self.kind != "single"
        for b in (self.first_button, self.second_button):
            b.show() if pair else b.hide()
        for b in (self.good_button, self.bad_button):
            b.hide() if pair else b.show()
        enabled = self.labelable()
        for b in (self.first_button, self.second_button, self.good_button, self.bad_button):
            b.enable() if enabled else b.disable()
        # skipping draws another item: not while the run still learns from the last label
        self.skip_button.enable() if self.learning is None else self.skip_button.disable()

    def labelable(self) -> bool:
        """Whether the item on show can take a label now (not while the run learns)."""
        item = self.item
        return item is not None and not item.same and not item.empty and self.learning is None

    # --- per frame ---------------------------------------------------------------------
    def update(
        self,
        dt: float,
        world: World,
        pi: np.ndarray | None,
        kind: str | None,
        prefs=None,
        updates: int | None = None,
    ) -> None:
        """Follow the scene: a new world or a new kind of label shows a new item. ``prefs`` is
        the run's latest ``preferences`` snapshot field (None before it has one), ``updates``
        its update count: after a label, the next item waits for the updates it bought."""
        self.waiting = bool(getattr(prefs, "waiting", False))
        self.updates = updates
        if pi is None or np.shape(pi) != (world.n_states, N_ACTIONS):
            pi = uniform(world.n_states)
        self.pi = pi
        reshaped = self.world is None or self.world.shape != world.shape
        if world != self.world or kind != self.kind:
            self.world, self.kind = world, kind
            if reshaped:
                self._place_boards()
            self.next_item()
            if self.visible:
                self._show_buttons()
        if self.learning is not None and self._learnt(updates):
            self.learning = None
            self.next_item()  # (shows the buttons again)
        if kind is not None and self.item is not None:
            if self.anim.update(dt):
                self.anim = Animation(self._longest(), STEPS_PER_SECOND, 1.0)

    def _learnt(self, updates: int | None) -> bool:
        """Whether the updates the last label bought are done (or will not come: no run, a
        failed or finished one, no progress for LEARN_SECONDS)."""
        target, deadline, last = self.learning
        if updates is not None and updates >= target:
            return True
        if self.controller.trainer is None:
            return True
        snap = self.controller.latest()
        if snap is not None and snap.status in ("failed", "finished"):
            return True
        now = time.monotonic()
        starting = snap is None or snap.status == "idle" or snap.message == "loading"
        if starting or updates != self.seen_updates:  # still on its way: wait on
            self.seen_updates = updates
            deadline = now + LEARN_SECONDS
            self.learning = (target, deadline, last)
        return now > min(deadline, last)

    def _longest(self) -> int:
        return max(1, max(len(tr) for tr in self.item.trajectories))

    def next_item(self) -> None:
        """Sample what to label next from the current policy."""
        if self.world is None or self.kind is None:
            self.item = None
            return
        self._place_boards()
        self.item = sample_item(self.world, self.pi, self.kind, self.rng)
        self.anim = Animation(self._longest(), STEPS_PER_SECOND, 1.0)
        if self.visible:
            self._show_buttons()

    # --- labelling -----------------------------------------------------------------------
    def choose(self, better: int) -> bool:
        """1: the left trajectory is better; 2: the right one. False if nothing was labelled."""
        item = self.item
        if self.kind != "pair" or not self.labelable():
            return False
        win, lose = (0, 1) if better == 1 else (1, 0)
        pair = Pair(
            prompt=item.start,
            chosen=tuple(int(a) for a in item.trajectories[win].actions),
            rejected=tuple(int(a) for a in item.trajectories[lose].actions),
        )
        self._send(pairs=(pair,))
        return True

    def judge(self, desirable: bool) -> bool:
        """Y: the shown trajectory is good (desirable); N: bad."""
        item = self.item
        if self.kind != "single" or not self.labelable():
            return False
        judgement = Judgement(
            prompt=item.start,
            completion=tuple(int(a) for a in item.trajectories[0].actions),
            desirable=bool(desirable),
        )
        self._send(judgements=(judgement,))
        return True

    def skip(self) -> None:
        if self.item is not None and self.learning is None:
            self.skipped += 1
            self.next_item()

    def _send(self, pairs=(), judgements=()) -> None:
        """The label to the trainer, then UPDATES_PER_LABEL updates on all labels so far (the
        run is made at the first label); the next item is sampled once they are done, from
        the policy they made (``update``), so what you judge next is the policy now."""
        fresh = self.controller.trainer is None
        self.controller.add_preferences(pairs=pairs, judgements=judgements)
        if self.controller.status() == "running":
            self.controller.pause()
        for _ in range(UPDATES_PER_LABEL):
            self.controller.step()
        base = 0 if fresh or self.updates is None else self.updates
        now = time.monotonic()
        self.seen_updates = self.updates
        self.learning = (base + UPDATES_PER_LABEL, now + LEARN_SECONDS, now + LEARN_MAX_SECONDS)
        self.message = ""
        if self.visible:
            self._show_buttons()

    # --- events --------------------------------------------------------------------------
    def handle_event(self, event) -> bool:
        """True when the event was a label (key, click, button) or one of the panel's widgets."""
        if not self.visible or self.kind is None:
            return False
        et = event.type
        if et == pygame.KEYDOWN:
            return self._on_key(event.key)
        if et == pygame.MOUSEBUTTONDOWN and event.button == 1:
            return self._on_click(event.pos)
        if et == pygame_gui.UI_BUTTON_PRESSED:
            return self._on_button(event.ui_element)
        if et in (pygame_gui.UI_CHECK_BOX_CHECKED, pygame_gui.UI_CHECK_BOX_UNCHECKED):
            if event.ui_element is self.hide_box:
                self.hide_rewards = et == pygame_gui.UI_CHECK_BOX_CHECKED
                return True
        if et == pygame_gui.UI_FILE_DIALOG_PATH_PICKED and event.ui_element is self._dialog:
            kind, self._dialog = self._dialog_kind, None
            self._dialog_folder = Path(event.text).parent
            self.open_labels(event.text) if kind == "open" else self.save_labels(event.text)
            return True
        if et == pygame_gui.UI_WINDOW_CLOSE and event.ui_element is self._dialog:
            self._dialog = None
            return True
        return False

    def _on_key(self, key: int) -> bool:
        if key in (pygame.K_0, pygame.K_KP0):
            self.skip()
            return True
        if self.kind == "pair" and key in (pygame.K_1, pygame.K_KP1, pygame.K_2, pygame.K_KP2):
            self.choose(1 if key in (pygame.K_1, pygame.K_KP1) else 2)
            return True
        if self.kind == "single" and key in (pygame.K_y, pygame.K_n):
            self.judge(key == pygame.K_y)
            return True
        return False

    def _on_click(self, pos) -> bool:
        if self.kind == "pair" and self.shared is None:
            for side, geo in enumerate(self.geos[:2], start=1):
                if geo.rect.collidepoint(pos):
                    self.choose(side)
                    return True
        elif self.kind == "single":
            for desirable, rect in self.thumbs.items():
                if rect.collidepoint(pos):
                    self.judge(desirable)
                    return True
        return False

    def _on_button(self, element) -> bool:
        actions = {
            self.first_button: lambda: self.choose(1),
            self.second_button: lambda: self.choose(2),
            self.good_button: lambda: self.judge(True),
            self.bad_button: lambda: self.judge(False),
            self.skip_button: self.skip,
            self.open_button: lambda: self._open_dialog("open"),
            self.save_button: lambda: self._open_dialog("save"),
        }
        if element not in actions:
            return False
        actions[element]()
        return True

    # --- files -----------------------------------------------------------------------------
    def _open_dialog(self, kind: str) -> None:
        """The app's modal file dialog, for ``*.jsonl`` label files, in the folder last used
        (else the current one)."""
        if self._dialog is not None:
            self._dialog.kill()
        w, h = self.manager.window_resolution
        rect = pygame.Rect(0, 0, min(640, w - 40), min(500, h - 80))
        rect.center = (w // 2, h // 2)
        name = "my_pairs.jsonl" if self.kind == "pair" else "my_verdicts.jsonl"
        folder = self._dialog_folder or Path.cwd()
        self._dialog = LayoutFileDialog(
            rect,
            self.manager,
            title=t("Open labels (*.jsonl)")
            if kind == "open"
            else t("Save the labels as (*.jsonl)"),
            start=folder / name if kind == "save" else folder,
            save=kind == "save",
            suffixes=LABEL_SUFFIXES,
        )
        self._dialog_kind = kind

    def _say(self, message: str, error: bool = False) -> None:
        self.message, self.message_color = message, (style.ERROR if error else style.OK)

    def open_labels(self, path) -> bool:
        """Add the labels of a JSON Lines file; a bad file changes nothing (a red line says
        which file, line and field)."""
        if self.world is None or self.kind is None:
            return False
        try:
            if self.kind == "pair":
                loaded = read_pairs(path, self.world)
                self.controller.add_preferences(pairs=tuple(loaded))
            else:
                loaded = read_judgements(path, self.world)
                self.controller.add_preferences(judgements=tuple(loaded))
        except (PreferenceFileError, OSError) as e:
            self._say(t("could not open: {e}", e=_one_line(e)), error=True)
            return False
        self._say(t("added {n} labels from {name}", n=len(loaded), name=os.path.basename(path)))
        return True

    def save_labels(self, path) -> bool:
        """Write the labels given so far (atomically, see gridsim.preferences)."""
        labels = self.pairs if self.kind == "pair" else self.judgements
        if not labels:
            self._say(t("no labels to save yet"), error=True)
            return False
        try:
            if self.kind == "pair":
                write_pairs(path, labels)
            else:
                write_judgements(path, labels)
        except (PreferenceFileError, OSError) as e:
            self._say(t("could not save: {e}", e=_one_line(e)), error=True)
            return False
        self._say(t("saved {n} labels to {name}", n=len(labels), name=os.path.basename(path)))
        return True

    # --- drawing ---------------------------------------------------------------------------
    def header(self) -> str:
        if self.kind == "single":
            return t("Is it good? Y yes · N no · 0 skip")
        if self.shared is not None:
            return t("Which is better? 1 blue · 2 orange · 0 skip")
        return t("Which is better? 1 left · 2 right · 0 skip")

    def counter(self) -> str:
        if self.kind == "single":
            good = sum(1 for j in self.judgements if j.desirable)
            return t(
                "labels: {n} ({good} good, {bad} bad) · skipped: {k}",
                n=len(self.judgements),
                good=good,
                bad=len(self.judgements) - good,
                k=self.skipped,
            )
        return t("labels: {n} · skipped: {k}", n=len(self.pairs), k=self.skipped)

    def counter_line(self) -> str:
        """The counter, and whether the run waits for a (first) label."""
        if not self.waiting:
            return self.counter()
        given = len(self.judgements) if self.kind == "single" else len(self.pairs)
        if given:
            return self.counter() + " · " + t("waiting for your next label")
        return self.counter() + " · " + t("waiting for your first label")

    def note(self) -> str:
        """Why the buttons are off, or how the pair was made."""
        item = self.item
        if item is None:
            return ""
        if self.learning is not None:
            return t("learning from your labels…")
        if item.empty:
            return t("the start cell ends the episode: move the start to label trajectories")
        if item.same:
            return t("both trajectories are the same: press 0 for another")
        if item.explored:
            return t(
                "the policy keeps repeating itself: one of the two takes random steps "
                "({e} of the time)",
                e=f"{EXPLORE:.0%}",
            )
        return ""

    def draw_under_text(self, surface: pygame.Surface) -> None:
        """Drawing the pair on the scene's board: the two paths, between the board's cells
        and its labels (the scene calls this after the board's base, before its text), 1
        shifted up-left and 2 down-right so that the steps they share run side by side."""
        if not self._showing() or self.shared is None:
            return
        geo = self.shared
        d = max(2, geo.cell // 14)
        for k, traj in enumerate(self._trajectories()):
            self._draw_path(surface, self._moved(geo, -d if k == 0 else d), traj, COLORS[k])

    def draw(self, surface: pygame.Surface) -> list[pygame.Rect]:
        """Everything else the panel shows; the rectangles of all the text it drew."""
        if not self._showing():
            return []
        r = self.rect
        boxes = []
        line = style.wrap(self.header(), 14, r.width, bold=True)[0]
        boxes.append(style.blit_text(surface, line, (r.x, r.y), 14, style.TEXT, bold=True))
        counter = style.wrap(self.counter_line(), 13, r.width)[0]
        boxes.append(style.blit_text(surface, counter, (r.x, boxes[0].bottom), 13, style.MUTED))
        trajectories = self._trajectories()
        if self.shared is None:
            for k, (geo, traj) in enumerate(zip(self.geos, trajectories, strict=False)):
                boxes += self._draw_board(surface, geo, traj, k)
        else:
            geo = self.shared
            d = max(2, geo.cell // 14)
            # the captions in the row reserved above the board area (see ``margins``)
            x = r.x
            width = (r.width - 24) // len(trajectories)
            for k, traj in enumerate(trajectories):
                moved = self._moved(geo, -d if k == 0 else d)
                steps = min(self.anim.steps, len(traj))
                draw_prefs.draw_agent(surface, moved, traj, steps, COLORS[k])
                pos = (x, r.y + HEAD)
                caption = self._draw_caption(surface, k, traj, pos, width)
                boxes.append(caption)
                x = caption.right + 24
        note = self.note()
        if note:
            lines = style.wrap(note, 12, r.width)[:2]
            y = max(g.rect.bottom for g in self.geos) + 3
            for part in lines:
                boxes.append(style.blit_text(surface, part, (r.x, y), 12, style.MUTED))
                y += 14
        if self.kind == "single":
            draw_prefs.draw_thumb(surface, self.thumbs[True].center, 22, True, draw_prefs.GOOD)
            draw_prefs.draw_thumb(surface, self.thumbs[False].center, 22, False, draw_prefs.BAD)
        self.message_rect = None
        if self.message:
            line = style.wrap(self.message, 12, r.width)[0]
            pos = (r.x, self.message_y)
            self.message_rect = style.blit_text(surface, line, pos, 12, self.message_color)
            boxes.append(self.message_rect)
        return boxes

    def _column_width(self) -> int:
        """The width each of the panel's own boards may use (its caption too)."""
        count = 1 if self.kind == "single" else 2
        return (self.rect.width - 16 * (count - 1)) // count

    def _showing(self) -> bool:
        return self.visible and self.kind is not None and self.item is not None and bool(self.geos)

    def _trajectories(self) -> tuple[Trajectory, ...]:
        return self.item.trajectories[: 1 if self.kind == "single" else 2]

    @staticmethod
    def _moved(geo, d: int) -> draw_grid.GridGeometry:
        return draw_grid.GridGeometry(geo.x + d, geo.y + d, geo.cell, geo.rows, geo.cols)

    def _draw_board(self, surface, geo, traj: Trajectory, k: int) -> list[pygame.Rect]:
        """One of the panel's own boards: the world with its labels, the path, the reward tags
        (unless hidden), the agent and the caption; the text rectangles drawn."""
        key = (self.world, geo.cell, geo.rows, geo.cols, language())
        picture = self._pictures.get(key, lambda previous: draw_board.paint_board(geo, self.world))
        pos = geo.rect.topleft
        surface.blit(picture.base, pos)
        self._draw_path(surface, geo, traj, COLORS[k])
        surface.blit(picture.text, pos)
        boxes = [box.move(pos) for box in picture.boxes]
        if not self.hide_rewards:
            tag_key = (id(self.item), k, id(picture))
            if self._tags.get(k, (None,))[0] != tag_key:
                self._tags[k] = (tag_key, draw_board.place_tags(picture, traj))
            boxes += draw_prefs.draw_reward_tags(surface, self._tags[k][1], traj, COLORS[k], pos)
        draw_prefs.draw_agent(surface, geo, traj, min(self.anim.steps, len(traj)), COLORS[k])
        pos = (geo.rect.x, geo.rect.y - 1)
        column_right = self.rect.x + (k + 1) * self._column_width() + 16 * k
        width = column_right - geo.rect.x
        boxes.append(self._draw_caption(surface, k, traj, pos, width, "bottomleft"))
        return boxes

    def _draw_path(self, surface, geo, traj: Trajectory, color) -> None:
        draw_prefs.draw_directed_path(surface, geo, traj, color)

    def _draw_caption(
        self, surface, k: int, traj: Trajectory, pos, width: int, anchor: str = "topleft"
    ) -> pygame.Rect:
        """'trajectory 1  return = 0' in the trajectory's colour, shortened to fit ``width``
        pixels ('1  return = 0', then '1'); its rect."""
        name = (
            t("trajectory {k}", k=k + 1)
            if self.kind == "pair"
            else t("trajectory from {s}", s=state_name(self.item.start))
        )
        short = str(k + 1) if self.kind == "pair" else state_name(self.item.start)
        ret = "" if self.hide_rewards else "  " + t("return = {r}", r=_number(traj.ret))
        f = style.font(13, bold=True)
        caption = next(
            (c for c in (name + ret, short + ret, short) if f.size(c)[0] <= width), short
        )
        return style.blit_text(surface, caption, pos, 13, COLORS[k], bold=True, anchor=anchor)

    def readout(self) -> dict:
        """What the panel shows, as data (tests and --headless)."""
        item = self.item
        return {
            "kind": self.kind,
            "start": None if item is None else item.start,
            "actions": ()
            if item is None
            else tuple(tuple(int(a) for a in tr.actions) for tr in item.trajectories),
            "labels": self.count(),
            "skipped": self.skipped,
            "message": self.message,
        }

    def close(self) -> None:
        if self._dialog is not None:
            self._dialog.kill()
            self._dialog = None
        self.container.kill()


def _number(x: float) -> str:
    from gridsim.trajectory import format_number

    return format_number(round(x, 6))


def _one_line(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return f"{e.filename}: {e.strerror}" if e.filename else e.strerror
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__

"""Demos of chapters 5 and 6: learning a policy from preferences (DPO, KTO, RLHF).

- "DPO: you are the human": you label pairs of trajectories (1 / 2 / 0) and DPO learns
  from them; the board shows the policy and the reward it implies, beta*log pi/pi_ref.
- "KTO: thumbs up, thumbs down": one trajectory at a time, good (Y) or bad (N).
- "The implicit reward": DPO on synthetic labels; beta*log pi/pi_ref beside r(s, a).
- "DPO without a reward model vs the RLHF pipeline": both trained at once on synthetic
  labels, DPO's implicit reward beside RLHF's fitted r_phi, the labels each needed so far,
  and the scripted human's label counts measured by bench/bench_preferences.py.

The views train through the app's TrainingController (the trainer runs in a child process)
and read only snapshots: pi, and the ``preferences`` field (pi_ref, beta, r_phi, counts).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pygame

from gridsim.app.demos.training import GridTrainingView, TrainingView
from gridsim.app.demos.view import DemoView, panel_box
from gridsim.app.draw import board as draw_board
from gridsim.app.draw import preferences as draw_prefs
from gridsim.app.draw import style
from gridsim.app.i18n import language, t
from gridsim.app.panels import reward_overlay
from gridsim.app.panels.labelling import MIN_SIDE_CELL, LabellingPanel, label_kind
from gridsim.app.trainer_link import Settings, TrainingController
from gridsim.solvers import is_optimal
from gridsim.world import N_ACTIONS

BENCH_FILE = Path(__file__).resolve().parents[3] / "assets" / "bench" / "preferences.json"
"""The figures bench/bench_preferences.py measured: the labels the scripted human (who
prefers the route through s4) needed with each algorithm, median over seeds."""
BOARD_SHARE = 0.32  # of the height, for the policy's board above the labelling panel


def labels_used(snapshot) -> int | None:
    """How many labels (pairs and verdicts) the run has learned from so far, or None before
    it has published its ``preferences`` field."""
    prefs = getattr(snapshot, "preferences", None) if snapshot is not None else None
    if prefs is None:
        return None
    return int(prefs.pairs) + int(prefs.judgements)


def fitting_title(title: str | tuple[str, ...], width: int) -> str:
    """The first of the titles (long to short) that fits ``width`` on one line; else the first
    line of the shortest. A cut-off title would say something else ("..., no")."""
    titles = (title,) if isinstance(title, str) else title
    for candidate in titles:
        lines = style.wrap(candidate, 13, width, bold=True)
        if len(lines) == 1:
            return lines[0]
    return style.wrap(titles[-1], 13, width, bold=True)[0]


class PreferenceView(GridTrainingView):
    """A gridworld preference run: the policy's arrows over its implicit reward."""

    labeller = "synthetic"

    def prepare(self):
        super().prepare()
        self.controller.settings.labeller = self.labeller
        self.pictures = draw_board.PictureCache(6)

    def tables(self) -> reward_overlay.RewardTables:
        snap = self.panel.snapshot
        prefs = getattr(snap, "preferences", None) if snap is not None else None
        return reward_overlay.reward_tables(
            self.world, self.policy(), prefs, self.controller.settings.algo
        )

    def draw_policy_board(self, surface, geo, title, under=None, title_width=None) -> list:
        """This run's arrows over its implicit reward beta*log pi/pi_ref (see draw_table_board)."""
        table = self.tables().implicit
        return self.draw_table_board(surface, geo, title, table, self.policy(), under, title_width)

    def draw_table_board(
        self, surface, geo, title, table, pi=None, under=None, title_width=None
    ) -> list:
        """The world, ``table[S, A]`` as sign-coloured triangles (green > 0 > red), the arrows
        of ``pi`` (if any), ``under(surface)`` drawn between the cells and the labels, and a
        title above (one string, or a tuple from long to short: the first that fits); the text
        rectangles drawn."""
        key = (
            self.world,
            geo.cell,
            geo.rows,
            geo.cols,
            draw_board.array_key(pi),
            draw_board.array_key(table),
            language(),
        )
        picture = self.pictures.get(
            key,
            lambda previous: draw_board.paint_board(
                geo,
                self.world,
                pi=pi,
                action_values=table,
                action_centre=False,
                previous=previous,
            ),
        )
        surface.blit(picture.base, geo.rect.topleft)
        if under is not None:
            under(surface)
        surface.blit(picture.text, geo.rect.topleft)
        boxes = [box.move(geo.rect.topleft) for box in picture.boxes]
        if title:
            width = geo.rect.width if title_width is None else title_width
            line = fitting_title(title, width)
            pos = (geo.rect.x, geo.rect.y - 1)
            boxes.append(
                style.blit_text(surface, line, pos, 13, style.TEXT, bold=True, anchor="bottomleft")
            )
        return boxes

    def readout(self):
        out = super().readout()
        out["labeller"] = self.controller.settings.labeller
        out["labels_used"] = labels_used(self.panel.snapshot)
        return out


class HumanLabelView(PreferenceView):
    """Demos 'DPO: you are the human' and 'KTO: thumbs up, thumbs down': the policy's board on
    top, the labelling panel below; the run learns from your labels only."""

    labeller = "human"

    def prepare(self):
        super().prepare()
        # episodes end at the target and are short: routes a person can compare at a glance
        self.world = self.world.with_changes(target_terminal=True, horizon=8)
        self.controller.set_world(self.world, keep_policy=False)
        self.labelling = LabellingPanel(self.manager, self.controller, seed=0)
        self.widgets.append(self.labelling.container)
        self.labelling.show()

    def layout(self, rect):
        TrainingView.layout(self, rect)
        m = self.main
        top = int(m.height * BOARD_SHARE)
        self.geo = draw_prefs.tile_boards(
            pygame.Rect(m.x, m.y, m.width, top), 1, *self.world.shape, title=reward_overlay.TITLE
        )[0]
        below = pygame.Rect(m.x, m.y + top + 6, m.width, m.height - top - 6)
        if LabellingPanel.side_cell(below, self.world) >= MIN_SIDE_CELL:
            self.labelling.layout(below)
        else:  # a narrow window: the pair on the policy's board, in two colours
            head, foot = LabellingPanel.margins()
            self.geo = draw_prefs.tile_boards(
                pygame.Rect(m.x, m.y + head, m.width, m.height - head - foot),
                1,
                *self.world.shape,
            )[0]
            self.labelling.layout(m, shared=self.geo)

    def handle_event(self, event) -> bool:
        return super().handle_event(event) or self.labelling.handle_event(event)

    def update(self, dt):
        super().update(dt)
        snap = self.panel.snapshot
        pi = getattr(snap, "pi", None) if snap is not None else None
        prefs = getattr(snap, "preferences", None) if snap is not None else None
        kind = label_kind(self.controller.settings.algo)
        updates = snap.update if snap is not None else None
        self.labelling.update(dt, self.world, pi, kind, prefs, updates)

    def draw(self, surface):
        title = t("π_θ (arrows) over β·log π/π_ref") if self.labelling.shared is None else ""
        self.drawn_text = self.draw_policy_board(
            surface,
            self.geo,
            title,
            under=self.labelling.draw_under_text,
            title_width=self.main.right - self.geo.rect.x,  # nothing beside it
        )
        self.drawn_text += self.labelling.draw(surface)
        TrainingView.draw(self, surface)

    def hide(self):
        super().hide()
        self.labelling.hide()

    def show(self):
        super().show()
        self.labelling.show()

    def close(self):
        self.widgets.remove(self.labelling.container)
        self.labelling.close()
        super().close()

    def readout(self):
        out = super().readout()
        out["labelling"] = self.labelling.readout()
        return out


class ImplicitRewardView(PreferenceView):
    """Demo 'The implicit reward': DPO on synthetic labels; beta*log pi/pi_ref (with the
    policy's arrows) beside the world's reward r(s, a), cell by cell."""

    def layout(self, rect):
        TrainingView.layout(self, rect)
        m = self.main
        area = pygame.Rect(m.x, m.y, m.width, m.height - 64)
        self.geos = reward_overlay.place(area, self.world, "dpo")
        self.geo = self.geos[0]
        self.text_y = max(g.rect.bottom for g in self.geos) + 10

    def draw(self, surface):
        tables = self.tables()
        boxes = self.draw_policy_board(surface, self.geo, "")
        boxes.append(reward_overlay.draw_title(surface, self.geo, "implicit", tables))
        reward_geo = self.geos[1]
        boxes += self.draw_table_board(surface, reward_geo, "", tables.reward)
        boxes.append(reward_overlay.draw_title(surface, reward_geo, "reward", tables))
        self.drawn_text = boxes
        snap = self.panel.snapshot
        lines = [t("green: more likely than under π_ref (or r > 0) · red: less likely (or r < 0)")]
        if snap is not None:
            used = labels_used(snap)
            n = "-" if used is None else used
            lines.append(t("update {u} · labels used: {n}", u=snap.update, n=n))
        y = self.text_y
        for line in lines:
            for part in style.wrap(line, 13, self.main.width)[:2]:
                style.blit_text(surface, part, (self.main.x, y), 13, style.MUTED)
                y += 17
        TrainingView.draw(self, surface)

    def readout(self):
        out = super().readout()
        tables = self.tables()
        out["implicit"] = None if tables.implicit is None else tables.implicit.tolist()
        out["beta"] = tables.beta
        return out


class TwinController:
    """Two TrainingControllers driven as one by a TrainingPanel: every command goes to both;
    what the panel reads (status, snapshot, settings) comes from the first."""

    def __init__(self, first: TrainingController, second: TrainingController):
        self.first, self.second = first, second

    def __getattr__(self, name):
        return getattr(self.first, name)

    def _both(self, name, *args, **kwargs):
        getattr(self.second, name)(*args, **kwargs)
        return getattr(self.first, name)(*args, **kwargs)

    def run(self):
        self._both("run")

    def pause(self):
        self._both("pause")

    def step(self):
        self._both("step")

    def reset(self):
        self._both("reset")

    def set_delay(self, seconds):
        self._both("set_delay", seconds)

    def set_world(self, world, *, keep_policy):
        self._both("set_world", world, keep_policy=keep_policy)

    def configure(self, *, algo=None, seed=None, overrides=None, labeller=None):
        # the second run keeps its own algorithm; seed and hyper-parameters go to both
        self.second.configure(seed=seed, overrides=overrides, labeller=labeller)
        self.first.configure(algo=algo, seed=seed, overrides=overrides, labeller=labeller)

    def discard(self, timeout: float = 1.0):
        self._both("discard", timeout)

    def close(self, timeout: float = 0.5):
        self._both("close", timeout)

    def request_stop(self):
        """Both asked to stop; the App waits on the first (the second is a daemon too)."""
        self.second.request_stop()
        return self.first.request_stop()


class DpoVsRlhfView(PreferenceView):
    """Demo 'DPO without a reward model vs the RLHF pipeline': dpo and rlhf trained at once on
    the same kind of synthetic labels; DPO's implicit reward beside RLHF's r_phi; the labels
    each has used, and when its greedy policy became optimal; the scripted human's counts."""

    def __init__(self, demo, manager, factory=None, seed=0):
        self.optimal_at: dict[str, int | None] = {"dpo": None, "rlhf": None}
        super().__init__(demo, manager, factory, seed)

    def prepare(self):
        super().prepare()
        settings = Settings(
            algo="rlhf",
            seed=self.controller.settings.seed,
            overrides=dict(self.controller.settings.overrides),
            stop_when_solved=False,
        )
        self.rlhf = TrainingController("gridworld", settings, self.factory)
        self.rlhf.set_world(self.world, keep_policy=False)
        self.controller = TwinController(self.controller, self.rlhf)

    def layout(self, rect):
        TrainingView.layout(self, rect)
        m = self.main
        area = pygame.Rect(m.x, m.y, m.width, int(m.height * 0.7))
        self.geos = draw_prefs.tile_boards(
            area, 2, *self.world.shape, title=reward_overlay.TITLE, gap=16
        )
        self.geo = self.geos[0]
        self.table_rect = pygame.Rect(m.x, area.bottom + 8, m.width, m.bottom - area.bottom - 8)

    def rlhf_snapshot(self):
        return self.rlhf.latest()

    def update(self, dt):
        super().update(dt)
        for algo, snap in (("dpo", self.panel.snapshot), ("rlhf", self.rlhf_snapshot())):
            pi = getattr(snap, "pi", None) if snap is not None else None
            if pi is None or np.shape(pi) != (self.world.n_states, N_ACTIONS):
                self.optimal_at[algo] = None
                continue
            if self.optimal_at[algo] is None and is_optimal(self.world, pi):
                self.optimal_at[algo] = labels_used(snap)

    def draw(self, surface):
        rlhf_snap = self.rlhf_snapshot()
        rlhf_pi = getattr(rlhf_snap, "pi", None) if rlhf_snap is not None else None
        rlhf_tables = reward_overlay.reward_tables(
            self.world, rlhf_pi, getattr(rlhf_snap, "preferences", None), "rlhf"
        )
        left, right = self.geos
        dpo_title = (t("DPO: β·log π/π_ref, no reward model"), t("DPO: β·log π/π_ref"))
        boxes = self.draw_policy_board(surface, left, dpo_title)
        if rlhf_pi is None or np.shape(rlhf_pi) != (self.world.n_states, N_ACTIONS):
            rlhf_pi = None
        title = (t("RLHF: the reward model r_φ, then PPO on it"), t("RLHF: the reward model r_φ"))
        boxes += self.draw_table_board(surface, right, title, rlhf_tables.r_phi, rlhf_pi)
        self.drawn_text = boxes
        self._draw_table(surface, rlhf_snap)
        TrainingView.draw(self, surface)

    def _draw_table(self, surface, rlhf_snap) -> None:
        r = self.table_rect
        panel_box(surface, r)
        x, y = r.x + 8, r.y + 6
        rows = []
        for algo, snap in (("dpo", self.panel.snapshot), ("rlhf", rlhf_snap)):
            used = labels_used(snap)
            at = self.optimal_at[algo]
            if used is None:
                rows.append(t("{algo}: not started (Run)", algo=algo))
                continue
            rows.append(
                t(
                    "{algo}: {n} labels used · optimal: {when}",
                    algo=algo,
                    n=used,
                    when=t("not yet") if at is None else t("after {n} labels", n=at),
                )
            )
        style.blit_text(
            surface, t("Live, synthetic labels (the higher return wins):"), (x, y), 13, bold=True
        )
        y += 19
        y = style.blit_lines(surface, rows, (x, y), 13, style.TEXT, gap=4) + 4
        for line in bench_lines(r.width - 16):
            style.blit_text(surface, line, (x, y), 13, style.MUTED)
            y += 17
            if y > r.bottom - 16:
                break

    def close(self):
        self.rlhf.close()
        super().close()

    def readout(self):
        out = super().readout()
        out["optimal_at"] = dict(self.optimal_at)
        out["rlhf_labels_used"] = labels_used(self.rlhf_snapshot())
        out["bench"] = load_bench()
        return out


def load_bench(path: Path = BENCH_FILE) -> dict | None:
    """The scripted human's figures from bench/bench_preferences.py, or None if not measured."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def bench_lines(width: int) -> list[str]:
    """The bench's answer in words: labels the scripted human needed per algorithm (the median
    over the seeds, and how many seeds got there at all), the fewest marked; an entry is never
    split across lines."""
    data = load_bench()
    head = t("The scripted human (prefers the route through s4), labels needed, median:")
    if data is None or not isinstance(data.get("labels_to_route"), dict):
        return [
            *style.wrap(head, 13, width),
            t("not measured yet: run python bench/bench_preferences.py"),
        ]
    most, fewest = data.get("max_labels"), data.get("fewest")
    entries = []
    for algo, entry in data["labels_to_route"].items():
        entry = entry if isinstance(entry, dict) else {"median": entry}
        median, reached, seeds = entry.get("median"), entry.get("reached"), entry.get("seeds")
        name = t("dpo (ipo)") if algo == "dpo_ipo" else algo
        if isinstance(median, int | float):
            value = f"{median:g}"
        else:  # more than half of the seeds did not get there within max_labels
            value = f"> {most}" if isinstance(most, int) else "-"
        if isinstance(reached, int) and isinstance(seeds, list | tuple) and seeds:
            key = " ({k}/{n}, fewest)" if algo == fewest else " ({k}/{n})"
            value += t(key, k=reached, n=len(seeds))
        entries.append(f"{name} {value}")
    return [*style.wrap(head, 13, width), *pack(entries, " · ", width)]


def pack(entries: list[str], sep: str, width: int, size: int = 13) -> list[str]:
    """``entries`` joined by ``sep`` into lines of at most ``width`` pixels, none split (an
    entry wider than a line has a line of its own)."""
    font = style.font(size)
    lines: list[str] = []
    for entry in entries:
        if lines and font.size(lines[-1] + sep + entry)[0] <= width:
            lines[-1] += sep + entry
        else:
            lines.append(entry)
    return lines


VIEWS: dict[str, type[DemoView]] = {
    "dpo_human": HumanLabelView,
    "kto_human": HumanLabelView,
    "implicit_reward": ImplicitRewardView,
    "dpo_vs_rlhf": DpoVsRlhfView,
}

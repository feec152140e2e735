"""Demos that train (7, 9, 10a, 10b): the app's own TrainingController and TrainingPanel,
preset with the demo's algorithm and hyper-parameters and started at once.

The trainer thread publishes snapshots; these views only read ``panel.snapshot`` (numbers
and numpy copies), as the app's scenes do. GRPO's groups are drawn from the latest
policy with the core's numpy sampler and ``agents.estimators.group_relative``.
"""

from __future__ import annotations

import numpy as np
import pygame

from gridsim.app.cartpole_display import DisplayCartPole, policy_probs
from gridsim.app.demos.view import DemoView, demo_world, draw_board, fit_grid, panel_box
from gridsim.app.draw import inspection as draw_ins
from gridsim.app.draw import style
from gridsim.app.draw.cartpole import draw_action_bar, draw_display
from gridsim.app.exact import ExactCache
from gridsim.app.i18n import t
from gridsim.app.panels.inspector_views import group_summary
from gridsim.app.panels.training import (
    CONTROLS_HEIGHT,
    PACES,
    WATCH_PACE,
    WIDTH,
    TrainingPanel,
)
from gridsim.app.trainer_link import BATCH_FIELDS, Settings, TrainingController, algorithms
from gridsim.trajectory import sample_trajectory
from gridsim.world import N_ACTIONS, state_name

SOLVED_RETURN = 475.0
GROUP_SLOT = 120
"""Pixels a GRPO group needs to show its bars and words side by side."""
CARTPOLE_PACE = PACES[4]
"""Five updates a second: an update of CartPole teaches less than one of the gridworld."""


class TrainingView(DemoView):
    """A training panel on the right, preset with the demo's algorithm; starts on load."""

    env = "gridworld"
    pace = WATCH_PACE
    """Seconds per update at the start: slow enough to watch each update."""

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        settings = Settings(
            algo=demo.algo or "simple_pg",
            seed=seed,
            overrides=dict(demo.overrides),
            delay=self.pace,
        )
        self.controller = TrainingController(self.env, settings, factory)
        self.prepare()
        self.panel = TrainingPanel(
            manager, self.env, algorithms(), self.controller, uses_hidden=self.env == "cartpole"
        )
        self.show_overrides()
        self.controller.run()

    def show_overrides(self) -> None:
        """Write the demo's preset hyper-parameters into the panel's boxes: they are what
        trains, and applying the boxes later (Enter, Run) must not drop them."""
        overrides = self.controller.settings.overrides
        batch, _ = BATCH_FIELDS.get(self.controller.settings.algo, ("batch_steps", "batch"))
        boxes = {"lr": self.panel.lr, batch: self.panel.batch}
        if self.env == "cartpole":
            boxes["hidden"] = self.panel.hidden
        for name, box in boxes.items():
            value = overrides.get(name)
            if isinstance(value, tuple):
                box.set_text(",".join(str(v) for v in value))
            elif value is not None:
                box.set_text(f"{value:g}")
        self.panel._applied = {name: e.get_text() for name, e in self.panel._entries.items()}

    def prepare(self) -> None:
        """Give the controller what it needs before the first Run (a world, ...)."""

    def layout(self, rect):
        super().layout(rect)
        self.panel.place(rect.right - WIDTH, rect.y)
        self.status_rect = pygame.Rect(
            rect.right - WIDTH + 10,
            rect.y + CONTROLS_HEIGHT,
            WIDTH - 20,
            rect.bottom - rect.y - CONTROLS_HEIGHT - 10,
        )
        self.main = pygame.Rect(rect.x, rect.y, rect.width - WIDTH - 10, rect.height)

    def handle_event(self, event) -> bool:
        return self.panel.handle_event(event)

    def update(self, dt):
        self.panel.update()

    def draw(self, surface):
        self.panel.draw(surface, self.status_rect)

    def show(self):
        super().show()
        self.panel.show()

    def hide(self):
        super().hide()
        self.panel.hide()

    def close(self):
        self.panel.close()
        self.panel.column.container.kill()
        super().close()

    def readout(self):
        snap = self.panel.snapshot
        return {
            "algo": self.controller.settings.algo,
            "overrides": dict(self.controller.settings.overrides),
            "status": self.controller.status(),
            "updates": getattr(snap, "update", 0) if snap is not None else 0,
        }


class GridTrainingView(TrainingView):
    """Demo 7: the learned arrows over the optimal ones, and an episode of the latest policy
    from the start cell."""

    def prepare(self):
        self.world = demo_world(self.demo)
        self.exact = ExactCache()
        self.controller.set_world(self.world, keep_policy=False)

    def layout(self, rect):
        super().layout(rect)
        self.geo = fit_grid(
            pygame.Rect(self.main.x, self.main.y, self.main.width, self.main.height - 60),
            self.world,
        )

    def policy(self) -> np.ndarray:
        snap = self.panel.snapshot
        pi = getattr(snap, "pi", None) if snap is not None else None
        if pi is None or np.shape(pi) != (self.world.n_states, N_ACTIONS):
            return np.full((self.world.n_states, N_ACTIONS), 1.0 / N_ACTIONS)
        return np.asarray(pi)

    def update(self, dt):
        super().update(dt)
        optimal = self.exact.optimal(self.world)
        if optimal.episode_return is not None:
            self.panel.reference = (optimal.episode_return, "optimal")

    def draw_grid(self, surface):
        optimal = self.exact.optimal(self.world)
        pi = self.policy()
        traj = self.start_trajectory(pi) if self.panel.snapshot is not None else None
        draw_board(surface, self.geo, self.world, pi, optimal=optimal.best, traj=traj)

    def start_trajectory(self, pi: np.ndarray):
        """One episode of the latest policy from the start cell (the blue frame), sampled
        once per update: training episodes start in random cells, but a path drawn on the
        board is read as starting at its start."""
        snap = self.panel.snapshot
        key = (id(self.panel.controller.trainer), snap.update)
        if getattr(self, "_shown_key", None) != key:
            horizon = min(self.world.horizon, 40)
            self._shown_key = key
            self._shown = sample_trajectory(self.world, pi, self.world.start, horizon, self.rng)
        return self._shown

    def readout(self):
        out = super().readout()
        shown = getattr(self, "_shown", None)
        out["path_start"] = state_name(int(shown.states[0])) if shown is not None else None
        return out

    def draw(self, surface):
        self.draw_grid(surface)
        snap = self.panel.snapshot
        x, y = self.main.x + 10, self.geo.rect.bottom + 10
        if snap is not None:
            y = style.blit_lines(
                surface,
                [t("update {u}: arrows = the learned π(a|s), purple = optimal", u=snap.update)],
                (x, y),
                14,
                style.MUTED,
            )
        super().draw(surface)


class CartPoleTrainingView(TrainingView):
    """Demos 9 and 10a: the latest policy balancing the display pole, at real time."""

    env = "cartpole"
    pace = CARTPOLE_PACE

    def prepare(self):
        self.display = DisplayCartPole(0)
        self.probs = np.array([0.5, 0.5])

    def layout(self, rect):
        super().layout(rect)
        m = self.main
        self.pole_rect = pygame.Rect(m.x + 10, m.y + 40, m.width - 20, min(360, m.height - 160))
        self.bar_rect = pygame.Rect(
            self.pole_rect.x, self.pole_rect.bottom + 40, self.pole_rect.width, 26
        )
        self.panel.reference = (SOLVED_RETURN, "solved")

    def choose(self, obs) -> int:
        weights = (
            getattr(self.panel.snapshot, "policy_weights", None) if self.panel.snapshot else None
        )
        self.probs = policy_probs(weights, obs)
        return int(self.rng.random() >= self.probs[0])

    def update(self, dt):
        super().update(dt)
        self.display.advance(dt, self.choose)

    def draw(self, surface):
        d = self.display
        style.blit_text(
            surface,
            t("The latest policy, at real time (50 steps/s)"),
            (self.pole_rect.x, self.main.y + 10),
            15,
            bold=True,
        )
        draw_display(surface, self.pole_rect, d)
        draw_action_bar(surface, self.bar_rect, self.probs)
        last = "-" if d.last_return is None else f"{d.last_return:.0f}"
        style.blit_text(
            surface,
            t("last episode: {r}", r=last),
            (self.bar_rect.x, self.bar_rect.bottom + 14),
            14,
        )
        super().draw(surface)


class GrpoView(GridTrainingView):
    """Demo 10b: GRPO training, and the groups its last update learned from side by side (new
    with every update), each episode's bar its group-relative advantage; a group whose
    returns tie has no bars and says why."""

    GROUPS = 4

    def prepare(self):
        super().prepare()
        self.groups: tuple = ()  # gridsim.inspection.Group: the first GROUPS of the update
        self.groups_update = 0
        self.summary: list[str] = []
        self.drawn_text: list[pygame.Rect] = []  # the groups' text boxes, last frame

    def layout(self, rect):
        DemoView.layout(self, rect)
        TrainingView.layout(self, rect)
        m = self.main
        grid_h = int(m.height * 0.45)
        self.geo = fit_grid(pygame.Rect(m.x, m.y, m.width, grid_h), self.world)
        self.groups_rect = pygame.Rect(
            m.x + 6, m.y + grid_h + 8, m.width - 12, m.height - grid_h - 12
        )

    def update(self, dt):
        super().update(dt)
        ins = getattr(getattr(self.panel.snapshot, "inspection", None), "last", None)
        if ins is not None and ins.groups and ins.update != self.groups_update:
            self.groups = ins.groups[: self.GROUPS]
            self.groups_update = ins.update
            self.summary = group_summary(ins.groups)

    def draw(self, surface):
        self.draw_grid(surface)
        r = self.groups_rect
        panel_box(surface, r)
        if self.groups:
            head = t(
                "the groups of update {u}: {G} episodes each; bars: advantage A_i",
                u=self.groups_update,
                G=len(self.groups[0].returns),
            )
        else:
            head = t("the groups of every update appear here")
        inner = r.inflate(-16, -12)
        y = inner.y
        for part in style.wrap(head, 13, inner.width, bold=True)[:2]:
            y = style.blit_text(surface, part, (inner.x, y), 13, bold=True).bottom
        for part in style.wrap(self.summary[0], 12, inner.width)[:2] if self.summary else ():
            y = style.blit_text(surface, part, (inner.x, y), 12, style.MUTED).bottom
        body = pygame.Rect(inner.x - 6, y + 8, inner.width + 12, inner.bottom - y - 8)
        shown = min(len(self.groups), max(1, body.width // GROUP_SLOT))
        self.drawn_text = draw_ins.draw_groups(surface, body, self.groups, shown)
        TrainingView.draw(self, surface)

    def readout(self):
        out = super().readout()
        out["group_advantage_sums"] = [float(g.advantages.sum()) for g in self.groups]
        out["groups"] = len(self.groups)
        out["flat_groups"] = sum(1 for g in self.groups if g.tied)
        out["groups_update"] = self.groups_update
        return out

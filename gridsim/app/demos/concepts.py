"""Demos 1-5 (chapter 1): states and actions, a trajectory and its return, a stochastic
policy's spread of returns, two policies compared, and the discounted return."""

from __future__ import annotations

import numpy as np
import pygame
import pygame_gui
from pygame_gui.elements import UIHorizontalSlider

from gridsim.app.animation import Animation
from gridsim.app.demos.view import (
    DemoView,
    demo_world,
    deterministic,
    draw_board,
    fit_grid,
    panel_box,
    with_rows,
)
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import style
from gridsim.app.draw.formulas import gamma_power, prefix, return_equation
from gridsim.app.i18n import t
from gridsim.demos import STOCHASTIC_ROWS, THROUGH_S7_ACTIONS, TUTORIAL_ACTIONS
from gridsim.pg_variance import finite_horizon_values
from gridsim.tables import build_tables
from gridsim.trajectory import (
    Trajectory,
    follow_actions,
    format_number,
    sample_trajectory,
)
from gridsim.world import ACTION_WORDS, ACTIONS, state_name

STEPS_PER_SECOND = 1.5
HOLD_SECONDS = 2.5
TUTORIAL_PATH = (1, 2, 2, 1)  # a2 a3 a3 a2: s1 -> s2 -> s5 -> s8 -> s9
THROUGH_S7_PATH = (2, 2, 1, 1)  # a3 a3 a2 a2: s1 -> s4 -> s7 -> s8 -> s9


def transition_text(world, s: int, a: int) -> str:
    """'s5 -a2-> s6, r = -1 (forbidden)': where action a leads from s and its reward."""
    tables = build_tables(world)
    s2, r = int(tables.next_state[s, a]), float(tables.reward[s, a])
    if s2 == s and a != 4:
        why = t("bounced off the boundary")
    elif s2 in world.forbidden:
        why = t("entered a forbidden cell")
    elif s2 in world.targets:
        why = t("reached the target")
    else:
        why = t("an ordinary move")
    return f"{state_name(s)} -{ACTIONS[a]}-> {state_name(s2)},  r = {format_number(r)}   ({why})"


class StatesActionsView(DemoView):
    """Demo 1: the nine states and, in one cell, the five actions tried one after another."""

    SECONDS_PER_ACTION = 1.4

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.world = demo_world(demo)
        self.focus = 4  # s5
        self.clock = 0.0

    @property
    def action(self) -> int:
        return int(self.clock / self.SECONDS_PER_ACTION) % 5

    def agent_position(self, s2: int) -> tuple[float, float]:
        """Where the agent is drawn while it tries the current action: it waits in the
        focus cell, moves to where the action leads (``s2``), waits there, and comes back
        for the next action; bouncing off the boundary, it nudges the edge and returns."""
        phase = (self.clock / self.SECONDS_PER_ACTION) % 1.0
        go = min(1.0, max(0.0, (phase - 0.15) / 0.4))
        go = go * go * (3 - 2 * go)  # ease in and out
        (x0, y0) = self.geo.center(self.focus)
        if s2 == self.focus and self.action != 4:  # bounced: to the edge and back
            dx, dy = draw_grid.SCREEN_DIRS[self.action]
            k = 0.4 * self.geo.cell * (go if go < 0.5 else 1 - go) * 2 * 0.5
            return (x0 + dx * k, y0 + dy * k)
        x1, y1 = self.geo.center(s2)
        return (x0 + (x1 - x0) * go, y0 + (y1 - y0) * go)

    def layout(self, rect):
        super().layout(rect)
        self.geo = fit_grid(pygame.Rect(rect.x, rect.y, rect.width * 0.58, rect.height), self.world)
        self.text_x = self.geo.rect.right + 30

    def handle_event(self, event) -> bool:
        if event.type == pygame.MOUSEMOTION:
            s = self.geo.state_at(event.pos)
            if s is not None and s != self.focus:
                self.focus, self.clock = s, 0.0
        return False

    def update(self, dt):
        self.clock += dt

    def draw(self, surface):
        geo, world = self.geo, self.world
        draw_board(surface, geo, world)
        cx, cy = geo.center(self.focus)
        for a in range(5):
            color = style.START if a == self.action else style.ARROW
            if a == 4:
                pygame.draw.circle(surface, color, (cx, cy), geo.cell * 0.09, 3)
                pos = (cx + geo.cell * 0.17, cy + geo.cell * 0.14)
            else:
                dx, dy = draw_grid.SCREEN_DIRS[a]
                pts = draw_grid.arrow_polygon(
                    cx + dx * geo.cell * 0.1,
                    cy + dy * geo.cell * 0.1,
                    dx,
                    dy,
                    geo.cell * 0.28,
                    5,
                    13,
                )
                pygame.draw.polygon(surface, color, pts)
                pos = (cx + dx * geo.cell * 0.42 + dy * 14, cy + dy * geo.cell * 0.42 + dx * 14)
            style.blit_text(surface, ACTIONS[a], pos, 15, color, bold=True, anchor="center")
        s2 = self.landing()
        pygame.draw.rect(surface, style.START, geo.cell_rect(s2), 3, 6)
        draw_grid.draw_agent_at(surface, geo, self.agent_position(s2))
        x, y = self.text_x, self.rect.y + 10
        w = self.rect.right - x - 10
        y = style.blit_lines(
            surface, [t("State space: S = {s1, s2, ..., s9}")], (x, y), 16, bold=True
        )
        y = style.blit_lines(
            surface, [t("Action space: A = {a1, a2, ..., a5}")], (x, y), 16, bold=True
        )
        y += 10
        for a in range(5):
            color = style.START if a == self.action else style.TEXT
            y = style.blit_lines(
                surface,
                [f"{ACTIONS[a]}: {t(ACTION_WORDS[a])}"],
                (x + 10, y),
                15,
                color,
                a == self.action,
            )
        y += 14
        lines = style.wrap(
            t("Now in {s}, action {a}:", s=state_name(self.focus), a=ACTIONS[self.action]), 15, w
        )
        y = style.blit_lines(surface, lines, (x, y), 15, style.MUTED)
        lines = style.wrap(transition_text(world, self.focus, self.action), 16, w, bold=True)
        y = style.blit_lines(surface, lines, (x, y), 16, style.TEXT, bold=True)
        y += 14
        style.blit_lines(
            surface,
            style.wrap(t("Hover another cell to move the agent there."), 14, w),
            (x, y),
            14,
            style.MUTED,
        )

    def readout(self):
        return {
            "states": [state_name(s) for s in range(self.world.n_states)],
            "actions": list(ACTIONS),
            "transition": transition_text(self.world, self.focus, self.action),
            "agent": state_name(self.geo.state_at(self.agent_position(self.landing()))),
        }

    def landing(self) -> int:
        """Where the current action leads from the focus cell."""
        return int(build_tables(self.world).next_state[self.focus, self.action])


class TrajectoryView(DemoView):
    """Demo 2: the tutorial's deterministic policy and its trajectory from s1, step by step."""

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.world = demo_world(demo)
        self.pi = deterministic(TUTORIAL_ACTIONS)
        self.traj = follow_actions(self.world, self.world.start, TUTORIAL_PATH)
        self.anim = Animation(len(self.traj), STEPS_PER_SECOND, HOLD_SECONDS)

    def layout(self, rect):
        super().layout(rect)
        self.geo = fit_grid(pygame.Rect(rect.x, rect.y, rect.width, rect.height - 110), self.world)

    def update(self, dt):
        self.anim.update(dt)

    def draw(self, surface):
        draw_board(surface, self.geo, self.world, self.pi, traj=self.traj, steps=self.anim.steps)
        shown = prefix(self.traj, int(self.anim.steps))
        x, y = self.rect.x + 20, self.geo.rect.bottom + 14
        y = style.blit_lines(
            surface, [t("trajectory: {chain}", chain=shown.describe())], (x, y), 16
        )
        style.blit_lines(surface, [return_equation(shown)], (x, y + 4), 22, style.TEXT, bold=True)

    def readout(self):
        return {"return_text": return_equation(self.traj), "return": self.traj.ret}


class StochasticView(DemoView):
    """Demo 3: sample trajectories of a stochastic policy and histogram their returns."""

    HORIZON = 4
    SAMPLES_PER_SECOND = 4.0

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.world = demo_world(demo)
        self.pi = with_rows(deterministic(TUTORIAL_ACTIONS), STOCHASTIC_ROWS)
        v, _ = finite_horizon_values(self.world, self.pi, self.HORIZON)
        self.expected = float(v[self.HORIZON, self.world.start])
        self.returns: list[float] = []
        self.recent: list[Trajectory] = []
        self.due = 0.0
        self.sample(20)

    def sample(self, n: int) -> None:
        for _ in range(n):
            traj = sample_trajectory(self.world, self.pi, self.world.start, self.HORIZON, self.rng)
            self.returns.append(traj.ret)
            self.recent = (self.recent + [traj])[-6:]

    def layout(self, rect):
        super().layout(rect)
        half = rect.width // 2
        self.geo = fit_grid(pygame.Rect(rect.x, rect.y, half - 10, rect.height - 170), self.world)
        self.hist_rect = pygame.Rect(rect.x + half + 10, rect.y + 10, half - 30, rect.height - 200)
        self.more = (
            self.more
            if self.widgets
            else self.button("Sample 100 more", pygame.Rect(0, 0, 170, 32))
        )
        self.more.set_relative_position((self.hist_rect.x, self.hist_rect.bottom + 10))

    def handle_event(self, event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.more:
            self.sample(100)
            return True
        return False

    def update(self, dt):
        self.due += dt * self.SAMPLES_PER_SECOND
        while self.due >= 1:
            self.due -= 1
            self.sample(1)

    def counts(self) -> dict[float, int]:
        values, counts = np.unique(np.array(self.returns), return_counts=True)
        return {float(v): int(c) for v, c in zip(values, counts, strict=True)}

    def draw(self, surface):
        last = self.recent[-1]
        draw_board(surface, self.geo, self.world, self.pi, traj=last, faint=self.recent[:-1])
        x, y = self.rect.x + 10, self.geo.rect.bottom + 10
        y = style.blit_lines(
            surface, [t("The last sampled trajectories:")], (x, y), 14, style.MUTED
        )
        for traj in reversed(self.recent[-5:]):
            y = style.blit_lines(
                surface, [f"{traj.describe()}   R = {format_number(traj.ret)}"], (x, y), 13, gap=3
            )
        self._draw_histogram(surface)

    def _draw_histogram(self, surface):
        r = self.hist_rect
        panel_box(surface, r)
        style.blit_text(
            surface,
            t("returns of {n} sampled trajectories", n=len(self.returns)),
            (r.x + 10, r.y + 8),
            15,
            bold=True,
        )
        counts = self.counts()
        n = max(1, len(self.returns))
        keys = sorted(counts)
        plot = pygame.Rect(r.x + 30, r.y + 44, r.width - 60, r.height - 120)
        bar_w = min(90, plot.width // max(1, len(keys)) - 20)
        for i, k in enumerate(keys):
            frac = counts[k] / n
            h = int(plot.height * frac)
            x = plot.x + i * (plot.width // len(keys)) + (plot.width // len(keys) - bar_w) // 2
            bar = pygame.Rect(x, plot.bottom - h, bar_w, h)
            pygame.draw.rect(
                surface,
                style.POSITIVE if k > 0 else style.NEGATIVE if k < 0 else style.PLOT_LINE,
                bar,
            )
            style.blit_text(
                surface,
                f"{counts[k]} ({frac:.0%})",
                (bar.centerx, bar.y - 4),
                13,
                anchor="midbottom",
            )
            style.blit_text(
                surface,
                f"R = {format_number(k)}",
                (bar.centerx, plot.bottom + 6),
                14,
                bold=True,
                anchor="midtop",
            )
        pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.bottomright)
        mean = float(np.mean(self.returns))
        y = plot.bottom + 32
        y = style.blit_lines(
            surface, [t("sample mean of the returns: {m}", m=f"{mean:.3f}")], (r.x + 10, y), 14
        )
        style.blit_lines(
            surface,
            [t("exact expected return E[R]: {e}", e=f"{self.expected:.3f}")],
            (r.x + 10, y),
            14,
            style.OK,
        )

    def readout(self):
        return {"counts": self.counts(), "expected": self.expected, "samples": len(self.returns)}


class CompareView(DemoView):
    """Demo 4: two deterministic policies side by side, each with its trajectory and return."""

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.world = demo_world(demo)
        self.policies = (deterministic(TUTORIAL_ACTIONS), deterministic(THROUGH_S7_ACTIONS))
        self.trajs = tuple(
            follow_actions(self.world, self.world.start, path)
            for path in (TUTORIAL_PATH, THROUGH_S7_PATH)
        )
        self.anim = Animation(4, STEPS_PER_SECOND, HOLD_SECONDS)

    def layout(self, rect):
        super().layout(rect)
        half = rect.width // 2
        self.geos = tuple(
            fit_grid(
                pygame.Rect(rect.x + i * half + 10, rect.y + 30, half - 20, rect.height - 130),
                self.world,
            )
            for i in range(2)
        )

    def update(self, dt):
        self.anim.update(dt)

    def draw(self, surface):
        names = (t("left policy"), t("right policy"))
        best = int(np.argmax([tr.ret for tr in self.trajs]))
        for i, (geo, pi, traj) in enumerate(zip(self.geos, self.policies, self.trajs, strict=True)):
            style.blit_text(
                surface,
                names[i],
                (geo.rect.centerx, geo.rect.y - 8),
                17,
                bold=True,
                anchor="midbottom",
            )
            draw_board(surface, geo, self.world, pi, traj=traj, steps=self.anim.steps)
            done = self.anim.steps >= len(traj)
            text = return_equation(traj if done else prefix(traj, int(self.anim.steps)))
            color = (style.OK if i == best else style.ERROR) if done else style.TEXT
            style.blit_text(
                surface, text, (geo.rect.centerx, geo.rect.bottom + 14), 20, color, True, "midtop"
            )
            if done:
                verdict = (
                    t("better: higher return") if i == best else t("worse: it passes forbidden s7")
                )
                style.blit_text(
                    surface,
                    verdict,
                    (geo.rect.centerx, geo.rect.bottom + 44),
                    15,
                    color,
                    anchor="midtop",
                )

    def readout(self):
        return {
            "returns": tuple(tr.ret for tr in self.trajs),
            "texts": tuple(return_equation(tr) for tr in self.trajs),
        }


class DiscountView(DemoView):
    """Demo 5: the infinite trajectory that stays at s9, its discounted sum and the limit
    γ³/(1-γ), with a gamma slider."""

    TERMS = 60

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.world = demo_world(demo)
        self.pi = deterministic(TUTORIAL_ACTIONS)
        self.traj = follow_actions(self.world, self.world.start, TUTORIAL_PATH + (4,) * 8)
        self.gamma = 0.9
        self.slider = None

    def layout(self, rect):
        super().layout(rect)
        left = rect.width * 0.42
        self.geo = fit_grid(pygame.Rect(rect.x, rect.y, left, rect.height - 120), self.world, 130)
        self.plot_rect = pygame.Rect(
            rect.x + left + 20, rect.y + 70, rect.width - left - 40, rect.height - 210
        )
        slider_rect = pygame.Rect(
            self.plot_rect.x + 120, rect.y + 14, self.plot_rect.width - 120, 30
        )
        if self.slider is None:
            self.slider = UIHorizontalSlider(
                slider_rect, int(round(self.gamma * 100)), (0, 99), self.manager
            )
            self.widgets.append(self.slider)
        else:
            self.slider.set_relative_position(slider_rect.topleft)
            self.slider.set_dimensions(slider_rect.size)

    def set_gamma(self, gamma: float) -> None:
        self.gamma = float(gamma)
        if self.slider is not None and int(round(self.slider.get_current_value())) != round(
            gamma * 100
        ):
            self.slider.set_current_value(int(round(gamma * 100)))

    def handle_event(self, event) -> bool:
        if event.type == pygame_gui.UI_HORIZONTAL_SLIDER_MOVED and event.ui_element is self.slider:
            self.gamma = int(event.value) / 100
            return True
        return False

    @property
    def value(self) -> float:
        """The limit: γ³ / (1 - γ)."""
        return self.gamma**3 / (1 - self.gamma)

    def rewards(self, n: int) -> np.ndarray:
        """The first n rewards of the infinite trajectory: 0, 0, 0, 1, 1, 1, ..."""
        r = np.ones(n)
        r[:3] = 0
        return r

    def partial_sums(self) -> np.ndarray:
        terms = self.rewards(self.TERMS) * self.gamma ** np.arange(self.TERMS)
        return np.cumsum(terms)

    def draw(self, surface):
        g = self.gamma
        draw_board(surface, self.geo, self.world, self.pi, traj=self.traj)
        style.blit_text(
            surface, f"γ = {g:.2f}", (self.plot_rect.x, self.rect.y + 16), 20, bold=True
        )
        x, y = self.rect.x + 10, self.geo.rect.bottom + 14
        terms = " + ".join(
            f"{gamma_power(k)}{format_number(r)}" if k else format_number(r)
            for k, r in enumerate(self.rewards(5))
        )
        y = style.blit_lines(surface, [t("discounted return") + f" = {terms} + …"], (x, y), 17)
        y = style.blit_lines(
            surface,
            [f"= γ³ / (1 - γ) = {g:.2f}³ / {1 - g:.2f} = {self.value:.4g}"],
            (x, y + 2),
            22,
            style.OK,
            True,
        )
        style.blit_lines(
            surface, [t("(with γ = 1 the sum would be infinite)")], (x, y + 2), 14, style.MUTED
        )
        self._draw_plot(surface)

    def _draw_plot(self, surface):
        r = self.plot_rect
        panel_box(surface, r)
        style.blit_text(
            surface, t("partial sums of γ^t r_t, step by step"), (r.x + 10, r.y + 6), 14, bold=True
        )
        plot = pygame.Rect(r.x + 50, r.y + 34, r.width - 64, r.height - 64)
        sums = self.partial_sums()
        top = max(self.value, float(sums.max()), 1e-9) * 1.1
        n = len(sums)

        def sy(v):
            return plot.bottom - v / top * plot.height

        bar_w = max(1, plot.width // n - 1)
        terms = np.diff(np.concatenate([[0.0], sums]))
        for k in range(n):
            x = plot.x + k * plot.width / n
            pygame.draw.rect(
                surface, style.PLOT_LINE, (x, sy(terms[k]), bar_w, plot.bottom - sy(terms[k]))
            )
        pts = [(plot.x + (k + 0.5) * plot.width / n, sy(v)) for k, v in enumerate(sums)]
        pygame.draw.lines(surface, style.PLOT_MEAN, False, pts, 2)
        yy = sy(self.value)
        for x0 in range(plot.x, plot.right, 10):
            pygame.draw.line(surface, style.PLOT_BEST, (x0, yy), (min(x0 + 5, plot.right), yy), 2)
        style.blit_text(
            surface,
            f"γ³/(1-γ) = {self.value:.4g}",
            (plot.right, yy - 3),
            13,
            style.PLOT_BEST,
            anchor="bottomright",
        )
        pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.bottomright)
        pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.topleft)
        style.blit_text(
            surface, f"{top:.3g}", (plot.x - 4, plot.y), 11, style.MUTED, anchor="topright"
        )
        style.blit_text(surface, "0", (plot.x - 4, plot.bottom), 11, style.MUTED, anchor="midright")
        style.blit_text(
            surface,
            t("step t (bars: γ^t r_t, line: the sum so far)"),
            (plot.x, plot.bottom + 6),
            12,
            style.MUTED,
        )

    def readout(self):
        return {"gamma": self.gamma, "value": self.value, "sum_60": float(self.partial_sums()[-1])}

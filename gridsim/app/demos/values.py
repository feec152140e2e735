"""Demos 6 and 11: exact values with the Bellman backup under the mouse, and how the
reward r_forbidden steers the optimal policy."""

from __future__ import annotations

import numpy as np
import pygame
import pygame_gui

from gridsim.app.demos.view import DemoView, demo_world, deterministic, draw_board, fit_grid
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import style
from gridsim.app.exact import ExactCache
from gridsim.app.i18n import t
from gridsim.demos import TUTORIAL_ACTIONS
from gridsim.solvers import greedy_actions, optimal_actions, optimal_values
from gridsim.tables import build_tables
from gridsim.trajectory import follow_actions, format_number
from gridsim.world import ACTIONS, Rewards, state_name

# button texts: widgets cannot typeset, so Unicode forms (formulas.plain("V^π") == "Vπ")
MODES = (("Vπ", "v_pi"), ("Qπ", "q_pi"), ("Aπ", "a_pi"), ("V* and optimal arrows", "v_star"))


def num(x: float) -> str:
    return f"{x:.3g}" if abs(x) >= 0.0005 else "0"


def bellman_backup(world, pi, v, s: int) -> tuple[float, list[str]]:
    """(the right-hand side of V(s) = Σ_a π(a|s)[r(s,a) + γ V(s')], one text line per action)."""
    tables = build_tables(world)
    g = world.gamma
    total, lines = 0.0, []
    for a in range(len(ACTIONS)):
        p = float(pi[s, a])
        if p <= 0:
            continue
        s2, r = int(tables.next_state[s, a]), float(tables.reward[s, a])
        term = r + g * float(v[s2])
        total += p * term
        lines.append(
            f"π({ACTIONS[a]}|{state_name(s)}) = {p:.2g}:  {format_number(r)} + {g:g} × "
            f"V({state_name(s2)}) = {format_number(r)} + {g:g} × {num(v[s2])} = {num(term)}"
        )
    return total, lines


def optimal_backup(world, v_star, s: int) -> tuple[float, list[str], int]:
    """(max_a [r(s,a) + γ V*(s')], one line per action, the best action)."""
    tables = build_tables(world)
    g = world.gamma
    q = tables.reward[s] + g * v_star[tables.next_state[s]]
    best = int(np.argmax(q))
    lines = [
        f"{ACTIONS[a]}:  {format_number(tables.reward[s, a])} + {g:g} × "
        f"V*({state_name(int(tables.next_state[s, a]))}) = {num(q[a])}"
        + ("   ← max" if a == best else "")
        for a in range(len(ACTIONS))
    ]
    return float(q[best]), lines, best


class ValuesView(DemoView):
    """Demo 6: V^π, Q^π, A^π and V* of the tutorial's policy; the backup of the hovered cell."""

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.world = demo_world(demo)
        self.pi = deterministic(TUTORIAL_ACTIONS)
        self.exact = ExactCache()
        self.mode = "v_pi"
        self.focus = 4  # s5 until the mouse moves over a cell
        self.mode_buttons: dict[str, object] = {}

    def layout(self, rect):
        super().layout(rect)
        self.geo = fit_grid(
            pygame.Rect(rect.x, rect.y + 44, rect.width * 0.5, rect.height - 50), self.world, 140
        )
        x = rect.x + 10
        for text, mode in MODES:
            w = 200 if mode == "v_star" else 70
            r = pygame.Rect(x, rect.y + 4, w, 32)
            if mode not in self.mode_buttons:
                self.mode_buttons[mode] = self.button(text, r)
            else:
                self.mode_buttons[mode].set_relative_position(r.topleft)
            x += w + 6
        self.set_mode(self.mode)
        self.text_rect = pygame.Rect(
            self.geo.rect.right + 24,
            rect.y + 50,
            rect.right - self.geo.rect.right - 34,
            rect.height - 60,
        )

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        for m, b in self.mode_buttons.items():
            b.select() if m == mode else b.unselect()

    def handle_event(self, event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            for mode, b in self.mode_buttons.items():
                if event.ui_element is b:
                    self.set_mode(mode)
                    return True
        if event.type == pygame.MOUSEMOTION:
            s = self.geo.state_at(event.pos)
            if s is not None:
                self.focus = s
        return False

    def values(self):
        return self.exact.policy(self.world, "tutorial", self.pi)

    def draw(self, surface):
        geo, world = self.geo, self.world
        values, optimal = self.values(), self.exact.optimal(world)
        if self.mode == "v_star":
            draw_board(
                surface,
                geo,
                world,
                optimal=optimal.best,
                values=(optimal.v, "V*", style.VALUE_STAR),
            )
        else:
            table = {"q_pi": values.q, "a_pi": values.adv}.get(self.mode)
            v = (values.v, "V^π", style.VALUE_PI)
            draw_board(surface, geo, world, self.pi, values=v, action_values=table)
        pygame.draw.rect(surface, style.START, geo.cell_rect(self.focus), 3)
        self._draw_backup(surface, values, optimal)

    def _draw_backup(self, surface, values, optimal):
        r, s = self.text_rect, self.focus
        name = state_name(s)
        x, y = r.x, r.y
        y = style.blit_lines(
            surface,
            style.wrap(t("Bellman backup of {s} (hover a cell):", s=name), 16, r.width, bold=True),
            (x, y),
            16,
            bold=True,
        )
        y += 6
        if self.mode == "v_star":
            total, lines, _ = optimal_backup(self.world, optimal.v, s)
            head = f"V*({name}) = max_a [ r({name},a) + γ V*(s') ]"
            result = f"V*({name}) = {num(total)}"
        else:
            total, lines = bellman_backup(self.world, self.pi, values.v, s)
            head = f"V^π({name}) = Σ_a π(a|{name}) [ r({name},a) + γ V^π(s') ]"
            result = f"V^π({name}) = {num(total)}"
        y = style.blit_lines(surface, style.wrap(head, 15, r.width), (x, y), 15)
        for line in lines:
            y = style.blit_lines(
                surface, style.wrap(line, 14, r.width), (x + 8, y), 14, style.MUTED
            )
        y = style.blit_lines(surface, [result], (x, y + 4), 20, style.OK, bold=True)
        y += 14
        if self.mode in ("q_pi", "a_pi"):
            table = values.q if self.mode == "q_pi" else values.adv
            label = "Q^π" if self.mode == "q_pi" else "A^π"
            for a in range(len(ACTIONS)):
                y = style.blit_lines(
                    surface, [f"{label}({name}, {ACTIONS[a]}) = {num(table[s, a])}"], (x, y), 14
                )
            note = t("A^π(s,a) = Q^π(s,a) - V^π(s): how much better than the policy's own choice")
            style.blit_lines(surface, style.wrap(note, 13, r.width), (x, y + 6), 13, style.MUTED)
        elif self.mode == "v_pi":
            note = t(
                "The value of a state is the expected discounted return from it (γ = {g}).",
                g=f"{self.world.gamma:g}",
            )
            style.blit_lines(surface, style.wrap(note, 13, r.width), (x, y), 13, style.MUTED)
        else:
            note = t("Purple arrows: the actions that reach the max (the optimal policy).")
            style.blit_lines(surface, style.wrap(note, 13, r.width), (x, y), 13, style.MUTED)

    def readout(self):
        values = self.values()
        total, _ = bellman_backup(self.world, self.pi, values.v, self.focus)
        return {
            "state": state_name(self.focus),
            "backup": total,
            "v": float(values.v[self.focus]),
            "mode": self.mode,
        }


class RewardsView(DemoView):
    """Demo 11: the optimal policy of the 5x5 world with r_forbidden = -10, or 0."""

    STEPS = 12

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.original = demo_world(demo)
        self.r_forbidden = self.original.rewards.forbidden
        self.toggle = None

    @property
    def world(self):
        r = self.original.rewards
        return self.original.with_changes(
            rewards=Rewards(r.boundary, self.r_forbidden, r.target, r.other)
        )

    def layout(self, rect):
        super().layout(rect)
        self.geo = fit_grid(
            pygame.Rect(rect.x, rect.y + 46, rect.width * 0.6, rect.height - 52), self.original, 120
        )
        br = pygame.Rect(rect.x + 10, rect.y + 4, 300, 34)
        if self.toggle is None:
            self.toggle = self.button(self._toggle_text(), br)
        else:
            self.toggle.set_relative_position(br.topleft)

    def _toggle_text(self) -> str:
        return "Set r_forbidden = 0" if self.r_forbidden != 0 else "Set r_forbidden = -10"

    def set_forbidden(self, value: float) -> None:
        self.r_forbidden = float(value)
        if self.toggle is not None:
            self.toggle.set_text(self._toggle_text())

    def handle_event(self, event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.toggle:
            self.set_forbidden(0.0 if self.r_forbidden != 0 else self.original.rewards.forbidden)
            return True
        return False

    def solve(self):
        world = self.world
        v, q = optimal_values(world)
        s, actions = world.start, []
        greedy = greedy_actions(q)
        tables = build_tables(world)
        for _ in range(self.STEPS):
            a = int(greedy[s])
            actions.append(a)
            s = int(tables.next_state[s, a])
        path = follow_actions(world, world.start, actions)
        return v, optimal_actions(q), path

    def draw(self, surface):
        world, geo = self.world, self.geo
        v, best, path = self.solve()
        draw_board(surface, geo, world, optimal=best, values=(v, "V*", style.VALUE_STAR))
        draw_grid.draw_path(surface, geo, path, len(path), fade=False)  # one fixed path
        crossed = sum(1 for s in path.states[1:] if int(s) in world.forbidden)
        x = geo.rect.right + 24
        w = self.rect.right - x - 10
        y = self.rect.y + 50
        y = style.blit_lines(
            surface,
            [f"r_forbidden = {format_number(self.r_forbidden)}"],
            (x, y),
            22,
            style.TEXT,
            True,
        )
        r = world.rewards
        y = style.blit_lines(
            surface,
            [
                f"r_boundary = {format_number(r.boundary)}",
                f"r_target = {format_number(r.target)}",
                f"r_other = {format_number(r.other)}",
            ],
            (x, y + 4),
            14,
            style.MUTED,
        )
        y += 14
        key = (
            "The optimal path from s1 enters {n} forbidden cells."
            if crossed
            else "The optimal path from s1 avoids every forbidden cell."
        )
        y = style.blit_lines(
            surface,
            style.wrap(t(key, n=crossed), 16, w, bold=True),
            (x, y),
            16,
            style.OK if not crossed else style.ERROR,
            True,
        )
        y += 8
        y = style.blit_lines(
            surface,
            style.wrap(
                t(
                    "Orange: the path the optimal policy takes from the start cell; "
                    "purple: all optimal actions."
                ),
                13,
                w,
            ),
            (x, y),
            13,
            style.MUTED,
        )

    def readout(self):
        v, best, path = self.solve()
        return {
            "r_forbidden": self.r_forbidden,
            "best": {state_name(s): tuple(ACTIONS[a] for a in acts) for s, acts in enumerate(best)},
            "path": " -> ".join(state_name(int(s)) for s in path.states),
        }

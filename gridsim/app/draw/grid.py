"""Drawing the gridworld as the tutorial does: cells, labels, policy arrows, values, paths.

Pure drawing: every function takes what to draw and where, and changes nothing
but the surface. Geometry (which cell is under the mouse) lives in ``GridGeometry``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pygame

from gridsim.app.draw import style
from gridsim.app.i18n import t
from gridsim.world import ACTION_DELTAS, World, state_name

# (dx, dy) on screen for a1 up, a2 right, a3 down, a4 left, a5 stay.
SCREEN_DIRS = tuple((dc, dr) for dr, dc in ACTION_DELTAS)


@dataclass(frozen=True)
class GridGeometry:
    """Where a rows x cols grid sits on screen: square cells of ``cell`` pixels from (x, y)."""

    x: int
    y: int
    cell: int
    rows: int
    cols: int

    @classmethod
    def fit(cls, area: pygame.Rect, rows: int, cols: int) -> GridGeometry:
        """The largest grid of square cells centred in ``area``."""
        cell = max(8, min(area.width // cols, area.height // rows))
        w, h = cell * cols, cell * rows
        return cls(
            area.x + (area.width - w) // 2, area.y + (area.height - h) // 2, cell, rows, cols
        )

    @property
    def rect(self) -> pygame.Rect:
        return pygame.Rect(self.x, self.y, self.cell * self.cols, self.cell * self.rows)

    def cell_rect(self, state: int) -> pygame.Rect:
        r, c = divmod(state, self.cols)
        return pygame.Rect(self.x + c * self.cell, self.y + r * self.cell, self.cell, self.cell)

    def center(self, state: int) -> tuple[float, float]:
        r, c = divmod(state, self.cols)
        return (self.x + (c + 0.5) * self.cell, self.y + (r + 0.5) * self.cell)

    def state_at(self, pos) -> int | None:
        """The 0-based state under screen point ``pos``, or None outside the grid."""
        c = math.floor((pos[0] - self.x) / self.cell)
        r = math.floor((pos[1] - self.y) / self.cell)
        if 0 <= r < self.rows and 0 <= c < self.cols:
            return r * self.cols + c
        return None

    def offset_in_cell(self, pos, state: int) -> tuple[float, float]:
        """(dx, dy) of ``pos`` from the centre of ``state`` in cell widths."""
        cx, cy = self.center(state)
        return ((pos[0] - cx) / self.cell, (pos[1] - cy) / self.cell)


def label_size(cell: int) -> int:
    return max(10, min(18, cell // 7))


def value_size(cell: int) -> int:
    return max(9, min(15, cell // 8))


def cell_color(world: World, s: int):
    return (
        style.FORBIDDEN
        if s in world.forbidden
        else style.TARGET
        if s in world.targets
        else style.CELL
    )


def draw_fills(surface: pygame.Surface, geo: GridGeometry, world: World) -> None:
    """White cells, forbidden red, target green."""
    for s in range(world.n_states):
        surface.fill(cell_color(world, s), geo.cell_rect(s))


def draw_kind_frames(surface: pygame.Surface, geo: GridGeometry, world: World) -> None:
    """A thick coloured frame on forbidden and target cells (when an overlay covers the fill)."""
    width = max(4, geo.cell // 14)
    for s in sorted(world.forbidden | world.targets):
        pygame.draw.rect(surface, cell_color(world, s), geo.cell_rect(s), width)


def draw_marks(surface: pygame.Surface, geo: GridGeometry, world: World) -> None:
    """Grid lines, s1..sN labels, the start mark and 'end' on terminal targets."""
    size = label_size(geo.cell)
    for s in range(world.n_states):
        rect = geo.cell_rect(s)
        pygame.draw.rect(surface, style.GRID_LINE, rect, 1)
        style.blit_text(surface, state_name(s), (rect.x + 4, rect.y + 2), size, style.LABEL)
        if world.is_terminal(s) and s != world.start:
            style.blit_text(
                surface,
                t("end"),
                (rect.right - 4, rect.y + 2),
                size,
                style.LABEL,
                anchor="topright",
            )
    rect = geo.cell_rect(world.start).inflate(-4, -4)
    pygame.draw.rect(surface, style.START, rect, max(2, geo.cell // 30), border_radius=4)
    if geo.cell >= 56:
        style.blit_text(
            surface,
            t("start"),
            (rect.right - 3, rect.y + 1),
            size,
            style.START,
            bold=True,
            anchor="topright",
        )
    pygame.draw.rect(surface, style.GRID_LINE, geo.rect, 2)


def draw_cells(surface: pygame.Surface, geo: GridGeometry, world: World) -> None:
    """The plain world, as in the tutorial's figures."""
    draw_fills(surface, geo, world)
    draw_marks(surface, geo, world)


def arrow_polygon(cx, cy, dx, dy, length, width, head) -> list[tuple[float, float]]:
    """Points of an arrow from (cx, cy) along unit (dx, dy): shaft ``width``, head ``head`` long."""
    head = min(head, length)
    px, py = -dy, dx  # perpendicular
    shaft = length - head
    hw, hh = width / 2, max(width * 1.1, head * 0.75)
    bx, by = cx + dx * shaft, cy + dy * shaft
    return [
        (cx + px * hw, cy + py * hw),
        (bx + px * hw, by + py * hw),
        (bx + px * hh, by + py * hh),
        (cx + dx * length, cy + dy * length),
        (bx - px * hh, by - py * hh),
        (bx - px * hw, by - py * hw),
        (cx - px * hw, cy - py * hw),
    ]


def draw_policy(
    surface, geo: GridGeometry, world: World, pi: np.ndarray, color=style.ARROW, reach=0.33
) -> None:
    """pi(a|s) as arrows from a small ring at the centre, longer and thicker the likelier
    (pi = 1 reaches ``reach`` cell widths past the ring); a5 stay as the ring itself, bigger
    and bolder the likelier (the tutorial's circle)."""
    cell = geo.cell
    base = 0.07 * cell
    for s in range(world.n_states):
        if world.is_terminal(s):
            continue
        cx, cy = geo.center(s)
        probs = pi[s]
        for a in range(4):
            p = float(probs[a])
            if p < 0.01:
                continue
            dx, dy = SCREEN_DIRS[a]
            length = 3 + p * reach * cell
            width = max(2.0, cell * 0.07 * math.sqrt(p))
            head = min(length * 0.6, max(5.0, cell * 0.15 * math.sqrt(p)))
            sx, sy = cx + dx * base, cy + dy * base
            pygame.draw.polygon(surface, color, arrow_polygon(sx, sy, dx, dy, length, width, head))
        p = float(probs[4])
        if p >= 0.01:
            radius = int(0.03 * cell + p * 0.12 * cell)
            pygame.draw.circle(surface, color, (cx, cy), radius, max(2, int(1 + p * cell * 0.03)))


def draw_optimal(surface, geo: GridGeometry, world: World, best, reach: float = 0.43) -> None:
    """The optimal action(s) of every state as thin outlined arrows reaching a little further
    than any policy arrow (ties: several); a ring for stay."""
    cell = geo.cell
    length, width = reach * cell, max(2, cell // 40)
    for s in range(world.n_states):
        if world.is_terminal(s):
            continue
        cx, cy = geo.center(s)
        for a in best[s]:
            if a == 4:
                pygame.draw.circle(surface, style.OPTIMAL, (cx, cy), int(cell * 0.2), width)
                continue
            dx, dy = SCREEN_DIRS[a]
            pts = arrow_polygon(cx, cy, dx, dy, length, 1, max(6, cell * 0.1))
            tip = pts[3]
            start = (cx + dx * cell * 0.05, cy + dy * cell * 0.05)
            pygame.draw.line(surface, style.OPTIMAL, start, tip, width)
            pygame.draw.lines(surface, style.OPTIMAL, False, [pts[2], tip, pts[4]], width + 1)


def draw_values(surface, geo: GridGeometry, world: World, values, prefix: str, color, corner: str):
    """One number per cell in a bottom corner ('left' or 'right'), e.g. 'V 1.23'."""
    size = value_size(geo.cell)
    digits = 3 if geo.cell >= 90 else 2
    for s in range(world.n_states):
        rect = geo.cell_rect(s)
        label = f"{prefix}{_short(values[s], digits)}"
        if corner == "left":
            style.blit_text(
                surface, label, (rect.x + 4, rect.bottom - 2), size, color, anchor="bottomleft"
            )
        else:
            style.blit_text(
                surface, label, (rect.right - 4, rect.bottom - 2), size, color, anchor="bottomright"
            )


def _short(x: float, digits: int) -> str:
    """A value in few characters: 0 for tiny ones, no exponents."""
    x = float(x)
    if abs(x) < 0.005:
        return "0"
    if abs(x) >= 10**digits:
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def diverging(x: float, scale: float) -> tuple[int, int, int]:
    """White at 0, green for positive, red for negative, saturated at |x| = scale."""
    u = 0.0 if scale <= 0 else max(-1.0, min(1.0, x / scale))
    end = style.POSITIVE if u > 0 else style.NEGATIVE
    k = abs(u) * 0.75
    return tuple(int(255 + (e - 255) * k) for e in end)


def draw_action_values(surface, geo: GridGeometry, world: World, table, label: str) -> None:
    """A [S, A] table (Q or A) as four coloured triangles per cell (green: better than the
    state's average action, red: worse), with numbers when they fit; stay's value is the
    small centre square, its number below-left of the centre."""
    table = np.asarray(table)
    # colour each action against its state's mean: the better actions green, the worse red
    centred = table - table.mean(axis=1, keepdims=True)
    scale = float(np.max(np.abs(centred))) if table.size else 1.0
    size = max(9, min(13, geo.cell // 9))
    show_numbers = geo.cell >= 96
    for s in range(world.n_states):
        if world.is_terminal(s):
            continue
        rect = geo.cell_rect(s)
        cx, cy = rect.center
        corners = [rect.topleft, rect.topright, rect.bottomright, rect.bottomleft]
        # a1 up: top edge; a2 right: right edge; a3 down: bottom edge; a4 left: left edge.
        for a, (p, q) in enumerate(zip(corners, corners[1:] + corners[:1], strict=True)):
            pygame.draw.polygon(surface, diverging(centred[s, a], scale), [p, q, (cx, cy)])
        pygame.draw.line(surface, style.PANEL_EDGE, rect.topleft, rect.bottomright)
        pygame.draw.line(surface, style.PANEL_EDGE, rect.topright, rect.bottomleft)
        inner = pygame.Rect(0, 0, geo.cell * 0.24, geo.cell * 0.24)
        inner.center = (cx, cy)
        surface.fill(diverging(centred[s, 4], scale), inner)
        if show_numbers:
            # each number sits at the outer end of its action's triangle, past the (shortened) arrow
            for a, (ox, oy) in enumerate(NUMBER_SPOTS):
                color = style.MUTED if a == 4 else style.TEXT
                pos = (cx + ox * geo.cell, cy + oy * geo.cell)
                style.blit_text(surface, _short(table[s, a], 2), pos, size, color, anchor="center")


# where each action's number goes in a cell, in cell widths from the centre (y down)
NUMBER_SPOTS = ((0.0, -0.36), (0.38, 0.0), (0.0, 0.36), (-0.38, 0.0), (0.21, -0.2))


def trajectory_points(geo: GridGeometry, states) -> list[tuple[float, float]]:
    return [geo.center(int(s)) for s in states]


def loop_center(geo: GridGeometry, state: int) -> tuple[float, float]:
    """Where a "stay" step is drawn: a small loop below-right of the centre, clear of the arrows."""
    cx, cy = geo.center(state)
    return (cx + geo.cell * 0.22, cy + geo.cell * 0.2)


def draw_path(surface, geo: GridGeometry, traj, shown_steps: float) -> None:
    """The first ``shown_steps`` steps of a trajectory as a path (a small loop for staying)."""
    states = [int(s) for s in traj.states]
    whole = int(min(max(shown_steps, 0), len(traj)))
    width = max(3, geo.cell // 22)
    for k in range(whole):
        a, b = states[k], states[k + 1]
        if a == b:
            pygame.draw.circle(
                surface, style.PATH, loop_center(geo, a), max(5, geo.cell // 12), width
            )
        else:
            pygame.draw.line(surface, style.PATH, geo.center(a), geo.center(b), width)


def draw_rewards_and_agent(surface, geo: GridGeometry, traj, shown_steps: float) -> None:
    """Each step's reward on its edge of the path (repeats counted), and the agent as a dot
    moving smoothly between cells (``shown_steps`` may be fractional)."""
    states = [int(s) for s in traj.states]
    n = len(traj)
    whole = int(min(max(shown_steps, 0), n))
    size = value_size(geo.cell)
    labels: dict[tuple[int, int], list[float]] = {}
    for k in range(whole):
        labels.setdefault((states[k], states[k + 1]), []).append(float(traj.rewards[k]))
    for (a, b), rewards in labels.items():
        ax, ay = geo.center(a)
        bx, by = geo.center(b)
        if a == b:
            lx, ly = loop_center(geo, a)
            pos = (lx, ly + max(5, geo.cell // 12) + size * 0.9)
        else:
            pos = ((ax + bx) / 2 + (by - ay) * 0.12, (ay + by) / 2 + (ax - bx) * 0.12)
        image = style.text(_reward_label(rewards), size, style.TEXT, True)
        box = image.get_rect(center=(int(pos[0]), int(pos[1]))).inflate(6, 2)
        pygame.draw.rect(surface, (255, 248, 225), box, border_radius=3)
        pygame.draw.rect(surface, style.PATH, box, 1, border_radius=3)
        surface.blit(image, image.get_rect(center=box.center))
    k = min(int(shown_steps), n)
    frac = shown_steps - k if k < n else 0.0
    x0, y0 = geo.center(states[k])
    x1, y1 = geo.center(states[min(k + 1, n)])
    ease = frac * frac * (3 - 2 * frac)
    pos = (x0 + (x1 - x0) * ease, y0 + (y1 - y0) * ease)
    radius = max(5, geo.cell // 9)
    pygame.draw.circle(surface, style.AGENT, pos, radius)
    pygame.draw.circle(surface, style.TEXT, pos, radius, 2)


def _reward_label(rewards: list[float]) -> str:
    """'r=+1', 'r=+1 ×6', or 'r=-1 ×5, 0 ×2' for the steps taken along one edge."""
    from gridsim.trajectory import format_number

    counts: dict[float, int] = {}
    for r in rewards:
        counts[r] = counts.get(r, 0) + 1
    parts = []
    for r, n in counts.items():
        text = format_number(r)
        text = text if text.startswith("-") or text == "0" else f"+{text}"
        parts.append(text + (f" ×{n}" if n > 1 else ""))
    return "r=" + ", ".join(parts)

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
from gridsim.world import ACTION_DELTAS, World

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

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

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
    """The cell names' size: 10 to 18 pixels, a seventh of the cell."""
    return max(10, min(18, cell // 7))


def value_size(cell: int) -> int:
    """The size of numbers on the board (V, Q, rewards): 9 to 15 pixels."""
    return max(9, min(15, cell // 8))


def value_digits(cell: int) -> int:
    """Significant digits of every number on a board of ``cell``-pixel cells (V, V*, Q, A
    share it): 3 when cells are large, else 2."""
    return 3 if cell >= 90 else 2


def is_wall(world: World, s: int) -> bool:
    """A forbidden cell in "walls" mode: the agent bounces off it and never stands in it
    (unless it starts there), so it has no policy and no values worth drawing."""
    return world.forbidden_mode == "wall" and s in world.forbidden and s != world.start


def has_actions(world: World, s: int) -> bool:
    """Whether state ``s`` gets arrows and action values: not a wall, not a terminal target."""
    return not world.is_terminal(s) and not is_wall(world, s)


def cell_color(world: World, s: int):
    if is_wall(world, s):
        return style.WALL
    return (
        style.FORBIDDEN
        if s in world.forbidden
        else style.TARGET
        if s in world.targets
        else style.CELL
    )


def draw_fills(surface: pygame.Surface, geo: GridGeometry, world: World) -> None:
    """White cells, forbidden red, target green; walls dark and hatched."""
    for s in range(world.n_states):
        surface.fill(cell_color(world, s), geo.cell_rect(s))
        if is_wall(world, s):
            draw_hatching(surface, geo.cell_rect(s))


def draw_hatching(surface: pygame.Surface, rect: pygame.Rect) -> None:
    """Diagonal lines across ``rect``: the way plans draw a solid wall."""
    step = max(6, rect.width // 6)
    clip = surface.get_clip()
    surface.set_clip(rect.clip(clip) if clip else rect)
    for k in range(-rect.height, rect.width, step):
        start = (rect.x + k, rect.bottom)
        end = (rect.x + k + rect.height, rect.y)
        pygame.draw.line(surface, style.WALL_LINE, start, end, max(1, rect.width // 40))
    surface.set_clip(clip)


def draw_kind_frames(surface: pygame.Surface, geo: GridGeometry, world: World) -> None:
    """A thick coloured frame on forbidden and target cells (when an overlay covers the fill)."""
    width = max(4, geo.cell // 14)
    for s in sorted(world.forbidden | world.targets):
        if not is_wall(world, s):
            pygame.draw.rect(surface, cell_color(world, s), geo.cell_rect(s), width)


def draw_not_optimal(surface: pygame.Surface, geo: GridGeometry, world: World, states) -> None:
    """Light diagonal hatching on ``states``: their greedy action is not optimal yet.

    Drawn over the fill and under labels and arrows, so it never hides text; amber on white
    cells, white on the red and green ones. While learning, the hatched cells recede from the
    target as optimality spreads back.
    """
    for s in states:
        plain = s not in world.forbidden and s not in world.targets
        color = style.NOT_OPTIMAL if plain else style.NOT_OPTIMAL_ON_COLOUR
        surface.blit(_hatch_tile(geo.cell, color), geo.cell_rect(s))


_HATCH: dict[tuple, pygame.Surface] = {}


def _hatch_tile(cell: int, color) -> pygame.Surface:
    """One cell of hatching (stripes every ~cell/6 px, translucent), cached per size and colour."""
    tile = _HATCH.get((cell, color))
    if tile is None:
        tile = pygame.Surface((cell, cell), pygame.SRCALPHA)
        # small cells (34 px for a 10x10 world at 1024x700) get fine, sparser stripes: the
        # name and value there sit on them
        gap = max(7, cell // 6)
        width = 1 if cell < 44 else max(2, cell // 28)
        for k in range(-cell, cell, gap):
            pygame.draw.line(tile, color, (k, cell), (k + cell, 0), width)
        if len(_HATCH) > 8:
            _HATCH.clear()
        _HATCH[(cell, color)] = tile
    return tile


def draw_lines_and_start(surface: pygame.Surface, geo: GridGeometry, world: World) -> None:
    """Grid lines and the start cell's blue frame (its texts are labels: see draw.board)."""
    for s in range(world.n_states):
        pygame.draw.rect(surface, style.GRID_LINE, geo.cell_rect(s), 1)
    pygame.draw.rect(
        surface, style.START, start_frame(geo, world), start_width(geo), border_radius=4
    )
    pygame.draw.rect(surface, style.GRID_LINE, geo.rect, 2)


def start_frame(geo: GridGeometry, world: World) -> pygame.Rect:
    return geo.cell_rect(world.start).inflate(-4, -4)


def start_width(geo: GridGeometry) -> int:
    """The start frame's line width."""
    return max(2, geo.cell // 30)


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


ARROW_START = 0.07
"""Policy arrows start this many cell widths from the centre (outside the a5 ring)."""
NO_ROOM = 1e9


def arrow_half_width(cell: int) -> float:
    """Half the width of the widest arrow head drawn in a cell (a policy arrow at pi = 1, or
    an optimal arrow's chevron with its line): the strip ``arrow_room`` measures in."""
    policy = max(max(2.0, cell * 0.07) * 1.1, 0.75 * max(5.0, cell * 0.15))
    optimal = 0.75 * max(6, cell * 0.1) + (max(2, cell // 40) + 1) / 2
    return max(policy, optimal)


def arrow_room(geo: GridGeometry, world: World, boxes) -> np.ndarray:
    """room[s, a]: how far (pixels from the centre of s) arrows of action a may reach before
    they touch one of ``boxes`` (the board's text, margin included); for a5, how big the
    ring at the centre may be. A box blocks a direction when it lies ahead of the centre
    within the strip ``arrow_half_width`` either side of the axis: the arrows then end 1 px
    short of the text instead of running under it (a box that reaches back over the centre
    is not ahead: give only boxes the arrows must keep clear of, see
    ``draw.board.arrow_blockers``)."""
    room = np.full((world.n_states, 5), NO_ROOM)
    half = arrow_half_width(geo.cell) + 1
    for box in boxes:
        s = geo.state_at(box.center)
        if s is None or s >= world.n_states:
            continue
        cx, cy = geo.center(s)
        for a, (dx, dy) in enumerate(SCREEN_DIRS):
            if dx:  # horizontal: the box must cross the strip |y - cy| < half, ahead in x
                if box.bottom <= cy - half or box.top >= cy + half:
                    continue
                ahead = box.left - cx if dx > 0 else cx - box.right
            else:
                if box.right <= cx - half or box.left >= cx + half:
                    continue
                ahead = box.top - cy if dy > 0 else cy - box.bottom
            if ahead >= 0:
                room[s, a] = min(room[s, a], ahead - 1)
        gap_x = max(box.left - cx, cx - box.right, 0)
        gap_y = max(box.top - cy, cy - box.bottom, 0)
        room[s, 4] = min(room[s, 4], max(gap_x, gap_y) - 1)  # a square around the ring
    return room


def arrow_cores(geo: GridGeometry, world: World, reach: float) -> list[pygame.Rect]:
    """Per cell with actions, the plus the arrows always get: each arm as long as an arrow
    of pi = 1/2 (``reach`` as in ``draw_policy``) and as wide as the widest head, and the
    square where the a5 ring is. Labels are laid out around these (the stay value moves
    aside, or is left out in a small cell); beyond them arrows yield to text (``arrow_room``)."""
    half = arrow_half_width(geo.cell) + 1
    arm = ARROW_START * geo.cell + 3 + 0.5 * reach * geo.cell
    ring = max(half, 0.1 * geo.cell)
    out = []
    for s in range(world.n_states):
        if not has_actions(world, s):
            continue
        cx, cy = geo.center(s)
        for w, h in ((2 * arm, 2 * half), (2 * half, 2 * arm), (2 * ring, 2 * ring)):
            box = pygame.Rect(0, 0, math.ceil(w), math.ceil(h))
            box.center = (round(cx), round(cy))
            out.append(box)
    return out


def policy_arrows(geo: GridGeometry, world: World, pi: np.ndarray, reach=0.33, room=None):
    """The shapes ``draw_policy`` draws: ("arrow", points) for a1..a4 and ("ring", centre,
    radius, width) for a5, each no longer than ``room`` (see ``arrow_room``) allows."""
    cell = geo.cell
    base = ARROW_START * cell
    out = []
    for s in range(world.n_states):
        if not has_actions(world, s):
            continue
        cx, cy = geo.center(s)
        probs = pi[s]
        for a in range(4):
            p = float(probs[a])
            if p < 0.01:
                continue
            dx, dy = SCREEN_DIRS[a]
            length = 3 + p * reach * cell
            if room is not None:
                length = min(length, room[s, a] - base)
                if length < 2:
                    continue
            width = max(2.0, cell * 0.07 * math.sqrt(p))
            head = min(length * 0.6, max(5.0, cell * 0.15 * math.sqrt(p)))
            sx, sy = cx + dx * base, cy + dy * base
            out.append(("arrow", arrow_polygon(sx, sy, dx, dy, length, width, head)))
        p = float(probs[4])
        if p >= 0.01:
            radius = int(0.03 * cell + p * 0.12 * cell)
            if room is not None:
                radius = min(radius, int(room[s, 4]))
            if radius >= 2:
                out.append(("ring", (cx, cy), radius, max(2, int(1 + p * cell * 0.03))))
    return out


def shape_box(shape) -> pygame.Rect:
    """The bounding rectangle of a shape from ``policy_arrows`` / ``optimal_arrows``."""
    if shape[0] == "ring":
        (cx, cy), radius = shape[1], shape[2]
        return pygame.Rect(round(cx - radius), round(cy - radius), 2 * radius + 1, 2 * radius + 1)
    xs, ys = [x for x, _ in shape[1]], [y for _, y in shape[1]]
    w = shape[2] if shape[0] == "lines" else 1
    left, top = math.floor(min(xs) - w / 2), math.floor(min(ys) - w / 2)
    return pygame.Rect(
        left, top, math.ceil(max(xs) + w / 2) - left, math.ceil(max(ys) + w / 2) - top
    )


def draw_policy(
    surface,
    geo: GridGeometry,
    world: World,
    pi: np.ndarray,
    color=style.ARROW,
    reach=0.33,
    room=None,
) -> None:
    """pi(a|s) as arrows from a small ring at the centre, longer and thicker the likelier
    (pi = 1 reaches ``reach`` cell widths past the ring, or less where ``room`` - see
    ``arrow_room`` - says text is in the way); a5 stay as the ring itself, bigger and bolder
    the likelier (the tutorial's circle)."""
    for shape in policy_arrows(geo, world, pi, reach, room):
        if shape[0] == "arrow":
            pygame.draw.polygon(surface, color, shape[1])
        else:
            pygame.draw.circle(surface, color, shape[1], shape[2], shape[3])


def optimal_arrows(geo: GridGeometry, world: World, best, reach: float = 0.43, room=None):
    """The shapes ``draw_optimal`` draws: ("lines", points, width) per arrow (shaft and head
    as one polyline, the head 1 px bolder) and ("ring", centre, radius, width) for a5."""
    cell = geo.cell
    width = max(2, cell // 40)
    out = []
    for s in range(world.n_states):
        if not has_actions(world, s):
            continue
        cx, cy = geo.center(s)
        for a in best[s]:
            if a == 4:
                radius = int(cell * 0.2)
                if room is not None:
                    radius = min(radius, int(room[s, 4]) - width)
                if radius >= 2:
                    out.append(("ring", (cx, cy), radius, width))
                continue
            dx, dy = SCREEN_DIRS[a]
            length = reach * cell
            if room is not None:
                length = min(length, room[s, a] - width)
            if length < cell * 0.1:
                continue
            pts = arrow_polygon(cx, cy, dx, dy, length, 1, max(6, cell * 0.1))
            start = (cx + dx * cell * 0.05, cy + dy * cell * 0.05)
            out.append(("lines", [start, pts[3]], width))
            out.append(("lines", [pts[2], pts[3], pts[4]], width + 1))
    return out


def draw_optimal(
    surface, geo: GridGeometry, world: World, best, reach: float = 0.43, room=None
) -> None:
    """The optimal action(s) of every state as thin outlined arrows reaching a little further
    than any policy arrow (ties: several), or as far as ``room`` allows; a ring for stay."""
    for shape in optimal_arrows(geo, world, best, reach, room):
        if shape[0] == "ring":
            pygame.draw.circle(surface, style.OPTIMAL, shape[1], shape[2], shape[3])
        else:
            pygame.draw.lines(surface, style.OPTIMAL, False, shape[1], shape[2])


def short_number(x: float, digits: int) -> str:
    """A value in few characters: 0 for tiny ones, no exponents, ``digits`` significant."""
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


def draw_action_triangles(
    surface, geo: GridGeometry, world: World, table, centre: bool = True
) -> None:
    """A [S, A] table (Q or A) as four coloured triangles per cell (green: better than the
    state's average action, red: worse) and stay's value as the small centre square; the
    numbers are labels (see draw.board). ``centre=False`` colours by the sign of the value
    itself (rewards: green above 0, red below)."""
    table = np.asarray(table, dtype=np.float64)
    # colour each action against its state's mean: the better actions green, the worse red
    centred = table - table.mean(axis=1, keepdims=True) if centre else table
    shown = [s for s in range(world.n_states) if has_actions(world, s)]
    magnitudes = np.abs(centred[shown])
    magnitudes = magnitudes[np.isfinite(magnitudes)]
    scale = float(magnitudes.max()) if magnitudes.size else 1.0
    for s in shown:
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
        pygame.draw.rect(surface, style.PANEL_EDGE, inner, 1)


def loop_center(geo: GridGeometry, state: int) -> tuple[float, float]:
    """Where a "stay" step is drawn: a small loop below-right of the centre, clear of the arrows."""
    cx, cy = geo.center(state)
    return (cx + geo.cell * 0.22, cy + geo.cell * 0.2)


def loop_radius(geo: GridGeometry) -> int:
    return max(5, geo.cell // 12)


FRESH_STEPS = 3
"""The last steps of a path are drawn in full colour; older ones fade (see ``step_color``)."""
FADE_STEPS = 12
FAINTEST = 0.25


def step_color(age: int) -> tuple[int, int, int]:
    """The path's colour for a step taken ``age`` steps before the newest: full for the last
    FRESH_STEPS, then fading over FADE_STEPS to FAINTEST, so a long walk reads as a trail
    with a head rather than a tangle."""
    k = 1.0 if age < FRESH_STEPS else max(FAINTEST, 1 - (age - FRESH_STEPS + 1) / FADE_STEPS)
    return tuple(round(255 + (c - 255) * k) for c in style.PATH)


def lane_offset(geo: GridGeometry) -> float:
    """How far a step's line runs to the right of the centre line (in its direction of travel),
    so s1 -> s2 and s2 -> s1 are two lanes instead of one line drawn twice."""
    return max(2.0, geo.cell * 0.04)


def step_line(geo: GridGeometry, a: int, b: int) -> tuple[tuple[float, float], ...]:
    """(start, end) of the step a -> b (a != b) on its lane, from near a's centre to near b's."""
    (ax, ay), (bx, by) = geo.center(a), geo.center(b)
    length = math.hypot(bx - ax, by - ay) or 1.0
    dx, dy = (bx - ax) / length, (by - ay) / length
    nx, ny = -dy, dx  # the right-hand side on screen (y grows downwards)
    lane = lane_offset(geo)
    trim = lane  # turns join up: a path reads as one line, not dashes
    return (
        (ax + nx * lane + dx * trim, ay + ny * lane + dy * trim),
        (bx + nx * lane - dx * trim, by + ny * lane - dy * trim),
    )


def draw_path(
    surface, geo: GridGeometry, traj, shown_steps: float, faint: bool = False, fade: bool = True
) -> None:
    """The first ``shown_steps`` steps of a trajectory as a path: each step on its own lane
    with a small head showing the way it went, a loop for staying; older steps fade unless
    ``fade`` is False (a fixed path, e.g. the optimal one); ``faint``: all of it pale (an
    earlier trajectory behind the current one)."""
    states = [int(s) for s in traj.states]
    whole = int(min(max(shown_steps, 0), len(traj)))
    width = max(3, geo.cell // 22)
    for k in range(whole):  # oldest first: the newest steps are drawn on top
        a, b = states[k], states[k + 1]
        age = FRESH_STEPS + FADE_STEPS if faint else (whole - 1 - k if fade else 0)
        color = step_color(age)
        if a == b:
            pygame.draw.circle(surface, color, loop_center(geo, a), loop_radius(geo), width)
            continue
        start, end = step_line(geo, a, b)
        pygame.draw.line(surface, color, start, end, width)
        pygame.draw.polygon(surface, color, _chevron(start, end, width))


def _chevron(start, end, width) -> list[tuple[float, float]]:
    """A small arrow head two thirds of the way along a step."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    tip = (x0 + dx * length * 0.66 + dx * width * 1.6, y0 + dy * length * 0.66 + dy * width * 1.6)
    back = (tip[0] - dx * width * 2.8, tip[1] - dy * width * 2.8)
    side = width * 1.5
    return [
        tip,
        (back[0] - dy * side, back[1] + dx * side),
        (back[0] + dy * side, back[1] - dx * side),
    ]


def draw_agent(surface, geo: GridGeometry, traj, shown_steps: float) -> None:
    """The agent as a dot moving smoothly between cells (``shown_steps`` may be fractional)."""
    states = [int(s) for s in traj.states]
    n = len(traj)
    k = min(int(max(shown_steps, 0)), n)
    frac = shown_steps - k if k < n else 0.0
    x0, y0 = geo.center(states[k])
    x1, y1 = geo.center(states[min(k + 1, n)])
    ease = frac * frac * (3 - 2 * frac)
    draw_agent_at(surface, geo, (x0 + (x1 - x0) * ease, y0 + (y1 - y0) * ease))


def agent_radius(geo: GridGeometry) -> int:
    """The agent dot's radius: a ninth of a cell across."""
    return max(5, geo.cell // 9)


def agent_box(geo: GridGeometry, state: int) -> pygame.Rect:
    """The rectangle the agent covers while it stands on ``state`` (its rim included)."""
    r = agent_radius(geo) + 1
    cx, cy = geo.center(state)
    return pygame.Rect(round(cx) - r, round(cy) - r, 2 * r + 1, 2 * r + 1)


def draw_agent_at(surface, geo: GridGeometry, pos) -> None:
    """The agent: a yellow dot with a dark rim, a ninth of a cell across."""
    radius = agent_radius(geo)
    pygame.draw.circle(surface, style.AGENT, pos, radius)
    pygame.draw.circle(surface, style.TEXT, pos, radius, 2)

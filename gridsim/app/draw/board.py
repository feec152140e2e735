"""The gridworld board as one cached picture: cells and arrows below, all its text above,
placed by one layout step (``draw.labels``) so that no label is drawn over another.

What the text layer holds, by priority (what cannot fit is dropped, lowest first): the cell
names s1..sN, "start" / "end", V^π (bottom left), V* (bottom right), each action's value
(Q or A: a1..a4 at their cell sides, a5 "stay" beside the centre), then overlays added by
other views (``extra``), then the reward tags of the trajectory on show (``place_tags``).
A frame draws ``base``, the path, ``text``, the tags and the agent: numbers stay readable
over arrows and paths (each has a light halo), and the layout runs once per picture.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pygame

from gridsim.app.draw import grid, style
from gridsim.app.draw.labels import (
    HALO,
    MARGIN,
    Label,
    Layout,
    Plan,
    Spot,
    draw_in_box,
    draw_placed,
    ink,
)
from gridsim.app.i18n import language, t
from gridsim.world import World, state_name

NAMES, MARKS, V_PI, V_STAR, ACTIONS, STAY, EXTRA = range(7)
"""Label priorities: lower numbers are placed first."""
SMALLEST = 9
"""No board text is drawn smaller than this many pixels: it is dropped instead."""
INSET = 3
"""Pixels kept free inside a cell's edge, so numbers of neighbouring cells never run together."""
SMALL_CELL = 60
"""In cells smaller than this the arrows reach the corners: names get a halo there too."""
CROWDED_CELL = 44
"""In cells smaller than this (a 10x10 world in a 1024x700 window: 34 px) the name and the
value fill most of the cell and sit on the 'not optimal' stripes and the path: their halos
hide more of what is under them."""
CROWDED_HALO = 225
"""The halo's alpha in crowded cells (elsewhere labels.HALO's)."""

# where each action's value goes, in cell widths from the centre (y down), best first:
# a1..a4 at the outer end of their triangle, a5 beside the centre square (the path's stay
# loop sits below-right of the centre)
ACTION_SPOTS = (
    ((0.0, -0.36), (0.0, -0.3)),
    ((0.34, 0.0), (0.3, -0.1)),
    ((0.0, 0.36), (0.0, 0.3)),
    ((-0.34, 0.0), (-0.3, -0.1)),
    ((0.22, -0.2), (-0.22, -0.2), (-0.22, 0.2), (0.0, -0.2)),
)
REACH_UNDER_NUMBERS = 0.2
"""Policy arrows reach this share of a cell when action values sit at the cell's sides."""
ACTION_NUMBERS_FROM = 64
"""Cells smaller than this many pixels show action values as colours only (five numbers
and the cell's name and values in a smaller cell are a wall of digits; hovering a cell
lists them in the scene's hint line)."""
NAMED_VALUES_FROM = 72
"""Cells at least this big say what their numbers are ('V^π=-3.6'); smaller ones show the
bare number (its colour and corner tell which it is), the same way on every cell."""


def sizes(largest: int) -> tuple[int, ...]:
    """Sizes to try for a label: ``largest`` down to SMALLEST."""
    return tuple(range(max(largest, SMALLEST), SMALLEST - 1, -1))


def name_labels(geo: grid.GridGeometry, world: World) -> list[Label]:
    """s1..sN in the top-left corners, "start" and "end" in the top-right ones."""
    out = []
    big = grid.label_size(geo.cell)
    frame = grid.start_frame(geo, world)
    for s in range(world.n_states):
        rect = geo.cell_rect(s)
        wall = grid.is_wall(world, s)
        # inside the start cell, clear of its blue frame
        x, y = (
            (frame.x + grid.start_width(geo) + 2, frame.y + grid.start_width(geo) + 1)
            if s == world.start
            else (rect.x + 4, rect.y + 3)
        )
        out.append(
            Label(
                (state_name(s),),
                (Spot(x, y, "topleft"), Spot(x - 2, y - 1, "topleft")),
                sizes(big),
                style.WALL_LABEL if wall else style.LABEL,
                NAMES,
                halo=not wall and geo.cell < SMALL_CELL,  # arrows reach small cells' corners
                clip=tuple(rect),
            )
        )
        if world.is_terminal(s) and s != world.start:
            out.append(_corner_word(t("end"), rect, big, style.LABEL, False))
    inner = frame.inflate(-2 * grid.start_width(geo), -2 * grid.start_width(geo))
    out.append(_corner_word(t("start"), inner, big, style.START, True))
    return out


def _corner_word(word: str, rect: pygame.Rect, size: int, color, bold: bool) -> Label:
    spots = (
        Spot(rect.right - 4, rect.y + 3, "topright"),
        Spot(rect.right - 3, rect.y + 2, "topright"),
    )
    # a halo, as every label over the board's lines has: triangles' diagonals and paths cross
    # a cell's corners
    return Label((word,), spots, sizes(size), color, MARKS, bold=bold, clip=tuple(rect))


def stand_in(numbers) -> str:
    """The widest form among ``numbers`` (texts), every digit an 8: the box a label of this
    kind is measured for, so that the layout does not move when the values change."""
    forms = {re.sub(r"\d", "8", n) for n in numbers} or {"8"}
    f = style.font(13)
    return max(sorted(forms), key=lambda form: f.size(form)[0])


def value_labels(
    geo: grid.GridGeometry, world: World, values, prefix: str, color, corner: str, priority: int
) -> list[Label]:
    """One number per cell (walls have none) in a bottom corner ('left' or 'right'):
    ``prefix`` + value (e.g. 'V^π=1.23') where cells are big enough, else just the value."""
    digits = grid.value_digits(geo.cell)
    anchor = "bottomleft" if corner == "left" else "bottomright"
    cells = [s for s in range(world.n_states) if not grid.is_wall(world, s)]
    numbers = [grid.short_number(values[s], digits) for s in cells]
    name = f"{prefix}=" if prefix and geo.cell >= NAMED_VALUES_FROM else ""
    form = name + stand_in(numbers)
    out = []
    step = -2 if corner == "left" else 2
    for s, number in zip(cells, numbers, strict=True):
        rect = geo.cell_rect(s)
        x = rect.x + 4 if corner == "left" else rect.right - 4
        spots = (Spot(x, rect.bottom - 3, anchor), Spot(x + step, rect.bottom - 2, anchor))
        out.append(
            Label(
                (name + number,),
                spots,
                sizes(grid.value_size(geo.cell)),
                color,
                priority,
                clip=tuple(rect),
                measure_as=(form,),
            )
        )
    return out


def action_value_labels(geo: grid.GridGeometry, world: World, table) -> list[Label]:
    """Every action's value (a5 "stay" included) at its side of the cell, with the same
    digits as V; none in walls and terminal targets."""
    table = np.asarray(table)
    digits = grid.value_digits(geo.cell)
    size = max(SMALLEST, min(13, geo.cell // 9))
    cells = [s for s in range(world.n_states) if grid.has_actions(world, s)]
    numbers = {(s, a): grid.short_number(table[s, a], digits) for s in cells for a in range(5)}
    form = stand_in(numbers.values())
    out = []
    for s in cells:
        rect = geo.cell_rect(s)
        cx, cy = rect.center
        clip = tuple(rect.inflate(-2 * INSET, -2 * INSET))
        for a, spots in enumerate(ACTION_SPOTS):
            out.append(
                Label(
                    (numbers[s, a],),
                    tuple(Spot(cx + ox * geo.cell, cy + oy * geo.cell) for ox, oy in spots),
                    sizes(size),
                    style.TEXT if a < 4 else style.MUTED,
                    STAY if a == 4 else ACTIONS,
                    clip=clip,
                    measure_as=(form,),
                )
            )
    return out


@dataclass
class BoardPicture:
    """``base`` (cells, frames, arrows) and ``text`` (every label, transparent elsewhere),
    both at the board's own origin, and the ``layout`` that placed the text."""

    base: pygame.Surface
    text: pygame.Surface
    layout: Layout
    geo: grid.GridGeometry

    @property
    def boxes(self) -> list[pygame.Rect]:
        return self.layout.boxes


def paint_board(
    geo: grid.GridGeometry,
    world: World,
    *,
    pi=None,
    best=None,
    v_pi=None,
    v_star=None,
    action_values=None,
    action_centre: bool = True,
    extra: tuple[Label, ...] = (),
    previous: BoardPicture | None = None,
    v_label: tuple[str, tuple] = ("V^π", style.VALUE_PI),
    not_optimal: tuple[int, ...] = (),
) -> BoardPicture:
    """The board of ``world`` at ``geo`` (drawn at its own origin: blit it at geo.x, geo.y)
    with the policy ``pi[S, A]`` as arrows, the optimal actions ``best`` (purple), the
    values ``v_pi[S]`` and ``v_star[S]`` and an action-value table ``action_values[S, A]``
    (coloured against each state's mean, or by sign with ``action_centre=False``);
    ``extra`` labels come from other overlays and share the layout. ``v_label`` is the
    (name, colour) of the bottom-left numbers (a demo may show V* there instead).
    ``not_optimal`` states get light hatching (their greedy action is not optimal yet): a
    mark under the lines, arrows and text, never a label."""
    geo = grid.GridGeometry(0, 0, geo.cell, geo.rows, geo.cols)
    size = geo.rect.size
    base = style.canvas(previous.base if previous else None, size)
    text = previous.text if previous and previous.text.get_size() == size else None
    if text is None:
        text = pygame.Surface(size, pygame.SRCALPHA)
    text.fill((0, 0, 0, 0))
    grid.draw_fills(base, geo, world)
    labels = name_labels(geo, world)
    numbers = action_values is not None and geo.cell >= ACTION_NUMBERS_FROM
    if action_values is not None:
        grid.draw_action_triangles(base, geo, world, action_values, centre=action_centre)
        grid.draw_kind_frames(base, geo, world)
        if numbers:
            labels += action_value_labels(geo, world, action_values)
    grid.draw_not_optimal(base, geo, world, not_optimal)
    grid.draw_lines_and_start(base, geo, world)
    reach = REACH_UNDER_NUMBERS if numbers else 0.33
    if v_pi is not None:
        labels += value_labels(geo, world, v_pi, v_label[0], v_label[1], "left", V_PI)
    if v_star is not None:
        labels += value_labels(geo, world, v_star, "V*", style.VALUE_STAR, "right", V_STAR)
    labels += extra
    cores = ()
    if (best is not None or pi is not None) and geo.cell >= SMALL_CELL:
        cores = tuple(tuple(r) for r in grid.arrow_cores(geo, world, reach))
    layout = plan_for(geo, world, labels, cores).apply(labels)
    # the arrows end short of the text (each label's box, margin included): no arrow runs
    # under a number, whatever the policy
    room = None
    if best is not None or pi is not None:
        room = grid.arrow_room(geo, world, arrow_blockers(layout, geo.cell))
    if best is not None:
        grid.draw_optimal(base, geo, world, best, reach=reach + 0.1, room=room)
    if pi is not None:
        grid.draw_policy(base, geo, world, pi, reach=reach, room=room)
    draw_placed(
        text, layout.placed, halo_alpha=CROWDED_HALO if geo.cell < CROWDED_CELL else HALO[3]
    )
    return BoardPicture(base, text, layout, geo)


def arrow_blockers(layout: Layout, cell: int) -> list[pygame.Rect]:
    """The text boxes arrows end short of: every label's, in cells of SMALL_CELL pixels or
    more. In smaller cells (a 10x10 world) the arrows' roots reach the names and numbers in
    the corners, which are drawn over them with a halo: shortening the arrows there would
    leave most of them no room at all."""
    return [] if cell < SMALL_CELL else list(layout.boxes)


_PLANS: OrderedDict = OrderedDict()


def plan_for(geo: grid.GridGeometry, world: World, labels, reserved=()) -> Plan:
    """Where ``labels`` go on this board (its action values clear of ``reserved``), once per
    distinct set of label forms (world, size, language, which overlays, number forms), then
    reused while only the values change (a training run repaints the board at every update)."""
    key = (
        world,
        geo.cell,
        language(),
        tuple(reserved),
        tuple(
            (label.measure_as or label.texts, label.spots, label.sizes, label.priority, label.bold)
            for label in labels
        ),
    )
    plan = _PLANS.get(key)
    if plan is None:
        # names, start / end and V^π, V* first; the action values around the arrows' cores
        cores = [pygame.Rect(box) for box in reserved]
        plan = Layout(geo.rect).plan(labels, reserve_at=(ACTIONS, cores))
        _PLANS[key] = plan
        while len(_PLANS) > 16:
            _PLANS.popitem(last=False)
    else:
        _PLANS.move_to_end(key)
    return plan


class PictureCache:
    """The last few pictures by key (demo views redraw the same board every frame).

    ``make(previous)`` builds a missing one; ``previous`` is the picture it evicts (or None),
    whose surfaces it may reuse rather than allocate new ones for every new policy."""

    def __init__(self, size: int = 8):
        self.size = size
        self._items: OrderedDict = OrderedDict()

    def get(self, key, make):
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        previous = self._items.popitem(last=False)[1] if len(self._items) >= self.size else None
        value = make(previous)
        self._items[key] = value
        return value


def array_key(x):
    """A hashable stand-in for an array (or None) in a cache key."""
    if x is None:
        return None
    x = np.asarray(x)
    return (x.shape, x.dtype.str, x.tobytes())


# --- the trajectory's reward tags ---------------------------------------------------------


@dataclass(frozen=True)
class RewardTag:
    """The reward label of one edge (a -> b, or a stay at a) of a trajectory: ``steps`` are
    the step indices taken along it, ``box`` (board coordinates) holds its widest text's
    frame with MARGIN around it (as a label's box: what must not touch other text)."""

    edge: tuple[int, int]
    steps: tuple[int, ...]
    box: pygame.Rect
    size: int


def reward_text(rewards) -> str:
    """'r=+1', 'r=+1 ×6', or 'r=-1 ×5, 0 ×2' for the steps taken along one edge."""
    from gridsim.trajectory import format_number

    counts: dict[float, int] = {}
    for r in rewards:
        counts[float(r)] = counts.get(float(r), 0) + 1
    parts = []
    for r, n in counts.items():
        text = format_number(r)
        text = text if text.startswith("-") or text == "0" else f"+{text}"
        parts.append(text + (f" ×{n}" if n > 1 else ""))
    return "r=" + ", ".join(parts)


TAG_PAD = (3, 1)


def place_tags(picture: BoardPicture, traj) -> tuple[RewardTag, ...]:
    """A box for every edge's reward tag, clear of the board's labels and of each other:
    one tag per edge (repeats counted), beside its lane, sized for its final text so it
    never grows into a neighbour while the trajectory is drawn. Tags that fit nowhere are
    left out. Placed once per trajectory."""
    geo = picture.geo
    layout = picture.layout.copy()
    edges: dict[tuple[int, int], list[int]] = {}
    states = [int(s) for s in traj.states]
    for s in set(states):  # where the agent stops: no tag under its dot
        layout.reserve(grid.agent_box(geo, s))
    for k in range(len(traj)):
        edges.setdefault((states[k], states[k + 1]), []).append(k)
    rewards = [float(r) for r in traj.rewards]
    out = []
    # moves first, then stays: a stay's loop has room on every side, a lane only on two
    for edge, steps in sorted(edges.items(), key=lambda item: item[0][0] == item[0][1]):
        texts = {reward_text([rewards[k] for k in steps[: n + 1]]) for n in range(len(steps))}
        for size in sizes(grid.value_size(geo.cell)):
            # the framed box of the widest text, and MARGIN around it as every label has:
            # a tag's frame never touches another tag or a label
            w = max(ink(text, size, True).w for text in texts) + 2 * (TAG_PAD[0] + 1 + MARGIN)
            h = max(ink(text, size, True).h for text in texts) + 2 * (TAG_PAD[1] + 1 + MARGIN)
            box = next(
                (b for b in _tag_boxes(geo, edge, w, h) if layout.free(b)),
                None,
            )
            if box is not None:
                layout.reserve(box)
                out.append(RewardTag(edge, tuple(steps), box, size))
                break
    return tuple(out)


def _tag_boxes(geo: grid.GridGeometry, edge, w: int, h: int):
    """Candidate boxes for an edge's tag, best first: beside the middle of its lane (right
    of the direction of travel), a little towards either end, then on the other side; for
    a stay, around its loop."""
    a, b = edge
    if a == b:
        lx, ly = grid.loop_center(geo, a)
        r = grid.loop_radius(geo) + 2
        centres = [
            (lx, ly + r + h / 2),
            (lx, ly - r - h / 2),
            (lx + r + w / 2, ly),
            (lx - r - w / 2, ly),
            (lx - w / 2, ly + r + h / 2),
        ]
        # then anywhere along the cell's right side and across its top: the agent stands at
        # the centre, and the bottom corners hold V^π and V*
        cx, cy = geo.center(a)
        right = cx + geo.cell / 2 - INSET - w / 2
        for y in (ly - r - h / 2, cy - geo.cell * 0.25, cy, cy + geo.cell * 0.3):
            centres.append((right, y))
        centres.append((cx, cy - geo.cell * 0.3))
    else:
        (x0, y0), (x1, y1) = grid.step_line(geo, a, b)
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        length = max(1.0, ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)
        dx, dy = (x1 - x0) / length, (y1 - y0) / length
        nx, ny = -dy, dx
        reach = abs(nx) * w / 2 + abs(ny) * h / 2 + max(3, geo.cell // 22)
        centres = []
        for side in (1, -1, 2, -2):  # beside the lane, then a tag's width further out
            for along in (0.0, 0.15, -0.15, 0.28, -0.28):
                centres.append(
                    (
                        mx + side * nx * reach + dx * along * geo.cell,
                        my + side * ny * reach + dy * along * geo.cell,
                    )
                )
    for cx, cy in centres:
        box = pygame.Rect(0, 0, w, h)
        box.center = (round(cx), round(cy))
        yield box


def draw_tags(surface, tags, traj, shown_steps: float, offset=(0, 0)) -> list[pygame.Rect]:
    """The tags of the edges already walked (``shown_steps`` of ``traj``), each showing the
    rewards of the steps taken so far along it; the boxes drawn."""
    whole = int(min(max(shown_steps, 0), len(traj)))
    drawn = []
    for tag in tags:
        walked = [float(traj.rewards[k]) for k in tag.steps if k < whole]
        if not walked:
            continue
        text = reward_text(walked)
        area = ink(text, tag.size, True)
        box = pygame.Rect(0, 0, area.w + 2 * TAG_PAD[0] + 2, area.h + 2 * TAG_PAD[1] + 2)
        box.center = tag.box.move(offset).center  # inside the box reserved for the final text
        pygame.draw.rect(surface, style.REWARD_TAG, box, border_radius=3)
        pygame.draw.rect(surface, style.PATH, box, 1, border_radius=3)
        draw_in_box(surface, text, tag.size, style.TEXT, True, box)
        drawn.append(box.inflate(2 * MARGIN, 2 * MARGIN))  # its margin, as labels' boxes
    return drawn

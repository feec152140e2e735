"""Drawing for preference learning: a trajectory as a directed path in a colour of its own,
its rewards, a thumbs-up / thumbs-down icon, and boards tiled side by side.

Pure drawing (nothing here keeps state): the labelling panel and the implicit-reward
overlay compose these with ``gridsim.app.draw.grid``.
"""

from __future__ import annotations

import math

import pygame

from gridsim.app.draw import board as draw_board
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import style
from gridsim.app.draw.labels import MARGIN, draw_in_box, ink

# The two trajectories of a pair: 1 (left) blue, 2 (right) orange; a single one (KTO) blue.
FIRST = (40, 110, 220)
SECOND = (230, 120, 20)
GOOD = (40, 150, 70)
BAD = (210, 60, 50)


def tile_boards(
    area: pygame.Rect, count: int, rows: int, cols: int, title: int = 0, gap: int = 10
) -> list[draw_grid.GridGeometry]:
    """``count`` equal grids of rows x cols square cells in ``area``, arranged in the
    columns x lines that give the biggest cells; ``title`` pixels are kept free above
    each grid for its caption. Reading order: left to right, then top to bottom."""
    best: tuple[int, int] | None = None
    for across in range(1, count + 1):
        down = math.ceil(count / across)
        width = (area.width - gap * (across - 1)) // across
        height = (area.height - gap * (down - 1)) // down - title
        cell = min(width // cols, height // rows)
        if best is None or cell > best[0]:
            best = (cell, across)
    cell, across = best
    cell = max(4, cell)
    down = math.ceil(count / across)
    w, h = cell * cols, cell * rows
    block_w = across * w + (across - 1) * gap
    block_h = down * (h + title) + (down - 1) * gap
    x0 = area.x + (area.width - block_w) // 2
    y0 = area.y + (area.height - block_h) // 2
    out = []
    for k in range(count):
        i, j = k % across, k // across
        x = x0 + i * (w + gap)
        y = y0 + j * (h + title + gap) + title
        out.append(draw_grid.GridGeometry(x, y, cell, rows, cols))
    return out


def path_width(geo: draw_grid.GridGeometry) -> int:
    return max(2, geo.cell // 22)


def draw_directed_path(surface, geo: draw_grid.GridGeometry, traj, color) -> None:
    """Every step of ``traj`` in full ``color`` (a person compares whole routes, so no step
    fades): each directed edge once, on its lane (``grid.step_line``: a -> b and b -> a run
    side by side) with an arrowhead past its middle; a "stay" as a small loop; a dot on the
    start cell."""
    states = [int(s) for s in traj.states]
    width = path_width(geo)
    head = max(5.0, geo.cell * 0.12)
    seen: set[tuple[int, int]] = set()
    for a, b in zip(states, states[1:], strict=False):
        if (a, b) in seen:
            continue
        seen.add((a, b))
        if a == b:
            loop = draw_grid.loop_center(geo, a)
            pygame.draw.circle(surface, color, loop, draw_grid.loop_radius(geo), width)
            continue
        (x0, y0), (x1, y1) = draw_grid.step_line(geo, a, b)
        pygame.draw.line(surface, color, (x0, y0), (x1, y1), width)
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        tip = (x0 + dx * 0.68, y0 + dy * 0.68)
        back = (tip[0] - ux * head, tip[1] - uy * head)
        half = head * 0.55
        left = (back[0] - uy * half, back[1] + ux * half)
        right = (back[0] + uy * half, back[1] - ux * half)
        pygame.draw.polygon(surface, color, [tip, left, right])
    cx, cy = geo.center(states[0])
    pygame.draw.circle(surface, color, (cx, cy), max(3, geo.cell // 14))


def draw_reward_tags(surface, tags, traj, color, offset=(0, 0)) -> list[pygame.Rect]:
    """The reward tags (``draw.board.place_tags``: boxes clear of the board's labels) of the
    edges whose rewards are not all 0, framed in the trajectory's colour: the 0s of ordinary
    steps would only hide the route. The boxes drawn."""
    drawn = []
    for tag in tags:
        rewards = [float(traj.rewards[k]) for k in tag.steps]
        if not any(rewards):
            continue
        text = draw_board.reward_text(rewards)
        area = ink(text, tag.size, True)
        box = pygame.Rect(0, 0, area.w + 8, area.h + 4)
        box.center = tag.box.move(offset).center
        pygame.draw.rect(surface, style.REWARD_TAG, box, border_radius=3)
        pygame.draw.rect(surface, color, box, 1, border_radius=3)
        draw_in_box(surface, text, tag.size, style.TEXT, True, box)
        drawn.append(box.inflate(2 * MARGIN, 2 * MARGIN))  # its margin, as labels' boxes
    return drawn


def draw_agent(surface, geo: draw_grid.GridGeometry, traj, steps: float, color) -> None:
    """The agent as a dot ``steps`` (fractional) steps along ``traj``: it shows the way round."""
    states = [int(s) for s in traj.states]
    n = len(traj)
    k = min(int(steps), n)
    frac = steps - k if k < n else 0.0
    x0, y0 = geo.center(states[k])
    x1, y1 = geo.center(states[min(k + 1, n)])
    ease = frac * frac * (3 - 2 * frac)
    if states[k] == states[min(k + 1, n)] and k < n:  # staying: round its little loop
        lx, ly = draw_grid.loop_center(geo, states[k])
        radius = draw_grid.loop_radius(geo)
        angle = -math.pi / 2 + 2 * math.pi * ease
        pos = (lx + radius * math.cos(angle), ly + radius * math.sin(angle))
    else:
        pos = (x0 + (x1 - x0) * ease, y0 + (y1 - y0) * ease)
    radius = max(4, geo.cell // 10)
    pygame.draw.circle(surface, style.AGENT, pos, radius)
    pygame.draw.circle(surface, color, pos, radius, 2)


def draw_thumb(surface, center, size: int, up: bool, color) -> pygame.Rect:
    """A thumbs-up (or, flipped, thumbs-down) icon ``size`` pixels tall, drawn with shapes:
    neither Noto Sans nor Noto Sans SC has the 👍 / 👎 emoji."""
    cx, cy = center
    s = size / 20.0  # designed on a 20 x 20 grid, thumb up

    def y(v: float) -> float:
        return cy + (v - 10) * s * (1 if up else -1)

    def rect(x0, y0, x1, y1) -> pygame.Rect:
        top, bottom = sorted((y(y0), y(y1)))
        return pygame.Rect(cx + (x0 - 10) * s, top, (x1 - x0) * s, bottom - top)

    radius = max(1, int(2 * s))
    pygame.draw.rect(surface, color, rect(1, 9, 5, 19), border_radius=radius)  # the cuff
    pygame.draw.rect(surface, color, rect(6, 8, 18, 19), border_radius=radius)  # the fist
    pygame.draw.rect(surface, color, rect(7, 1, 12, 10), border_radius=radius)  # the thumb
    light = (255, 255, 255)
    for finger in (11.5, 14.2, 16.9):  # the folded fingers' lines
        pygame.draw.line(
            surface, light, (cx + 8 * s, y(finger)), (cx + 17 * s, y(finger)), max(1, int(s))
        )
    return pygame.Rect(cx - 10 * s, cy - 10 * s, 20 * s, 20 * s)

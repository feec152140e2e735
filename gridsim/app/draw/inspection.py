"""Drawing what one update did: signed arrows per (s, a), the ratio histogram, GRPO's groups.

Pure drawing (see draw/grid.py): every function takes what to draw and where and returns
the rectangles of the text it drew, so callers (and tests) can check nothing overlaps.
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from gridsim.app.draw import style
from gridsim.app.draw.grid import SCREEN_DIRS, GridGeometry, arrow_polygon, has_actions
from gridsim.app.i18n import t
from gridsim.world import N_ACTIONS, World, state_name

UP = style.POSITIVE
DOWN = style.NEGATIVE
UP_EDGE = (20, 100, 45)
DOWN_EDGE = (150, 30, 30)
BAND = (232, 240, 252)
CLIPPED = (230, 120, 100)
KEPT = style.PLOT_LINE


def signed_scale(*tables) -> float:
    """The largest |x| over the tables' finite entries (1 when there is none)."""
    biggest = 0.0
    for table in tables:
        if table is None:
            continue
        x = np.asarray(table, dtype=np.float64)
        x = np.abs(x[np.isfinite(x)])
        if x.size:
            biggest = max(biggest, float(x.max()))
    return biggest if biggest > 0 else 1.0


def draw_signed_arrows(
    surface,
    geo: GridGeometry,
    world: World,
    table,
    scale: float,
    outline: bool = False,
    reach: float = 0.34,
    only: int | None = None,
    base: float = 0.08,
) -> None:
    """A signed number per (s, a) as an arrow in action a's direction: green when positive
    (pi(a|s) goes / would go up), red when negative, as long as |x| / ``scale`` of ``reach``
    cell widths; stay (a5) as a disc at the centre. ``outline`` draws hollow arrows in a
    darker shade (the exact value over a filled estimate). ``only``: one state; ``base``:
    where the arrows start, in cell widths from the centre. Filled arrows get a dark edge,
    so green stays visible on a target cell and red on a forbidden one."""
    cell = geo.cell
    base = base * cell
    states = range(world.n_states) if only is None else (only,)
    for s in states:
        if not has_actions(world, s):  # walls and terminal targets have no arrows
            continue
        cx, cy = geo.center(s)
        for a in range(N_ACTIONS):
            x = float(table[s][a])
            if not math.isfinite(x):
                continue
            frac = min(1.0, abs(x) / scale)
            if frac < 0.05:
                continue
            edge = UP_EDGE if x > 0 else DOWN_EDGE
            fill = UP if x > 0 else DOWN
            if a == 4:
                radius = max(3, int(0.03 * cell + frac * 0.1 * cell))
                if not outline:
                    pygame.draw.circle(surface, fill, (cx, cy), radius)
                pygame.draw.circle(surface, edge, (cx, cy), radius, 2 if outline else 1)
                continue
            dx, dy = SCREEN_DIRS[a]
            length = max(4.0, frac * reach * cell)
            width = max(3.0, cell * 0.08)
            head = min(length * 0.6, max(5.0, cell * 0.12))
            pts = arrow_polygon(cx + dx * base, cy + dy * base, dx, dy, length, width, head)
            if not outline:
                pygame.draw.polygon(surface, fill, pts)
            pygame.draw.polygon(surface, edge, pts, 2 if outline else 1)


def draw_ratio_histogram(surface, rect: pygame.Rect, counts, edges, clip: float) -> list:
    """Bars of rho = pi/pi_old over ``edges``, the [1 - eps, 1 + eps] band shaded, bars
    outside it (clipped) in red; x ticks at the band's ends and 1. Returns text rects."""
    style_rects = []
    surface.fill(style.CELL, rect)
    pygame.draw.rect(surface, style.PANEL_EDGE, rect, 1)
    plot = pygame.Rect(rect.x + 34, rect.y + 8, rect.width - 44, rect.height - 30)
    if plot.width < 40 or plot.height < 30 or counts is None:
        return style_rects
    lo, hi = float(edges[0]), float(edges[-1])

    def sx(v):
        return plot.x + (v - lo) / (hi - lo) * plot.width

    band = pygame.Rect(int(sx(1 - clip)), plot.y, int(sx(1 + clip) - sx(1 - clip)), plot.height)
    surface.fill(BAND, band)
    top = max(1, int(np.max(counts)))
    for k, c in enumerate(counts):
        if c <= 0:
            continue
        x0, x1 = sx(edges[k]), sx(edges[k + 1])
        h = max(1, int(c / top * plot.height))
        mid = (edges[k] + edges[k + 1]) / 2
        color = KEPT if abs(mid - 1) <= clip else CLIPPED
        pygame.draw.rect(
            surface, color, (int(x0) + 1, plot.bottom - h, max(1, int(x1 - x0) - 1), h)
        )
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.bottomright)
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.topleft)
    style_rects.append(
        style.blit_text(surface, str(top), (plot.x - 4, plot.y), 11, style.MUTED, anchor="topright")
    )
    style_rects.append(
        style.blit_text(surface, "0", (plot.x - 4, plot.bottom), 11, style.MUTED, anchor="midright")
    )
    for v in (1 - clip, 1.0, 1 + clip):
        x = sx(v)
        pygame.draw.line(surface, style.TEXT, (x, plot.bottom), (x, plot.bottom + 3))
        style_rects.append(
            style.blit_text(
                surface, f"{v:.2g}", (x, plot.bottom + 4), 11, style.TEXT, anchor="midtop"
            )
        )
    return style_rects


def draw_groups(surface, rect: pygame.Rect, groups, shown: int) -> list:
    """The first ``shown`` GRPO groups side by side in ``rect``: each rollout's advantage A_i
    as a bar (green above its group's mean return, red below), the group's start cell on
    top and its mean return below; a tied group (all returns equal, so every A_i = 0) says
    so in words where its bars would be. Returns the rectangles of the text drawn."""
    rects: list = []
    groups = list(groups)[: max(1, shown)]
    if not groups:
        return rects
    slot = rect.width // len(groups)
    scale = max(1.0, max(float(np.max(np.abs(g.advantages))) for g in groups))
    for k, g in enumerate(groups):
        col = pygame.Rect(rect.x + k * slot + 6, rect.y, slot - 12, rect.height)
        if k:
            x = rect.x + k * slot
            pygame.draw.line(surface, style.PANEL_EDGE, (x, rect.y), (x, rect.bottom))
        head = style.blit_text(
            surface, t("start {s}", s=state_name(g.start)), col.topleft, 13, style.START, True
        )
        rects.append(head)
        foot = style.wrap(t("mean R {m}", m=f"{float(np.mean(g.returns)):.2f}"), 11, col.width)
        line_h = style.font(11).get_linesize()
        y = col.bottom - line_h * len(foot[:2])
        foot_top = y
        for line in foot[:2]:
            rects.append(style.blit_text(surface, line, (col.x, y), 11, style.MUTED))
            y = rects[-1].bottom
        region = pygame.Rect(col.x, head.bottom + 4, col.width, foot_top - head.bottom - 8)
        if region.height < 10:
            continue
        mid = region.centery
        pygame.draw.line(surface, style.MUTED, (col.x, mid), (col.right, mid))
        if g.tied:
            note = t(
                "all {G} returns equal → every advantage is 0: nothing to prefer", G=len(g.returns)
            )
            y = region.y
            for line in style.wrap(note, 12, col.width):
                if y + style.font(12).get_linesize() > region.bottom:
                    break
                rects.append(style.blit_text(surface, line, (col.x, y), 12, style.MUTED))
                y = rects[-1].bottom
            continue
        n = len(g.advantages)
        bar_w = max(2, col.width // max(1, n) - 2)
        half_h = region.height // 2 - 1
        for i, a in enumerate(g.advantages):
            h = int(min(1.0, abs(a) / scale) * half_h)
            if h == 0:
                continue
            color = style.POSITIVE if a > 0 else style.NEGATIVE
            bx = col.x + i * (bar_w + 2)
            pygame.draw.rect(surface, color, (bx, mid - h if a > 0 else mid, bar_w, h))
    return rects

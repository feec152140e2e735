"""Drawing a comparison: each algorithm's IQM line in its band, the fraction of runs solved,
and the table of summary.md — the pictures of compare.png, drawn with pygame.

Pure drawing: the numbers come from ``gridsim.compare`` (the CLI's statistics), nothing is
computed here but pixel positions. ``draw_returns`` gives back where each line went, so a
click can be matched to a curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from gridsim.app.draw import style
from gridsim.app.draw.plot import draw_x_ticks, nice_range, nice_ticks, tick_labels, x_ticks
from gridsim.app.i18n import t
from gridsim.compare.palette import algo_color
from gridsim.compare.summary import AlgoBands, AlgoSummary, format_estimate

BAND_ALPHA = 55


@dataclass(frozen=True)
class Axes:
    """Where data goes on screen: ``plot`` is the inner rectangle, x in [0, x_hi] steps."""

    plot: pygame.Rect
    x_hi: float
    y_lo: float
    y_hi: float

    def sx(self, x):
        return self.plot.x + np.asarray(x) / self.x_hi * self.plot.width

    def sy(self, y):
        return self.plot.bottom - (np.asarray(y) - self.y_lo) / (self.y_hi - self.y_lo) * (
            self.plot.height
        )


def shown_points(grid: np.ndarray, x_max: float) -> int:
    """How many grid points the x axis shows: up to the first at or past ``x_max``."""
    if x_max <= 0:
        return 0
    return min(int(np.searchsorted(grid, x_max, side="left")) + 1, len(grid))


def draw_returns(
    surface: pygame.Surface,
    rect: pygame.Rect,
    grid: np.ndarray,
    bands: tuple[AlgoBands, ...],
    x_max: float,
    reference: float | None,
    reference_label: str,
    chosen: str | None = None,
    runs: dict[str, int] | None = None,
) -> tuple[Axes | None, dict[str, pygame.Rect]]:
    """The return plot; with ``chosen`` set, that algorithm's runs as thin lines and the other
    algorithms faded. Returns the axes and each legend entry's rectangle (for clicks)."""
    _frame(surface, rect)
    style.blit_text(
        surface,
        t("return: IQM of the runs, 95% bootstrap band"),
        (rect.x + 8, rect.y + 5),
        13,
        bold=True,
    )
    plot = pygame.Rect(rect.x + 50, rect.y + 30, rect.width - 64, rect.height - 66)
    count = shown_points(grid, x_max)
    if plot.width < 40 or plot.height < 40:
        return None, {}
    x = grid[:count]
    lows = [b.low[:count] for b in bands] + [b.line[:count] for b in bands]
    highs = [b.high[:count] for b in bands] + [b.line[:count] for b in bands]
    if chosen is not None:
        lows += [b.per_seed[:, :count] for b in bands if b.algo == chosen]
        highs += [b.per_seed[:, :count] for b in bands if b.algo == chosen]
    values = np.concatenate([np.ravel(v) for v in lows + highs]) if lows else np.array([])
    values = values[np.isfinite(values)]
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    if reference is not None:
        lo, hi = min(lo, reference), max(hi, reference)
    lo, hi = nice_range(lo, hi)
    axes = Axes(plot, float(x[-1]) if count else 1.0, lo, hi)
    _axes(surface, axes)
    if reference is not None:
        yy = float(axes.sy(reference))
        for x0 in range(plot.x, plot.right, 10):
            pygame.draw.line(surface, style.PLOT_BEST, (x0, yy), (min(x0 + 5, plot.right), yy), 2)
        style.blit_text(
            surface, reference_label, (plot.x + 4, yy - 2), 11, style.PLOT_BEST, anchor="bottomleft"
        )
    if count:
        layer = pygame.Surface(rect.size, pygame.SRCALPHA)
        offset = np.array(rect.topleft)
        for b in bands:
            faded = chosen is not None and b.algo != chosen
            color = algo_color(b.algo)
            for seg in _segments(np.isfinite(b.low[:count]) & np.isfinite(b.high[:count])):
                if len(seg) < 2:
                    continue
                top = np.column_stack([axes.sx(x[seg]), axes.sy(b.high[seg])])
                bottom = np.column_stack([axes.sx(x[seg]), axes.sy(b.low[seg])])[::-1]
                polygon = (np.vstack([top, bottom]) - offset).tolist()
                alpha = BAND_ALPHA // 3 if faded else BAND_ALPHA
                pygame.draw.polygon(layer, (*color, alpha), polygon)
        surface.blit(layer, rect.topleft)
        for b in bands:
            if b.algo == chosen:
                _seed_lines(surface, axes, x, b, count)
        for b in bands:
            faded = chosen is not None and b.algo != chosen
            color = _mix(algo_color(b.algo), style.CELL, 0.6) if faded else algo_color(b.algo)
            for seg in _segments(np.isfinite(b.line[:count])):
                points = np.column_stack([axes.sx(x[seg]), axes.sy(b.line[seg])]).tolist()
                if len(points) >= 2:
                    pygame.draw.lines(surface, color, False, points, 3 if b.algo == chosen else 2)
    legend = _legend(surface, plot, bands, chosen, runs or {})
    return axes, legend


def _frame(surface, rect) -> None:
    surface.fill(style.CELL, rect)
    pygame.draw.rect(surface, style.PANEL_EDGE, rect, 1)


def _axes(surface, axes: Axes) -> None:
    plot = axes.plot
    ticks = nice_ticks(axes.y_lo, axes.y_hi)
    for v, label in zip(ticks, tick_labels(ticks), strict=True):
        yy = float(axes.sy(v))
        pygame.draw.line(surface, style.PLOT_GRID, (plot.x, yy), (plot.right, yy))
        style.blit_text(surface, label, (plot.x - 4, yy), 11, style.MUTED, anchor="midright")
    for v in x_ticks(0.0, axes.x_hi, plot.width):
        xx = float(axes.sx(v))
        pygame.draw.line(surface, style.PLOT_GRID, (xx, plot.y), (xx, plot.bottom))
    draw_x_ticks(surface, plot, 0.0, axes.x_hi)
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.bottomright)
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.topleft)
    style.blit_text(
        surface, t("env steps"), (plot.right, plot.bottom + 18), 11, style.MUTED, anchor="topright"
    )


def _seed_lines(surface, axes: Axes, x, b: AlgoBands, count: int) -> None:
    """One thin line per run of the chosen algorithm."""
    color = _mix(algo_color(b.algo), style.CELL, 0.35)
    for curve in b.per_seed[:, :count]:
        for seg in _segments(np.isfinite(curve)):
            points = np.column_stack([axes.sx(x[seg]), axes.sy(curve[seg])]).tolist()
            if len(points) >= 2:
                pygame.draw.lines(surface, color, False, points, 1)


def _legend(surface, plot, bands, chosen, runs) -> dict[str, pygame.Rect]:
    """Bottom right, where learning curves (rising from the left) rarely are."""
    out = {}
    y = plot.bottom - 4 - 19 * len(bands)
    for b in bands:
        text = t("{algo} (n = {n})", algo=b.algo, n=runs.get(b.algo, 0))
        image = style.text(text, 12, style.TEXT, bold=b.algo == chosen)
        box = pygame.Rect(plot.right - image.get_width() - 34, y, image.get_width() + 30, 18)
        surface.fill(style.CELL, box)
        swatch = ((box.x + 3, box.centery), (box.x + 21, box.centery))
        pygame.draw.line(surface, algo_color(b.algo), *swatch, 3)
        surface.blit(image, (box.x + 26, box.y + (18 - image.get_height()) // 2))
        out[b.algo] = box
        y += 19
    return out


def draw_solved(
    surface: pygame.Surface,
    rect: pygame.Rect,
    grid: np.ndarray,
    bands: tuple[AlgoBands, ...],
    x_max: float,
    chosen: str | None = None,
) -> None:
    """The fraction of runs solved against env steps, one step line per algorithm."""
    _frame(surface, rect)
    style.blit_text(surface, t("fraction of runs solved"), (rect.x + 8, rect.y + 5), 13, bold=True)
    plot = pygame.Rect(rect.x + 40, rect.y + 30, rect.width - 54, rect.height - 66)
    if plot.width < 30 or plot.height < 30:
        return
    count = shown_points(grid, x_max)
    axes = Axes(plot, float(grid[count - 1]) if count else 1.0, -0.04, 1.04)
    for v in (0.0, 0.5, 1.0):
        yy = float(axes.sy(v))
        pygame.draw.line(surface, style.PLOT_GRID, (plot.x, yy), (plot.right, yy))
        style.blit_text(surface, f"{v:g}", (plot.x - 4, yy), 11, style.MUTED, anchor="midright")
    draw_x_ticks(surface, plot, 0.0, axes.x_hi)
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.bottomright)
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.topleft)
    if not count:
        return
    x = grid[:count]
    for b in bands:
        faded = chosen is not None and b.algo != chosen
        color = _mix(algo_color(b.algo), style.CELL, 0.6) if faded else algo_color(b.algo)
        f = b.fraction_solved[:count]
        for seg in _segments(np.isfinite(f)):
            xs, ys = axes.sx(x[seg]), axes.sy(f[seg])
            steps = np.column_stack([np.repeat(xs, 2)[1:], np.repeat(ys, 2)[:-1]]).tolist()
            if len(steps) >= 2:
                pygame.draw.lines(surface, color, False, steps, 2)


TABLE_COLUMNS = ("algorithm", "solved", "steps to solve", "seconds to solve", "final return")
TABLE_WEIGHTS = (0.14, 0.13, 0.29, 0.2, 0.24)
ROW = 21


def table_height(rows: int) -> int:
    return 8 + ROW * (rows + 1) + 20


def draw_table(surface: pygame.Surface, rect: pygame.Rect, summaries, chosen=None) -> None:
    """summary.md's table: per algorithm solved n/N, then IQM [95% interval] of the steps and
    seconds to solve (solved runs) and of the final return (finished runs)."""
    _frame(surface, rect)
    xs = [rect.x + 10]
    for w in TABLE_WEIGHTS[:-1]:
        xs.append(xs[-1] + int(w * (rect.width - 20)))
    y = rect.y + 6
    for x, name in zip(xs, TABLE_COLUMNS, strict=True):
        style.blit_text(surface, t(name), (x, y), 12, style.MUTED, bold=True)
    y += ROW
    pygame.draw.line(surface, style.PANEL_EDGE, (rect.x + 6, y - 3), (rect.right - 6, y - 3))
    for s in summaries:
        cells = table_cells(s)
        if s.algo == chosen:
            surface.fill((238, 242, 250), (rect.x + 2, y - 2, rect.width - 4, ROW))
        pygame.draw.line(surface, algo_color(s.algo), (xs[0], y + 8), (xs[0] + 12, y + 8), 3)
        for i, (x, cell) in enumerate(zip(xs, cells, strict=True)):
            style.blit_text(surface, cell, (x + (18 if i == 0 else 0), y), 12, style.TEXT)
        y += ROW
    style.blit_text(
        surface,
        t("IQM [95% interval]; steps and seconds over the solved runs"),
        (rect.x + 10, y + 2),
        11,
        style.MUTED,
    )


def table_cells(s: AlgoSummary) -> tuple[str, ...]:
    """The row of summary.md for one algorithm (the same text)."""
    solved = f"{s.solved}/{s.runs}"
    if s.failed:
        solved += " " + t("({n} failed)", n=s.failed)
    return (
        s.algo,
        solved,
        format_estimate(s.steps_to_solve, "steps"),
        format_estimate(s.seconds_to_solve, "seconds"),
        format_estimate(s.final_return, "return"),
    )


def _segments(mask: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the runs of True in ``mask``."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    return np.split(idx, breaks)


def _mix(a, b, k: float) -> tuple[int, int, int]:
    """``a`` moved a fraction ``k`` towards ``b``."""
    return tuple(int(round(x + (y - x) * k)) for x, y in zip(a, b, strict=True))

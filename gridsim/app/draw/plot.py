"""The returns plot: mean return per update, its moving average, and a reference line."""

from __future__ import annotations

import numpy as np
import pygame

from gridsim.app.draw import style
from gridsim.app.i18n import t


def moving_average(values, window: int) -> np.ndarray:
    """Trailing mean over up to ``window`` points (the first points average what exists)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return x
    c = np.cumsum(np.insert(x, 0, 0.0))
    idx = np.arange(1, x.size + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def nice_range(lo: float, hi: float) -> tuple[float, float]:
    """The data range with a margin (a flat series gets a band around it)."""
    if not np.isfinite(lo) or not np.isfinite(hi):
        return 0.0, 1.0
    if hi - lo < 1e-9:
        pad = max(1.0, abs(hi) * 0.1)
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


def nice_ticks(lo: float, hi: float, most: int = 7) -> np.ndarray:
    """Round values inside [lo, hi] for grid lines, 1, 2 or 5 times a power of ten apart,
    as many as fit in ``most``."""
    power = int(np.floor(np.log10((hi - lo) / most)))
    for step in (m * 10.0**p for p in (power, power + 1) for m in (1, 2, 5)):
        first, last = np.ceil(lo / step), np.floor(hi / step)
        if last - first + 1 <= most:
            return np.arange(first, last + 1) * step + 0.0  # + 0.0: no "-0" label
    return np.array([lo, hi])  # pragma: no cover - (hi - lo) / most >= 10**power always


def tick_labels(ticks: np.ndarray) -> list[str]:
    """Labels with as many decimals as the tick step needs (10, 10.5, 0.001)."""
    if len(ticks) < 2:
        return [f"{v:.4g}" for v in ticks]
    step = float(ticks[1] - ticks[0])
    step_digit = int(np.floor(np.log10(step) + 1e-9))  # 10**step_digit: the last digit shown
    biggest = max(abs(ticks[0]), abs(ticks[-1]))
    if biggest >= 1e5 or step < 1e-4:  # scientific, with enough digits to tell ticks apart
        digits = int(np.floor(np.log10(biggest))) - step_digit + 1
        return [f"{v:.{max(1, digits)}g}" for v in ticks]
    return [f"{v:.{max(0, -step_digit)}f}" for v in ticks]


def x_tick_labels(ticks) -> list[str]:
    """Labels in few characters that still tell the ticks apart: 950, 500k, 1.5M (env
    steps run to millions); k or M only where the tick step keeps two decimals exact."""
    ticks = np.asarray(ticks, dtype=np.float64) + 0.0
    step = float(np.min(np.diff(ticks))) if ticks.size > 1 else 0.0

    def label(v: float) -> str:
        for scale, suffix in ((1e6, "M"), (1e3, "k")):
            if abs(v) >= scale and (step == 0 or step % (scale / 100) == 0):
                return f"{v / scale:.2f}".rstrip("0").rstrip(".") + suffix
        return f"{v:.0f}" if float(v).is_integer() else f"{v:.4g}"

    return [label(float(v)) for v in ticks]


X_TICK_SPACING = 64
"""At least this many pixels between x-axis ticks (a label is at most ~5 characters)."""


def x_ticks(lo: float, hi: float, width: int, whole: bool = True) -> np.ndarray:
    """Round x-axis ticks in [lo, hi] (updates, env steps, ...), about one per
    X_TICK_SPACING pixels of a ``width``-pixel axis; ``whole``: counts, so no 2.5."""
    if not hi > lo:
        return np.array([lo]) if np.isfinite(lo) else np.array([])
    ticks = nice_ticks(lo, hi, max(2, width // X_TICK_SPACING))
    if whole:
        ticks = ticks[np.abs(ticks - np.round(ticks)) < 1e-9]
    return ticks


def draw_x_ticks(surface, plot: pygame.Rect, lo: float, hi: float, whole: bool = True) -> list:
    """Ticks and labels under the x axis of ``plot`` spanning [lo, hi]; the label boxes
    drawn (each centred on its tick, kept inside the plot's width, never overlapping)."""
    drawn: list[pygame.Rect] = []
    if not hi > lo:
        return drawn
    ticks = x_ticks(lo, hi, plot.width, whole)
    for v, label in zip(ticks, x_tick_labels(ticks), strict=True):
        x = plot.x + (v - lo) / (hi - lo) * plot.width
        pygame.draw.line(surface, style.MUTED, (x, plot.bottom), (x, plot.bottom + 3))
        image = style.text(label, 11, style.MUTED)
        box = image.get_rect(midtop=(round(x), plot.bottom + 4))
        box.clamp_ip(pygame.Rect(plot.x - 20, box.y, plot.width + 40, box.height))
        if drawn and box.colliderect(drawn[-1].inflate(6, 0)):
            continue
        surface.blit(image, box)
        drawn.append(box)
    return drawn


Y_TICK_SPACING = 24
"""Pixels per y grid line at least: a short plot gets fewer, so their labels stay apart."""


def plot_area(rect: pygame.Rect) -> pygame.Rect:
    """The axes' inside within a plot drawn in ``rect`` (what lies left of it: the tick
    labels; above: the title; below: the legend). The timeline lines up with its x range."""
    return pygame.Rect(rect.x + 46, rect.y + 24, rect.width - 56, rect.height - 60)


def draw_returns_plot(
    surface: pygame.Surface,
    rect: pygame.Rect,
    mean_returns,
    reference: float | None = None,
    reference_label: str = "",
    window: int = 10,
    stride: int = 1,
    updates: int | None = None,
    title: str | None = None,
    x_values=None,
) -> None:
    """Axes, the mean return per update (light; per ``stride`` updates on a long run, see
    agents.history), its moving average over ``window`` points (dark) and a dashed
    horizontal ``reference`` (e.g. the optimal return, or CartPole's 475). ``updates`` is
    the number of updates done (default: one per point). Any other per-update metric draws
    the same way under its own ``title``; ``x_values`` (one per point, e.g. the env steps
    at each point's end) puts the points at those x, on an axis from 0, instead of one per
    update."""
    surface.fill(style.CELL, rect)
    pygame.draw.rect(surface, style.PANEL_EDGE, rect, 1)
    size = 12
    title = t("mean return per update") if title is None else title
    heading = style.blit_text(surface, title, (rect.x + 8, rect.y + 4), size, style.TEXT, bold=True)
    plot = plot_area(rect)
    if plot.width < 20 or plot.height < 20:
        return
    n_updates = len(mean_returns) * stride if updates is None else updates
    raw = np.asarray(mean_returns, dtype=np.float64)
    y = forward_filled(raw)
    xv = None
    if x_values is not None and y.size:
        xv = np.asarray(x_values, dtype=np.float64)[raw.size - y.size :]  # as forward_filled
    lo = float(y.min()) if y.size else 0.0
    hi = float(y.max()) if y.size else 1.0
    if reference is not None:
        lo, hi = min(lo, reference), max(hi, reference)
    lo, hi = nice_range(lo, hi)
    ticks = nice_ticks(lo, hi, min(7, max(2, plot.height // Y_TICK_SPACING)))
    n = max(int(y.size), 2)

    def sy(v):
        return plot.bottom - (v - lo) / (hi - lo) * plot.height

    for v, label in zip(ticks, tick_labels(ticks), strict=True):
        yy = sy(v)
        pygame.draw.line(surface, style.PLOT_GRID, (plot.x, yy), (plot.right, yy))
        # the top tick's label stays clear of the title above it
        label_y = max(yy, heading.bottom + 1 + style.font(11).get_linesize() / 2)
        style.blit_text(surface, label, (plot.x - 4, label_y), 11, style.MUTED, anchor="midright")
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.bottomright)
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.topleft)
    if xv is not None:  # env steps, from 0 to the last point's
        x_last = max(float(xv[-1]), 1.0)
        draw_x_ticks(surface, plot, 0.0, x_last)
        caption = t("env steps: {n}", n=f"{int(xv[-1]):,}")
    else:  # the x axis counts updates: point i of the (strided) series is update first + i*stride
        last = float(n_updates)
        first = last - (max(int(y.size), 1) - 1) * stride if y.size > 1 else 0.0
        draw_x_ticks(surface, plot, first, max(last, first + 1))
        caption = t("updates: {n}", n=n_updates)
    style.blit_text(
        surface, caption, (plot.right, plot.bottom + 19), 11, style.MUTED, anchor="topright"
    )
    if reference is not None:
        yy = sy(reference)
        for x0 in range(plot.x, plot.right, 10):
            pygame.draw.line(surface, style.PLOT_BEST, (x0, yy), (min(x0 + 5, plot.right), yy), 2)
        style.blit_text(
            surface, reference_label, (plot.x + 4, yy - 2), 11, style.PLOT_BEST, anchor="bottomleft"
        )
    if y.size >= 1:

        def points(series) -> list:
            idx, values = _decimated(series, plot.width)
            if xv is not None:
                xs = plot.x + xv[idx] / x_last * plot.width
            else:
                xs = plot.x + idx / (n - 1) * plot.width
            ys = plot.bottom - (values - lo) / (hi - lo) * plot.height
            return np.column_stack([xs, ys]).tolist()

        line = points(y)
        if len(line) == 1:
            pygame.draw.circle(surface, style.PLOT_MEAN, line[0], 3)
        else:
            pygame.draw.lines(surface, style.PLOT_LINE, False, line, 1)
            pygame.draw.lines(surface, style.PLOT_MEAN, False, points(moving_average(y, window)), 2)
        if stride == 1:
            legend = t("light: per update · dark: average of {w}", w=window)
        else:
            legend = t("light: per {k} updates · dark: average of {w}", k=stride, w=window * stride)
        style.blit_text(surface, legend, (plot.x - 40, plot.bottom + 19), 11, style.MUTED)


def forward_filled(y: np.ndarray) -> np.ndarray:
    """NaN (an update in which no episode finished) takes the value before it; leading NaNs
    are dropped."""
    if y.size == 0:
        return y
    finite = np.isfinite(y)
    if not finite.any():
        return y[:0]
    idx = np.where(finite, np.arange(y.size), 0)
    np.maximum.accumulate(idx, out=idx)
    out = y[idx]
    return out[np.argmax(finite) :]


def _decimated(y: np.ndarray, width: int):
    """At most ~2 points per pixel column: (indices, values)."""
    n = y.size
    if n <= 2 * width:
        return np.arange(n), y
    idx = np.linspace(0, n - 1, 2 * width).astype(int)
    return idx, y[idx]


SERIES_COLORS = ((40, 110, 220), (230, 120, 20), (40, 150, 70), (150, 60, 190))


def draw_series_plot(
    surface: pygame.Surface,
    rect: pygame.Rect,
    title: str,
    series,
    stride: int = 1,
    updates: int | None = None,
    reference: float | None = None,
) -> None:
    """Several named series over the updates (e.g. DPO's rewards/chosen and rewards/rejected),
    each in its own colour, the legend naming each with its last value; ``series`` is
    ((label, values), ...), values one point per ``stride`` updates (nan: not measured,
    skipped). A dashed ``reference`` line (e.g. 0) when given. The axes are those of the
    returns plot (``plot_area``, the same x ticks), so the timeline lines up with either."""
    surface.fill(style.CELL, rect)
    pygame.draw.rect(surface, style.PANEL_EDGE, rect, 1)
    style.blit_text(surface, title, (rect.x + 8, rect.y + 4), 12, style.TEXT, bold=True)
    plot = plot_area(rect)
    if plot.width < 20 or plot.height < 20:
        return
    arrays = [np.asarray(values, dtype=np.float64) for _, values in series]
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays] or [np.zeros(0)])
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    if reference is not None:
        lo, hi = min(lo, reference), max(hi, reference)
    lo, hi = nice_range(lo, hi)
    ticks = nice_ticks(lo, hi)
    size = max((a.size for a in arrays), default=0)
    n = max(size, 2)
    for v, label in zip(ticks, tick_labels(ticks), strict=True):
        yy = plot.bottom - (v - lo) / (hi - lo) * plot.height
        pygame.draw.line(surface, style.PLOT_GRID, (plot.x, yy), (plot.right, yy))
        style.blit_text(surface, label, (plot.x - 4, yy), 11, style.MUTED, anchor="midright")
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.bottomright)
    pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.topleft)
    n_updates = size * stride if updates is None else updates
    last = float(n_updates)
    first = last - (max(size, 1) - 1) * stride if size > 1 else 0.0
    draw_x_ticks(surface, plot, first, max(last, first + 1))
    updates_label = style.blit_text(
        surface,
        t("updates: {n}", n=n_updates),
        (plot.right, plot.bottom + 19),
        11,
        style.MUTED,
        anchor="topright",
    )
    if reference is not None:
        yy = plot.bottom - (reference - lo) / (hi - lo) * plot.height
        for x0 in range(plot.x, plot.right, 10):
            pygame.draw.line(surface, style.MUTED, (x0, yy), (min(x0 + 5, plot.right), yy), 1)
    legend = []
    for k, ((label, _), values) in enumerate(zip(series, arrays, strict=True)):
        color = SERIES_COLORS[k % len(SERIES_COLORS)]
        shown = forward_filled(values)
        if shown.size:
            offset = values.size - shown.size  # leading nans dropped
            idx, v = _decimated(shown, plot.width)
            xs = plot.x + (idx + offset) / (n - 1) * plot.width
            ys = plot.bottom - (v - lo) / (hi - lo) * plot.height
            points = np.column_stack([xs, ys]).tolist()
            if len(points) == 1:
                pygame.draw.circle(surface, color, points[0], 3)
            else:
                pygame.draw.lines(surface, color, False, points, 2)
        legend.append((label, f" {shown[-1]:.3g}" if shown.size else "", color))
    # the legend on one line left of "updates: N": with the last values if they fit
    room = updates_label.x - 8 - (plot.x - 40)
    f = style.font(11, bold=True)
    with_values = sum(f.size(a + b)[0] + 12 for a, b, _ in legend) <= room
    x = plot.x - 40
    for label, value, color in legend:
        text = label + (value if with_values else "")
        x = style.blit_text(surface, text, (x, plot.bottom + 19), 11, color, True).right + 12

"""compare.png with matplotlib: the return of every algorithm against env steps (IQM line,
95% bootstrap band, the optimal return or CartPole's 475), and the fraction of runs solved.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no GUI backend, no global
state), imported only when a figure is drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gridsim.compare.palette import algo_color
from gridsim.compare.runs import CompareSettings
from gridsim.compare.summary import AlgoBands
from gridsim.files import open_atomically


def draw_figure(
    path: Path,
    settings: CompareSettings,
    bands: list[AlgoBands],
    grid: np.ndarray,
    x_max: float,
    reference: float | None,
    runs: dict[str, int],
) -> None:
    """Write the two-panel figure to ``path`` atomically. ``x_max``: the most env steps any
    run took (the axes end there); ``runs[algo]``: its finished runs."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=(12, 4.8), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ret_ax, solved_ax = fig.subplots(1, 2, width_ratios=(2, 1))
    last = min(int(np.searchsorted(grid, x_max, side="left")), len(grid) - 1)  # 1st point >= x_max
    shown = np.arange(len(grid)) <= last
    x = grid[shown]
    for b in bands:
        color = np.array(algo_color(b.algo)) / 255
        label = f"{b.algo} ({runs.get(b.algo, 0)} runs)"
        ret_ax.fill_between(x, b.low[shown], b.high[shown], color=color, alpha=0.2, lw=0)
        ret_ax.plot(x, b.line[shown], color=color, lw=2, label=label)
        solved_ax.plot(x, b.fraction_solved[shown], color=color, lw=2, drawstyle="steps-post")
    if reference is not None:
        name = "optimal policy" if settings.env == "gridworld" else "solved"
        ret_ax.axhline(reference, color="0.35", ls="--", lw=1)
        ret_ax.annotate(
            f"{name}: {reference:.4g}",
            (0.01, reference),
            xycoords=("axes fraction", "data"),
            xytext=(0, 3),
            textcoords="offset points",
            color="0.3",
            fontsize=9,
        )
    ret_ax.set(
        title="Return: IQM over runs, 95% stratified-bootstrap band",
        xlabel="env steps",
        ylabel="mean return of the last 100 episodes",
    )
    ret_ax.legend(loc="lower right", fontsize=9)
    solved_ax.set(
        title="Fraction of runs solved",
        xlabel="env steps",
        ylabel="fraction solved",
        ylim=(-0.03, 1.03),
    )
    for ax in (ret_ax, solved_ax):
        ax.grid(alpha=0.3)
        ax.set_xlim(0, x[-1] if len(x) else 1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: steps_text(v)))
    world = (
        "CartPole-v1"
        if settings.env == "cartpole"
        else f"{settings.env} ({settings.world.rows}x{settings.world.cols})"
    )
    fig.suptitle(
        f"{world}: {', '.join(b.algo for b in bands)}, "
        f"{settings.seeds} seeds each, budget {settings.max_steps:,} steps"
    )
    with open_atomically(path) as f:  # the user's mode kept, a symlink written through
        fig.savefig(f, format="png")


def steps_text(steps: float) -> str:
    """Env steps as a reader counts them: 0, 500, 20k, 1.5M."""
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if abs(steps) >= size:
            return f"{steps / size:.3g}{unit}"
    return f"{steps:.0f}"

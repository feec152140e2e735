"""A comparison's results from its folder: compare.csv, summary.md and compare.png.

Curves are read one run at a time onto the step grid (``POINTS`` numbers per run), so the
whole of any run's metrics is never held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gridsim.compare.runs import (
    POINTS,
    CompareSettings,
    RunRecord,
    read_curve,
    read_record,
    step_grid,
)
from gridsim.compare.summary import (
    CARTPOLE_SOLVED,
    AlgoBands,
    AlgoSummary,
    bands,
    compare_csv,
    summarize,
    summary_markdown,
)

OUTPUTS = ("compare.csv", "summary.md", "compare.png")


@dataclass(frozen=True)
class Report:
    records: list[RunRecord]
    summaries: list[AlgoSummary]
    bands: list[AlgoBands]
    grid: np.ndarray
    reference: float | None
    markdown: str

    @property
    def complete(self) -> bool:
        return all(r.status != "not run" for r in self.records)


def reference_return(settings: CompareSettings) -> float | None:
    """The dashed line: the optimal policy's episode return on the gridworld, 475 on CartPole."""
    if settings.world is not None:
        from gridsim.solvers import optimal_episode_return

        return optimal_episode_return(settings.world)
    return CARTPOLE_SOLVED if settings.env == "cartpole" else None


def build_report(root: Path, settings: CompareSettings) -> Report:
    """Everything the folder's finished runs say (failed and missing runs are listed)."""
    grid = step_grid(settings.max_steps)
    records = [read_record(root, algo, seed) for algo, seed in settings.pairs()]
    summaries, algo_bands = [], []
    for algo in settings.algos:
        mine = [r for r in records if r.algo == algo]
        summaries.append(summarize(algo, mine))
        curves = [read_curve(root, algo, r.seed, grid) for r in mine if r.status == "finished"]
        algo_bands.append(bands(algo, curves, POINTS))
    reference = reference_return(settings)
    markdown = summary_markdown(settings, summaries, records, reference, root)
    return Report(records, summaries, algo_bands, grid, reference, markdown)


def write_report(root: Path, settings: CompareSettings, figure: bool = True) -> Report:
    """Write compare.csv, summary.md and (``figure``) compare.png into ``root``."""
    from gridsim.layout import write_text_atomically

    report = build_report(root, settings)
    write_text_atomically(Path(root) / "compare.csv", compare_csv(report.records))
    write_text_atomically(Path(root) / "summary.md", report.markdown)
    if figure:
        from gridsim.compare.figure import draw_figure

        finished = [r for r in report.records if r.status == "finished"]
        x_max = max((float(r.summary.get("steps") or 0) for r in finished), default=0.0)
        runs = {s.algo: s.finished for s in report.summaries}
        draw_figure(
            Path(root) / "compare.png",
            settings,
            report.bands,
            report.grid,
            x_max,
            report.reference,
            runs,
        )
    return report

"""A comparison's numbers: per algorithm (solved n/N, steps and seconds to solve, final
return, each an IQM with its 95% interval), per-algorithm curve bands, compare.csv and
summary.md. The CLI writes them; the app shows the same numbers from the same functions."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gridsim.compare import stats
from gridsim.compare.runs import CompareSettings, RunCurve, RunRecord

CSV_FIRST = ("algo", "seed", "status", "error")
SUMMARY_FIRST = (
    "steps",
    "updates",
    "wall_s",
    "solved",
    "solved_at_steps",
    "solved_at_s",
    "final_mean_return",
)
CARTPOLE_SOLVED = 475.0


@dataclass(frozen=True)
class AlgoSummary:
    """One algorithm's row of the table. Steps and seconds to solve are over its solved runs
    (an unsolved run has none); the final return is over its finished runs."""

    algo: str
    runs: int
    finished: int
    failed: int
    solved: int
    steps_to_solve: stats.Estimate
    seconds_to_solve: stats.Estimate
    final_return: stats.Estimate


@dataclass(frozen=True)
class AlgoBands:
    """One algorithm's curves on the step grid: the IQM ``line`` with its 95% band
    [``low``, ``high``], ``n`` runs with data at each point, the ``fraction_solved`` of those
    runs, and each run's own curve (``per_seed``, [runs, P]) for the thin lines."""

    algo: str
    line: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray
    fraction_solved: np.ndarray
    per_seed: np.ndarray


def summarize(algo: str, records: list[RunRecord]) -> AlgoSummary:
    finished = [r for r in records if r.status == "finished"]
    solved = [r for r in finished if r.summary.get("solved")]
    return AlgoSummary(
        algo=algo,
        runs=len(records),
        finished=len(finished),
        failed=sum(r.status == "failed" for r in records),
        solved=len(solved),
        steps_to_solve=stats.iqm_estimate([_number(r, "solved_at_steps") for r in solved]),
        seconds_to_solve=stats.iqm_estimate([_number(r, "solved_at_s") for r in solved]),
        final_return=stats.iqm_estimate([_number(r, "final_mean_return") for r in finished]),
    )


def _number(record: RunRecord, key: str) -> float:
    value = record.summary.get(key)
    return float(value) if isinstance(value, int | float) else math.nan


def bands(algo: str, curves: list[RunCurve], points: int) -> AlgoBands:
    """IQM line and band over ``curves`` (a finished run's curve is held to the end)."""
    values = np.array([c.values for c in curves]).reshape(len(curves), points)
    reached = np.array([c.reached for c in curves]).reshape(len(curves), points)
    solved = np.array([c.solved for c in curves]).reshape(len(curves), points)
    line, low, high, n = stats.curve_band(values)
    counted = reached.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(counted > 0, solved.sum(axis=0) / np.maximum(counted, 1), np.nan)
    return AlgoBands(algo, line, low, high, n, fraction, values)


# --- files --------------------------------------------------------------------------------
def compare_csv(records: list[RunRecord]) -> str:
    """One row per run: algo, seed, status, error, then its summary.json's fields (lists and
    objects as JSON)."""
    keys: list[str] = [*CSV_FIRST, *SUMMARY_FIRST]
    for r in records:
        for key in r.summary or {}:
            if key not in keys:
                keys.append(key)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for r in records:
        row = {**(r.summary or {}), "algo": r.algo, "seed": r.seed, "status": r.status}
        row["error"] = r.error or ""
        writer.writerow([_cell(row.get(key)) for key in keys])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def summary_markdown(
    settings: CompareSettings,
    summaries: list[AlgoSummary],
    records: list[RunRecord],
    reference: float | None,
    root: Path | None = None,
) -> str:
    """summary.md: the table, how to read it, and every run that failed or has not run."""
    done = sum(r.status != "not run" for r in records)
    env = "CartPole-v1" if settings.env == "cartpole" else f"{settings.env} ({_size(settings)})"
    title = f"# {env}: {', '.join(s.algo for s in summaries)}, {settings.seeds} seeds each"
    lines = [title, ""]
    if done < len(records):
        lines += [
            f"**Incomplete: {done} of {len(records)} runs done.** "
            f"`python main.py compare --resume {root or 'DIR'}` runs the rest.",
            "",
        ]
    solved_rule = (
        "the greedy policy is optimal in every state (exact values)"
        if settings.env == "gridworld"
        else f"the last 100 episodes average >= {CARTPOLE_SOLVED:g}"
    )
    stop = "run for the whole budget" if settings.keep_going else "stop when solved"
    lines += [
        f"Budget {settings.max_steps:,} env steps per run; runs {stop}; solved: {solved_rule}.",
        "IQM = mean of the middle 50% of the runs; [low, high] = 95% stratified-bootstrap "
        f"interval ({stats.REPS} resamples; Agarwal et al. 2021). Steps and seconds to solve "
        "are over the solved runs; the final return is the mean of each run's last 100 "
        "episodes.",
        "",
        "| algorithm | solved | steps to solve | seconds to solve | final return |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in summaries:
        solved = f"{s.solved}/{s.runs}" + (f" ({s.failed} failed)" if s.failed else "")
        lines.append(
            f"| {s.algo} | {solved} | {format_estimate(s.steps_to_solve, 'steps')} | "
            f"{format_estimate(s.seconds_to_solve, 'seconds')} | "
            f"{format_estimate(s.final_return, 'return')} |"
        )
    if reference is not None and settings.env == "gridworld":
        lines += ["", f"Return of the optimal policy: {reference:.4g}."]
    failed = [r for r in records if r.status == "failed"]
    if failed:
        lines += ["", "Failed runs (delete a run's folder to run it again):", ""]
        lines += [f"- {r.algo} seed {r.seed}: {r.error}" for r in failed]
    missing = [r for r in records if r.status == "not run"]
    if missing:
        lines += ["", "Not run yet: " + ", ".join(f"{r.algo} seed {r.seed}" for r in missing)]
    return "\n".join(lines) + "\n"


def _size(settings: CompareSettings) -> str:
    w = settings.world
    return "" if w is None else f"{w.rows}x{w.cols}"


def format_estimate(e: stats.Estimate, kind: str) -> str:
    """ "172,019 [150,112, 190,400]"; "-" when no run counts."""
    if e.n == 0 or not math.isfinite(e.value):
        return "-"
    fmt = {"steps": "{:,.0f}", "seconds": "{:.2f}", "return": "{:.4g}"}[kind]
    return f"{fmt.format(e.value)} [{fmt.format(e.low)}, {fmt.format(e.high)}]"

"""Interquartile mean (IQM) with stratified-bootstrap confidence intervals.

The statistics Agarwal et al. recommend for a handful of RL runs ("Deep RL at the Edge of
the Statistical Precipice", NeurIPS 2021, and their library rliable): the IQM is the mean
of the middle 50% of the runs, which one lucky or broken seed cannot drag (unlike the mean)
and which uses half the data (unlike the median). Its uncertainty is a percentile
bootstrap: resample the N runs with replacement ``reps`` times, take the IQM of each
resample, and report the 2.5th and 97.5th percentiles. "Stratified": with several tasks,
runs are resampled within each task, so every resample keeps every task.

Written here in numpy rather than imported from rliable: it is ~50 lines, rliable would
pull arch, pandas and seaborn in, and the app draws the same bands live from this module
(NaN-aware, a whole curve per resample), so the CLI's table and figure and the app show the
same numbers from the same code. IQM follows ``scipy.stats.trim_mean(x, 0.25)``, as rliable's
``aggregate_iqm`` does: floor(N/4) runs cut from each end.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

REPS = 2000
"""Bootstrap resamples per estimate (rliable uses 2000 for curves)."""
CONFIDENCE = 0.95
SEED = 0
"""The bootstrap's own random stream: the same runs always give the same interval."""
_CHUNK = 500


@dataclass(frozen=True)
class Estimate:
    """An IQM and its confidence interval over ``n`` runs (nan when n = 0)."""

    value: float
    low: float
    high: float
    n: int


def iqm(scores, axis=None) -> np.ndarray | float:
    """Mean of the middle 50%: sort, cut floor(k/4) values from each end, average the rest.

    NaN entries are left out (k counts the finite ones); nan where nothing is left.
    ``iqm([1, 2, 3, 4, 5, 6, 7, 1000]) == 4.5``: the outlier is cut with the 1.
    """
    x = np.asarray(scores, dtype=np.float64)
    if axis is None:
        x, axis = x.reshape(-1), 0
    x = np.sort(x, axis=axis)  # NaN sorts last
    finite = np.isfinite(x)
    k = finite.sum(axis=axis, keepdims=True)
    cut = k // 4
    sums = np.cumsum(np.where(finite, x, 0.0), axis=axis)
    pad = list(sums.shape)
    pad[axis] = 1
    sums = np.concatenate([np.zeros(pad), sums], axis=axis)  # sums[i] = sum of the first i
    upper = np.take_along_axis(sums, k - cut, axis=axis)
    lower = np.take_along_axis(sums, cut, axis=axis)
    count = k - 2 * cut
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, (upper - lower) / np.maximum(count, 1), np.nan)
    out = np.squeeze(out, axis=axis)
    return float(out) if out.ndim == 0 else out


def bootstrap_indices(n_runs: int, n_tasks: int = 1, reps: int = REPS, seed: int = SEED):
    """idx[reps, n_runs, n_tasks]: each task's runs resampled with replacement, on their own."""
    rng = np.random.default_rng(seed)
    return rng.integers(n_runs, size=(reps, n_runs, n_tasks))


def iqm_estimate(scores, reps: int = REPS, confidence: float = CONFIDENCE, seed: int = SEED):
    """IQM of ``scores[runs]`` or ``scores[runs, tasks]`` with a stratified-bootstrap
    percentile interval. NaN scores (failed runs) are dropped first."""
    x = np.asarray(scores, dtype=np.float64)
    x = x.reshape(len(x), -1) if x.size else x.reshape(0, 1)
    x = x[np.isfinite(x).all(axis=1)]
    n = len(x)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    idx = bootstrap_indices(n, x.shape[1], reps, seed)
    resampled = np.take_along_axis(x[None, :, :], idx, axis=1)  # [reps, runs, tasks]
    stats = iqm(resampled.reshape(reps, -1), axis=1)
    low, high = _percentiles(stats, confidence, axis=0)
    return Estimate(iqm(x), float(low), float(high), n)


def curve_band(curves, reps: int = REPS, confidence: float = CONFIDENCE, seed: int = SEED):
    """IQM line and bootstrap band of ``curves[runs, points]`` (NaN: no value there yet).

    Whole runs are resampled, the same resample for every point, as rliable does for
    sample-efficiency curves. Returns (iqm[P], low[P], high[P], n[P]); n counts the runs
    with a value at each point, and the IQM there is over those runs.
    """
    x = np.asarray(curves, dtype=np.float64)
    n_runs, n_points = x.shape
    n = np.isfinite(x).sum(axis=0)
    if n_runs == 0:
        empty = np.full(n_points, np.nan)
        return empty, empty.copy(), empty.copy(), n
    idx = bootstrap_indices(n_runs, 1, reps, seed)[:, :, 0]
    stats = np.empty((reps, n_points))
    for start in range(0, reps, _CHUNK):  # bounded memory: CHUNK x runs x points at a time
        stats[start : start + _CHUNK] = resampled_iqms(x, idx[start : start + _CHUNK])
    low, high = _percentiles(stats, confidence, axis=0)
    return iqm(x, axis=0), low, high, n


def resampled_iqms(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """iqm(x[idx], axis=1) for x[runs, P] and resamples idx[reps, runs], without sorting
    each resample: [reps, P].

    A resample is a count per original run. With each point's runs sorted once, the
    resample's sorted list holds count_j copies of the j-th smallest value, at positions
    [cum_{j-1}, cum_j); the IQM averages positions [k//4, k - k//4), so each value enters
    with the length of the overlap of those two ranges as its weight.
    """
    reps, n_runs = idx.shape
    counts = np.bincount(
        (idx + n_runs * np.arange(reps)[:, None]).ravel(), minlength=reps * n_runs
    ).reshape(reps, n_runs)
    order = np.argsort(x, axis=0)  # [runs, P]; NaN last
    values = np.take_along_axis(x, order, axis=0)
    finite = np.isfinite(values)
    by_run = counts.T.astype(np.int32)  # [runs, reps]
    k = np.isfinite(x).T.astype(np.int32) @ by_run  # [P, reps]: finite values per resample
    low, high = k // 4, k - k // 4
    total = np.zeros(k.shape)
    before = np.zeros(k.shape, dtype=np.int32)  # copies of smaller values in the resample
    for j in range(n_runs):  # the j-th smallest value of every point, all resamples at once
        copies = by_run[order[j]] * finite[j][:, None]  # [P, reps]
        after = before + copies
        weight = np.minimum(after, high) - np.maximum(before, low)
        total += np.clip(weight, 0, None) * np.where(finite[j], values[j], 0.0)[:, None]
        before = after
    width = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(width > 0, total / np.maximum(width, 1), np.nan).T


def _percentiles(stats: np.ndarray, confidence: float, axis: int):
    tail = (1.0 - confidence) / 2.0 * 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column stays NaN
        low, high = np.nanpercentile(stats, [tail, 100.0 - tail], axis=axis)
    return low, high

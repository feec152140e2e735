"""A comparison followed live, for the app: runs on the local pool, curves read as they grow.

``LiveComparison`` submits every (algorithm, seed) run to the pool it is given (the app's
``LocalPool``, niced and kept warm: ``gridsim.app.panels.comparison``) and starts one
monitor thread. The thread follows each
run's streamed metrics (``CurveReader``), recomputes the IQM bands and the table from
``gridsim.compare.stats`` and ``summary`` (the CLI's code, so the same numbers), and
publishes a frozen ``LiveView``; the window reads the latest each frame. When every run is
done, a worker writes compare.csv, summary.md and compare.png into the folder.
Neither torch nor pygame is imported here.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from gridsim.compare.pool import PoolUnavailable
from gridsim.compare.report import reference_return, write_report
from gridsim.compare.runs import (
    POINTS,
    CompareSettings,
    CurveReader,
    RunRecord,
    read_record,
    run_folder,
    save_settings,
    step_grid,
    write_failure,
)
from gridsim.compare.summary import AlgoBands, AlgoSummary, bands, summarize

POLL_S = 0.2
"""How often the monitor looks for new rows and finished runs."""
MIN_STATS_INTERVAL_S = 0.5
"""Bands are recomputed at most this often (and at most 1/4 of the time: they cost CPU the
runs could use)."""


@dataclass(frozen=True)
class LiveView:
    """What the window shows of a comparison, as of one moment (read-only)."""

    status: str
    """"running" | "finished" (runs done, results written) | "stopped" | "failed"."""
    message: str
    settings: CompareSettings
    root: Path
    grid: np.ndarray
    reference: float | None
    bands: tuple[AlgoBands, ...]
    summaries: tuple[AlgoSummary, ...]
    total: int
    done: int
    failed: int
    running: int
    x_max: float
    """The most env steps any run has reached (the plots' x range)."""
    elapsed_s: float
    version: int
    """Changes whenever the curves or the table change (the window redraws then)."""


class LiveComparison:
    """Start with ``start()``, read ``latest()`` every frame, ``stop()`` within a second."""

    def __init__(self, settings: CompareSettings, pool, root: Path | None = None):
        """``pool``: where the runs go (``LocalPool`` or a stand-in); it is the caller's and
        stays open when the runs are done, for the next comparison (``stop()`` still kills
        its runs, and with them the pool)."""
        self.settings = settings
        self.root = Path(root or tempfile.mkdtemp(prefix="gridsim-compare-"))
        self.workers = pool.workers
        self._pool = pool
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.grid = step_grid(settings.max_steps)
        self._started = 0.0
        self._view = LiveView(
            "running",
            "starting the workers",
            settings,
            self.root,
            self.grid,
            reference_return(settings),
            (),
            (),
            len(settings.pairs()),
            0,
            0,
            0,
            0.0,
            0.0,
            0,
        )

    def latest(self) -> LiveView:
        return self._view

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        save_settings(self.root, self.settings)
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._monitor, name="compare-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Kill the runs in flight (finished ones stay in the folder) and end the monitor."""
        self._stopping.set()
        with self._lock:
            if self._pool is not None:
                self._pool.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            view = self._view
            if view.status == "running":
                self._view = replace(
                    view, status="stopped", message="stopped", version=view.version + 1
                )

    # --- the monitor thread -------------------------------------------------------------------
    def _monitor(self) -> None:
        try:
            self._follow()
        except Exception as e:  # noqa: BLE001 - the window shows it instead of crashing
            if self._stopping.is_set():
                return  # stop() killed the pool under the loop: it says "stopped" itself
            self._pool.stop()  # its queued runs must not run into the next comparison
            message = str(e) if isinstance(e, PoolUnavailable) else f"{type(e).__name__}: {e}"
            self._publish(status="failed", message=message)

    def _follow(self) -> None:
        s = self.settings
        readers = {pair: CurveReader(run_folder(self.root, *pair), self.grid) for pair in s.pairs()}
        records: dict[tuple[str, int], RunRecord] = {}
        from gridsim.commands.train import TrainJob

        jobs = [
            TrainJob(
                env=s.env,
                algo=algo,
                seed=seed,
                max_steps=s.max_steps,
                out=run_folder(self.root, algo, seed),
                world=s.world,
                overrides=tuple(s.overrides_for(algo).items()),
                keep_going=s.keep_going,
            )
            for algo, seed in s.run_order()
        ]
        if self._stopping.is_set():
            return
        self._pool.submit(jobs)  # may wait for a pool still being made; stop() ends the wait
        changed = set(s.algos)
        last_stats, stats_cost = 0.0, 0.0
        while not self._stopping.is_set():
            for result in self._pool.done(timeout=POLL_S):
                job = result.job
                if result.summary is None:
                    write_failure(self.root, job.algo, job.seed, result.crash)
                records[(job.algo, job.seed)] = read_record(self.root, job.algo, job.seed)
                readers[(job.algo, job.seed)].close()
                changed.add(job.algo)
            for (algo, _), reader in readers.items():
                if reader.poll():
                    changed.add(algo)
            finished = len(records) == len(readers)
            now = time.perf_counter()
            due = now - last_stats >= max(MIN_STATS_INTERVAL_S, 4 * stats_cost)
            if changed and (finished or due):
                t0 = time.perf_counter()
                self._publish_numbers(readers, records, changed)
                stats_cost = time.perf_counter() - t0
                last_stats, changed = now, set()
            if finished:
                break
        if self._stopping.is_set():
            return
        self._publish(message="writing compare.csv, summary.md and compare.png")
        result = self._pool.call(write_report, self.root, self.settings)
        while not self._stopping.is_set():
            if result.ready():
                break
            time.sleep(POLL_S)
        if self._stopping.is_set():
            return
        result.get()
        done = self._view
        message = (
            f"{done.done - done.failed} runs finished, {done.failed} failed"
            if done.failed
            else f"{done.done} runs finished"
        )
        self._publish(status="finished", message=message)

    def _publish_numbers(self, readers, records, changed) -> None:
        s, view = self.settings, self._view
        old = {b.algo: b for b in view.bands}
        all_bands, summaries = [], []
        for algo in s.algos:
            mine = [(pair, r) for pair, r in readers.items() if pair[0] == algo]
            if algo in changed or algo not in old:
                curves = [
                    r.curve
                    for pair, r in mine
                    if r.curve.rows and records.get(pair, RunRecord(*pair, "")).status != "failed"
                ]
                all_bands.append(bands(algo, curves, POINTS))
            else:
                all_bands.append(old[algo])
            outcomes = [records.get(pair, RunRecord(*pair, "not run")) for pair, _ in mine]
            summaries.append(summarize(algo, outcomes))
        done = len(records)
        running = sum(1 for pair, r in readers.items() if r.curve.rows and pair not in records)
        self._publish(
            bands=tuple(all_bands),
            summaries=tuple(summaries),
            done=done,
            failed=sum(r.status == "failed" for r in records.values()),
            running=running,
            x_max=max((float(r.curve.steps) for r in readers.values()), default=0.0),
            message="",
        )

    def _publish(self, **changes) -> None:
        """Replace the view (the monitor thread only); after stop() the view is stop()'s."""
        with self._lock:
            if self._stopping.is_set():
                return
            view = self._view
            self._view = replace(
                view,
                **changes,
                elapsed_s=time.perf_counter() - self._started,
                version=view.version + 1,
            )

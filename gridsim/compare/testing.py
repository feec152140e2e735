"""A scripted, torch-free stand-in for the comparison pools (tests and previews).

``FakeRunPool`` has the pools' interface but no processes: each ``done()`` call advances the
runs in flight by a few rows of a made-up learning curve, streamed into the same files
``train_run`` writes (metrics.csv.part, then metrics.csv and summary.json), so everything
that reads a comparison's folder sees what a real run would leave there.

With ``GRIDSIM_COMPARE_POOL=fake`` in the environment (the tests' conftest sets it) the app's
comparisons use it instead of worker processes.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from pathlib import Path

from gridsim.compare.pool import JobResult

ROWS_PER_RUN = 12
ROWS_PER_CALL = 3


class _Done:
    """A finished ``AsyncResult``."""

    def __init__(self, value):
        self.value = value

    def ready(self) -> bool:
        return True

    def get(self, timeout=None):
        return self.value


class FakeRunPool:
    """``workers`` runs at a time; run (algo, seed) learns at a pace set by both, so the
    algorithms differ and the seeds spread. ``fail`` names (algo, seed) pairs that fail.
    With ``finish_limit`` set, no more than that many runs finish (the rest stall): a test
    can look at a comparison halfway."""

    finish_limit: int | None = None
    delay_s = 0.01

    def __init__(self, workers: int = 2, nice: int = 0, fail=()):
        self.workers = workers
        self.fail = set(fail)
        self.queue: list = []
        self.rows: dict = {}
        self.finished = 0
        self.stopped = False
        self.closed = False

    @property
    def pending(self) -> int:
        return len(self.queue)

    def submit(self, jobs) -> None:
        self.queue.extend(jobs)

    def done(self, timeout: float = 0.0) -> list[JobResult]:
        time.sleep(min(timeout, self.delay_s))
        out = []
        for job in list(self.queue[: self.workers]):
            for _ in range(ROWS_PER_CALL):
                held = self.finish_limit is not None and self.finished >= self.finish_limit
                if held and self._would_end(job):
                    break  # stalled just before its end
                if self._step(job):
                    self.queue.remove(job)
                    out.append(JobResult(job, self._finish(job)))
                    self.finished += 1
                    break
        return out

    def call(self, fn, *args):
        return _Done(fn(*args))

    def close(self) -> None:
        self.closed = True

    def stop(self) -> None:
        self.stopped = True
        self.queue.clear()

    # --- a made-up run -------------------------------------------------------------------
    def _would_end(self, job) -> bool:
        n = self.rows.get(job.out, 0) + 1
        _, solved = self._curve(job, n * job.max_steps // ROWS_PER_RUN)
        return n >= ROWS_PER_RUN or (solved and not job.keep_going)

    def _step(self, job) -> bool:
        """Append one row; True when the run is over."""
        out = Path(job.out)
        part = out / "metrics.csv.part"
        n = self.rows.get(job.out, 0)
        if n == 0:
            out.mkdir(parents=True, exist_ok=True)
            part.write_text("update,env_steps,wall_s,mean_return_100,solved\n")
        steps = (n + 1) * job.max_steps // ROWS_PER_RUN
        value, solved = self._curve(job, steps)
        with part.open("a") as f:
            csv.writer(f, lineterminator="\n").writerow([n + 1, steps, n * 0.1, value, int(solved)])
        self.rows[job.out] = n + 1
        return n + 1 >= ROWS_PER_RUN or (solved and not job.keep_going)

    @staticmethod
    def _curve(job, steps: int) -> tuple[float, bool]:
        rate = 1.0 + 0.5 * (sum(map(ord, job.algo)) % 5) + 0.2 * job.seed
        progress = 1.0 - math.exp(-rate * steps / job.max_steps)
        value = -5.0 + 25.0 * progress
        return round(value, 4), value >= 18.0

    def _finish(self, job) -> dict:
        out = Path(job.out)
        n = self.rows[job.out]
        steps = n * job.max_steps // ROWS_PER_RUN
        value, solved = self._curve(job, steps)
        os.replace(out / "metrics.csv.part", out / "metrics.csv")
        failed = (job.algo, job.seed) in self.fail
        summary = {
            "algo": job.algo,
            "env": job.env,
            "seed": job.seed,
            "steps": steps,
            "updates": n,
            "wall_s": n * 0.1,
            "solved": solved and not failed,
            "solved_at_steps": steps if solved and not failed else None,
            "solved_at_s": n * 0.1 if solved and not failed else None,
            "final_mean_return": value,
            "error": "loss is nan (try a smaller lr)" if failed else None,
        }
        (out / "summary.json").write_text(json.dumps(summary))
        return summary

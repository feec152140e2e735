"""The Ray pool behind `compare --ray`: a run is the same as a Ray task as alone (the local
pool's Stop is tested through the Compare tab, with real workers)."""

import csv
import threading
import time

import pytest

from gridsim.commands.train import TrainJob, train_run
from gridsim.compare.live import LiveComparison
from gridsim.compare.pool import RayPool
from gridsim.compare.runs import CompareSettings
from gridsim.world import default_world


def numbers(folder) -> list[dict]:
    rows = list(csv.DictReader((folder / "metrics.csv").open()))
    return [{k: v for k, v in row.items() if k != "wall_s"} for row in rows]


def test_a_ray_task_gives_the_same_numbers_as_the_run_alone(tmp_path):
    pytest.importorskip("ray")  # the dev extra installs it, so CI runs this
    job = TrainJob(env="gridworld", algo="vpg", seed=3, max_steps=3000, out=tmp_path / "ray")
    train_run(TrainJob(**{**job.__dict__, "out": tmp_path / "alone"}))
    pool = RayPool(num_cpus=2)  # ray.init(num_cpus=2, include_dashboard=False)
    try:
        pool.submit([job])
        results = []
        deadline = time.monotonic() + 120
        while pool.pending and time.monotonic() < deadline:
            results += pool.done(timeout=0.5)
    finally:
        pool.close()
    assert len(results) == 1 and results[0].crash is None
    assert results[0].summary["steps"] >= 3000
    assert (tmp_path / "ray" / "summary.json").is_file()
    assert numbers(tmp_path / "ray") == numbers(tmp_path / "alone")


class PoolKilledUnderTheMonitor:
    """A pool whose ``done()`` waits, then raises as multiprocessing's does once terminated."""

    def __init__(self, workers, nice=0):
        self.polling = threading.Event()
        self.killed = threading.Event()

    def submit(self, jobs):
        pass

    def done(self, timeout):
        self.polling.set()
        self.killed.wait(5)
        raise ValueError("Pool not running")

    def stop(self):
        self.killed.set()


def test_stopping_a_live_comparison_says_stopped_even_when_the_killed_pool_raises(tmp_path):
    settings = CompareSettings("gridworld", 1000, default_world(), algos=("vpg",), seeds=1)
    live = LiveComparison(settings, tmp_path, workers=1, pool_factory=PoolKilledUnderTheMonitor)
    live.start()
    assert live._pool.polling.wait(5)
    live.stop()
    assert live.latest().status == "stopped"

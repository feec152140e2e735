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

    workers = 1

    def __init__(self):
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
    live = LiveComparison(settings, PoolKilledUnderTheMonitor(), tmp_path)
    live.start()
    assert live._pool.polling.wait(5)
    live.stop()
    assert live.latest().status == "stopped"


def _what_a_first_run_still_imports() -> tuple[int, int]:
    """In a worker: (its parent's pid, how many modules a first optimiser step imports)."""
    import os
    import sys

    import torch

    before = set(sys.modules)
    net = torch.nn.Linear(2, 2)
    torch.optim.Adam(net.parameters()).step()
    return os.getppid(), len(set(sys.modules) - before)


def test_local_workers_are_forked_warm_from_one_server_that_outlives_a_pool():
    """A worker's start-up (torch, its optimiser's imports: ~2 s) is paid once per process,
    in the fork server, not per worker and not in its first run."""
    import os

    from gridsim.compare.pool import LocalPool

    parents = []
    for _ in range(2):
        pool = LocalPool(1)
        try:
            deadline = time.monotonic() + 60
            while pool.ready < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert pool.ready == 1
            parent, imported = pool.call(_what_a_first_run_still_imports).get(timeout=60)
        finally:
            pool.stop()
        assert imported == 0
        parents.append(parent)
    assert parents[0] == parents[1] != os.getpid()


class SlowToMakeContext:
    """A multiprocessing context whose Pool takes until ``release`` is set to be made (the
    fork server still importing torch) and records being terminated."""

    def __init__(self):
        self.release = threading.Event()
        self.terminated = threading.Event()

    def Value(self, *args):  # noqa: N802 - multiprocessing's names
        import multiprocessing

        return multiprocessing.Value(*args)

    def SimpleQueue(self):  # noqa: N802
        import multiprocessing

        return multiprocessing.SimpleQueue()

    def Pool(self, *args, **kwargs):  # noqa: N802
        self.release.wait(10)
        return self

    def terminate(self):
        self.terminated.set()


def test_the_window_never_waits_for_its_pool_and_a_stop_before_it_is_made_still_ends_it(
    monkeypatch,
):
    """The app's pool is made on a thread: making it and stopping it return while the pool
    cannot be made yet, and the pool is killed as soon as it exists."""
    from gridsim.compare import pool as pools

    context = SlowToMakeContext()
    monkeypatch.setattr(pools, "start_fork_server", lambda: None)
    monkeypatch.setattr(pools, "worker_context", lambda: context)
    pool = pools.LocalPool(1, wait=False)
    pool.stop()
    assert not pool._made.is_set() and not context.terminated.is_set()
    context.release.set()
    assert context.terminated.wait(10)


def test_stop_while_the_pool_is_still_being_made_does_not_wait_for_it(tmp_path, monkeypatch):
    from gridsim.compare import pool as pools

    context = SlowToMakeContext()
    monkeypatch.setattr(pools, "start_fork_server", lambda: None)
    monkeypatch.setattr(pools, "worker_context", lambda: context)
    settings = CompareSettings("gridworld", 1000, default_world(), algos=("vpg",), seeds=1)
    live = LiveComparison(settings, pools.LocalPool(1, wait=False), tmp_path)
    live.start()  # the monitor waits in submit() for the pool
    live.stop(timeout=5)
    assert not context.release.is_set()  # the pool is still not made...
    assert not live.active and live.latest().status == "stopped"  # ...and all has ended
    context.release.set()
    assert context.terminated.wait(10)


class UnmakeableContext(SlowToMakeContext):
    """The fork server died (say a module it preloads no longer imports)."""

    def Pool(self, *args, **kwargs):  # noqa: N802
        raise EOFError("unexpected EOF")


def test_workers_that_cannot_be_made_are_one_line_in_the_cli_and_a_failed_comparison(
    tmp_path, monkeypatch, capsys
):
    from gridsim.compare import pool as pools
    from main import main

    monkeypatch.setattr(pools, "start_fork_server", lambda: None)
    monkeypatch.setattr(pools, "worker_context", UnmakeableContext)
    args = ["compare", "--env", "gridworld", "--algos", "vpg", "--seeds", "1"]
    assert main([*args, "--out", str(tmp_path / "cli"), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "error: could not start the worker processes (EOFError: unexpected EOF)\n"
    )

    settings = CompareSettings("gridworld", 1000, default_world(), algos=("vpg",), seeds=1)
    live = LiveComparison(settings, pools.LocalPool(1, wait=False), tmp_path / "app")
    live.start()
    live._thread.join(10)
    view = live.latest()
    assert view.status == "failed" and view.message.startswith("could not start the worker")


def test_a_worker_warms_up_even_when_an_algorithm_module_is_broken(monkeypatch):
    """warm_up is best effort: the broken algorithm's own runs report the error."""
    from gridsim.compare import pool as pools

    broken = {**pools.ALGORITHM_CLASSES, "student": ("agents.no_such_module", "Student")}
    monkeypatch.setattr(pools, "ALGORITHM_CLASSES", broken)
    pools.warm_up()  # does not raise


def test_a_run_whose_worker_is_killed_fails_with_a_message_and_the_others_stand(tmp_path):
    """multiprocessing replaces a killed worker and never answers for its run: the pool
    notices the dead worker and ends that run as failed; the other runs finish."""
    import os
    import signal

    from gridsim.compare.pool import WORKER_DIED, LocalPool

    long = TrainJob(env="cartpole", algo="ppo", seed=0, max_steps=10**7, out=tmp_path / "long")
    short = TrainJob(env="gridworld", algo="vpg", seed=0, max_steps=3000, out=tmp_path / "short")
    pool = LocalPool(2)
    try:
        pool.submit([long, short])
        results = []
        deadline = time.monotonic() + 120
        while str(long.out) not in pool._running and time.monotonic() < deadline:
            results += pool.done(timeout=0.1)
        os.kill(pool._running[str(long.out)], signal.SIGKILL)  # as the OOM killer would
        while pool.pending and time.monotonic() < deadline:
            results += pool.done(timeout=0.2)
        pool.close()  # does not wait for the lost run
    finally:
        pool.stop()
    by_folder = {r.job.out: r for r in results}
    assert by_folder[long.out].crash == WORKER_DIED and by_folder[long.out].summary is None
    assert by_folder[short.out].summary["steps"] >= 3000 and pool.pending == 0

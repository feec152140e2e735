"""The runs of a comparison, side by side: a local process pool (the default) or Ray tasks.

Each run is ``gridsim.commands.train.train_run`` in a worker process, single-threaded
(OMP_NUM_THREADS=1, torch.set_num_threads(1)) and seeded, so an (algorithm, seed) pair
gives the same numbers alone, in the pool or on Ray. This module imports neither torch nor
Ray: the workers import torch, and Ray is imported only by ``RayPool`` (the optional
``cluster`` extra).

Both pools offer ``submit(jobs)``, ``done(timeout)`` (the runs finished since the last call),
``pending`` and ``stop()`` (kills the runs in flight at once: a killed run leaves no
summary.json, so it counts as not run and ``--resume`` runs it again).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
import signal
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gridsim.files import write_atomically

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
RAY_CONNECT_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class JobResult:
    """A run that ended: its summary (``summary["error"]`` set if training failed), or
    ``crash``, the one-line reason it produced no summary at all (the worker died, ...)."""

    job: object
    summary: dict | None
    crash: str | None = None


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def single_threaded() -> None:
    """Keep a worker's numeric libraries on one thread (before torch is imported)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


@contextlib.contextmanager
def _single_threaded_children():
    """Processes started inside the block get one BLAS/OpenMP thread from their first import.

    A spawned worker imports numpy while it unpickles its first task, before any code of
    ours runs in it; OpenBLAS then starts a thread per core, and those threads spin against
    the other workers (measured: a pool 2-3x slower than its runs alone on 2 cores).
    """
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_job(job) -> dict:
    """One run in a worker (pool process or Ray task): a fresh folder, then ``train_run``."""
    single_threaded()
    from gridsim.commands.train import train_run

    out = Path(job.out)
    if out.exists():
        shutil.rmtree(out)  # what a killed attempt left behind
    summary, _ = train_run(job)
    return summary


def _init_worker(nice: int) -> None:
    """Pool workers leave Ctrl+C to the parent (it stops the pool) and, in the app, yield
    the CPU to the window (``nice``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    single_threaded()
    if nice:
        try:
            os.nice(nice)
        except OSError:  # pragma: no cover - not allowed here
            pass


def _message(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class LocalPool:
    """``workers`` processes (spawned: no state inherited from the parent), each taking the
    next run as it finishes one (``multiprocessing.Pool``)."""

    def __init__(self, workers: int, nice: int = 0):
        self.workers = workers
        with _single_threaded_children():
            self._pool = multiprocessing.get_context("spawn").Pool(
                workers, initializer=_init_worker, initargs=(nice,)
            )
        self._done: queue.Queue[JobResult] = queue.Queue()
        self.pending = 0

    def submit(self, jobs) -> None:
        for job in jobs:
            self.pending += 1
            self._pool.apply_async(
                run_job,
                (job,),
                callback=lambda summary, job=job: self._done.put(JobResult(job, summary)),
                error_callback=lambda e, job=job: self._done.put(JobResult(job, None, _message(e))),
            )

    def done(self, timeout: float = 0.0) -> list[JobResult]:
        """The runs that ended since the last call, waiting up to ``timeout`` for one."""
        out = []
        try:
            out.append(self._done.get(timeout=timeout) if timeout > 0 else self._done.get_nowait())
            while True:
                out.append(self._done.get_nowait())
        except queue.Empty:
            pass
        self.pending -= len(out)
        return out

    def call(self, fn, *args):
        """Run ``fn(*args)`` in a worker (e.g. drawing the figure away from the window);
        an ``AsyncResult``."""
        return self._pool.apply_async(fn, args)

    def close(self) -> None:
        """All runs are done: let the workers exit."""
        self._pool.close()
        self._pool.join()

    def stop(self) -> None:
        """Kill the workers now (runs in flight are lost; finished ones stay on disk)."""
        self._pool.terminate()


# --- Ray ------------------------------------------------------------------------------------
class RayUnavailable(RuntimeError):
    """--ray cannot be used: Ray is missing or the cluster cannot be reached (one line)."""


def import_ray():
    try:
        import ray
    except ImportError:
        raise RayUnavailable(
            '--ray needs Ray, which is not installed: pip install -e ".[cluster]"'
        ) from None
    return ray


def check_reachable(address: str) -> None:
    """Fail fast (seconds, not Ray's long retries) when a cluster address does not answer.

    "host:port" and "ray://host:port" are probed with a TCP connection; "auto" and
    "local" are left to Ray.
    """
    if address in ("auto", "local"):
        return
    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise RayUnavailable(f"--ray {address}: expected HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), RAY_CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise RayUnavailable(
            f"cannot reach the Ray cluster at {address}: {e.strerror or e}"
        ) from None


def ray_task(job) -> dict:
    """One run as a Ray task: trained in a scratch folder on whichever node runs it, the
    files returned to the driver (a cluster's nodes need not share a disk)."""
    scratch = Path(tempfile.mkdtemp(prefix="gridsim-run-"))
    try:
        from dataclasses import replace

        summary = run_job(replace(job, out=scratch / "run"))
        files = {p.name: p.read_bytes() for p in (scratch / "run").iterdir() if p.is_file()}
        return {"summary": summary, "files": files}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class RayPool:
    """Each run a Ray task (one CPU each) on a local Ray instance (``address`` None) or the
    cluster at ``address``; finished runs' files are written into their folders here."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None):
        ray = import_ray()
        if address is not None:
            check_reachable(address)
        options = {"include_dashboard": False, "log_to_driver": False}
        env = {"env_vars": dict.fromkeys(THREAD_VARIABLES, "1")}
        if address is None:
            options["num_cpus"] = num_cpus
        else:
            import agents
            import gridsim

            # the cluster's nodes run this checkout's code (they need torch and gymnasium)
            env["py_modules"] = [gridsim, agents]
        try:
            ray.init(address=address, runtime_env=env, **options)
        except Exception as e:  # noqa: BLE001 - Ray raises many kinds; all mean "no cluster"
            raise RayUnavailable(f"cannot start Ray ({_message(e)})") from None
        self._ray = ray
        self._remote = ray.remote(num_cpus=1, max_retries=0)(ray_task)
        self._refs: dict = {}

    @property
    def pending(self) -> int:
        return len(self._refs)

    def submit(self, jobs) -> None:
        for job in jobs:
            self._refs[self._remote.remote(job)] = job

    def done(self, timeout: float = 0.0) -> list[JobResult]:
        if not self._refs:
            return []
        ready, _ = self._ray.wait(list(self._refs), num_returns=len(self._refs), timeout=timeout)
        out = []
        for ref in ready:
            job = self._refs.pop(ref)
            try:
                result = self._ray.get(ref)
            except Exception as e:  # noqa: BLE001 - the task's error, reported for this run
                out.append(JobResult(job, None, _message(getattr(e, "cause", None) or e)))
                continue
            folder = Path(job.out)
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            files = sorted(result["files"].items(), key=lambda kv: kv[0] == "summary.json")
            for name, data in files:  # summary.json last: it marks the run finished
                write_atomically(folder / name, data)
            out.append(JobResult(job, result["summary"]))
        return out

    def close(self) -> None:
        self._ray.shutdown()

    def stop(self) -> None:
        for ref in list(self._refs):
            try:
                self._ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - already finished
                pass
        self._refs.clear()
        self._ray.shutdown()

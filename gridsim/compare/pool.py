"""The runs of a comparison, side by side: a local process pool (the default) or Ray tasks.

Each run is ``gridsim.commands.train.train_run`` in a worker process, single-threaded
(OMP_NUM_THREADS=1, torch.set_num_threads(1)) and seeded, so an (algorithm, seed) pair
gives the same numbers alone, in the pool or on Ray. This module imports neither torch nor
Ray: the workers import torch, and Ray is imported only by ``RayPool`` (the optional
``cluster`` extra).

Both pools offer ``submit(jobs)``, ``done(timeout)`` (the runs finished since the last call),
``pending`` and ``stop()`` (kills the runs in flight at once: a killed run leaves no
summary.json, so it counts as not run and ``--resume`` runs it again).

Start-up: on the tutorial's 3x3 world a run takes 0.1-0.6 s, less than importing torch
(~2 s of CPU with what its optimisers import), so the start-up, not the runs, would set how
long a comparison takes. The workers are therefore forked from a fork server that imports
it all once per process (``worker_context``; the CLI starts it before its own checks, so
the two overlap), and the app makes its pool when the Compare tab opens and keeps it
between comparisons (``LocalPool.ready`` says when every worker is warm).
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
import threading
from dataclasses import dataclass
from pathlib import Path

from agents.registry import ALGORITHM_CLASSES
from gridsim.files import write_atomically

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
PRELOADED = ("torch", "torch._dynamo", "gridsim.compare.fork_server_preload")
"""What the fork server imports once, before it forks any worker: torch (and
``torch._dynamo``, what a torch optimiser imports when first made: sympy & co, ~1 s) by
name, then ``warm_up()`` through ``fork_server_preload``. (A module the fork server cannot
import, e.g. when GridSim is not on its path, is skipped: workers then import it.)"""
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

    The fork server (and so every worker forked from it) imports numpy and torch before any
    code of ours runs in a worker; OpenBLAS then starts a thread per core, and those threads
    spin against the other workers (measured: a pool 2-3x slower than its runs alone on 2
    cores).
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


WORKER_DIED = "its worker process died before the run ended (killed? out of memory?)"
_started = None
"""In a local pool's worker: the queue that tells the parent which run this process took
(``LocalPool`` notices a worker that dies mid-run that way; multiprocessing alone would
wait for its result forever)."""


def run_job(job) -> dict:
    """One run in a worker (pool process or Ray task): a fresh folder, then ``train_run``."""
    single_threaded()
    from gridsim.commands.train import train_run

    if _started is not None:
        _started.put((os.getpid(), str(job.out)))
    out = Path(job.out)
    if out.exists():
        shutil.rmtree(out)  # what a killed attempt left behind
    summary, _ = train_run(job)
    return summary


def worker_context():
    """Workers are forked from multiprocessing's fork server: a fresh interpreter (none of
    the parent's state; started single-threaded) that has warmed up once (``PRELOADED``).
    A worker then starts in milliseconds instead of importing torch itself (~2 s of CPU
    each), and pools made later in the same process (the app's, after Stop) start at once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOADED))
    return context


def start_fork_server() -> None:
    """Start the fork server now, in the background: its imports (~2 s of CPU) then overlap
    with the caller's own start-up instead of delaying the first worker."""
    from multiprocessing import forkserver

    worker_context()
    with _single_threaded_children(), _ctrl_c_ignored():
        forkserver.ensure_running()


@contextlib.contextmanager
def _ctrl_c_deferred():
    """Ctrl+C inside the block takes effect at its end, so a pool is never left half-made:
    a worker asked of the fork server but not yet forked would start after the parent had
    gone, miss the parent's semaphores and print a traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda *_: pressed.append(True))
    try:
        yield
    finally:
        if previous is not None:  # None: a handler not set from Python; leave ours
            signal.signal(signal.SIGINT, previous)
    if pressed and previous is not None and previous != signal.SIG_IGN:
        signal.raise_signal(signal.SIGINT)  # to the handler it was meant for


@contextlib.contextmanager
def _ctrl_c_ignored():
    """Processes started inside the block ignore Ctrl+C (SIGINT) from their first line:
    the fork server, still importing torch when a user presses Ctrl+C, would otherwise
    print a traceback beside the CLI's one-line "interrupted". The parent stops the pool."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def warm_up() -> None:
    """Pay a worker's one-time costs before its first run: the imports (torch, ``train``,
    every algorithm's module) and torch's lazy set-up on a first forward, backward and
    optimiser step. Done in the fork server (``fork_server_preload``), so a forked worker
    finds it done; again in each worker, where it costs nothing then. Best effort: what
    fails here fails again, with its message, in the run that needs it. Nothing of it
    touches a run's random state: ``train_run`` seeds each run."""
    import importlib

    try:
        import torch

        import gridsim.commands.train  # noqa: F401 - imported for what it imports

        torch.set_num_threads(1)
        net = torch.nn.Linear(4, 2)
        optimizer = torch.optim.Adam(net.parameters())
        torch.distributions.Categorical(logits=net(torch.zeros(3, 4))).log_prob(
            torch.zeros(3, dtype=torch.long)
        ).sum().backward()
        optimizer.step()
    except Exception:  # noqa: BLE001, S110 - see the docstring
        pass
    for module, _ in ALGORITHM_CLASSES.values():
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001, S112 - that algorithm's runs report it
            continue


def _init_worker(nice: int, warm=None, started=None) -> None:
    """Pool workers leave Ctrl+C to the parent (it stops the pool), in the app yield the
    CPU to the window (``nice``), then warm up and count themselves in ``warm``; each run
    they take is announced on ``started``."""
    global _started
    _started = started
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    single_threaded()
    if nice:
        try:
            os.nice(nice)
        except OSError:  # pragma: no cover - not allowed here
            pass
    warm_up()
    if warm is not None:
        with warm.get_lock():
            warm.value += 1


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (a worker is the fork server's child, which
    reaps it as it dies)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process now
        return True
    return True


def _message(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class PoolUnavailable(RuntimeError):
    """The worker processes could not be made (one line)."""


class LocalPool:
    """``workers`` processes (forked from the fork server: none of the parent's state),
    each taking the next run as it finishes one (``multiprocessing.Pool``). Runs submitted
    before the workers are warm wait for them.

    Making the pool waits for the fork server (its imports, ~2 s the first time). The CLI
    waits (``wait=True``: Ctrl+C meanwhile takes effect once the pool is whole); the window
    must not (``wait=False``): the pool is then made on a thread, and ``submit`` and
    ``call`` wait for it there (the comparison's monitor thread calls them)."""

    def __init__(self, workers: int, nice: int = 0, wait: bool = True):
        self.workers = workers
        self._done: queue.Queue[JobResult] = queue.Queue()
        self.pending = 0
        self._made = threading.Event()
        self._lock = threading.Lock()
        self._stopped = False
        self._pool = None
        self._failure: PoolUnavailable | None = None
        self._jobs: dict[str, object] = {}  # run folder -> job, submitted and not ended
        self._running: dict[str, int] = {}  # run folder -> the pid of the worker on it
        self._lost_any = False
        start_fork_server()
        context = worker_context()
        self._warm = context.Value("i", 0)
        self._started = context.SimpleQueue()
        arguments = (context, nice)
        if wait:
            with _ctrl_c_deferred():  # Ctrl+C once the pool is whole (and ours to stop)
                self._make(*arguments)
            self._made_pool()  # raises PoolUnavailable if the workers could not be made
        else:
            threading.Thread(
                target=self._make, args=arguments, name="pool-maker", daemon=True
            ).start()

    def _make(self, context, nice: int) -> None:
        try:
            pool = context.Pool(
                self.workers, initializer=_init_worker, initargs=(nice, self._warm, self._started)
            )
        except Exception as e:  # noqa: BLE001 - e.g. the fork server died importing torch
            self._failure = PoolUnavailable(f"could not start the worker processes ({_message(e)})")
            self._made.set()
            return
        with self._lock:
            self._pool = pool
            if self._stopped:  # Stop came first
                pool.terminate()
        self._made.set()

    def _made_pool(self):
        """The multiprocessing pool, once made; PoolUnavailable if it could not be, or if
        the pool was stopped while this waited."""
        while not self._made.wait(0.1):
            if self._stopped:
                raise PoolUnavailable("the pool was stopped")
        if self._failure is not None:
            raise self._failure
        return self._pool

    def wait_made(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the pool to be made (or to fail)."""
        return self._made.wait(timeout)

    @property
    def ready(self) -> int:
        """How many workers have warmed up (a worker that replaces a dead one counts too)."""
        return min(self.workers, self._warm.value)

    def submit(self, jobs) -> None:
        pool = self._made_pool()
        for job in jobs:
            self.pending += 1
            self._jobs[str(job.out)] = job
            pool.apply_async(
                run_job,
                (job,),
                callback=lambda summary, job=job: self._done.put(JobResult(job, summary)),
                error_callback=lambda e, job=job: self._done.put(JobResult(job, None, _message(e))),
            )

    def done(self, timeout: float = 0.0) -> list[JobResult]:
        """The runs that ended since the last call, waiting up to ``timeout`` for one. A
        run whose worker died (multiprocessing then starts another and never answers for
        the run) ends with ``crash`` = ``WORKER_DIED``."""
        got = []
        try:
            got.append(self._done.get(timeout=timeout) if timeout > 0 else self._done.get_nowait())
            while True:
                got.append(self._done.get_nowait())
        except queue.Empty:
            pass
        out = [r for r in got if self._jobs.pop(str(r.job.out), None) is not None]
        for result in out:
            self._running.pop(str(result.job.out), None)
        out += self._lost_runs()
        self.pending -= len(out)
        return out

    def _lost_runs(self) -> list[JobResult]:
        """The runs in flight whose worker process is gone."""
        while not self._started.empty():
            pid, folder = self._started.get()
            if folder in self._jobs:
                self._running[folder] = pid
        lost = []
        for folder, pid in list(self._running.items()):
            if not _alive(pid):
                del self._running[folder]
                lost.append(JobResult(self._jobs.pop(folder), None, WORKER_DIED))
                self._lost_any = True
        return lost

    def call(self, fn, *args):
        """Run ``fn(*args)`` in a worker (e.g. drawing the figure away from the window);
        an ``AsyncResult``."""
        return self._made_pool().apply_async(fn, args)

    def close(self) -> None:
        """All runs are done: let the workers exit (or end them, if a run was lost with its
        worker: multiprocessing would wait for that run's result forever)."""
        pool = self._made_pool()
        if self._lost_any:
            pool.terminate()
            return
        pool.close()
        pool.join()

    def stop(self) -> None:
        """Kill the workers now (runs in flight are lost; finished ones stay on disk). Never
        waits: a pool still being made is killed as soon as it is."""
        with self._lock:
            self._stopped = True
            if self._pool is not None:
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

"""A background thread that trains one algorithm on one env and publishes immutable snapshots.

The UI thread sends commands (start, pause, resume, step once, stop, reset,
new world, speed) and reads ``latest()``: a frozen ``Snapshot`` holding only
numbers, tuples and read-only numpy copies, swapped into one slot by a single
reference assignment, so a reader never sees a half-written one. The thread
owns every torch object. Nothing here imports torch until the thread starts.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from agents.registry import check_algorithm, check_env
from gridsim.inspection import Inspection
from gridsim.progress import Progress
from gridsim.world import World

STATUSES = ("idle", "running", "paused", "finished", "failed")
RETURNS_SHOWN = 1000


_IMPORT_LOCK = threading.Lock()


def import_torch_side() -> None:
    """Import torch and the learner, one thread at a time.

    Several trainer threads may start at once; torch's first import (and first use right
    after it) is not safe to race, so every thread that needs them comes through here.
    """
    with _IMPORT_LOCK:
        import torch  # noqa: F401

        import agents.learner  # noqa: F401


@dataclass(frozen=True)
class Snapshot:
    """Everything the UI shows about a training run, after one update (read-only)."""

    update: int
    """Updates done so far."""
    env_steps: int
    """Real environment transitions collected so far."""
    wall_s: float
    """Seconds spent training (pauses and the speed-control delay excluded)."""
    steps_per_s: float
    status: str
    """"idle" | "running" | "paused" | "finished" | "failed"."""
    message: str
    """Human-readable: the error when failed, "solved at N steps", ..."""
    solved: bool
    episode_returns: tuple[float, ...]
    """The last <= 1000 finished training-episode returns (undiscounted), oldest first."""
    mean_returns: tuple[float, ...]
    """The mean return of the episodes finished per ``returns_stride`` updates (nan if none),
    oldest first: the whole run in at most ~2000 points (agents.history)."""
    losses: tuple[tuple[str, float], ...]
    """The last update's losses by name, e.g. (("policy", x), ("value", y))."""
    entropy: float
    """Mean entropy of pi(.|s) over the last batch's states."""
    pi: np.ndarray | None
    """Gridworld: pi(a|s) [S, 5], read-only; None on CartPole."""
    trajectories: tuple = ()
    """Gridworld: a few whole episodes of the last batch (gridsim.trajectory.Trajectory)."""
    policy_weights: tuple[np.ndarray, ...] | None = None
    """CartPole: (W0, b0, W1, b1, ...) read-only, nn.Linear layout (out, in); see numpy_policy."""
    algo: str = ""
    env: str = ""
    world: World | None = None
    """Gridworld: the world this snapshot's pi was learned on."""
    mean_return_100: float = float("nan")
    """Mean of the last 100 finished episodes' returns."""
    hyperparameters: tuple[tuple[str, object], ...] = field(default=())
    """The run's hyper-parameters, by name."""
    returns_stride: int = 1
    """Updates per point of ``mean_returns``."""
    inspection: Inspection | None = None
    """The last update's inspection (batch, weights, change of pi, ...) and the run's metric
    history, bounded (gridsim.inspection); None before the first update."""
    progress: Progress | None = None
    """Gridworld: optimal states k / N, the greedy policy's value gap and the states not yet
    optimal (gridsim.progress), after the last update; None on CartPole or before it."""


def _read_only(array: np.ndarray | None) -> np.ndarray | None:
    if array is None:
        return None
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


def empty_snapshot(algo: str, env: str, world, status: str, message: str) -> Snapshot:
    """The snapshot of a run that has not updated yet."""
    return Snapshot(
        update=0,
        env_steps=0,
        wall_s=0.0,
        steps_per_s=0.0,
        status=status,
        message=message,
        solved=False,
        episode_returns=(),
        mean_returns=(),
        losses=(),
        entropy=float("nan"),
        pi=None,
        algo=algo,
        env=env,
        world=world,
    )


class Trainer:
    """Runs ``algo`` on ``env`` in a daemon thread; every method is safe to call from any thread."""

    def __init__(
        self,
        env: str,
        algo: str,
        *,
        world: World | None = None,
        seed: int = 0,
        overrides: dict | None = None,
        max_steps: int | None = None,
        stop_when_solved: bool = True,
        num_threads: int = 1,
    ):
        self.env = check_env(env)
        self.algo = check_algorithm(algo)
        self.world = world
        self.seed = seed
        self.overrides = dict(overrides or {})
        self.max_steps = max_steps
        self.stop_when_solved = stop_when_solved
        self.num_threads = num_threads
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._delay = 0.0
        self._stopping = threading.Event()
        self._latest = self._empty_snapshot("idle", "ready")

    # ----- commands (UI thread) -----
    def start(self) -> None:
        """Start (or resume) training."""
        self._send("resume")

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def step_once(self) -> None:
        """Do exactly one update, then pause."""
        self._send("step")

    def reset(self) -> None:
        """Start over with a fresh policy and the same settings (paused unless running)."""
        self._send("reset")

    def set_world(self, world: World, *, keep_policy: bool) -> None:
        """Train on ``world`` from the next update on. keep_policy keeps the learned logits
        when the number of states is unchanged; otherwise training starts over."""
        self._send(("world", world, keep_policy))

    def set_delay(self, seconds: float) -> None:
        """Sleep this long between updates (to watch slowly); 0 is full speed."""
        self._delay = max(0.0, float(seconds))

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the thread and wait for it (at most ``timeout`` seconds)."""
        with self._thread_lock:
            thread = self._thread
        if thread is None:
            return
        self._stopping.set()  # interrupts a rollout in progress
        self._commands.put("stop")
        thread.join(timeout)

    def latest(self) -> Snapshot:
        """The newest snapshot (a plain attribute read: lock-free)."""
        return self._latest

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _send(self, command) -> None:
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._commands = queue.SimpleQueue()
                self._stopping = threading.Event()
                self._thread = threading.Thread(
                    target=self._main, name=f"trainer-{self.algo}-{self.env}", daemon=True
                )
                self._commands.put(command)
                self._thread.start()
                return
        self._commands.put(command)

    # ----- the training thread -----
    def _main(self) -> None:
        run = None
        try:
            import_torch_side()
            import torch

            torch.set_num_threads(self.num_threads)
            commands = self._commands
            self._publish(None, "paused", "loading")
            run, status, message = self._build(None, keep_policy=False, status="paused")
            self._publish(run, status, message)
            next_due = 0.0
            while True:
                wait = next_due - time.monotonic() if status == "running" else None
                try:
                    if wait is not None and wait <= 0:
                        command = commands.get_nowait()
                    else:
                        command = commands.get(timeout=wait)
                except queue.Empty:
                    command = None
                if command == "stop":
                    break
                if command is not None:
                    run, status, message = self._handle(command, run, status)
                    self._publish(run, status, message)
                elif status == "running" and run is not None:
                    status, message = self._train_one(run, status)
                    self._publish(run, status, message)
                    next_due = time.monotonic() + self._delay
        except BaseException as e:  # never die silently: the UI shows the failure
            self._publish(run, "failed", _describe(e))
            return
        self._publish(run, "idle", "stopped")

    def _handle(self, command, run, status):
        """Apply one command between updates: (run, status, message)."""
        if command == "pause":
            return run, ("paused" if status == "running" else status), "paused"
        if command == "resume":
            if run is None or status == "failed":
                return run, status, self._latest.message
            return run, "running", "running"
        if command == "step":
            if run is None or status == "failed":
                return run, status, self._latest.message
            status, message = self._train_one(run, "paused")
            return run, status, message
        if command == "reset":
            keep = "running" if status == "running" else "paused"
            return self._build(None, keep_policy=False, status=keep, old=run)
        if isinstance(command, tuple) and command[0] == "world":
            _, world, keep_policy = command
            if self.env != "gridworld":
                return run, status, "a world only applies to the gridworld"
            self.world = world
            keep = "running" if status == "running" else "paused"
            return self._build(run, keep_policy=keep_policy, status=keep, old=run)
        return run, status, f"unknown command {command!r}"

    def _build(self, previous, *, keep_policy: bool, status: str, old=None):
        """A fresh Run (optionally carrying over the previous policy): (run, status, message)."""
        from agents.learner import Run

        if old is not None:
            old.close()
        try:
            run = Run(
                self.env, self.algo, world=self.world, seed=self.seed, overrides=self.overrides
            )
        except Exception as e:
            return None, "failed", _describe(e)
        run.agent.collector.interrupt = self._stopping
        message = "ready"
        if keep_policy and previous is not None:
            if _carry_over(previous, run):
                message = "world changed; policy kept"
            else:
                message = "world changed; the number of states changed, so training starts over"
        return run, status, message

    def _train_one(self, run, status: str):
        """One update; returns (status, message) after it."""
        from agents.rollout import Interrupted

        try:
            run.update()
        except Interrupted:
            return "paused", "stopping"
        except Exception as e:
            return "failed", _describe(e)
        just_solved = run.solved and run.solved_at_steps == run.env_steps
        if just_solved and self.stop_when_solved and status == "running":
            return "finished", f"solved at {run.solved_at_steps} steps"
        if self.max_steps is not None and run.env_steps >= self.max_steps:
            return "finished", f"step budget reached ({run.env_steps} steps)"
        if run.solved:
            return status, f"solved at {run.solved_at_steps} steps"
        return status, "running"

    # ----- snapshots -----
    def _empty_snapshot(self, status: str, message: str) -> Snapshot:
        return empty_snapshot(self.algo, self.env, self.world, status, message)

    def _publish(self, run, status: str, message: str) -> None:
        if run is None:
            self._latest = self._empty_snapshot(status, message)
            return
        last = run.last
        from agents.config import config_to_dict

        self._latest = Snapshot(
            update=run.updates,
            env_steps=run.env_steps,
            wall_s=run.wall_s,
            steps_per_s=run.env_steps / run.wall_s if run.wall_s > 0 else 0.0,
            status=status,
            message=message,
            solved=run.solved,
            episode_returns=tuple(run.episode_returns),
            mean_returns=run.returns.values(),
            returns_stride=run.returns.stride,
            losses=last.losses if last else (),
            entropy=last.entropy if last else float("nan"),
            pi=_read_only(run.pi()),
            trajectories=run.recent_trajectories(),
            policy_weights=(
                None
                if run.world is not None
                else tuple(_read_only(w) for w in run.policy_weights())
            ),
            algo=self.algo,
            env=self.env,
            world=run.world,
            mean_return_100=run.recent_mean_return(),
            hyperparameters=tuple(
                (k, tuple(v) if isinstance(v, list) else v)
                for k, v in config_to_dict(run.config).items()
            ),
            inspection=Inspection(run.inspection(), run.metrics.series()),
            progress=run.progress,
        )


def _carry_over(previous, run) -> bool:
    """Copy the learned parameters of ``previous`` into ``run`` where shapes match."""
    old, new = previous.agent.modules(), run.agent.modules()
    if old.keys() != new.keys():
        return False
    pairs = [(old[k].state_dict(), new[k]) for k in new]
    for state, module in pairs:
        mine = module.state_dict()
        if state.keys() != mine.keys() or any(state[k].shape != mine[k].shape for k in mine):
            return False
    for state, module in pairs:
        module.load_state_dict(state)
    return True


def _describe(error: BaseException) -> str:
    """One line for the status bar."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        text if isinstance(error, ValueError | RuntimeError) else f"{type(error).__name__}: {text}"
    )

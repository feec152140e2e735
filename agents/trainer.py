"""A background thread that trains one algorithm on one env and publishes immutable snapshots.

The UI thread sends commands (start, pause, resume, step once, stop, reset,
new world, speed) and reads ``latest()``: a frozen ``Snapshot`` holding only
numbers, tuples and read-only numpy copies, swapped into one slot by a single
reference assignment, so a reader never sees a half-written one. The thread
owns every torch object. Nothing here imports torch until the thread starts.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from agents.agent_file import AgentFileReport
from agents.policy_history import Timeline
from agents.preference_view import PreferenceView
from agents.registry import check_algorithm, check_env
from gridsim.inspection import Inspection
from gridsim.progress import Progress
from gridsim.world import World

STATUSES = ("idle", "running", "paused", "finished", "failed")
RETURNS_SHOWN = 1000
WAITING = "waiting for labels"
"""The message of a running "human" preference run that has no labels yet."""
WAIT_S = 0.1
"""How often a run waiting for labels looks again (a new label wakes it at once)."""
RATE_WINDOW_S = 3.0
"""steps_per_s is measured over the updates of the last this many seconds (at least two)."""
PUBLISH_EVERY_S = 0.04
"""While running at full speed, a snapshot is built at most this often (the UI reads 25 a
second): with small updates (VPG on a 10x10 maze: ~10 ms each) building one per update
(trajectories, inspection, progress) took a fifth of the training time. A change of status
or message, a command and a step are always published at once."""


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
    """The real rate of the last few seconds of running, env steps per wall-clock second
    (the pace's waits included: what the user sees); nan while not running."""
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
    timeline: Timeline | None = None
    """The updates whose policy is kept (agents.policy_history), and the one the UI asked to
    see with ``show_update`` (None: the live policy)."""
    agent_file: AgentFileReport | None = None
    """The outcome of the last ``open_agent`` / ``save_agent`` command."""
    preferences: PreferenceView | None = None
    """dpo, kto, rlhf: labels used, the last update's metrics and their history, pi_ref, beta,
    and r_phi for rlhf (agents.preference_view); None for the other algorithms."""


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
        steps_per_s=float("nan"),
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
        self._history = None  # the published run's PolicyHistory (read by show_update)
        self._shown: int | None = None
        self._report: AgentFileReport | None = None
        self._rate: deque[tuple[float, int]] = deque(maxlen=64)  # (time, env steps) of updates
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
        """Start updates at least this many seconds apart (the pace: 0.33 is three updates a
        second when an update takes less); 0 is full speed. Applies from the next update."""
        self._delay = max(0.0, float(seconds))

    def open_agent(self, path, token: int = 0) -> None:
        """Replace the run by the agent in ``path`` (an ``agent.pt``): its algorithm, world,
        seed, hyper-parameters, policy, progress and history; then paused. The outcome comes
        back as the snapshot's ``agent_file`` report; a file for another env is refused."""
        self._send(("open_agent", str(path), int(token)))

    def save_agent(self, path, token: int = 0) -> None:
        """Write the current run to ``path`` (the format ``train`` writes), between updates."""
        self._send(("save_agent", str(path), int(token)))

    def show_update(self, update: int | None) -> None:
        """Publish the kept policy nearest ``update`` in the snapshot's ``timeline`` (None: stop).

        Answered at once from any thread, not queued behind an update: scrubbing must
        follow the mouse, and a CartPole update can take a few hundred milliseconds. It only
        reads the history, which has its own lock.
        """
        self._shown = None if update is None else int(update)
        history = self._history
        if history is not None:
            self._latest = replace(self._latest, timeline=history.timeline(self._shown))

    def add_preferences(self, pairs=(), judgements=()) -> None:
        """Give the run labels (gridsim.preferences.Pair / Judgement): kept, and all trained on
        from the next update (a "human" run waits for its first). All or none are taken: a bad
        one leaves the run's labels as they were and says why in the message. ``reset`` and a
        new trainer start without labels; a world edit keeps those that still fit."""
        self._send(("preferences", tuple(pairs), tuple(judgements)))

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
            published = 0.0  # when the last update was published (monotonic seconds)
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
                    started = time.monotonic()
                    before = self._latest
                    status, message = self._train_one(run, status)
                    if (
                        status != before.status
                        or message != before.message
                        or self._delay > 0
                        or time.monotonic() - published >= PUBLISH_EVERY_S
                    ):
                        self._publish(run, status, message)
                        published = time.monotonic()
                    waiting = message.startswith(WAITING)
                    # the pace: one update per delay, from the start of this one; a run
                    # waiting for labels looks again after WAIT_S
                    next_due = max(
                        started + self._delay, time.monotonic() + (WAIT_S if waiting else 0.0)
                    )
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
            # paused after the step: "running" under "paused" in the status lines misleads
            return run, status, ("paused" if message == "running" else message)
        if command == "reset":
            keep = "running" if status == "running" else "paused"
            return self._build(None, keep_policy=False, status=keep, old=run)
        if isinstance(command, tuple) and command[0] == "open_agent":
            return self._open(run, status, *command[1:])
        if isinstance(command, tuple) and command[0] == "save_agent":
            return self._save(run, status, *command[1:])
        if isinstance(command, tuple) and command[0] == "preferences":
            return run, status, _add_preferences(run, command[1], command[2], self.algo)
        if isinstance(command, tuple) and command[0] == "world":
            _, world, keep_policy = command
            if self.env != "gridworld":
                return run, status, "a world only applies to the gridworld"
            self.world = world
            keep = "running" if status == "running" else "paused"
            return self._build(run, keep_policy=keep_policy, status=keep, old=run)
        return run, status, f"unknown command {command!r}"

    def _open(self, run, status: str, path: str, token: int):
        """The open_agent command: (run, status, message)."""
        from agents.checkpoint import CheckpointError, describe, read_agent, run_from_payload
        from agents.config import config_to_dict

        name = Path(path).name
        try:
            payload = read_agent(path)
            if payload["env"] != self.env:
                message = f"{name} holds {describe(payload)}: a {payload['env']} agent"
                self._report = AgentFileReport(token, "open", False, path, message, payload["env"])
                return run, status, message
            opened = run_from_payload(payload, name)
        except CheckpointError as e:
            self._report = AgentFileReport(token, "open", False, path, str(e))
            return run, status, str(e)
        except Exception as e:  # noqa: BLE001 - a file must never take the trainer down
            message = f"{name}: could not open ({_describe(e)})"
            self._report = AgentFileReport(token, "open", False, path, message)
            return run, status, message
        if run is not None:
            run.close()
        opened.agent.collector.interrupt = self._stopping
        self.algo, self.world, self.seed = opened.algo, opened.world, opened.seed
        self.overrides = {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in config_to_dict(opened.config).items()
        }
        self._shown = None
        message = f"opened {name}: {describe(payload)}"
        self._report = AgentFileReport(
            token, "open", True, path, message, opened.env_name, opened.seed
        )
        return opened, "paused", message

    def _save(self, run, status: str, path: str, token: int):
        """The save_agent command: (run, status, message)."""
        from agents.checkpoint import save_agent

        name = Path(path).name
        if run is None:
            message = "nothing to save yet: train first"
            self._report = AgentFileReport(token, "save", False, path, message)
            return run, status, message
        try:
            save_agent(run, path)
        except Exception as e:  # noqa: BLE001 - OSError, a folder in the way, ...: never fatal
            reason = e.strerror if isinstance(e, OSError) and e.strerror else _describe(e)
            message = f"could not save {name}: {reason}"
            self._report = AgentFileReport(token, "save", False, path, message, run.env_name)
            return run, status, message
        message = f"saved {name} (update {run.updates})"
        self._report = AgentFileReport(token, "save", True, path, message, run.env_name, run.seed)
        return run, status, message

    def _build(self, previous, *, keep_policy: bool, status: str, old=None):
        """A fresh Run (optionally carrying over the previous policy): (run, status, message)."""
        from agents.learner import Run

        if old is not None:
            old.close()
        self._rate.clear()
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
        if previous is not None:
            message += _carry_labels(previous, run)
        return run, status, message

    def _train_one(self, run, status: str):
        """One update; returns (status, message) after it."""
        from agents.preference_agent import WaitingForLabels
        from agents.rollout import Interrupted

        try:
            run.update()
        except Interrupted:
            return "paused", "stopping"
        except WaitingForLabels as e:
            return status, str(e)
        except Exception as e:
            return "failed", _describe(e)
        just_solved = run.solved and run.solved_at_steps == run.env_steps
        if just_solved and self.stop_when_solved and status == "running":
            return "finished", f"solved at {run.solved_at_steps} steps"
        if self.max_steps is not None and run.env_steps >= self.max_steps:
            return "finished", f"step budget reached ({run.env_steps} steps)"
        if run.solved:
            return status, f"solved at {run.solved_at_steps} steps"
        return status, status  # nothing to add to the status itself

    # ----- snapshots -----
    def _empty_snapshot(self, status: str, message: str) -> Snapshot:
        return replace(
            empty_snapshot(self.algo, self.env, self.world, status, message),
            agent_file=self._report,
        )

    def _steps_per_s(self, run, status: str) -> float:
        """The real rate over the updates of the last RATE_WINDOW_S seconds of running."""
        rate = self._rate
        if status != "running":
            rate.clear()
            return math.nan
        now = time.monotonic()
        if not rate or rate[-1][1] != run.env_steps:
            rate.append((now, run.env_steps))
        while len(rate) > 2 and now - rate[0][0] > RATE_WINDOW_S:
            rate.popleft()
        if len(rate) < 2 or rate[-1][0] <= rate[0][0]:
            return math.nan
        return (rate[-1][1] - rate[0][1]) / (rate[-1][0] - rate[0][0])

    def _publish(self, run, status: str, message: str) -> None:
        if run is None:
            self._history = None
            self._rate.clear()
            self._latest = self._empty_snapshot(status, message)
            return
        self._history = run.policies
        last = run.last
        from agents.config import config_to_dict

        self._latest = Snapshot(
            update=run.updates,
            env_steps=run.env_steps,
            wall_s=run.wall_s,
            steps_per_s=self._steps_per_s(run, status),
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
            timeline=run.policies.timeline(self._shown),
            agent_file=self._report,
            preferences=run.preference_view(),
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


def _add_preferences(run, pairs, judgements, algo: str) -> str:
    """Hand labels to the run's learner; the message says how many it holds, or why not."""
    add = getattr(run.agent, "add_preferences", None) if run is not None else None
    if add is None:
        return f"{algo} does not learn from preferences" if run is not None else "no run"
    try:
        held = add(pairs, judgements)
    except ValueError as e:
        return f"labels refused: {_describe(e)}"
    return f"{held} labels"


def _carry_labels(previous, run) -> str:
    """Give the new run the labels of the previous one that still fit its world: '' if there
    were none, else a note for the message."""
    old, new = getattr(previous.agent, "labels", None), getattr(run.agent, "labels", None)
    if old is None or new is None or not (old.pairs or old.judgements):
        return ""
    run.agent.budget = previous.agent.budget  # the policy is kept: so is what it still owes
    kept = 0
    for p in old.pairs:
        kept += _try_add(run, [p], [])
    for j in old.judgements:
        kept += _try_add(run, [], [j])
    dropped = len(old.pairs) + len(old.judgements) - kept
    return f"; {kept} labels kept" + (f", {dropped} no longer fit" if dropped else "")


def _try_add(run, pairs, judgements) -> int:
    try:
        run.agent.labels.add(pairs, judgements)
    except ValueError:
        return 0
    return 1


def _describe(error: BaseException) -> str:
    """One line for the status bar."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        text if isinstance(error, ValueError | RuntimeError) else f"{type(error).__name__}: {text}"
    )

"""The Trainer's interface with the training in a child process, for the app.

Why a process and not a thread: training CartPole is mostly Python (the numpy vector
env, small torch calls), so it needs the GIL, and so does drawing. Measured on a 2-core
machine, a UI that holds the GIL for 3 ms of every 16.7 ms frame cut a trainer thread to
0.57x its solo speed. In its own process the trainer has a core to itself and the UI
process never imports torch.

The child runs an ordinary ``agents.trainer.Trainer``; commands go down a queue and the
newest snapshot comes back up another (pickled, at most every ``PUBLISH_S`` seconds).
This module itself imports neither torch nor pygame.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from dataclasses import replace

from agents.agent_file import AgentFileReport
from agents.registry import check_algorithm, check_env
from agents.trainer import Snapshot, empty_snapshot

PUBLISH_S = 0.04
"""How often the child may send a snapshot (25 a second: plenty for drawing)."""
TERMINATE_GRACE_S = 0.1
"""How long a child gets to end after SIGTERM before it is killed. A stopped (SIGSTOPped)
child never acts on SIGTERM; left alive it would be orphaned, and multiprocessing's exit
handler would wait for it forever."""
KILL_WAIT_S = 1.0
"""How long to wait for the kernel to reap a SIGKILLed child."""


class ProcessTrainer:
    """Same methods and snapshots as ``agents.trainer.Trainer``; training runs in a child process.

    The child starts with the first command (start, step_once, ...), so building one is
    cheap. ``stop()`` ends the child within ``timeout`` seconds (terminating it, then
    killing it, if need be).
    """

    def __init__(self, env: str, algo: str, **kwargs):
        self.env = check_env(env)
        self.algo = check_algorithm(algo)
        self._kwargs = kwargs
        self._latest = empty_snapshot(self.algo, self.env, kwargs.get("world"), "idle", "ready")
        self._context = multiprocessing.get_context("spawn")
        self._process = None
        self._commands = None
        self._receiver: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._delay: float | None = None

    # ----- commands -----
    def start(self) -> None:
        self._send("start")

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def step_once(self) -> None:
        self._send("step_once")

    def reset(self) -> None:
        self._send("reset")

    def set_world(self, world, *, keep_policy: bool) -> None:
        self._send("set_world", world, keep_policy=keep_policy)

    def set_delay(self, seconds: float) -> None:
        self._delay = max(0.0, float(seconds))
        self._send("set_delay", self._delay, launch=False)

    def open_agent(self, path, token: int = 0) -> None:
        self._send("open_agent", str(path), int(token))

    def save_agent(self, path, token: int = 0) -> None:
        if self._process is None:  # nothing has trained: answer here, not in a new child
            message = "nothing to save yet: train first"
            report = AgentFileReport(int(token), "save", False, str(path), message)
            self._latest = replace(self._latest, agent_file=report)
            return
        self._send("save_agent", str(path), int(token))

    def show_update(self, update: int | None) -> None:
        self._send("show_update", update, launch=False)

    def add_preferences(self, pairs=(), judgements=()) -> None:
        self._send("add_preferences", tuple(pairs), tuple(judgements))

    def latest(self) -> Snapshot:
        return self._latest

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the child to stop, wait at most ``timeout`` seconds, then terminate it."""
        with self._lock:
            process, receiver = self._process, self._receiver
            self._stopping.set()
            if process is None:
                return
            try:
                self._commands.put(("stop", (), {}))
            except (OSError, ValueError):
                pass
        process.join(max(0.0, timeout * 0.8))
        if process.is_alive():
            process.terminate()
            process.join(TERMINATE_GRACE_S)
        if process.is_alive():  # frozen (SIGSTOPped) or ignoring SIGTERM: SIGKILL still works
            process.kill()
            process.join(KILL_WAIT_S)
        if receiver is not None:
            receiver.join(max(0.0, timeout * 0.2))

    # ----- plumbing -----
    def _send(self, name: str, *args, launch: bool = True, **kwargs) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            if self._process is None:
                if not launch:
                    return
                self._launch()
            self._commands.put((name, args, kwargs))

    def _launch(self) -> None:
        self._commands = self._context.Queue()
        snapshots = self._context.Queue()
        self._process = self._context.Process(
            target=_child_main,
            args=(self.env, self.algo, self._kwargs, self._commands, snapshots),
            name=f"trainer-{self.algo}-{self.env}",
            daemon=True,
        )
        self._process.start()
        # until the child publishes (it spawns and imports torch: seconds), the status line
        # says "starting", not "idle" after the Run or Step that launched it
        self._latest = replace(self._latest, status="paused", message="loading")
        if self._delay is not None:
            self._commands.put(("set_delay", (self._delay,), {}))
        self._receiver = threading.Thread(
            target=self._receive, args=(snapshots,), name="trainer-receiver", daemon=True
        )
        self._receiver.start()

    def _receive(self, snapshots) -> None:
        """Keep ``_latest`` at the newest snapshot; report a child that died on its own."""
        process = self._process
        while True:
            try:
                self._latest = snapshots.get(timeout=0.1)
                continue
            except queue.Empty:
                pass
            except (EOFError, OSError):
                break
            if not process.is_alive():
                break
        if not self._stopping.is_set() and self._latest.status != "failed":
            code = process.exitcode
            self._latest = replace(
                self._latest,
                status="failed",
                message=f"the training process ended unexpectedly (exit code {code})",
            )


def _child_main(env, algo, kwargs, commands, snapshots) -> None:
    """In the child: run a Trainer, apply commands, send snapshots when they change."""
    from agents.trainer import Trainer

    trainer = Trainer(env, algo, **kwargs)
    parent = multiprocessing.parent_process()
    last = None
    while parent is None or parent.is_alive():
        try:
            name, args, kw = commands.get(timeout=PUBLISH_S)
        except queue.Empty:
            name = None
        if name == "stop":
            break
        if name is not None:
            getattr(trainer, name)(*args, **kw)
        snapshot = trainer.latest()
        if snapshot is not last:
            snapshots.put(snapshot)
            last = snapshot
    trainer.stop(timeout=0.5)
    snapshots.put(trainer.latest())
    snapshots.close()
    snapshots.join_thread()
    os._exit(0)  # skip torch's slow interpreter teardown: nothing here is left to flush

"""The app's trainer runs in a child process but behaves like the Trainer: commands, snapshots,
failures as statuses, and a prompt stop."""

import os
import signal
import subprocess
import sys
import time

import pytest

from agents.process_trainer import ProcessTrainer
from gridsim.world import default_world
from tests.conftest import ROOT


def wait_for(trainer, condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = trainer.latest()
        if condition(snap):
            return snap
        time.sleep(0.05)
    raise AssertionError(f"condition not met; last snapshot: {trainer.latest()}")


def test_trains_in_a_child_and_publishes_gridworld_snapshots():
    trainer = ProcessTrainer("gridworld", "ppo", world=default_world(), seed=0)
    assert trainer.latest().status == "idle" and not trainer.alive
    trainer.start()
    try:
        # while the child starts (seconds: it imports torch) the status is no longer idle
        assert trainer.latest().status != "idle"
        snap = wait_for(trainer, lambda s: s.update >= 2)
        assert snap.pi.shape == (9, 5) and snap.world == default_world()
        trainer.pause()
        paused = wait_for(trainer, lambda s: s.status in ("paused", "finished"))
        trainer.step_once()
        wait_for(trainer, lambda s: s.update > paused.update)
    finally:
        trainer.stop(timeout=1.0)
    assert not trainer.alive


def test_bad_hyper_parameter_becomes_a_failed_status():
    trainer = ProcessTrainer("gridworld", "ppo", overrides={"lr": -1.0})
    trainer.start()
    try:
        snap = wait_for(trainer, lambda s: s.status == "failed")
        assert "lr" in snap.message
    finally:
        trainer.stop()


def test_a_child_that_dies_is_reported_not_hidden():
    trainer = ProcessTrainer("gridworld", "vpg")
    trainer.start()
    try:
        wait_for(trainer, lambda s: s.update >= 1)
        os.kill(trainer._process.pid, signal.SIGKILL)
        snap = wait_for(trainer, lambda s: s.status == "failed", timeout=10)
        assert "ended unexpectedly" in snap.message
    finally:
        trainer.stop()


def test_unknown_algorithm_is_refused_at_once():
    with pytest.raises(ValueError, match="unknown algorithm"):
        ProcessTrainer("gridworld", "dqn")


def test_the_ui_process_never_imports_torch():
    code = (
        "import sys, time\n"
        "from agents.process_trainer import ProcessTrainer\n"
        "t = ProcessTrainer('gridworld', 'grpo'); t.start()\n"
        "deadline = time.monotonic() + 60\n"
        "while t.latest().update < 1 and time.monotonic() < deadline: time.sleep(0.05)\n"
        "t.stop()\n"
        "print(t.latest().update >= 1, 'torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split() == ["True", "False"], out.stderr


def test_a_frozen_child_is_killed_after_the_sigterm_grace_period():
    trainer = ProcessTrainer("gridworld", "vpg")
    trainer.start()
    wait_for(trainer, lambda s: s.update >= 1)
    process = trainer._process
    os.kill(process.pid, signal.SIGSTOP)  # frozen: SIGTERM stays pending forever
    started = time.monotonic()
    trainer.stop(timeout=0.5)
    assert not process.is_alive()
    assert process.exitcode == -signal.SIGKILL
    assert time.monotonic() - started < 3.0


def test_run_after_the_child_died_trains_in_a_fresh_child():
    from gridsim.app.trainer_link import Settings, TrainingController

    controller = TrainingController("gridworld", Settings(algo="vpg"))
    controller.run()
    try:
        first = controller.trainer
        wait_for(first, lambda s: s.update >= 1)
        os.kill(first._process.pid, signal.SIGKILL)
        wait_for(first, lambda s: s.status == "failed", timeout=10)
        controller.run()
        assert controller.trainer is not first
        wait_for(controller.trainer, lambda s: s.update >= 1 and s.status == "running")
    finally:
        controller.close()

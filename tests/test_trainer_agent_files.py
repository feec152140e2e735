"""The trainer opens and saves agent files and shows past policies, all reported through the
snapshot (the UI never touches torch)."""

import os

import numpy as np
import pytest

from agents.trainer import Trainer
from gridsim.world import World
from tests.test_trainer import wait_for


@pytest.fixture
def trainers():
    made = []

    def make(*args, **kwargs):
        made.append(Trainer(*args, **kwargs))
        return made[-1]

    yield make
    for t in made:
        t.stop()


def steps(trainer, n):
    """n updates, one at a time; the snapshot after each."""
    out = []
    for _ in range(n):
        before = trainer.latest().update
        trainer.step_once()
        out.append(wait_for(trainer, lambda s, b=before: s.update > b))
    return out


def report_for(trainer, token):
    return wait_for(trainer, lambda s: s.agent_file is not None and s.agent_file.token == token)


def test_a_saved_agent_opens_with_its_algorithm_world_and_policy(trainers, tmp_path):
    world = World(rows=4, cols=4, forbidden=(5,), targets=(15,), horizon=12)
    first = trainers("gridworld", "ppo", world=world, seed=3, overrides={"lr": 0.02})
    saved = steps(first, 3)[-1]
    first.save_agent(tmp_path / "agent.pt", token=1)
    assert report_for(first, 1).agent_file.ok

    second = trainers("gridworld", "reinforce")  # another algorithm, the default 3x3 world
    second.open_agent(tmp_path / "agent.pt", token=7)
    snap = report_for(second, 7)
    report = snap.agent_file
    assert report.ok and report.action == "open" and report.seed == 3
    assert "ppo on the 4x4 gridworld, update 3" in report.message
    assert (snap.algo, snap.world, snap.update, snap.status) == ("ppo", world, 3, "paused")
    assert dict(snap.hyperparameters)["lr"] == 0.02
    np.testing.assert_allclose(snap.pi, saved.pi)
    assert snap.timeline.updates == (1, 2, 3)
    after = steps(second, 1)[-1]  # training continues from it
    assert after.update == 4 and after.algo == "ppo"


def test_an_agent_for_the_other_env_is_refused_and_named(trainers, tmp_path):
    cart = trainers("cartpole", "rtg_pg")
    steps(cart, 1)
    cart.save_agent(tmp_path / "cart.pt", token=1)
    report_for(cart, 1)
    grid = trainers("gridworld", "vpg")
    before = steps(grid, 1)[-1]
    grid.open_agent(tmp_path / "cart.pt", token=2)
    snap = report_for(grid, 2)
    assert not snap.agent_file.ok and snap.agent_file.env == "cartpole"
    assert "holds rtg_pg on cartpole" in snap.agent_file.message
    assert (snap.algo, snap.update) == ("vpg", before.update)  # nothing changed


@pytest.mark.parametrize("kind", ["truncated", "hostile"])
def test_a_bad_file_is_refused_and_training_goes_on(trainers, tmp_path, kind):
    t = trainers("gridworld", "vpg")
    steps(t, 1)
    path = tmp_path / "agent.pt"
    marker = tmp_path / "created"
    if kind == "truncated":
        t.save_agent(path, token=1)
        report_for(t, 1)
        path.write_bytes(path.read_bytes()[:300])
    else:
        import pickle

        class Hostile:
            def __reduce__(self):
                return (os.system, (f"touch {marker}",))

        path.write_bytes(pickle.dumps(Hostile()))
    t.open_agent(path, token=2)
    snap = report_for(t, 2)
    assert not snap.agent_file.ok and "not a readable agent file" in snap.agent_file.message
    assert not marker.exists()
    assert snap.status != "failed"
    assert steps(t, 1)[-1].update == 2


def test_saving_where_no_file_can_be_written_says_so(trainers, tmp_path):
    t = trainers("gridworld", "vpg")
    steps(t, 1)
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    t.save_agent(tmp_path / "notes.txt" / "agent.pt", token=1)
    report = report_for(t, 1).agent_file
    assert not report.ok and report.message.startswith("could not save agent.pt")
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]  # nothing half-written anywhere


def test_show_update_publishes_the_policy_of_that_update(trainers):
    t = trainers("gridworld", "ppo")
    published = steps(t, 4)
    t.show_update(2)
    snap = wait_for(t, lambda s: s.timeline.shown is not None)
    assert snap.timeline.shown.update == 2
    np.testing.assert_allclose(snap.timeline.shown.pi, published[1].pi, atol=1e-6)
    assert snap.update == 4  # the live policy is still the newest
    t.show_update(None)
    assert wait_for(t, lambda s: s.timeline.shown is None).timeline.updates == (1, 2, 3, 4)


def test_saving_before_the_child_process_started_is_answered_at_once(tmp_path):
    """(Opening, saving and scrubbing through the child process are covered end to end by
    tests/test_app_agent_files.py.)"""
    from agents.process_trainer import ProcessTrainer

    trainer = ProcessTrainer("gridworld", "vpg")
    trainer.save_agent(tmp_path / "early.pt", token=1)
    report = trainer.latest().agent_file
    assert (report.token, report.ok) == (1, False)
    assert report.message == "nothing to save yet: train first"
    assert not trainer.alive and not (tmp_path / "early.pt").exists()

"""The Trainer thread: commands, snapshots, failures, reproducibility."""

import time

import numpy as np
import pytest

from agents.numpy_policy import mlp_probs
from agents.trainer import Snapshot, Trainer
from gridsim.world import Rewards, World


def wait_for(trainer, condition, timeout=30.0) -> Snapshot:
    """Poll latest() until condition(snapshot) holds (fails the test after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = trainer.latest()
        if condition(snap):
            return snap
        time.sleep(0.01)
    raise AssertionError(
        f"condition not reached; last snapshot: {trainer.latest().status} "
        f"{trainer.latest().message}"
    )


@pytest.fixture
def trainers():
    made = []

    def make(*args, **kwargs):
        made.append(Trainer(*args, **kwargs))
        return made[-1]

    yield make
    for t in made:
        t.stop()


def test_a_new_trainer_is_idle_and_has_no_thread(trainers):
    t = trainers("gridworld", "ppo")
    snap = t.latest()
    assert (snap.status, snap.update, snap.algo, snap.env) == ("idle", 0, "ppo", "gridworld")
    assert not t.alive


def test_start_pause_resume_stop(trainers):
    t = trainers("gridworld", "vpg", stop_when_solved=False)
    t.start()
    wait_for(t, lambda s: s.status == "running" and s.update >= 2)
    t.pause()
    paused = wait_for(t, lambda s: s.status == "paused")
    time.sleep(0.2)
    assert t.latest().update == paused.update  # no update while paused
    t.resume()
    wait_for(t, lambda s: s.status == "running" and s.update > paused.update)
    t.stop(timeout=1.0)
    assert not t.alive
    assert t.latest().status == "idle"


def test_stop_joins_a_running_cartpole_trainer(trainers):
    t = trainers("cartpole", "ppo")
    t.start()
    wait_for(t, lambda s: s.update >= 1)
    t.stop(timeout=1.0)
    assert not t.alive


def test_step_once_does_exactly_one_update_then_pauses(trainers):
    t = trainers("gridworld", "reinforce")
    t.step_once()
    snap = wait_for(t, lambda s: s.update == 1)
    assert snap.status == "paused"
    t.step_once()
    snap = wait_for(t, lambda s: s.update == 2)
    time.sleep(0.1)
    assert t.latest().update == 2 and t.latest().status == "paused"


def test_gridworld_snapshot_holds_a_read_only_pi_table_and_trajectories(trainers):
    t = trainers("gridworld", "simple_pg")
    t.step_once()
    snap = wait_for(t, lambda s: s.update == 1)
    assert snap.pi.shape == (9, 5) and not snap.pi.flags.writeable
    np.testing.assert_allclose(snap.pi.sum(axis=1), 1.0)
    assert 1 <= len(snap.trajectories) <= 4
    traj = snap.trajectories[0]
    assert len(traj.states) == len(traj.actions) + 1 <= 21
    assert snap.policy_weights is None
    assert snap.episode_returns and len(snap.mean_returns) == 1
    assert dict(snap.losses)["policy"] == pytest.approx(dict(snap.losses)["policy"])
    with pytest.raises(AttributeError):
        snap.update = 5


def test_cartpole_snapshot_publishes_numpy_policy_weights(trainers):
    t = trainers("cartpole", "rtg_pg")
    t.step_once()
    snap = wait_for(t, lambda s: s.update == 1)
    assert snap.pi is None and snap.trajectories == () and snap.progress is None
    probs = mlp_probs(snap.policy_weights, np.zeros(4))
    assert probs.shape == (2,) and probs.sum() == pytest.approx(1.0)
    assert all(not w.flags.writeable for w in snap.policy_weights)


def test_a_bad_hyperparameter_gives_a_failed_status(trainers):
    t = trainers("gridworld", "ppo", overrides={"lr": "-1"})
    t.start()
    snap = wait_for(t, lambda s: s.status == "failed")
    assert "lr must be > 0" in snap.message
    assert t.alive  # the thread waits for a reset or a new world


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_nan_loss_stops_training_with_a_failed_status(trainers):
    # gridsim.limits refuses such rewards; forced in here to exercise the NaN guard itself
    huge = World()
    for name in ("boundary", "forbidden", "target", "other"):
        object.__setattr__(huge.rewards, name, 1e308)
    t = trainers("gridworld", "simple_pg", world=huge)
    t.start()
    snap = wait_for(t, lambda s: s.status == "failed")
    assert "loss is" in snap.message
    t.stop(timeout=1.0)
    assert not t.alive


def test_same_seed_gives_the_same_returns_curve(trainers):
    a = trainers("cartpole", "ppo", seed=7, max_steps=3000)
    b = trainers("cartpole", "ppo", seed=7, max_steps=3000)
    a.start()
    b.start()
    sa = wait_for(a, lambda s: s.status == "finished")
    sb = wait_for(b, lambda s: s.status == "finished")
    assert sa.update == sb.update >= 2
    np.testing.assert_array_equal(sa.mean_returns, sb.mean_returns)
    assert sa.episode_returns == sb.episode_returns


def test_training_finishes_when_solved(trainers):
    t = trainers("gridworld", "grpo")
    t.start()
    snap = wait_for(t, lambda s: s.status == "finished")
    assert snap.solved and snap.message.startswith("solved at")
    assert (snap.progress.optimal_states, snap.progress.n_states) == (9, 9)
    assert snap.progress.non_optimal == () and snap.progress.value_gap <= 1e-6


def test_the_snapshot_counts_the_states_whose_greedy_action_is_optimal(trainers):
    t = trainers("gridworld", "simple_pg")
    t.step_once()
    snap = wait_for(t, lambda s: s.update == 1)
    from gridsim.progress import ProgressTracker

    expected = ProgressTracker(snap.world).measure(snap.pi)
    assert snap.progress == expected
    assert snap.progress.optimal_states + len(snap.progress.non_optimal) == 9


def test_reset_starts_over_with_a_fresh_policy(trainers):
    t = trainers("gridworld", "vpg")
    for n in (1, 2, 3):
        t.step_once()
        wait_for(t, lambda s, n=n: s.update == n)
    t.reset()
    snap = wait_for(t, lambda s: s.update == 0 and s.message == "ready")
    np.testing.assert_allclose(snap.pi, 0.2)


def test_set_world_keeps_the_policy_when_the_size_is_unchanged(trainers):
    t = trainers("gridworld", "reinforce")
    for n in (1, 2):
        t.step_once()
        wait_for(t, lambda s, n=n: s.update == n)
    learned = t.latest().pi
    t.set_world(World(rewards=Rewards(other=-0.5)), keep_policy=True)
    snap = wait_for(t, lambda s: "policy kept" in s.message)
    np.testing.assert_allclose(snap.pi, learned, atol=1e-6)
    assert snap.world.rewards.other == -0.5
    t.set_world(World(rows=4, cols=4, forbidden=[5], targets=[15]), keep_policy=True)
    snap = wait_for(t, lambda s: "starts over" in s.message)
    assert snap.pi.shape == (16, 5)


def test_set_world_without_keeping_the_policy_starts_over(trainers):
    t = trainers("gridworld", "reinforce")
    t.step_once()
    wait_for(t, lambda s: s.update == 1)
    t.set_world(World(rewards=Rewards(other=-0.5)), keep_policy=False)
    snap = wait_for(t, lambda s: s.update == 0 and s.world.rewards.other == -0.5)
    np.testing.assert_allclose(snap.pi, 0.2)


def test_set_delay_slows_updates_but_stop_still_returns(trainers):
    t = trainers("gridworld", "rtg_pg", stop_when_solved=False)
    t.set_delay(5.0)
    t.start()
    wait_for(t, lambda s: s.update == 1)
    t.stop(timeout=1.0)
    assert not t.alive


def test_stop_interrupts_a_long_rollout(trainers):
    # one update would take many seconds (2 M steps; within gridsim.limits' memory budget):
    # stop must not wait for it
    t = trainers("cartpole", "simple_pg", overrides={"batch_steps": 2_000_000})
    t.start()
    wait_for(t, lambda s: s.status == "running")
    time.sleep(0.2)
    t.stop(timeout=1.0)
    assert not t.alive


def test_at_a_watching_pace_steps_per_s_is_the_real_rate_not_the_training_speed(trainers):
    """Three updates a second of 600 steps each: the status line's rate is what the user
    sees (about 1800 steps/s), not how fast an update runs (far more)."""
    t = trainers("gridworld", "rtg_pg", stop_when_solved=False, overrides={"batch_steps": 600})
    t.set_delay(1 / 3)
    t.start()
    first = wait_for(t, lambda s: s.update >= 2)
    t0 = time.monotonic()
    last = wait_for(t, lambda s: s.update >= first.update + 4)
    observed = (last.env_steps - first.env_steps) / (time.monotonic() - t0)
    assert 0.5 * observed < last.steps_per_s < 2 * observed
    assert last.steps_per_s < 0.5 * last.env_steps / last.wall_s
    t.pause()
    paused = wait_for(t, lambda s: s.status == "paused")
    assert np.isnan(paused.steps_per_s)  # not running: no rate


def test_after_step_the_message_does_not_say_running(trainers):
    t = trainers("gridworld", "reinforce", overrides={"batch_steps": 600})
    t.step_once()
    snap = wait_for(t, lambda s: s.update == 1)
    assert snap.status == "paused" and snap.message in ("paused", "")

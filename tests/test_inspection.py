"""The update inspector's numbers: each update's weights Phi_t, its gradient estimate, the
exact gradient it estimates, the change of pi, the critic, the ratios and GRPO's groups."""

import math
import pickle

import numpy as np
import pytest
import torch
from torch.distributions import Categorical

from agents.estimators import group_relative
from agents.learner import Run
from agents.trainer import Trainer
from gridsim.inspection import (
    RATIO_BINS,
    batch_gradient,
    cosine,
    episode_pieces,
    ratio_histogram,
)
from gridsim.pg_variance import exact_gradient
from gridsim.world import default_world

ALGOS = ("simple_pg", "rtg_pg", "reinforce", "vpg", "ppo", "grpo")
SMALL = {
    "simple_pg": {"batch_steps": 600, "num_envs": 32},
    "rtg_pg": {"batch_steps": 600, "num_envs": 32},
    "reinforce": {"batch_steps": 600, "num_envs": 32},
    "vpg": {"num_envs": 16, "n_steps": 24},
    "ppo": {"num_envs": 16, "n_steps": 24},
    "grpo": {"num_envs": 32},
}


def trained(algo, updates=3, seed=0, world=None):
    run = Run("gridworld", algo, seed=seed, overrides=SMALL[algo], world=world)
    for _ in range(updates):
        run.update()
    return run


@pytest.fixture(scope="module")
def runs():
    return {algo: trained(algo) for algo in ALGOS}


@pytest.mark.parametrize("algo", ALGOS)
def test_the_estimate_is_minus_the_gradient_of_the_algorithms_own_loss(runs, algo):
    """Autograd through agent.policy_loss (the code that trains) at the logits that
    collected the batch gives exactly the closed form the inspector shows."""
    run = runs[algo]
    ins, batch = run.inspection(), run.last.batch
    valid = batch.valid
    logits = torch.tensor(np.log(ins.pi_before), dtype=torch.float64, requires_grad=True)
    obs = torch.from_numpy(batch.obs[:-1][valid])
    actions = torch.from_numpy(batch.actions[valid])
    weights = torch.from_numpy(np.asarray(run.last.weights, dtype=np.float64)[valid])
    logp = Categorical(logits=logits[obs]).log_prob(actions)
    run.agent.policy_loss(logp, logp.detach(), weights).backward()
    np.testing.assert_allclose(ins.estimate, -logits.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_batch_gradient_of_one_step_pushes_its_action_up_by_phi_times_one_minus_pi():
    pi = np.full((9, 5), 0.2)
    g = batch_gradient(pi, np.array([4]), np.array([2]), np.array([1.5]))
    assert g[4, 2] == pytest.approx(1.5 * 0.8)
    assert np.allclose(g[4, [0, 1, 3, 4]], -1.5 * 0.2)
    assert np.count_nonzero(g[np.arange(9) != 4]) == 0


def test_the_exact_side_is_pg_variances_gradient_averaged_over_the_start_cells(runs):
    run = runs["simple_pg"]
    ins = run.inspection()
    world = run.world
    starts = world.start_states()
    expected = np.mean(
        [exact_gradient(world, ins.pi_before, s, world.horizon, world.gamma) for s in starts],
        axis=0,
    )
    np.testing.assert_allclose(ins.exact(world), expected, atol=1e-12)


def test_update_3_of_simple_pg_points_roughly_the_right_way():
    run = Run("gridworld", "simple_pg", seed=0)
    for _ in range(3):
        run.update()
    ins = run.inspection()
    assert ins.update == 3
    assert 0.5 < cosine(ins.estimate, ins.exact(run.world)) < 1.0  # noisy, but the right way


@pytest.mark.parametrize(
    "algo, expected",
    [
        ("simple_pg", lambda r, g: np.full(len(r), np.sum(r * g ** np.arange(len(r))))),
        (
            "rtg_pg",
            lambda r, g: np.cumsum((r * g ** np.arange(len(r)))[::-1])[::-1],
        ),
        (
            "reinforce",
            lambda r, g: np.array(
                [np.sum(r[t:] * g ** np.arange(len(r) - t)) for t in range(len(r))]
            ),
        ),
    ],
)
def test_phi_t_of_every_listed_episode_is_the_algorithms_weight(runs, algo, expected):
    run = runs[algo]
    ins = run.inspection()
    assert ins.trajectories
    for traj in ins.trajectories:
        assert not traj.cut_start and not traj.cut_end  # whole episodes
        r = traj.rewards.astype(np.float64)
        np.testing.assert_allclose(traj.weights, expected(r, run.world.gamma), rtol=1e-5)
        np.testing.assert_allclose(
            traj.logp, np.log(ins.pi_before[traj.states[:-1], traj.actions]), rtol=1e-5
        )


def test_delta_pi_is_the_change_from_before_to_after_the_update(runs):
    run = runs["rtg_pg"]
    ins = run.inspection()
    np.testing.assert_allclose(ins.pi_after, run.pi())
    np.testing.assert_allclose(ins.delta_pi, run.pi() - ins.pi_before)
    assert np.abs(ins.delta_pi).max() > 0
    np.testing.assert_allclose(ins.delta_pi.sum(axis=1), 0, atol=1e-12)


@pytest.mark.parametrize("algo", ["vpg", "ppo"])
def test_the_critic_and_its_advantages_are_reported_for_critic_algorithms(runs, algo):
    run = runs[algo]
    ins = run.inspection()
    np.testing.assert_allclose(ins.value_after, run.agent.value.table.detach().numpy())
    assert ins.value_before is not None and not np.allclose(ins.value_before, ins.value_after)
    batch, valid = run.last.batch, run.last.batch.valid
    s, a = batch.obs[:-1][valid], batch.actions[valid]
    raw = run.last.advantages[valid]
    visited = ins.advantage_count > 0
    assert ins.advantage_count.sum() == ins.n_steps
    s0, a0 = np.argwhere(visited)[0]
    assert ins.advantage_mean[s0, a0] == pytest.approx(raw[(s == s0) & (a == a0)].mean())
    assert np.all(np.isnan(ins.advantage_mean[~visited]))


def test_no_critic_no_critic_numbers(runs):
    assert runs["simple_pg"].inspection().value_before is None


@pytest.mark.parametrize("algo", ["ppo", "grpo"])
def test_ratios_clip_fraction_and_kl_of_a_clipped_algorithm(runs, algo):
    run = runs[algo]
    ins, result = run.inspection(), run.last
    rho = result.ratios
    assert rho.shape == (ins.n_steps,)
    assert ins.clip_fraction == pytest.approx(np.mean(np.abs(rho - 1) > ins.clip))
    assert ins.ratio_counts.sum() == ins.n_steps and len(ins.ratio_counts) == RATIO_BINS
    assert ins.approx_kl == pytest.approx(np.mean(rho - 1 - np.log(rho)), rel=1e-4)
    assert ins.kl_prev > 0
    # tabular: rho is pi_after / pi_before at the step's (s, a)
    batch = result.batch
    s, a = batch.obs[:-1][batch.valid], batch.actions[batch.valid]
    np.testing.assert_allclose(rho, ins.pi_after[s, a] / ins.pi_before[s, a], rtol=1e-4)
    traj = ins.trajectories[0]
    w = traj.weights.astype(np.float64)
    eps = ins.clip
    clipped = np.minimum(traj.ratios * w, np.clip(traj.ratios, 1 - eps, 1 + eps) * w)
    np.testing.assert_allclose(traj.clipped, clipped, rtol=1e-5)


def test_kl_to_the_previous_policy_is_exact_on_the_gridworld(runs):
    run = runs["simple_pg"]
    ins = run.inspection()
    batch = run.last.batch
    states = batch.obs[:-1][batch.valid]
    p, q = ins.pi_before[states], ins.pi_after[states]
    assert ins.kl_prev == pytest.approx(np.mean(np.sum(p * np.log(p / q), axis=1)), rel=1e-4)


def test_ratio_histogram_puts_outliers_in_the_end_bins():
    counts, edges = ratio_histogram(np.array([0.0, 1.0, 1.01, 5.0]), 0.2)
    assert counts[0] == 1 and counts[-1] == 1 and counts.sum() == 4
    assert edges[0] == pytest.approx(0.4) and edges[-1] == pytest.approx(1.6)


def test_grpo_groups_share_a_start_and_use_group_relative_advantages(runs):
    run = runs["grpo"]
    ins = run.inspection()
    size = run.agent.group_size
    assert ins.n_groups == run.env.num_envs // size == len(ins.groups)
    returns = run.last.rollout_returns
    adv = group_relative(returns, np.arange(len(returns)) // size)
    starts = run.last.batch.obs[0]
    for g, group in enumerate(ins.groups):
        assert np.all(starts[g * size : (g + 1) * size] == group.start)
        np.testing.assert_allclose(group.advantages, adv[g * size : (g + 1) * size])
        assert group.tied == bool(np.ptp(group.returns) == 0)
    assert all(t.group == t.env // size for t in ins.trajectories)


def test_a_converged_grpo_policy_has_only_tied_groups():
    world = default_world().with_changes(forbidden=frozenset(), target_terminal=True)
    run = Run("gridworld", "grpo", world=world, overrides={"num_envs": 16, "group_size": 4})
    # a deterministic policy: every rollout from one start has the same return
    run.agent.policy.logits.data[:] = torch.tensor(np.eye(5)[[1, 1, 2, 1, 1, 2, 1, 1, 1]] * 50)
    run.update()
    ins = run.inspection()
    assert ins.groups and all(g.tied for g in ins.groups)


def test_episode_pieces_follow_an_env_to_its_episodes_end():
    valid = np.array([[True, True], [True, False], [False, True], [True, True]])
    ends = np.array([[False, False], [True, False], [False, False], [False, False]])
    pieces = episode_pieces(valid, ends, fresh=False, limit=5)
    assert pieces == [(0, 0, 1, True, False), (1, 0, 0, True, True)]


def test_cartpole_updates_report_scalars_only():
    run = Run("cartpole", "ppo", overrides={"num_envs": 8, "n_steps": 32})
    run.update()
    ins = run.inspection()
    assert ins.pi_before is None and ins.trajectories == ()
    assert 0 <= ins.clip_fraction <= 1 and ins.ratio_counts.sum() == ins.n_steps
    assert math.isfinite(ins.approx_kl)


def test_the_snapshot_carries_inspection_and_metrics_and_stays_small():
    world = default_world().with_changes(rows=10, cols=10, forbidden=frozenset(), targets={99})
    trainer = Trainer("gridworld", "ppo", world=world, overrides=SMALL["ppo"])
    trainer.step_once()
    trainer.step_once()
    deadline = 200
    while trainer.latest().update < 2 and deadline:
        import time

        time.sleep(0.05)
        deadline -= 1
    snap = trainer.latest()
    trainer.stop()
    assert snap.inspection.last.update == 2
    metrics = snap.inspection.metrics
    assert metrics.updates == 2 and metrics.env_steps[-1] == snap.env_steps
    assert np.isfinite(metrics.series("approx_kl")).all()
    assert len(pickle.dumps(snap.inspection)) < 60_000

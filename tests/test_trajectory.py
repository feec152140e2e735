"""Trajectories and returns: the tutorial's worked examples, exactly."""

import numpy as np
import pytest

from gridsim.solvers import deterministic_policy, policy_value
from gridsim.trajectory import (
    Trajectory,
    discounted_return,
    follow_actions,
    sample_trajectory,
    sample_walkers,
)
from gridsim.world import default_world

UP, RIGHT, DOWN, LEFT, STAY = range(5)


def test_trajectory_s1_to_s9_has_return_1():
    tau = follow_actions(default_world(), 0, [RIGHT, DOWN, DOWN, RIGHT])
    assert tau.states.tolist() == [0, 1, 4, 7, 8]
    assert tau.rewards.tolist() == [0, 0, 0, 1]
    assert tau.ret == 1
    assert tau.return_equation() == "return = 0 + 0 + 0 + 1 = 1"
    assert tau.describe() == "s1 -a2,r=0-> s2 -a3,r=0-> s5 -a3,r=0-> s8 -a2,r=1-> s9"


def test_policy_through_forbidden_s7_has_return_0():
    tau = follow_actions(default_world(), 0, [DOWN, DOWN, RIGHT, RIGHT])
    assert tau.states.tolist() == [0, 3, 6, 7, 8]
    assert tau.rewards.tolist() == [0, -1, 0, 1]
    assert tau.ret == 0
    assert tau.return_equation() == "return = 0 - 1 + 0 + 1 = 0"


def test_staying_at_s9_forever_has_discounted_return_gamma3_over_1_minus_gamma():
    g = 0.9
    tau = follow_actions(default_world(), 0, [RIGHT, DOWN, DOWN, RIGHT] + [STAY] * 400)
    assert tau.discounted_return(g) == pytest.approx(g**3 / (1 - g), abs=1e-12)


def test_discounted_return_sums_gamma_powers():
    assert discounted_return([1, 2, 4], 0.5) == 1 + 1 + 1


def test_sampled_deterministic_policy_follows_its_arrows():
    pi = deterministic_policy([RIGHT, DOWN, DOWN, RIGHT, DOWN, DOWN, RIGHT, RIGHT, STAY])
    tau = sample_trajectory(default_world(), pi, horizon=6, rng=0)
    assert tau.states.tolist() == [0, 1, 4, 7, 8, 8, 8]
    assert tau.rewards.tolist() == [0, 0, 0, 1, 1, 1]


def test_stochastic_policy_at_s1_splits_between_right_and_down():
    w = default_world()
    pi = deterministic_policy([RIGHT, DOWN, DOWN, RIGHT, DOWN, DOWN, RIGHT, RIGHT, STAY])
    pi[0] = [0, 0.5, 0.5, 0, 0]
    states, actions, _, _ = sample_walkers(w, pi, np.zeros(4000, dtype=int), horizon=1, rng=3)
    share_right = (actions[:, 0] == RIGHT).mean()
    assert set(np.unique(actions[:, 0])) == {RIGHT, DOWN}
    assert 0.45 < share_right < 0.55


def test_mean_sampled_discounted_return_matches_exact_value():
    w = default_world()
    pi = np.random.default_rng(0).dirichlet(np.ones(5), size=w.n_states)
    _, _, rewards, _ = sample_walkers(w, pi, np.full(20000, 4), horizon=200, rng=1)
    g = w.gamma ** np.arange(200)
    estimate = (rewards * g).sum(axis=1)
    stderr = estimate.std() / np.sqrt(estimate.size)
    assert abs(estimate.mean() - policy_value(w, pi)[4]) < 5 * stderr


def test_episode_stops_at_a_terminal_target():
    w = default_world().with_changes(target_terminal=True)
    pi = deterministic_policy([RIGHT, DOWN, DOWN, RIGHT, DOWN, DOWN, RIGHT, RIGHT, STAY])
    tau = sample_trajectory(w, pi, horizon=10, rng=0)
    assert tau.states.tolist() == [0, 1, 4, 7, 8]
    assert tau.ret == 1


def test_trajectory_arrays_are_read_only():
    tau = Trajectory([0, 1], [RIGHT], [0.0])
    with pytest.raises(ValueError):
        tau.rewards[0] = 3

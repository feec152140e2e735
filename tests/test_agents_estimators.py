"""The weights of the policy gradient on tiny trajectories, against hand-computed values."""

import numpy as np
import pytest

from agents.estimators import (
    discount_from_start,
    episode_return,
    gae,
    group_relative,
    reward_to_go,
)


def col(*xs, dtype=float):
    """A [T, 1] column: one env."""
    return np.array(xs, dtype=dtype)[:, None]


def test_reward_to_go_of_the_tutorial_trajectory_s1_to_s9_is_1_everywhere():
    # s1 -a2-> s2 -a3-> s5 -a3-> s8 -a2-> s9: rewards 0, 0, 0, 1
    rewards, ends = col(0, 0, 0, 1), col(0, 0, 0, 1, dtype=bool)
    assert reward_to_go(rewards, ends)[:, 0].tolist() == [1, 1, 1, 1]


def test_discounted_reward_to_go_matches_hand_computation():
    rewards, ends = col(0, 0, 0, 1), col(0, 0, 0, 1, dtype=bool)
    got = reward_to_go(rewards, ends, gamma=0.9)[:, 0]
    np.testing.assert_allclose(got, [0.729, 0.81, 0.9, 1.0])


def test_reward_to_go_stops_at_episode_ends_and_skips_the_autoreset_step():
    # episode A: rewards 1, 2 (ends at t=1); t=2 is the autoreset step; episode B: 3, 4
    rewards = col(1, 2, 0, 3, 4)
    ends = col(0, 1, 0, 0, 1, dtype=bool)
    valid = col(1, 1, 0, 1, 1, dtype=bool)
    rtg = reward_to_go(rewards, ends)[:, 0]
    assert rtg[[0, 1, 3, 4]].tolist() == [3, 2, 7, 4]
    ret = episode_return(rewards, ends, valid)[:, 0]
    assert ret[[0, 1, 3, 4]].tolist() == [3, 3, 7, 7]


def test_episode_return_is_r_tau_for_every_step_and_discounted_from_the_start():
    rewards, ends = col(0, 0, 0, 1), col(0, 0, 0, 1, dtype=bool)
    valid = np.ones_like(ends)
    assert episode_return(rewards, ends, valid)[:, 0].tolist() == [1, 1, 1, 1]
    # the tutorial: staying at s9 after reaching it, gamma^3 for the first target reward
    np.testing.assert_allclose(episode_return(rewards, ends, valid, 0.9)[:, 0], [0.729] * 4)


def test_discount_from_start_restarts_the_clock_at_each_episode():
    rewards = col(1, 1, 0, 1, 1)
    ends = col(0, 1, 0, 0, 1, dtype=bool)
    valid = col(1, 1, 0, 1, 1, dtype=bool)
    got = discount_from_start(rewards, ends, valid, 0.5)[:, 0]
    np.testing.assert_allclose(got[[0, 1, 3, 4]], [1, 0.5, 1, 0.5])


def test_envs_are_independent_columns():
    rewards = np.array([[1.0, 10.0], [1.0, 20.0]])
    ends = np.array([[False, True], [True, True]])
    assert reward_to_go(rewards, ends).tolist() == [[2, 10], [1, 20]]


V = col(0.5, 0.4, 0.3, 0.2)
R = col(1, 1, 1)


def test_gae_matches_a_hand_computed_example():
    none = col(0, 0, 0, dtype=bool)
    adv = gae(R, V, none, none, gamma=0.9, lam=0.8)[:, 0]
    # deltas 0.86, 0.87, 0.88 (the last bootstraps V=0.2); gamma*lam = 0.72
    np.testing.assert_allclose(adv, [0.86 + 0.72 * (0.87 + 0.72 * 0.88), 0.87 + 0.72 * 0.88, 0.88])


def test_gae_gives_no_future_after_termination():
    term = col(0, 0, 1, dtype=bool)
    adv = gae(R, V, term, term, gamma=0.9, lam=0.8)[:, 0]
    np.testing.assert_allclose(adv, [0.86 + 0.72 * (0.87 + 0.72 * 0.7), 0.87 + 0.72 * 0.7, 0.7])


def test_gae_bootstraps_a_truncated_episode_from_its_final_observation():
    # truncated at t=1: obs[2] is the final observation (next-step autoreset), V = 0.3
    r, v = col(1, 1, 0), col(0.5, 0.4, 0.3, 9.0)
    term = col(0, 0, 0, dtype=bool)
    ends = col(0, 1, 0, dtype=bool)
    adv = gae(r, v, term, ends, gamma=0.9, lam=0.8)[:, 0]
    np.testing.assert_allclose(adv[:2], [0.86 + 0.72 * 0.87, 0.87])


def test_gae_with_lambda_1_is_reward_to_go_minus_the_baseline():
    rewards = col(0, 0, 0, 1)
    values = col(0.3, 0.2, 0.1, 0.4, 0.0)
    term = col(0, 0, 0, 1, dtype=bool)
    adv = gae(rewards, values, term, term, gamma=0.9, lam=1.0)
    expected = reward_to_go(rewards, term, 0.9) - values[:-1]
    np.testing.assert_allclose(adv, expected)


def test_gae_with_lambda_0_is_the_td_error():
    none = col(0, 0, 0, dtype=bool)
    adv = gae(R, V, none, none, gamma=0.9, lam=0.0)[:, 0]
    np.testing.assert_allclose(adv, [0.86, 0.87, 0.88])


def test_group_relative_advantages_match_hand_computation():
    adv = group_relative([1, 2, 3, 5, 5, 5], [0, 0, 0, 1, 1, 1])
    std = np.sqrt(2 / 3)
    np.testing.assert_allclose(adv, [-1 / std, 0, 1 / std, 0, 0, 0], rtol=1e-6)


def test_grpo_group_with_identical_returns_gets_zero_advantage():
    adv = group_relative([500.0] * 8, [0] * 8)
    assert adv.tolist() == [0.0] * 8


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_group_relative_advantages_have_mean_0_and_std_1_per_group(scale):
    rng = np.random.default_rng(0)
    returns = rng.normal(size=12) * scale
    adv = group_relative(returns, np.repeat([0, 1, 2], 4))
    for g in range(3):
        a = adv[4 * g : 4 * g + 4]
        assert abs(a.mean()) < 1e-9
        assert a.std() == pytest.approx(1.0, rel=1e-4)

"""Exact solvers: the tutorial's numbers, the Bellman identities, and optimality checks."""

import numpy as np
import pytest

from gridsim.solvers import (
    deterministic_policy,
    greedy_policy,
    is_optimal,
    optimal_actions,
    optimal_values,
    policy_advantage,
    policy_q,
    policy_value,
)
from gridsim.tables import build_tables
from gridsim.world import default_world

UP, RIGHT, DOWN, LEFT, STAY = range(5)
# The tutorial's "good" policy: s1 -a2-> s2 -a3-> s5 -a3-> s8 -a2-> s9, then stay.
GOOD = [RIGHT, DOWN, DOWN, RIGHT, DOWN, DOWN, RIGHT, RIGHT, STAY]


def test_value_of_the_tutorials_policy_is_its_discounted_return():
    w = default_world()
    v = policy_value(w, deterministic_policy(GOOD))
    g = w.gamma
    assert v[0] == pytest.approx(g**3 / (1 - g), abs=1e-12)
    assert v[8] == pytest.approx(1 / (1 - g), abs=1e-12)


def test_v_pi_satisfies_the_bellman_equation():
    w = default_world()
    rng = np.random.default_rng(0)
    pi = rng.dirichlet(np.ones(5), size=w.n_states)
    v = policy_value(w, pi)
    t = build_tables(w)
    backup = (pi * (t.reward + w.gamma * v[t.next_state])).sum(axis=1)
    np.testing.assert_allclose(v, backup, atol=1e-12)


def test_tutorial_optimal_values_by_hand():
    v, q = optimal_values(default_world())
    # s9 stays forever: 1/(1-0.9) = 10; s8 steps right into it: 1 + 0.9*10 = 10; s5: 0.9*10.
    np.testing.assert_allclose(v, [7.29, 8.1, 8.0, 8.1, 9.0, 10.0, 9.0, 10.0, 10.0], atol=1e-12)
    np.testing.assert_allclose(v, q.max(axis=1), atol=1e-12)
    best = optimal_actions(q)
    assert best[0] == (RIGHT, DOWN) and best[8] == (STAY,) and best[2] == (DOWN,)


def test_advantage_has_zero_mean_under_the_policy():
    w = default_world()
    pi = np.random.default_rng(1).dirichlet(np.ones(5), size=w.n_states)
    a = policy_advantage(w, pi)
    np.testing.assert_allclose((pi * a).sum(axis=1), 0.0, atol=1e-12)


def test_is_optimal_accepts_the_optimal_greedy_policy_and_rejects_others():
    w = default_world()
    _, q = optimal_values(w)
    assert is_optimal(w, greedy_policy(q))
    assert not is_optimal(w, deterministic_policy([STAY] * 9))
    # A soft policy whose argmax is optimal counts as optimal.
    soft = 0.6 * greedy_policy(q) + 0.1
    assert is_optimal(w, soft)


def test_terminal_target_is_worth_zero_and_ends_the_future():
    w = default_world().with_changes(target_terminal=True)
    v, q = optimal_values(w)
    assert v[8] == 0.0
    assert q[7, RIGHT] == pytest.approx(1.0)  # +1 and the episode ends
    assert v[0] == pytest.approx(0.9**3)


def test_q_of_v_star_is_q_star():
    w = default_world()
    v, q = optimal_values(w)
    np.testing.assert_allclose(policy_q(w, v), q, atol=1e-12)


def test_bad_policy_shape_is_refused():
    with pytest.raises(ValueError, match="shape"):
        policy_value(default_world(), np.ones((4, 5)) / 5)

"""Property tests over random worlds: the Bellman identities hold everywhere, not just on 3x3."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridsim.solvers import (
    greedy_policy,
    optimal_values,
    policy_advantage,
    policy_q,
    policy_value,
)
from gridsim.tables import build_tables
from gridsim.world import Rewards, World

reward_values = st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def worlds(draw):
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    n = rows * cols
    cells = draw(st.permutations(range(n)))
    n_targets = draw(st.integers(1, max(1, n // 3)))
    targets = cells[:n_targets]
    forbidden = cells[n_targets : n_targets + draw(st.integers(0, n - n_targets))]
    return World(
        rows=rows,
        cols=cols,
        targets=frozenset(targets),
        forbidden=frozenset(forbidden),
        start=draw(st.integers(0, n - 1)),
        rewards=Rewards(*(draw(reward_values) for _ in range(4))),
        gamma=draw(st.floats(0, 0.95)),
        forbidden_mode=draw(st.sampled_from(["enter", "wall"])),
        # a world whose every cell ends the episode has no start state: refused by World
        target_terminal=draw(st.booleans()) and n_targets < n,
    )


@st.composite
def worlds_and_policies(draw):
    world = draw(worlds())
    seed = draw(st.integers(0, 2**32 - 1))
    pi = np.random.default_rng(seed).dirichlet(np.ones(5) * 0.5, size=world.n_states)
    return world, pi


@settings(max_examples=60, deadline=None)
@given(worlds_and_policies())
def test_v_pi_is_the_fixed_point_of_the_bellman_backup(case):
    world, pi = case
    v = policy_value(world, pi)
    q = policy_q(world, v)
    live = [s for s in range(world.n_states) if not world.is_terminal(s)]
    np.testing.assert_allclose(v[live], (pi * q).sum(axis=1)[live], atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(worlds_and_policies())
def test_advantage_has_zero_expectation_under_pi(case):
    world, pi = case
    a = policy_advantage(world, pi)
    live = [s for s in range(world.n_states) if not world.is_terminal(s)]
    np.testing.assert_allclose((pi * a).sum(axis=1)[live], 0.0, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(worlds())
def test_v_star_is_max_q_star_and_equals_its_greedy_policys_value(world):
    v, q = optimal_values(world)
    live = [s for s in range(world.n_states) if not world.is_terminal(s)]
    np.testing.assert_allclose(v[live], q.max(axis=1)[live], atol=1e-8)
    np.testing.assert_allclose(policy_value(world, greedy_policy(q)), v, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(worlds_and_policies())
def test_no_policy_beats_v_star(case):
    world, pi = case
    v_star, _ = optimal_values(world)
    assert np.all(policy_value(world, pi) <= v_star + 1e-8)


@settings(max_examples=40, deadline=None)
@given(worlds())
def test_tables_follow_the_reward_rules(world):
    t = build_tables(world)
    r = world.rewards
    for s in range(world.n_states):
        for a in range(5):
            s2, rew = t.next_state[s, a], t.reward[s, a]
            row, col = world.cell(s)
            dr, dc = [(-1, 0), (0, 1), (1, 0), (0, -1), (0, 0)][a]
            inside = 0 <= row + dr < world.rows and 0 <= col + dc < world.cols
            if not inside:
                assert (s2, rew) == (s, r.boundary)
            elif world.state_at(row + dr, col + dc) in world.forbidden:
                assert rew == r.forbidden
            elif s2 in world.targets:
                assert rew == r.target
            else:
                assert rew == r.other

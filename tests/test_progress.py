"""Progress to the optimum: optimal states k / N and the greedy policy's largest value gap."""

import numpy as np
import pytest

from gridsim.mazes import maze
from gridsim.progress import OPTIMAL_ATOL, ProgressTracker
from gridsim.solvers import deterministic_policy, optimal_values, policy_value
from gridsim.world import default_world


def optimal_policy(world):
    _, q = optimal_values(world)
    return deterministic_policy(q.argmax(axis=1))


def test_the_optimal_policy_is_optimal_in_9_of_9_states_with_no_gap():
    world = default_world()
    progress = ProgressTracker(world).measure(optimal_policy(world))
    assert (progress.optimal_states, progress.n_states) == (9, 9)
    assert progress.value_gap <= OPTIMAL_ATOL and progress.solved
    assert progress.non_optimal == ()


def test_one_wrong_arrow_at_s8_is_one_non_optimal_state_and_costs_v_star_at_s8():
    world = default_world()
    pi = optimal_policy(world)
    pi[7] = [0, 0, 0, 0, 1]  # s8 stays instead of stepping right onto the target
    progress = ProgressTracker(world).measure(pi)
    assert progress.non_optimal == (7,) and progress.optimal_states == 8
    # staying at s8 forever collects 0; V*(s8) = 1 / (1 - 0.9) = 10 is lost there, and less
    # upstream (s5 reaches s8 and stops there too)
    v_star, _ = optimal_values(world)
    assert progress.value_gap == pytest.approx(v_star[7]) == pytest.approx(10.0)
    assert not progress.solved


def test_the_uniform_policy_is_judged_by_its_greedy_action_a1_up():
    world = default_world()
    uniform = np.full((9, 5), 0.2)  # argmax ties go to a1 up
    progress = ProgressTracker(world).measure(uniform)
    v_star, q_star = optimal_values(world)
    up_is_optimal = q_star[:, 0] >= v_star - OPTIMAL_ATOL
    assert progress.optimal_states == int(up_is_optimal.sum())
    v_up = policy_value(world, deterministic_policy(np.zeros(9, dtype=int)))
    assert progress.value_gap == pytest.approx(np.max(v_star - v_up))


@pytest.mark.parametrize("mode", ["enter", "wall"])
@pytest.mark.parametrize("terminal", [False, True])
def test_the_greedy_value_is_the_bellman_solution_of_the_solvers(mode, terminal):
    world = maze(8, seed=4, forbidden_mode=mode, target_terminal=terminal)
    tracker = ProgressTracker(world)
    rng = np.random.default_rng(0)
    for _ in range(3):
        actions = rng.integers(5, size=world.n_states)
        expected = policy_value(world, deterministic_policy(actions))
        np.testing.assert_allclose(tracker.greedy_value(actions), expected, atol=1e-9)


def test_a_terminal_target_counts_as_optimal_whatever_its_arrow():
    world = default_world().with_changes(target_terminal=True)
    pi = optimal_policy(world)
    pi[8] = [1, 0, 0, 0, 0]  # up from the terminal s9: never taken, nothing to choose
    progress = ProgressTracker(world).measure(pi)
    assert progress.optimal_states == 9 and progress.solved


def test_all_optimal_states_and_no_gap_agree_on_a_maze():
    world = maze(10, seed=1)
    tracker = ProgressTracker(world)
    pi = optimal_policy(world)
    assert tracker.measure(pi).solved and tracker.measure(pi).optimal_states == 100
    pi[0] = [0, 0, 0, 1, 0]  # s1 bumps into the left boundary
    progress = tracker.measure(pi)
    assert progress.optimal_states == 99 and progress.value_gap > 1

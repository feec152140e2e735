"""Chapter 3's claim, measured: reward-to-go and a baseline keep the gradient, cut its variance."""

import numpy as np
import pytest

from gridsim.pg_variance import (
    ESTIMATORS,
    exact_gradient,
    finite_horizon_values,
    gradient_estimates,
    measure_variance,
)
from gridsim.world import default_world

UNIFORM = np.full((9, 5), 0.2)


def softmax(theta):
    p = np.exp(theta - theta.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("terminal", [False, True])
def test_exact_gradient_matches_finite_differences_of_j(terminal):
    world = default_world().with_changes(target_terminal=terminal)
    theta = np.random.default_rng(0).normal(size=(9, 5))
    horizon, eps = 12, 1e-6

    def j(th):
        return finite_horizon_values(world, softmax(th), horizon)[0][horizon][0]

    numeric = np.zeros_like(theta)
    for s in range(9):
        for a in range(5):
            bump = np.zeros_like(theta)
            bump[s, a] = eps
            numeric[s, a] = (j(theta + bump) - j(theta - bump)) / (2 * eps)
    np.testing.assert_allclose(
        exact_gradient(world, softmax(theta), 0, horizon), numeric, atol=1e-7
    )


def test_every_estimator_is_unbiased():
    world = default_world()
    estimates = gradient_estimates(world, UNIFORM, 0, 10, batches=2000, batch_size=10, rng=7)
    exact = exact_gradient(world, UNIFORM, 0, 10)
    for name in ESTIMATORS:
        e = estimates[name]
        stderr = e.std(axis=0, ddof=1) / np.sqrt(len(e)) + 1e-12
        z = np.abs(e.mean(axis=0) - exact) / stderr
        assert np.all(z[stderr > 1e-9] < 5), name


def test_reward_to_go_then_baseline_lower_the_variance():
    report = measure_variance(default_world(), UNIFORM, batches=300, batch_size=10, rng=1)
    v = report.variances
    assert v["R(tau)"] > 1.5 * v["reward-to-go"] > 1.5 * 1.5 * v["reward-to-go - V"]


def test_discounted_gradient_from_a_start_distribution_matches_finite_differences():
    world = default_world()
    theta = np.random.default_rng(1).normal(size=(9, 5))
    horizon, gamma, eps = 10, 0.9, 1e-6
    starts = np.full(9, 1 / 8)
    starts[8] = 0.0

    def j(th):
        v = finite_horizon_values(world, softmax(th), horizon, gamma)[0][horizon]
        return float(starts @ v)

    numeric = np.zeros_like(theta)
    for s in range(9):
        for a in range(5):
            bump = np.zeros_like(theta)
            bump[s, a] = eps
            numeric[s, a] = (j(theta + bump) - j(theta - bump)) / (2 * eps)
    exact = exact_gradient(world, softmax(theta), starts, horizon, gamma)
    np.testing.assert_allclose(exact, numeric, atol=1e-7)

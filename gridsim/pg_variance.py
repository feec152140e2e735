"""The tutorial's variance claim, measured: three unbiased policy-gradient estimators compared.

For a tabular softmax policy (logits theta[S, A], pi = softmax(theta)) the score is
closed-form: grad_theta log pi(a|s) is (onehot(a) - pi(s)) in row s and zero
elsewhere. So the estimators of chapter 3 need no autograd:

    g_hat = 1/N sum_i sum_t grad log pi(a_t|s_t) * w_t

with weights w_t = R(tau) (the whole episode's return), the reward-to-go
sum_{t'>=t} r_t', or the reward-to-go minus the exact value-to-go V_{T-t}(s_t).
All three have the same expectation (the EGLP lemma); this module measures how
much each one scatters around it. Returns are undiscounted over a horizon of T
steps, the setting in which the tutorial derives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridsim.tables import build_tables
from gridsim.trajectory import sample_walkers
from gridsim.world import N_ACTIONS, World

ESTIMATORS = ("R(tau)", "reward-to-go", "reward-to-go - V")


def finite_horizon_values(world: World, pi: np.ndarray, horizon: int, gamma: float = 1.0):
    """(V[T+1, S], Q[T+1, S, A]): expected reward sum_k gamma^k r_k with k steps to go (V[0] = 0).

    gamma = 1 (the default) is the undiscounted sum of the tutorial's derivation."""
    t = build_tables(world)
    keep = gamma * ~t.done
    v = np.zeros((horizon + 1, world.n_states))
    q = np.zeros((horizon + 1, world.n_states, N_ACTIONS))
    for k in range(1, horizon + 1):
        q[k] = t.reward + keep * v[k - 1][t.next_state]
        v[k] = (pi * q[k]).sum(axis=1)
    return v, q


def exact_gradient(
    world: World, pi: np.ndarray, start, horizon: int, gamma: float = 1.0
) -> np.ndarray:
    """d J / d theta[S, A] for J = E[sum_{t<T} gamma^t r_t], by exact enumeration.

    ``start`` is a state index, or a distribution over start states (float [S]).
    The policy gradient theorem over a finite horizon:

        grad J = sum_t gamma^t sum_s d_t(s) sum_a pi(a|s) grad log pi(a|s) Q_{T-t}(s, a)

    with d_t the distribution of s_t and Q_k the discounted value of k steps to go.
    """
    t = build_tables(world)
    _, q = finite_horizon_values(world, pi, horizon, gamma)
    n = world.n_states
    if np.ndim(start) == 0:
        d = np.zeros(n)
        d[int(start)] = 1.0
    else:
        d = np.asarray(start, dtype=np.float64).copy()
    grad = np.zeros((n, N_ACTIONS))
    for step in range(horizon):
        q_now = q[horizon - step]
        # sum_a pi(a|s) (onehot(a) - pi(s)) Q(s, a) = pi(s) * (Q(s, .) - V(s))
        grad += d[:, None] * pi * (q_now - (pi * q_now).sum(axis=1, keepdims=True))
        flow = d[:, None] * pi * ~t.done
        # d carries gamma^t: the discount of step t's rewards-to-go
        d = gamma * np.bincount(t.next_state.ravel(), weights=flow.ravel(), minlength=n)
    return grad


@dataclass(frozen=True)
class VarianceReport:
    """Per estimator: the mean gradient estimate [S, A] and the total variance across batches."""

    means: dict[str, np.ndarray]
    variances: dict[str, float]
    exact: np.ndarray
    batches: int
    batch_size: int


def gradient_estimates(
    world: World, pi: np.ndarray, start: int, horizon: int, batches: int, batch_size: int, rng=None
) -> dict[str, np.ndarray]:
    """Per estimator, ``batches`` independent batch-mean gradients, shape [batches, S, A]."""
    pi = np.asarray(pi, dtype=np.float64)
    n_walkers = batches * batch_size
    states, actions, rewards, alive = sample_walkers(
        world, pi, np.full(n_walkers, start), horizon, rng
    )
    s, a = states[:, :-1], actions
    reward_to_go = np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]
    v, _ = finite_horizon_values(world, pi, horizon)
    steps_left = horizon - np.arange(horizon)
    weights = {
        "R(tau)": np.broadcast_to(rewards.sum(axis=1, keepdims=True), rewards.shape),
        "reward-to-go": reward_to_go,
        "reward-to-go - V": reward_to_go - v[steps_left[None, :], s],
    }
    batch_of = np.repeat(np.arange(batches), batch_size)[:, None] * np.ones(horizon, dtype=int)
    score_pi = -pi[s]  # the -pi(s) part of the score, [N, T, A]
    out = {}
    for name, w in weights.items():
        w = w * alive
        grads = np.zeros((batches, world.n_states, N_ACTIONS))
        # the onehot(a) part of the score ...
        np.add.at(grads, (batch_of, s, a), w)
        # ... and the -pi(s) part, for every action
        for b in range(N_ACTIONS):
            np.add.at(grads, (batch_of, s, np.full_like(a, b)), w * score_pi[..., b])
        out[name] = grads / batch_size
    return out


def measure_variance(
    world: World,
    pi: np.ndarray,
    start: int | None = None,
    horizon: int | None = None,
    batches: int = 200,
    batch_size: int = 10,
    rng=None,
) -> VarianceReport:
    """Sample ``batches`` batches and report each estimator's mean and total variance."""
    start = world.start if start is None else start
    horizon = world.horizon if horizon is None else horizon
    estimates = gradient_estimates(world, pi, start, horizon, batches, batch_size, rng)
    return VarianceReport(
        means={k: e.mean(axis=0) for k, e in estimates.items()},
        variances={k: float(e.var(axis=0, ddof=1).sum()) for k, e in estimates.items()},
        exact=exact_gradient(world, pi, start, horizon),
        batches=batches,
        batch_size=batch_size,
    )

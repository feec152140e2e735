"""Exact answers: V^pi, Q^pi, A^pi by the Bellman equation; V* and Q* by value iteration.

These are the oracle every learned policy is checked against. Values are those
of the infinite discounted MDP; with "episode ends at target" a terminal target
is worth 0 and a step into it gets no future.
"""

from __future__ import annotations

import numpy as np

from gridsim.tables import build_tables
from gridsim.world import N_ACTIONS, World

OPTIMAL_ATOL = 1e-9


def _check_policy(world: World, pi: np.ndarray) -> np.ndarray:
    pi = np.asarray(pi, dtype=np.float64)
    if pi.shape != (world.n_states, N_ACTIONS):
        raise ValueError(f"policy must have shape ({world.n_states}, {N_ACTIONS}), got {pi.shape}")
    if not np.all(np.isfinite(pi)) or np.any(pi < 0) or not np.allclose(pi.sum(axis=1), 1.0):
        raise ValueError("policy rows must be probabilities summing to 1")
    return pi


def _future(world: World) -> np.ndarray:
    """gamma where a step keeps going, 0 where it ends the episode: [S, A]."""
    return world.gamma * (~build_tables(world).done)


def policy_value(world: World, pi: np.ndarray) -> np.ndarray:
    """V^pi[S]: solve the Bellman equation V = r_pi + gamma P_pi V as a linear system."""
    pi = _check_policy(world, pi)
    t = build_tables(world)
    n = world.n_states
    r_pi = (pi * t.reward).sum(axis=1)
    p_pi = np.zeros((n, n))
    np.add.at(
        p_pi,
        (np.repeat(np.arange(n), N_ACTIONS), t.next_state.ravel()),
        (pi * _future(world)).ravel(),
    )
    v = np.linalg.solve(np.eye(n) - p_pi, r_pi)
    terminal = [s for s in range(n) if world.is_terminal(s)]
    v[terminal] = 0.0
    return v


def policy_q(world: World, v: np.ndarray) -> np.ndarray:
    """Q[S, A] = r(s, a) + gamma V(s') for values V (of a policy, or V* for Q*)."""
    t = build_tables(world)
    return t.reward + _future(world) * np.asarray(v)[t.next_state]


def policy_advantage(world: World, pi: np.ndarray) -> np.ndarray:
    """A^pi[S, A] = Q^pi(s, a) - V^pi(s); its expectation under pi is 0 in every state."""
    v = policy_value(world, pi)
    return policy_q(world, v) - v[:, None]


def optimal_values(world: World, tol: float = 1e-10, max_iter: int = 100_000):
    """(V*[S], Q*[S, A]) by value iteration until the largest change is below ``tol`` times
    the values' scale max|r|/(1-gamma) (at least 1), then polished by policy iteration.

    The tolerance is relative so that large rewards or a gamma near 1 (gridsim.limits allows
    |r| <= 1000, gamma <= 0.999: values up to 1e6) stop as early as small ones; the polish
    makes the result exact either way.
    """
    t = build_tables(world)
    scale = max(1.0, float(np.max(np.abs(t.reward))) / (1.0 - world.gamma))
    future = _future(world)
    terminal = np.array([world.is_terminal(s) for s in range(world.n_states)])
    v = np.zeros(world.n_states)
    for _ in range(max_iter):
        q = t.reward + future * v[t.next_state]
        v_new = np.where(terminal, 0.0, q.max(axis=1))
        if np.max(np.abs(v_new - v)) < tol * scale:
            v = v_new
            break
        v = v_new
    # Polish with policy iteration: the greedy policy's exact value is V* to machine precision.
    actions = greedy_actions(t.reward + future * v[t.next_state])
    for _ in range(world.n_states * N_ACTIONS + 1):
        v = policy_value(world, deterministic_policy(actions))
        q = t.reward + future * v[t.next_state]
        improved = np.where(
            q.max(axis=1) > q[np.arange(len(v)), actions] + 1e-12 * scale,
            q.argmax(axis=1),
            actions,
        )
        if np.array_equal(improved, actions):
            break
        actions = improved
    return v, q


def optimal_actions(q: np.ndarray, atol: float = OPTIMAL_ATOL) -> list[tuple[int, ...]]:
    """For each state, every action whose Q is within ``atol`` of the best."""
    q = np.asarray(q)
    best = q.max(axis=1, keepdims=True)
    return [tuple(np.flatnonzero(row).tolist()) for row in q >= best - atol]


def greedy_actions(table: np.ndarray) -> np.ndarray:
    """argmax per state of a [S, A] table (pi or Q); ties go to the lowest action index."""
    return np.asarray(table).argmax(axis=1)


def deterministic_policy(actions, n_actions: int = N_ACTIONS) -> np.ndarray:
    """The one-hot pi[S, A] that takes ``actions[s]`` in state s."""
    actions = np.asarray(actions, dtype=np.int64)
    pi = np.zeros((actions.size, n_actions))
    pi[np.arange(actions.size), actions] = 1.0
    return pi


def greedy_policy(q: np.ndarray) -> np.ndarray:
    """The deterministic policy that is greedy in a [S, A] table."""
    return deterministic_policy(greedy_actions(q), np.asarray(q).shape[1])


def is_optimal(world: World, pi: np.ndarray, atol: float = 1e-6) -> bool:
    """True when the greedy policy of pi has exact value V* (within atol) in every state."""
    v_star, _ = optimal_values(world)
    v_greedy = policy_value(world, greedy_policy(pi))
    return bool(np.all(np.abs(v_greedy - v_star) <= atol))


def expected_episode_return(world: World, pi: np.ndarray, horizon: int | None = None) -> float:
    """E[sum of the (undiscounted) rewards of one training episode] under pi.

    Episodes start in a uniformly drawn non-terminal cell (the trainer's default) and
    last ``horizon`` steps or until a terminal target is entered. Exact, by backward
    induction: G_k = r_pi + P_pi G_{k-1} (no future after a terminal step).
    """
    t = build_tables(world)
    horizon = world.horizon if horizon is None else horizon
    pi = np.asarray(pi, dtype=np.float64)
    alive = ~t.done
    g = np.zeros(world.n_states)
    for _ in range(horizon):
        g = (pi * (t.reward + alive * g[t.next_state])).sum(axis=1)
    starts = world.start_states()
    return float(g[starts].mean())


def horizon_values(world: World, pi: np.ndarray, horizon: int, gamma: float) -> np.ndarray:
    """E[sum_{t<horizon} gamma^t r_t | s_0 = s] under pi, for every s: what episodes cut at
    ``horizon`` steps average to (gamma = 1: the plain return). Backward induction,
    G_k = r_pi + gamma P_pi G_{k-1}, with no future after a terminal step; as the horizon
    grows it tends to V^pi (gamma < 1), which is why a 20-step mean sits below V^pi."""
    t = build_tables(world)
    pi = np.asarray(pi, dtype=np.float64)
    keep = gamma * ~t.done
    g = np.zeros(world.n_states)
    for _ in range(horizon):
        g = (pi * (t.reward + keep * g[t.next_state])).sum(axis=1)
    return g


def optimal_episode_return(world: World) -> float:
    """The training-episode return of the V*-greedy policy: the optimal policy's line on
    the plots of mean return per episode."""
    return expected_episode_return(world, greedy_policy(optimal_values(world)[1]))

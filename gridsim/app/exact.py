"""Exact overlays for the gridworld scene, cached so a frame never re-solves what it knows.

V*, Q* and the optimal actions depend on the world only; V^pi, Q^pi and A^pi on the
world and a policy, identified by a caller-chosen key (e.g. the trainer's update
number, or the hand policy itself) so the UI never hashes a table per frame.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from gridsim.solvers import (
    deterministic_policy,
    expected_episode_return,
    greedy_actions,
    optimal_actions,
    optimal_values,
    policy_q,
    policy_value,
)
from gridsim.world import World

MAX_RETURN_HORIZON = 20_000


@dataclass(frozen=True, eq=False)
class Optimal:
    """v[S] = V*, q[S, A] = Q*, best[s] = the optimal actions (ties kept),
    episode_return = the training-episode return of the V*-greedy policy (or None)."""

    v: np.ndarray
    q: np.ndarray
    best: tuple[tuple[int, ...], ...]
    episode_return: float | None


@dataclass(frozen=True, eq=False)
class PolicyValues:
    """v[S] = V^pi, q[S, A] = Q^pi, adv[S, A] = A^pi = Q^pi - V^pi."""

    v: np.ndarray
    q: np.ndarray
    adv: np.ndarray


class ExactCache:
    """Memoised exact solutions: ``optimal(world)`` and ``policy(world, key, pi)``."""

    def __init__(self, size: int = 16):
        self.size = size
        self._optimal: OrderedDict = OrderedDict()
        self._policy: OrderedDict = OrderedDict()

    def optimal(self, world: World) -> Optimal:
        hit = self._optimal.get(world)
        if hit is None:
            v, q = optimal_values(world)
            ret = None
            if world.horizon <= MAX_RETURN_HORIZON:
                greedy = deterministic_policy(greedy_actions(q))
                ret = expected_episode_return(world, greedy)
            hit = Optimal(v, q, tuple(optimal_actions(q)), ret)
            self._remember(self._optimal, world, hit)
        return hit

    def policy(self, world: World, key, pi: np.ndarray) -> PolicyValues:
        k = (world, key)
        hit = self._policy.get(k)
        if hit is None:
            v = policy_value(world, pi)
            q = policy_q(world, v)
            hit = PolicyValues(v, q, q - v[:, None])
            self._remember(self._policy, k, hit)
        return hit

    def _remember(self, table: OrderedDict, key, value) -> None:
        table[key] = value
        while len(table) > self.size:
            table.popitem(last=False)

"""How far a learned policy is from the optimum, state by state (pure numpy).

Two numbers, both exact, both from the solvers' oracle:

- optimal states k / N: the states whose greedy action argmax_a pi(a|s) is an optimal
  action, Q*(s, a) >= V*(s) - atol (a terminal target counts as optimal: nothing to choose);
- the value gap max_s V*(s) - V^{pi_greedy}(s) >= 0: what following the greedy policy
  loses, at worst, against the optimum.

The greedy policy is optimal (DESIGN.md: its exact value is V* within 1e-6 everywhere)
exactly when the gap is <= atol; then every state is counted optimal too (Q*(s, a_g) >=
V^{pi_greedy}(s) >= V*(s) - atol). Learners see the count climb as optimality spreads
back from the target.

``ProgressTracker`` solves V* once per world and the greedy policy's value only when the
greedy actions changed, so measuring after every update costs a table lookup most of
the time (one 100x100 linear solve, ~0.1 ms, otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridsim.solvers import optimal_values
from gridsim.tables import build_tables
from gridsim.world import World

OPTIMAL_ATOL = 1e-6
"""The tolerance of "optimal", on values (DESIGN.md: within 1e-6 in every state)."""


@dataclass(frozen=True)
class Progress:
    """The greedy policy against the exact optimum, after one update (small: <= 144 states)."""

    optimal_states: int
    """k: states whose greedy action is optimal."""
    n_states: int
    """N: every state of the world (forbidden cells and targets included)."""
    value_gap: float
    """max_s V*(s) - V^{pi_greedy}(s); <= OPTIMAL_ATOL when the greedy policy is optimal."""
    non_optimal: tuple[int, ...] = ()
    """0-based states whose greedy action is not (yet) optimal, ascending."""

    @property
    def solved(self) -> bool:
        return self.value_gap <= OPTIMAL_ATOL


class ProgressTracker:
    """Measures ``Progress`` of policies on one world: V*, Q* and optimal actions solved once."""

    def __init__(self, world: World, atol: float = OPTIMAL_ATOL):
        self.world = world
        self.atol = atol
        self.v_star, q_star = optimal_values(world)
        self.optimal = q_star >= self.v_star[:, None] - atol
        """optimal[S, A]: action a is optimal in state s."""
        terminal = np.array([world.is_terminal(s) for s in range(world.n_states)], dtype=bool)
        self.optimal[terminal] = True
        self._terminal = terminal
        tables = build_tables(world)
        self._next = tables.next_state
        self._reward = tables.reward
        self._future = world.gamma * ~tables.done
        self._last_actions: np.ndarray | None = None
        self._last_gap = float("inf")

    def measure(self, pi: np.ndarray) -> Progress:
        """The progress of pi[S, A]: its greedy actions against the optimal ones."""
        actions = np.asarray(pi).argmax(axis=1)
        ok = self.optimal[np.arange(actions.size), actions]
        if self._last_actions is None or not np.array_equal(actions, self._last_actions):
            self._last_gap = float(np.max(self.v_star - self.greedy_value(actions)))
            self._last_actions = actions
        return Progress(
            optimal_states=int(ok.sum()),
            n_states=int(ok.size),
            value_gap=max(0.0, self._last_gap),
            non_optimal=tuple(np.flatnonzero(~ok).tolist()),
        )

    def greedy_value(self, actions: np.ndarray) -> np.ndarray:
        """V[S] of the deterministic policy taking ``actions[s]``: solve (I - gamma P) V = r.

        The same linear system as gridsim.solvers.policy_value, built directly from the
        tables for a one-hot policy: one successor per row, no [S, A] policy array.
        """
        n = actions.size
        states = np.arange(n)
        p = np.zeros((n, n))
        p[states, self._next[states, actions]] = self._future[states, actions]  # one per row
        v = np.linalg.solve(np.eye(n) - p, self._reward[states, actions])
        v[self._terminal] = 0.0
        return v

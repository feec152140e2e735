"""Transition and reward tables of a world, and batched stepping of many walkers.

Everything that moves in GridSim (the exact solvers, the sampler, the Gymnasium
env and the agents' rollouts) reads these tables, so the tutorial's reward rules
live in exactly one place: ``build_tables``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gridsim.world import ACTION_DELTAS, N_ACTIONS, World


@dataclass(frozen=True, eq=False)
class Tables:
    """Deterministic dynamics of a world.

    next_state[S, A] (int64), reward[S, A] (float64), and done[S, A] (bool): True
    where the step enters a terminal target, which ends the episode. All read-only.
    """

    next_state: np.ndarray
    reward: np.ndarray
    done: np.ndarray

    @property
    def n_states(self) -> int:
        return self.next_state.shape[0]


@lru_cache(maxsize=64)
def build_tables(world: World) -> Tables:
    """Apply DESIGN.md's rules once per world.

    - Trying to leave the grid: stay put, r_boundary (also on the target).
    - Moving into (or staying on) a forbidden cell: enter it ("enter") or stay
      put ("wall"); r_forbidden either way.
    - Landing on or staying on a target: r_target.
    - Anything else: r_other.
    """
    n = world.n_states
    next_state = np.empty((n, N_ACTIONS), dtype=np.int64)
    reward = np.empty((n, N_ACTIONS), dtype=np.float64)
    r = world.rewards
    for s in range(n):
        row, col = world.cell(s)
        for a, (dr, dc) in enumerate(ACTION_DELTAS):
            nr, nc = row + dr, col + dc
            if not (0 <= nr < world.rows and 0 <= nc < world.cols):
                next_state[s, a], reward[s, a] = s, r.boundary
                continue
            s2 = world.state_at(nr, nc)
            if s2 in world.forbidden:
                next_state[s, a] = s if world.forbidden_mode == "wall" else s2
                reward[s, a] = r.forbidden
            elif s2 in world.targets:
                next_state[s, a], reward[s, a] = s2, r.target
            else:
                next_state[s, a], reward[s, a] = s2, r.other
    done = np.zeros((n, N_ACTIONS), dtype=bool)
    if world.target_terminal:
        done = np.isin(next_state, sorted(world.targets))
    for table in (next_state, reward, done):
        table.setflags(write=False)
    return Tables(next_state, reward, done)


def step(tables: Tables, states: np.ndarray, actions: np.ndarray):
    """Advance many walkers at once: (next_states, rewards, dones), each shaped like states."""
    return (
        tables.next_state[states, actions],
        tables.reward[states, actions],
        tables.done[states, actions],
    )

"""What a person is shown to label: two trajectories of a policy from one start, or one.

DPO and RLHF compare a *pair*: their log-ratios r_theta(tau) = sum_t log pi_theta(a_t|s_t) -
log pi_ref(a_t|s_t) only say which trajectory is better when both start in the same state
(the start-state and transition terms cancel only then), so both start at the world's start
cell. KTO judges *one* trajectory. Numpy only: the app's labelling panel samples with it
from the latest snapshot's pi(a|s), and a benchmark can do the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridsim.trajectory import Trajectory, sample_trajectory
from gridsim.world import N_ACTIONS, World

MAX_STEPS = 60
"""Longest trajectory offered for labelling (the world's horizon, if shorter): a person
cannot compare two scribbles of hundreds of steps."""
EXPLORE = 0.2
"""When the policy gives the same trajectory again and again (it has nearly converged),
the other one of the pair is sampled from (1 - EXPLORE) pi + EXPLORE uniform, so there is
still something to compare; the panel says so."""
TRIES = 12
"""Samples of pi (then of the exploring mix) tried for a second trajectory unlike the first."""


def uniform(n_states: int) -> np.ndarray:
    """The uniform policy pi[S, A] = 1/5 (what is shown before a run has a policy)."""
    return np.full((n_states, N_ACTIONS), 1.0 / N_ACTIONS)


@dataclass(frozen=True, eq=False)
class LabelItem:
    """What is shown for labelling: one or two trajectories from ``start``; ``explored``
    when one of a pair came from the exploring mix (see EXPLORE)."""

    start: int
    trajectories: tuple[Trajectory, ...]
    explored: bool = False

    @property
    def same(self) -> bool:
        """Both trajectories of a pair take the very same actions (nothing to prefer)."""
        a = self.trajectories
        return len(a) == 2 and tuple(a[0].actions) == tuple(a[1].actions)

    @property
    def empty(self) -> bool:
        """The start is a terminal target: the trajectories have no steps to judge."""
        return len(self.trajectories[0]) == 0


def sample_item(world: World, pi: np.ndarray, kind: str, rng) -> LabelItem:
    """A pair (or, for 'single', one trajectory) of pi from the world's start cell."""
    start = world.start
    horizon = min(world.horizon, MAX_STEPS)
    first = sample_trajectory(world, pi, start, horizon, rng)
    if kind == "single" or len(first) == 0:
        return LabelItem(start, (first,) if kind == "single" else (first, first))
    for _ in range(TRIES):
        second = sample_trajectory(world, pi, start, horizon, rng)
        if tuple(second.actions) != tuple(first.actions):
            return LabelItem(start, (first, second))
    mixed = (1 - EXPLORE) * np.asarray(pi, dtype=np.float64) + EXPLORE / N_ACTIONS
    for _ in range(TRIES):
        second = sample_trajectory(world, mixed, start, horizon, rng)
        if tuple(second.actions) != tuple(first.actions):
            break
    pair = (first, second) if rng.random() < 0.5 else (second, first)
    return LabelItem(start, pair, explored=True)

"""Trajectories: sampled from a policy (one or many walkers at once), with returns.

A trajectory is the tutorial's chain s_0 -a_0,r_0-> s_1 -a_1,r_1-> ... ; its
return is the plain sum of rewards and its discounted return sums gamma^t r_t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gridsim.tables import build_tables, step
from gridsim.world import ACTIONS, N_ACTIONS, World, state_name


@dataclass(frozen=True, eq=False)
class Trajectory:
    """states int[T+1], actions int[T], rewards float[T] (read-only arrays)."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    def __post_init__(self) -> None:
        for name in ("states", "actions", "rewards"):
            array = np.array(
                getattr(self, name), dtype=np.float64 if name == "rewards" else np.int64
            )
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if not (len(self.states) == len(self.actions) + 1 == len(self.rewards) + 1):
            raise ValueError("a trajectory has one more state than actions and rewards")

    def __len__(self) -> int:
        return len(self.actions)

    @property
    def ret(self) -> float:
        """The undiscounted return: the sum of the rewards."""
        return float(self.rewards.sum())

    def discounted_return(self, gamma: float) -> float:
        return discounted_return(self.rewards, gamma)

    def describe(self) -> str:
        """The tutorial's notation: 's1 -a2,r=0-> s2 -a3,r=0-> s5'."""
        parts = [state_name(int(self.states[0]))]
        for a, r, s in zip(self.actions, self.rewards, self.states[1:], strict=True):
            parts.append(f"-{ACTIONS[a]},r={format_number(r)}-> {state_name(int(s))}")
        return " ".join(parts)

    def return_equation(self) -> str:
        """'return = 0 + 0 + 0 + 1 = 1', as the tutorial writes it."""
        if len(self) == 0:
            return "return = 0"
        terms = " + ".join(format_number(r) for r in self.rewards).replace("+ -", "- ")
        return f"return = {terms} = {format_number(self.ret)}"


def format_number(x: float) -> str:
    """Short, exact-looking text for a reward or return: 1, -1, 0.5, 0.729 (and 'inf' or
    'nan' rather than an OverflowError, should one ever get here)."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def discounted_return(rewards, gamma: float) -> float:
    """sum_t gamma^t r_t."""
    rewards = np.asarray(rewards, dtype=np.float64)
    return float(np.sum(rewards * gamma ** np.arange(rewards.size)))


def follow_actions(world: World, start: int, actions) -> Trajectory:
    """The trajectory from ``start`` taking the given actions (transitions are deterministic)."""
    t = build_tables(world)
    states, rewards = [start], []
    for a in actions:
        s, r = t.next_state[states[-1], a], t.reward[states[-1], a]
        states.append(int(s))
        rewards.append(float(r))
    return Trajectory(np.array(states), np.array(actions, dtype=np.int64), np.array(rewards))


def sample_walkers(world: World, pi: np.ndarray, starts, horizon: int | None = None, rng=None):
    """Sample many trajectories at once, one per start state, vectorised over walkers.

    Returns (states[N, T+1], actions[N, T], rewards[N, T], alive[N, T]); alive is
    False for steps after a walker's episode ended at a terminal target (those
    steps' rewards are 0).
    """
    rng = np.random.default_rng(rng)
    t = build_tables(world)
    pi = np.asarray(pi, dtype=np.float64)
    horizon = world.horizon if horizon is None else horizon
    starts = np.asarray(starts, dtype=np.int64)
    n = starts.size
    states = np.empty((n, horizon + 1), dtype=np.int64)
    actions = np.empty((n, horizon), dtype=np.int64)
    rewards = np.zeros((n, horizon))
    alive = np.ones((n, horizon), dtype=bool)
    states[:, 0] = starts
    running = np.array([not world.is_terminal(int(s)) for s in starts], dtype=bool)
    cdf = np.cumsum(pi, axis=1)
    cdf[:, -1] = 1.0
    for k in range(horizon):
        s = states[:, k]
        u = rng.random(n)
        a = np.minimum((u[:, None] > cdf[s]).sum(axis=1), N_ACTIONS - 1)
        s2, r, done = step(t, s, a)
        alive[:, k] = running
        actions[:, k] = a
        rewards[:, k] = np.where(running, r, 0.0)
        states[:, k + 1] = np.where(running, s2, s)
        running = running & ~done
    return states, actions, rewards, alive


def sample_trajectory(
    world: World, pi: np.ndarray, start: int | None = None, horizon: int | None = None, rng=None
) -> Trajectory:
    """One trajectory from ``start`` (default: the world's start), cut at the horizon
    or when a terminal target is entered."""
    start = world.start if start is None else start
    states, actions, rewards, alive = sample_walkers(world, pi, [start], horizon, rng)
    length = int(alive[0].sum())
    return Trajectory(states[0, : length + 1], actions[0, :length], rewards[0, :length])

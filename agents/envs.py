"""Vectorized environments with one contract: Gymnasium's next-step autoreset.

Both envs step N copies at once with numpy and follow the rules of Gymnasium's
``CartPoleVectorEnv``: when a copy's episode ends (terminated or truncated) at
step t, the observation returned at t is the episode's *final* observation, and
the copy's next step ignores its action, resets it, and returns the new start
observation with reward 0 and no termination. The rollout collector masks that
reset step out; keeping the final observation lets critics bootstrap truncated
episodes from V(final observation).
"""

from __future__ import annotations

import numpy as np

from gridsim.tables import build_tables
from gridsim.world import N_ACTIONS, World

GRID_STARTS = ("uniform", "start")


class GridVecEnv:
    """N walkers on a gridworld. Observations are 0-based state indices (int64 [N]).

    Episodes start in a uniformly drawn non-terminal cell (``starts="uniform"``) or
    in the world's start cell (``"start"``); they end when a terminal target is
    entered (terminated) or after ``world.horizon`` steps (truncated).
    """

    kind = "grid"
    n_actions = N_ACTIONS

    def __init__(self, world: World, num_envs: int, starts: str = "uniform", seed: int = 0):
        if starts not in GRID_STARTS:
            raise ValueError(f"grid_starts must be one of {GRID_STARTS}, got {starts!r}")
        self.world = world
        self.num_envs = num_envs
        self.starts = starts
        self.tables = build_tables(world)
        self.n_states = world.n_states
        self.start_states = np.array(
            world.start_states() if starts == "uniform" else [world.start], dtype=np.int64
        )
        self.rng = np.random.default_rng(seed)
        self.state = np.zeros(num_envs, dtype=np.int64)
        self.steps = np.zeros(num_envs, dtype=np.int64)
        self.prev_done = np.zeros(num_envs, dtype=bool)

    def _draw(self, n: int) -> np.ndarray:
        return self.start_states[self.rng.integers(len(self.start_states), size=n)]

    def reset(self, group_size: int = 1) -> np.ndarray:
        """Start every walker afresh; consecutive blocks of ``group_size`` share a start cell.

        Blocks get the start cells in a shuffled round-robin order, so a batch covers
        every start cell as evenly as its size allows.
        """
        n_groups = -(-self.num_envs // group_size)
        order = np.concatenate(
            [
                self.rng.permutation(self.start_states)
                for _ in range(-(-n_groups // len(self.start_states)))
            ]
        )
        self.state = np.repeat(order[:n_groups], group_size)[: self.num_envs].copy()
        self.steps[:] = 0
        self.prev_done[:] = False
        return self.state.copy()

    def step(self, actions: np.ndarray):
        """(obs, rewards, terminated, truncated), each [N]."""
        t = self.tables
        s, a = self.state, actions
        nxt, rewards, terminated = t.next_state[s, a], t.reward[s, a].copy(), t.done[s, a].copy()
        self.steps += 1
        truncated = (self.steps >= self.world.horizon) & ~terminated
        redo = self.prev_done
        if redo.any():
            nxt = nxt.copy()
            nxt[redo] = self._draw(int(redo.sum()))
            self.steps[redo] = 0
            rewards[redo] = 0.0
            terminated[redo] = False
            truncated[redo] = False
        self.state = nxt
        self.prev_done = terminated | truncated
        return nxt.copy(), rewards, terminated, truncated


class CartPoleVecEnv:
    """N CartPole-v1 copies in Gymnasium's numpy-vectorized ``CartPoleVectorEnv``.

    Observations are float32 [N, 4]; reward 1 per step; terminated when the pole
    falls or the cart leaves the track, truncated at 500 steps.
    """

    kind = "vector"
    n_actions = 2
    obs_dim = 4

    def __init__(self, num_envs: int, seed: int = 0):
        import gymnasium

        self.num_envs = num_envs
        self.env = gymnasium.make_vec(
            "CartPole-v1", num_envs=num_envs, vectorization_mode="vector_entry_point"
        )
        self._cartpole = self.env.unwrapped
        self._seed: int | None = seed

    def reset(self, group_size: int = 1) -> np.ndarray:
        """Start every copy afresh; consecutive blocks of ``group_size`` share a start state.

        The first reset is seeded with the env's seed; later ones continue its
        random stream, so a seeded run is reproducible.
        """
        obs, _ = self.env.reset(seed=self._seed)
        self._seed = None
        if group_size > 1:
            cp = self._cartpole
            leaders = (np.arange(self.num_envs) // group_size) * group_size
            cp.state = cp.state[:, leaders].copy()
            obs = cp.state.T.astype(np.float32)
        return obs

    def step(self, actions: np.ndarray):
        """(obs, rewards, terminated, truncated), each with leading dimension N."""
        obs, rewards, terminated, truncated, _ = self.env.step(actions)
        return obs, rewards.astype(np.float64), terminated, truncated

    def close(self) -> None:
        self.env.close()

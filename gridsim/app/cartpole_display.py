"""The CartPole shown on screen: one env stepped in the UI thread at real time (50 steps/s).

Pixel-free. Actions come from the latest snapshot's policy weights through a numpy
forward pass (``agents.numpy_policy``), or from the keyboard in "play yourself" mode.
Gymnasium is imported on first use, not at start-up.
"""

from __future__ import annotations

import numpy as np

TAU = 0.02  # CartPole's seconds per step
MAX_EPISODE_STEPS = 500  # CartPole-v1's time limit
MAX_STEPS_PER_ADVANCE = 5  # after a long frame, catch up at most this many steps


def policy_probs(weights, obs) -> np.ndarray:
    """[pi(left), pi(right)] for one observation; 50/50 before there is a policy."""
    if not weights:
        return np.array([0.5, 0.5])
    from agents.numpy_policy import mlp_probs

    return np.asarray(mlp_probs(weights, np.asarray(obs, dtype=np.float64)), dtype=np.float64)


class DisplayCartPole:
    """One CartPole episode after another, with an episode counter and returns."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.env = None
        self.obs = np.zeros(4)
        self.episode = 0
        self.ret = 0.0
        self.steps = 0
        self.last_return: float | None = None
        self.best_return = 0.0
        self._clock = 0.0

    def _ensure_env(self) -> None:
        if self.env is None:
            from gymnasium.envs.classic_control.cartpole import CartPoleEnv

            self.env = CartPoleEnv()
            self.new_episode()

    @property
    def x_threshold(self) -> float:
        return 2.4 if self.env is None else float(self.env.x_threshold)

    @property
    def theta_threshold(self) -> float:
        return 0.2095 if self.env is None else float(self.env.theta_threshold_radians)

    @property
    def pole_half_length(self) -> float:
        return 0.5 if self.env is None else float(self.env.length)

    def new_episode(self) -> None:
        self._ensure_env()
        obs, _ = self.env.reset(seed=int(self.rng.integers(2**31)))
        self.obs = np.asarray(obs, dtype=np.float64)
        self.episode += 1
        self.ret = 0.0
        self.steps = 0

    def step(self, action: int) -> bool:
        """One env step; True when the episode ended (a new one has begun)."""
        self._ensure_env()
        obs, reward, terminated, _, _ = self.env.step(int(action))
        self.obs = np.asarray(obs, dtype=np.float64)
        self.ret += float(reward)
        self.steps += 1
        if terminated or self.steps >= MAX_EPISODE_STEPS:
            self.last_return = self.ret
            self.best_return = max(self.best_return, self.ret)
            self.new_episode()
            return True
        return False

    def advance(self, dt: float, choose) -> int:
        """Step as many times as real time ``dt`` allows at 50 steps/s; ``choose(obs)`` picks
        each action. Returns the number of steps taken."""
        self._ensure_env()
        self._clock = min(self._clock + dt, MAX_STEPS_PER_ADVANCE * TAU)
        n = 0
        while self._clock >= TAU:
            self._clock -= TAU
            self.step(choose(self.obs))
            n += 1
        return n

"""REINFORCE (tutorial ch.3, "the REINFORCE loss"): weights are discounted rewards-to-go.

    loss = - sum_t log pi(a_t|s_t) * R_t,   R_t = sum_k gamma^k r_{t+k}

(averaged over the batch's steps, so the step size does not depend on the batch size).
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.agent import Agent, UpdateResult
from agents.config import EpisodeConfig, episode_gridworld_config
from agents.estimators import reward_to_go
from gridsim.world import World, default_world


@dataclass(frozen=True)
class Config(EpisodeConfig):
    """Hyper-parameters of REINFORCE."""

    gamma: float | None = 0.99
    """Discount of the reward-to-go; none: the gridworld's own gamma."""


DEFAULTS = {
    "cartpole": Config(lr=3e-2, num_envs=32, hidden=(32,), batch_steps=5000, gamma=0.99),
    "gridworld": None,  # gridworld_config(default_world()), below
}


def gridworld_config(world: World) -> Config:
    """Defaults on ``world``: agents.config.episode_gridworld_config (512 walkers, >= 10 000
    steps per update, lr 0.1, ent_coef 0.1, adam_beta2 from 0.999 to 0.99 as S grows)."""
    return episode_gridworld_config(Config, world)


DEFAULTS["gridworld"] = gridworld_config(default_world())


class Reinforce(Agent):
    def update(self) -> UpdateResult:
        batch = self.collector.collect_episodes(self.sampler(), self.cfg.batch_steps)
        # R_t: the discounted sum of the rewards from t on
        weights = reward_to_go(batch.rewards, batch.ends, self.gamma)
        return self.policy_gradient_step(batch, weights, "discounted reward-to-go")

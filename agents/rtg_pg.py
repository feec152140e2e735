"""Reward-to-go policy gradient (tutorial ch.3, "don't let the past distract you").

    g = 1/|D| sum_tau sum_t grad log pi(a_t|s_t) * sum_{t'=t}^{T} r_{t'}

The only change from simple_pg is the weight: an action is reinforced only by
the rewards that came after it. On the gridworld, whose return is discounted
(sum_k gamma^k r_k), the rewards summed are the discounted terms gamma^k r_k
(gamma=1 on CartPole: the tutorial's plain sum). REINFORCE differs: it restarts
the discount at every step, sum_k gamma^k r_{t+k}.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.agent import Agent, UpdateResult
from agents.config import EpisodeConfig, episode_gridworld_config
from agents.estimators import discount_from_start, reward_to_go
from gridsim.world import World, default_world


@dataclass(frozen=True)
class Config(EpisodeConfig):
    """Hyper-parameters of the reward-to-go policy gradient."""


DEFAULTS = {
    "cartpole": Config(lr=3e-2, num_envs=32, hidden=(32,), batch_steps=5000, gamma=1.0),
    "gridworld": None,  # gridworld_config(default_world()), below
}


def gridworld_config(world: World) -> Config:
    """Defaults on ``world``: agents.config.episode_gridworld_config (512 walkers, >= 10 000
    steps per update, lr 0.1, ent_coef 0.1, adam_beta2 from 0.999 to 0.99 as S grows)."""
    return episode_gridworld_config(Config, world)


DEFAULTS["gridworld"] = gridworld_config(default_world())


class RewardToGoPG(Agent):
    def update(self) -> UpdateResult:
        batch = self.collector.collect_episodes(self.sampler(), self.cfg.batch_steps)
        # the weight for each log pi(a_t|s_t) is the reward-to-go from t
        terms = discount_from_start(batch.rewards, batch.ends, batch.valid, self.gamma)
        weights = reward_to_go(terms, batch.ends)
        return self.policy_gradient_step(batch, weights, "reward-to-go")

"""The simplest policy gradient (tutorial ch.3; Spinning Up's 1_simple_pg).

    g = 1/|D| sum_tau sum_t grad log pi(a_t|s_t) * R(tau)

Every action of an episode is pushed up in proportion to the episode's whole
return R(tau), including rewards that came before it (that only adds noise:
see rtg_pg).
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.agent import Agent, UpdateResult
from agents.config import EpisodeConfig, episode_gridworld_config
from agents.estimators import episode_return
from gridsim.world import World, default_world


@dataclass(frozen=True)
class Config(EpisodeConfig):
    """Hyper-parameters of the simplest policy gradient."""


DEFAULTS = {
    "cartpole": Config(lr=3e-2, num_envs=32, hidden=(32,), batch_steps=5000, gamma=1.0),
    "gridworld": None,  # gridworld_config(default_world()), below
}


def gridworld_config(world: World) -> Config:
    """Defaults on ``world``: agents.config.episode_gridworld_config (512 walkers, >= 10 000
    steps per update, lr 0.1, ent_coef 0.1, adam_beta2 from 0.999 to 0.99 as S grows)."""
    return episode_gridworld_config(Config, world)


DEFAULTS["gridworld"] = gridworld_config(default_world())


class SimplePG(Agent):
    def update(self) -> UpdateResult:
        batch = self.collector.collect_episodes(self.sampler(), self.cfg.batch_steps)
        # the weight for each log pi(a_t|s_t) is R(tau), the return of its whole episode
        weights = episode_return(batch.rewards, batch.ends, batch.valid, self.gamma)
        return self.policy_gradient_step(batch, weights, "R(tau)")

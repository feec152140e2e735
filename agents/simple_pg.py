"""The simplest policy gradient (tutorial ch.3; Spinning Up's 1_simple_pg).

    g = 1/|D| sum_tau sum_t grad log pi(a_t|s_t) * R(tau)

Every action of an episode is pushed up in proportion to the episode's whole
return R(tau), including rewards that came before it (that only adds noise:
see rtg_pg).
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.agent import Agent, UpdateResult
from agents.config import EpisodeConfig
from agents.estimators import episode_return


@dataclass(frozen=True)
class Config(EpisodeConfig):
    """Hyper-parameters of the simplest policy gradient."""


DEFAULTS = {
    "cartpole": Config(lr=3e-2, num_envs=32, hidden=(32,), batch_steps=5000, gamma=1.0),
    "gridworld": Config(lr=0.1, num_envs=512, batch_steps=10000, gamma=None, ent_coef=0.1),
}


class SimplePG(Agent):
    def update(self) -> UpdateResult:
        batch = self.collector.collect_episodes(self.sampler(), self.cfg.batch_steps)
        # the weight for each log pi(a_t|s_t) is R(tau), the return of its whole episode
        weights = episode_return(batch.rewards, batch.ends, batch.valid, self.gamma)
        return self.policy_gradient_step(batch, weights, "R(tau)")

"""GRPO (Shao et al. 2024): group-relative advantages instead of a critic.

Rollouts come in groups of G that share their start state (the same grid cell,
or the same CartPole start). Every step of rollout i gets its group's verdict

    A_i = (R_i - mean(R_group)) / (std(R_group) + eps)

and the policy minimizes PPO's clipped surrogate, optionally plus
kl_coef * KL(pi || pi_ref) to a frozen copy of the initial policy.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from agents.agent import (
    Agent,
    UpdateResult,
    check_finite,
    clipped_surrogate,
    flat_valid,
    minibatches,
)
from agents.config import CommonConfig, ConfigError, at_least, between, in_unit, positive
from agents.estimators import episode_return, group_relative
from gridsim.world import World, default_world


@dataclass(frozen=True)
class Config(CommonConfig):
    """Hyper-parameters of GRPO (num_envs rollouts per update, num_envs / group_size groups)."""

    group_size: int = 8
    """Rollouts per group, all from the same start state."""
    gamma: float | None = 1.0
    """Discount inside each rollout's return; none: the gridworld's own gamma."""
    clip: float = 0.2
    """Clip range eps of the probability ratio."""
    epochs: int = 4
    """Passes over each batch."""
    minibatch_size: int = 2048
    """Transitions per gradient step."""
    kl_coef: float = 0.0
    """Weight of the KL penalty to the frozen initial policy (0: none)."""
    eps: float = 1e-8
    """Added to the group std before dividing."""

    def validate(self) -> None:
        super().validate()
        positive(self, "group_size", "clip", "epochs", "minibatch_size", "eps")
        at_least(self, 0.0, "kl_coef")
        in_unit(self, "gamma")
        if self.num_envs % self.group_size:
            raise ConfigError(
                f"num_envs ({self.num_envs}) must be a multiple of group_size ({self.group_size})"
            )


def gridworld_config(world: World) -> Config:
    """GRPO's defaults on ``world`` (S states, horizon H), tuned on the 3x3, the 5x5 maze
    and the 10x10 mazes of gridsim.mazes (agents.config.between interpolates in between).

    - group_size 8, num_envs = 8 x max(25, start cells): from 25 start cells on, every
      start cell starts a group in every update, so every state's first action is compared
      within a group at every update; an update sees num_envs x H steps.
    - lr 0.3 up to 25 states, 0.1 from 100: smaller steps where an early, wrong favourite
      of a rarely visited state would otherwise stick.
    - ent_coef 0 up to 25 states, 0.03 from 100: keeps pi(.|s) from saturating on such a
      favourite before the states downstream of it have learned.
    - epochs 2 over minibatches of 2048 steps.
    """
    n = world.n_states
    group = 8
    return Config(
        lr=between(n, 0.3, 0.1),
        num_envs=group * max(25, len(world.start_states())),
        group_size=group,
        gamma=None,
        epochs=2,
        ent_coef=between(n, 0.0, 0.03),
    )


DEFAULTS = {
    "cartpole": Config(lr=1e-2, num_envs=64, hidden=(32,), group_size=8, gamma=1.0, epochs=4),
    "gridworld": gridworld_config(default_world()),
}


class GRPO(Agent):
    def __init__(self, env, cfg: Config, gamma_default: float, seed: int):
        self.group_size = cfg.group_size
        super().__init__(env, cfg, gamma_default, seed)
        self.reference = copy.deepcopy(self.policy).requires_grad_(False)

    def modules(self):
        return {"policy": self.policy, "reference": self.reference}

    def policy_loss(self, logp, old_logp, weights):
        """PPO's clipped surrogate on the group-relative advantages."""
        return clipped_surrogate(logp, old_logp, weights, self.cfg.clip)

    def update(self) -> UpdateResult:
        cfg = self.cfg
        batch = self.collector.collect_episodes(self.sampler(), min_steps=0)  # one episode per env
        returns = episode_return(batch.rewards, batch.ends, batch.valid, self.gamma)[0]  # R_i
        groups = np.arange(self.env.num_envs) // cfg.group_size
        adv = group_relative(returns, groups, cfg.eps)
        per_step = np.broadcast_to(adv, batch.rewards.shape)
        obs, actions, adv_t = flat_valid(batch, per_step)
        with torch.no_grad():
            old = self.policy.dist(obs)
            old_logp = old.log_prob(actions)

        for _ in range(cfg.epochs):
            for mb in minibatches(self.rng, len(actions), cfg.minibatch_size):
                dist = self.policy.dist(obs[mb])
                logp = dist.log_prob(actions[mb])
                policy_loss = self.policy_loss(logp, old_logp[mb], adv_t[mb])
                entropy = dist.entropy().mean()
                loss = policy_loss - cfg.ent_coef * entropy
                kl = torch.zeros(())
                if cfg.kl_coef > 0:
                    # k3 estimator of KL(pi || pi_ref): r - log r - 1 with r = pi_ref / pi
                    log_r = self.reference.dist(obs[mb]).log_prob(actions[mb]) - logp
                    kl = (torch.exp(log_r) - log_r - 1).mean()
                    loss = loss + cfg.kl_coef * kl
                check_finite("GRPO", loss)
                self.step(self.optimizer, loss, self.policy.parameters())
        losses = (("policy", policy_loss.item()), ("kl", kl.item()))
        kl_prev, approx, ratios = self.policy_change(obs, actions, old.logits, old_logp)
        return UpdateResult(
            batch,
            losses,
            entropy.item(),
            weights=per_step,
            weight_name="group advantage",
            kl_prev=kl_prev,
            approx_kl=approx,
            ratios=ratios,
            clip=cfg.clip,
            rollout_returns=returns,
        )

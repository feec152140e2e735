"""Vanilla policy gradient (tutorial ch.3, "baselines"): a learned value baseline and GAE.

    g = mean_t grad log pi(a_t|s_t) * A_t,     A_t = GAE(gamma, lambda) with V_phi
    phi <- argmin mean_t (V_phi(s_t) - R_t)^2   (a few steps of MSE regression)

With lambda=1, A_t is reward-to-go minus the baseline V_phi(s_t).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from agents.agent import Agent, UpdateResult, check_finite, flat_valid, normalized, values_of
from agents.config import TUTORIAL_STATES, CommonConfig, between, in_unit, positive
from agents.estimators import gae
from agents.policies import make_value
from gridsim.world import World, default_world


@dataclass(frozen=True)
class Config(CommonConfig):
    """Hyper-parameters of VPG."""

    n_steps: int = 64
    """Steps of every env per update (episodes cut at the edge are bootstrapped with V_phi)."""
    gamma: float | None = 0.99
    """Discount; none: the gridworld's own gamma."""
    lam: float = 0.95
    """GAE lambda: 0 is the one-step TD error, 1 is reward-to-go minus V_phi."""
    vf_lr: float = 1e-2
    """Adam step size of the value function."""
    vf_iters: int = 5
    """MSE regression steps of V_phi per update, on the whole batch."""
    normalize_adv: bool = True
    """Scale advantages to mean 0 and std 1 within each batch."""

    def validate(self) -> None:
        super().validate()
        positive(self, "n_steps", "vf_lr", "vf_iters")
        in_unit(self, "gamma", "lam")


DEFAULTS = {
    "cartpole": Config(lr=1e-2, num_envs=32, hidden=(32,), n_steps=64, gamma=0.99, lam=0.95),
    "gridworld": None,  # gridworld_config(default_world()), below
}


def gridworld_config(world: World) -> Config:
    """VPG's defaults on ``world`` (S states), tuned on the 3x3, the 5x5 maze and the 10x10
    mazes of gridsim.mazes.

    VPG takes one policy step per update, so it learns fastest from many small batches:
    64 walkers x 32 steps on every world (a bigger batch only makes each step costlier).
    - lr 0.1; vf_lr 0.5 with 5 regression steps of V_phi; lam 0.95, gamma the world's.
    - Beyond the tutorial's 3x3 (which keeps the settings it was tuned with):
      normalize_adv off: subtracting the batch's mean advantage pushes the one sampled
      action of a rarely visited, saturated state further up (its own advantage is ~0),
      which keeps it from recovering; and adam_beta2 0.9: with one step per update,
      Adam's memory is counted in updates (see CommonConfig.adam_beta2).
    - ent_coef 0.02 up to 25 states, 0.03 from 100 (agents.config.between).
    """
    n = world.n_states
    tutorial = n <= TUTORIAL_STATES
    return Config(
        lr=0.1,
        vf_lr=0.5,
        num_envs=64,
        n_steps=32,
        gamma=None,
        lam=0.95,
        ent_coef=between(n, 0.02, 0.03),
        normalize_adv=tutorial,
        adam_beta2=0.999 if tutorial else 0.9,
    )


DEFAULTS["gridworld"] = gridworld_config(default_world())


class VPG(Agent):
    def __init__(self, env, cfg: Config, gamma_default: float, seed: int):
        super().__init__(env, cfg, gamma_default, seed)
        self.value = make_value(env, cfg.hidden)
        self.value_optimizer = torch.optim.Adam(self.value.parameters(), lr=cfg.vf_lr)

    def modules(self):
        return {"policy": self.policy, "value": self.value}

    def update(self) -> UpdateResult:
        cfg = self.cfg
        batch = self.collector.collect_steps(self.sampler(), cfg.n_steps)
        values = values_of(self.value, batch.obs)  # V_phi(s_t), t = 0..T
        adv = gae(batch.rewards, values, batch.terminated, batch.ends, self.gamma, cfg.lam)
        returns = adv + values[:-1]  # regression targets for V_phi
        raw = adv
        if cfg.normalize_adv:
            adv = normalized(adv, batch.valid)
        result = self.policy_gradient_step(batch, adv, "GAE advantage")

        obs, _, target = flat_valid(batch, returns)
        for _ in range(cfg.vf_iters):
            value_loss = ((self.value(obs) - target) ** 2).mean()
            v = check_finite("value", value_loss)
            self.step(self.value_optimizer, value_loss, self.value.parameters())
        return replace(result, losses=result.losses + (("value", v),), advantages=raw)

"""PPO with the clipped surrogate (Schulman et al. 2017), GAE and a value loss.

    L = -mean_t min(rho_t A_t, clip(rho_t, 1-eps, 1+eps) A_t)
        + vf_coef * mean_t (V(s_t) - R_t)^2 - ent_coef * mean_t H(pi(.|s_t)),
    rho_t = pi(a_t|s_t) / pi_old(a_t|s_t),

minimized for several epochs of minibatches on each batch: the clip keeps the
new policy near the one that collected the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from agents.agent import (
    Agent,
    UpdateResult,
    check_finite,
    clipped_surrogate,
    flat_valid,
    make_optimizer,
    minibatches,
    normalized,
    values_of,
)
from agents.config import CommonConfig, at_least, in_unit, positive, walkers_for
from agents.estimators import gae
from agents.policies import make_value
from gridsim.world import World, default_world


@dataclass(frozen=True)
class Config(CommonConfig):
    """Hyper-parameters of PPO."""

    n_steps: int = 32
    """Steps of every env per update."""
    gamma: float | None = 0.98
    """Discount; none: the gridworld's own gamma."""
    lam: float = 0.8
    """GAE lambda."""
    clip: float = 0.2
    """Clip range eps of the probability ratio."""
    epochs: int = 10
    """Passes over each batch."""
    minibatch_size: int = 256
    """Transitions per gradient step."""
    vf_coef: float = 0.5
    """Weight of the value loss."""
    normalize_adv: bool = True
    """Scale advantages to mean 0 and std 1 within each minibatch's batch."""
    anneal_steps: int = 0
    """Decay lr and clip linearly to 0 over this many env steps (0: constant)."""

    def validate(self) -> None:
        super().validate()
        positive(self, "n_steps", "clip", "epochs", "minibatch_size")
        at_least(self, 0.0, "vf_coef", "anneal_steps")
        in_unit(self, "gamma", "lam")


DEFAULTS = {
    "cartpole": Config(
        lr=1e-2,
        num_envs=32,
        hidden=(32,),
        n_steps=32,
        gamma=0.98,
        lam=0.8,
        epochs=10,
        minibatch_size=1024,
        anneal_steps=300_000,
    ),
    "gridworld": None,  # gridworld_config(default_world()), below
}


def gridworld_config(world: World) -> Config:
    """PPO's defaults on ``world`` (S states, horizon H), tuned on the 3x3, the 5x5 maze and
    the 10x10 mazes of gridsim.mazes.

    - num_envs = agents.config.walkers_for(S, H) (64 up to the 5x5, 512 on a 10x10 with
      H = 60), n_steps 32: every state starts ~2.7 episodes in every update, so the rarely
      visited states (forbidden cells, dead ends) are in every batch.
    - epochs 2 over minibatches of 1024 steps: more gradient steps per update on a bigger
      batch, each as noisy as on the 3x3.
    - lr 0.05; ent_coef 0.03 and adam_beta2 0.99 (see CommonConfig): a state that
      saturated early on a wrong favourite recovers once the states downstream have learned
      (on the 3x3 and the 5x5 too: 79 k and 144 k steps to the optimum instead of 86 k and
      251 k, median of 10 seeds).
    - lam 0.95, gamma the world's.
    """
    return Config(
        lr=0.05,
        num_envs=walkers_for(world.n_states, world.horizon),
        n_steps=32,
        gamma=None,
        lam=0.95,
        epochs=2,
        minibatch_size=1024,
        ent_coef=0.03,
        adam_beta2=0.99,
    )


DEFAULTS["gridworld"] = gridworld_config(default_world())


class PPO(Agent):
    def __init__(self, env, cfg: Config, gamma_default: float, seed: int):
        super().__init__(env, cfg, gamma_default, seed)
        self.clip = cfg.clip
        """The clip range eps of the current update (annealed with anneal_steps)."""
        self.value = make_value(env, cfg.hidden)
        self.params = list(self.policy.parameters()) + list(self.value.parameters())
        self.optimizer = make_optimizer(cfg, self.params, cfg.lr)

    def policy_out_gain(self) -> float:
        return 0.01

    def policy_loss(self, logp, old_logp, weights):
        """The clipped surrogate (equal to the tutorial's loss, and with the same gradient,
        while pi = pi_old)."""
        return clipped_surrogate(logp, old_logp, weights, self.clip)

    def modules(self):
        return {"policy": self.policy, "value": self.value}

    def update(self) -> UpdateResult:
        cfg = self.cfg
        frac = 1.0
        if cfg.anneal_steps:
            frac = max(0.0, 1.0 - self.collector.total_steps / cfg.anneal_steps)
        for group in self.optimizer.param_groups:
            group["lr"] = cfg.lr * frac
        self.clip = cfg.clip * frac

        batch = self.collector.collect_steps(self.sampler(), cfg.n_steps)
        values = values_of(self.value, batch.obs)
        adv = gae(batch.rewards, values, batch.terminated, batch.ends, self.gamma, cfg.lam)
        returns = adv + values[:-1]
        raw = adv
        if cfg.normalize_adv:
            adv = normalized(adv, batch.valid)
        obs, actions, adv_t, ret_t = flat_valid(batch, adv, returns)
        with torch.no_grad():
            old = self.policy.dist(obs)
            old_logp = old.log_prob(actions)

        for _ in range(cfg.epochs):
            for mb in minibatches(self.rng, len(actions), cfg.minibatch_size):
                dist = self.policy.dist(obs[mb])
                policy_loss = self.policy_loss(dist.log_prob(actions[mb]), old_logp[mb], adv_t[mb])
                value_loss = ((self.value(obs[mb]) - ret_t[mb]) ** 2).mean()
                entropy = dist.entropy().mean()
                loss = policy_loss + cfg.vf_coef * value_loss - cfg.ent_coef * entropy
                check_finite("PPO", loss)
                self.step(self.optimizer, loss, self.params)
        losses = (("policy", policy_loss.item()), ("value", value_loss.item()))
        kl, approx, ratios = self.policy_change(obs, actions, old.logits, old_logp)
        return UpdateResult(
            batch,
            losses,
            entropy.item(),
            weights=adv,
            weight_name="GAE advantage",
            kl_prev=kl,
            approx_kl=approx,
            ratios=ratios,
            clip=self.clip,
            advantages=raw,
        )

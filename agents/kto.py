"""KTO (Ethayarajh et al. 2024): learn from thumbs up / thumbs down on single trajectories.

With r_theta(tau) = sum_t log pi_theta(a_t|s_t) / pi_ref(a_t|s_t) (agents.preference) and the
reference point z0 = the batch's mean of sum_t KL(pi_theta(.|s_t) || pi_ref(.|s_t)):

    desirable tau:    L = lambda_D (1 - sigma(beta (r_theta(tau) - z0)))
    undesirable tau:  L = lambda_U (1 - sigma(beta (z0 - r_theta(tau))))

Prospect theory's value of a gain or a loss relative to z0, saturating both ways: no pairs
are needed, only a verdict per trajectory. Online (the default), every update samples groups
of trajectories that share their start state and calls one desirable when its true return is
above its group's median (or above ``threshold`` when set); with labeller "human", it learns
from the judgements given (the app, or ``train --prefs FILE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from agents.agent import UpdateResult, check_finite
from agents.config import ConfigError, at_least, positive
from agents.preference import kto_loss, kto_reference_point
from agents.preference_agent import (
    PreferenceAgent,
    PreferenceConfig,
    episode_returns,
    episode_steps,
    summary_metrics,
)


@dataclass(frozen=True)
class Config(PreferenceConfig):
    """Hyper-parameters of KTO (num_envs trajectories per update, in groups of group_size)."""

    desirable_weight: float = 1.0
    """lambda_D: the weight of the desirable trajectories' loss."""
    undesirable_weight: float = 1.0
    """lambda_U: the weight of the undesirable trajectories' loss."""
    group_size: int = 8
    """Synthetic labels: trajectories per start state; each is judged against its group."""
    threshold: float | None = None
    """Synthetic labels: desirable above this return; none: above its group's median."""

    def validate(self) -> None:
        super().validate()
        at_least(self, 0.0, "desirable_weight", "undesirable_weight")
        positive(self, "group_size")
        if self.desirable_weight + self.undesirable_weight <= 0:
            raise ConfigError("desirable_weight and undesirable_weight cannot both be 0")
        if self.num_envs % self.group_size:
            raise ConfigError(
                f"num_envs ({self.num_envs}) must be a multiple of group_size ({self.group_size})"
            )


DEFAULTS = {
    "cartpole": Config(lr=1e-2, num_envs=16, hidden=(32,), beta=0.1, group_size=8, epochs=4),
    "gridworld": Config(lr=0.03, num_envs=256, beta=0.1, group_size=8, epochs=3),
}


class KTO(PreferenceAgent):
    algo = "kto"
    learns_from = "judgements"

    def __init__(self, env, cfg: Config, gamma_default: float, seed: int):
        self.group_size = cfg.group_size
        super().__init__(env, cfg, gamma_default, seed)

    def update(self) -> UpdateResult:
        cfg = self.cfg
        self.require_labels()
        batch = self.collector.collect_episodes(self.sampler(), min_steps=0)
        if cfg.labeller == "human":
            steps, desirable = self.labels.judgement_steps()
            judged = torch.arange(steps.n)
        else:
            steps = episode_steps(batch)
            returns = episode_returns(batch, self.label_gamma)
            if cfg.threshold is not None:
                threshold = np.full_like(returns, cfg.threshold)
            else:
                groups = returns.reshape(-1, cfg.group_size)
                threshold = np.repeat(np.median(groups, axis=1), cfg.group_size)
            verdict = self.labeller.desirable(returns, threshold)
            judged = torch.from_numpy(np.flatnonzero(verdict >= 0))
            desirable = torch.from_numpy(verdict == 1)
            self.labelled += len(judged)
        desirable = desirable[judged]

        ref, ref_logp = self.reference_terms(steps)
        for _ in range(cfg.epochs):
            ratio, current, logps = self.logratios(steps, ref_logp)
            kl = self.trajectory_kl(current, ref)
            z0 = kto_reference_point(kl)
            losses = kto_loss(
                ratio[judged],
                desirable,
                z0,
                cfg.beta,
                cfg.desirable_weight,
                cfg.undesirable_weight,
            )
            if not len(judged):
                break  # every trajectory sat on its threshold: no verdict this time
            loss = losses.mean()
            check_finite("KTO", loss)
            if cfg.ent_coef > 0:
                loss = loss - cfg.ent_coef * current.entropy()
            self.step(self.optimizer, loss, self.policy.parameters())

        ratio = ratio.detach()[judged]
        logps = logps[judged]
        rewards = cfg.beta * ratio
        good, bad = rewards[desirable], rewards[~desirable]
        right_side = torch.where(desirable, ratio > z0, ratio < z0)
        self.record(
            batch,
            summary_metrics(
                {
                    "loss": losses,
                    "rewards/chosen": good,
                    "rewards/rejected": bad,
                    "rewards/margins": (good.mean() if len(good) else torch.zeros(()))
                    - (bad.mean() if len(bad) else torch.zeros(())),
                    "rewards/accuracies": right_side.double(),
                    "kl": z0,
                    "logps/chosen": logps[desirable],
                    "logps/rejected": logps[~desirable],
                }
            ),
        )
        entropy = float(current.entropy().detach())
        losses_out = (("policy", self.metrics["loss"]),) if len(judged) else ()
        return UpdateResult(batch, losses_out, entropy)

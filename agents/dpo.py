"""DPO (Rafailov et al. 2023): learn the policy straight from preferences, no reward model.

For a pair from one start state, tau_w preferred to tau_l, and the log-ratio
r_theta(tau) = sum_t log pi_theta(a_t|s_t) / pi_ref(a_t|s_t) (agents.preference):

    L = -log sigma(beta (r_theta(tau_w) - r_theta(tau_l)))

(or IPO's (margin - 1/(2 beta))^2; label smoothing: conservative DPO). This is the
Bradley-Terry loss of a reward model whose reward is beta * log pi_theta/pi_ref: the policy
is its own reward model, and the policy that maximizes that reward minus beta * KL(pi || pi_ref)
is pi_theta itself. Online (the default), every update samples pairs from the current policy
from shared starts and labels them by their true return; with labeller "human", it learns
from the labels given (the app, or ``train --prefs FILE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from agents.agent import UpdateResult, check_finite, make_optimizer
from agents.config import ConfigError, positive
from agents.preference import LOSS_TYPES, dpo_loss
from agents.preference_agent import (
    PreferenceAgent,
    PreferenceConfig,
    episode_returns,
    episode_steps,
    label_pairs,
    summary_metrics,
)


@dataclass(frozen=True)
class Config(PreferenceConfig):
    """Hyper-parameters of DPO (num_envs trajectories per update: num_envs / 2 pairs)."""

    loss_type: str = "sigmoid"
    """"sigmoid" (DPO) or "ipo"."""
    label_smoothing: float = 0.0
    """eps in [0, 0.5): the probability that a label is wrong (conservative DPO)."""
    label_lr: float = 0.01
    """labeller "human" (the gridworld): the learning rate used instead of ``lr``. Why smaller:
    Adam moves every logit by about lr per step whatever the gradient's size (beta and
    sigma(-beta h) scale the gradient, not Adam's step), so a label buys up to
    updates_per_label * epochs * lr nats on each logit its two trajectories touch (20 * 3 *
    0.03 = 1.8 with the synthetic path's lr), and every new label buys that again for all the
    old ones, whose sigmoid loss has no minimum. With 0.03 one honest label against a detour
    through s4 (lost after s4) pushes pi(a2|s4) or pi(a3|s1) to ~0 within a few labels, and
    the route through s4 is never sampled again; 0.01 (0.6 nats a label) keeps it alive
    (bench/bench_preferences.py --parts human)."""

    def validate(self) -> None:
        super().validate()
        positive(self, "label_lr")
        if self.loss_type not in LOSS_TYPES:
            raise ConfigError(
                f"loss_type must be one of {', '.join(LOSS_TYPES)}, got {self.loss_type!r}"
            )
        if not 0.0 <= self.label_smoothing < 0.5:
            raise ConfigError(f"label_smoothing must be in [0, 0.5), got {self.label_smoothing}")
        if self.num_envs < 2 or self.num_envs % 2:
            raise ConfigError(f"num_envs must be even (two per pair), got {self.num_envs}")


DEFAULTS = {
    "cartpole": Config(lr=1e-2, num_envs=16, hidden=(32,), beta=0.1, epochs=4),
    "gridworld": Config(lr=0.03, num_envs=256, beta=0.1, epochs=3),
}


class DPO(PreferenceAgent):
    algo = "dpo"
    group_size = 2
    """A pair's two trajectories start in the same state (on CartPole: the same reset)."""

    def __init__(self, env, cfg: Config, gamma_default: float, seed: int):
        super().__init__(env, cfg, gamma_default, seed)
        if cfg.labeller == "human":  # Config.label_lr says why
            self.optimizer = make_optimizer(cfg, self.policy.parameters(), cfg.label_lr)

    def update(self) -> UpdateResult:
        cfg = self.cfg
        self.require_labels()
        batch = self.collector.collect_episodes(self.sampler(), min_steps=0)
        if cfg.labeller == "human":
            steps = self.labels.pair_steps()
            n_pairs = steps.n // 2
            chosen = torch.arange(n_pairs)
            rejected = chosen + n_pairs
        else:
            steps = episode_steps(batch)
            returns = episode_returns(batch, self.label_gamma)
            chosen, rejected = map(torch.from_numpy, label_pairs(self.labeller, returns))
            self.labelled += len(chosen)

        ref, ref_logp = self.reference_terms(steps)
        for _ in range(cfg.epochs):
            ratio, current, logps = self.logratios(steps, ref_logp)
            losses = dpo_loss(
                ratio[chosen], ratio[rejected], cfg.beta, cfg.loss_type, cfg.label_smoothing
            )
            if not len(chosen):
                break  # every pair was a tie: nothing to prefer this time
            loss = losses.mean()
            check_finite("DPO", loss)
            entropy = current.entropy()
            if cfg.ent_coef > 0:
                loss = loss - cfg.ent_coef * entropy
            self.step(self.optimizer, loss, self.policy.parameters())

        ratio = ratio.detach()
        rewards_chosen, rewards_rejected = cfg.beta * ratio[chosen], cfg.beta * ratio[rejected]
        self.record(
            batch,
            summary_metrics(
                {
                    "loss": losses,
                    "rewards/chosen": rewards_chosen,
                    "rewards/rejected": rewards_rejected,
                    "rewards/margins": rewards_chosen - rewards_rejected,
                    "rewards/accuracies": (rewards_chosen > rewards_rejected).double(),
                    "kl": self.trajectory_kl(current, ref),
                    "logps/chosen": logps[chosen],
                    "logps/rejected": logps[rejected],
                }
            ),
        )
        entropy = float(current.entropy().detach())
        losses_out = (("policy", self.metrics["loss"]),) if len(chosen) else ()
        return UpdateResult(batch, losses_out, entropy)

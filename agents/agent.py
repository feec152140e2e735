"""What every algorithm shares: its env, collector, policy and optimizer, and the gradient step.

An algorithm module subclasses ``Agent`` and writes only ``update()``: collect a
batch, compute the weights of log pi(a_t|s_t), take the step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from agents.policies import as_tensor, make_policy
from agents.rollout import Batch, Collector


class TrainingError(RuntimeError):
    """Training cannot go on (a NaN/inf loss, ...); the message is shown to the user."""


@dataclass(frozen=True, eq=False)
class UpdateResult:
    """What one update reports: the batch it learned from, its losses, the policy's entropy,
    and what the update inspector shows (gridsim.inspection): the weight Phi_t of every step
    and how far the policy moved."""

    batch: Batch
    losses: tuple[tuple[str, float], ...]
    entropy: float
    weights: np.ndarray | None = None
    """Phi_t [T, N]: the weight of log pi(a_t|s_t) in the policy loss (0 on unreal steps)."""
    weight_name: str = ""
    """What Phi_t is: "R(tau)", "reward-to-go", ... (keys of gridsim.inspection.WEIGHT_NAMES)."""
    kl_prev: float = math.nan
    """Mean over the batch's states of KL(pi_old || pi_new): how far this update moved pi."""
    approx_kl: float = math.nan
    """mean_t (rho_t - 1) - log rho_t, rho_t = pi_new(a_t|s_t) / pi_old(a_t|s_t)."""
    ratios: np.ndarray | None = None
    """PPO / GRPO: rho_t of the batch's real steps after the update, in batch order."""
    clip: float | None = None
    """PPO / GRPO: the clip range eps used."""
    advantages: np.ndarray | None = None
    """VPG / PPO: the raw (unnormalized) GAE estimates [T, N], for critic-vs-truth."""
    rollout_returns: np.ndarray | None = None
    """GRPO: R_i of every env's rollout [N] (groups are consecutive blocks of group_size)."""

    @property
    def clip_fraction(self) -> float:
        """Share of the batch's steps whose ratio left [1 - eps, 1 + eps] (nan without a clip)."""
        if self.ratios is None or self.clip is None or self.ratios.size == 0:
            return math.nan
        return float(np.mean(np.abs(self.ratios - 1.0) > self.clip))


def check_finite(name: str, value: torch.Tensor) -> float:
    """The loss as a float, or TrainingError when it is NaN or infinite."""
    x = float(value.detach())
    if not math.isfinite(x):
        raise TrainingError(f"{name} loss is {x} (try a smaller lr)")
    return x


class Agent:
    """The shared machinery of a policy-gradient algorithm on one vectorized env."""

    group_size = 1
    """Rollouts that share a start state (GRPO's groups); 1 for everyone else."""

    def __init__(self, env, cfg, gamma_default: float, seed: int):
        self.env = env
        self.cfg = cfg
        self.gamma = cfg.gamma if getattr(cfg, "gamma", None) is not None else gamma_default
        self.rng = np.random.default_rng(seed)
        self.collector = Collector(env, self.group_size)
        self.policy = make_policy(env, cfg.hidden, self.policy_out_gain())
        self.optimizer = make_optimizer(cfg, self.policy.parameters(), cfg.lr)

    def policy_out_gain(self) -> float:
        """Scale of the policy's last layer at init (small keeps the first policy near uniform)."""
        return 1.0

    def update(self) -> UpdateResult:  # pragma: no cover - every algorithm overrides it
        raise NotImplementedError

    def modules(self) -> dict[str, torch.nn.Module]:
        """The learned modules by name (what a checkpoint saves)."""
        return {"policy": self.policy}

    def sampler(self):
        """A numpy sampler of the current policy, for one rollout."""
        return self.policy.sampler(self.rng)

    def step(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor, params) -> None:
        """One optimizer step on ``loss`` (gradient norm clipped when max_grad_norm > 0)."""
        optimizer.zero_grad()
        loss.backward()
        if self.cfg.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(params, self.cfg.max_grad_norm)
        optimizer.step()

    def policy_loss(
        self, logp: torch.Tensor, old_logp: torch.Tensor, weights: torch.Tensor
    ) -> torch.Tensor:
        """The tutorial's loss, -mean_t(log pi(a_t|s_t) * Phi_t). Its gradient (for data from
        the current policy) is the policy gradient; its value is not a performance measure
        (tutorial ch.3). PPO and GRPO override it with the clipped surrogate."""
        return -(logp * weights).mean()

    def policy_gradient_step(
        self, batch: Batch, weights: np.ndarray, weight_name: str = ""
    ) -> UpdateResult:
        """One step on ``policy_loss`` over the batch's real transitions (plus the entropy
        bonus when ent_coef > 0); ``weight_name`` says what the weights Phi_t are."""
        obs, actions, w = flat_valid(batch, weights)
        dist = self.policy.dist(obs)
        logp = dist.log_prob(actions)
        loss = self.policy_loss(logp, logp.detach(), w)
        value = check_finite("policy", loss)
        entropy = dist.entropy().mean()
        if self.cfg.ent_coef > 0:
            loss = loss - self.cfg.ent_coef * entropy
        self.step(self.optimizer, loss, self.policy.parameters())
        kl, approx, _ = self.policy_change(obs, actions, dist.logits.detach(), logp.detach())
        return UpdateResult(
            batch,
            (("policy", value),),
            entropy.item(),
            weights=np.asarray(weights),
            weight_name=weight_name,
            kl_prev=kl,
            approx_kl=approx,
        )

    def policy_change(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        old_logits: torch.Tensor,
        old_logp: torch.Tensor,
    ) -> tuple[float, float, np.ndarray]:
        """How far the step just taken moved the policy on the batch's states:
        (mean KL(pi_old || pi_new), approx KL from the ratios, ratios rho_t [N] float64)."""
        with torch.no_grad():
            new = self.policy.dist(obs)
            kl = categorical_kl(old_logits, new.logits).mean()
            log_ratio = new.log_prob(actions) - old_logp
            ratios = torch.exp(log_ratio)
            approx = ((ratios - 1) - log_ratio).mean()
        return float(kl), float(approx), ratios.double().numpy()


def categorical_kl(old_logits: torch.Tensor, new_logits: torch.Tensor) -> torch.Tensor:
    """KL(pi_old || pi_new) per row, sum_a p_old (log p_old - log p_new), from normalized
    log-probabilities [B, A] (0 where p_old is 0, as torch.distributions.kl_divergence)."""
    p_old = old_logits.exp()
    terms = p_old * (old_logits - new_logits)
    return torch.where(p_old > 0, terms, torch.zeros_like(terms)).sum(dim=-1)


def make_optimizer(cfg, params, lr: float) -> torch.optim.Optimizer:
    """Adam (second-moment decay cfg.adam_beta2), or plain SGD when cfg.optimizer == "sgd"."""
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr)
    return torch.optim.Adam(params, lr=lr, betas=(0.9, cfg.adam_beta2))


def flat_valid(batch: Batch, *per_step: np.ndarray):
    """(obs, actions, *per_step) of the real transitions only, as flat torch tensors."""
    valid = batch.valid
    out = [as_tensor(batch.obs[:-1][valid]), torch.from_numpy(batch.actions[valid])]
    out += [torch.from_numpy(np.asarray(x[valid], dtype=np.float32)) for x in per_step]
    return out


def values_of(value_fn: torch.nn.Module, obs: np.ndarray) -> np.ndarray:
    """V(obs) for every observation of a batch, obs[T+1, N, ...] -> float64 [T+1, N]."""
    lead = obs.shape[:2]
    flat = obs.reshape(lead[0] * lead[1], *obs.shape[2:])
    with torch.no_grad():
        return value_fn(as_tensor(flat)).double().numpy().reshape(lead)


def normalized(adv: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(A - mean) / (std + 1e-8) over the real transitions (a common variance reduction)."""
    a = adv[valid]
    return (adv - a.mean()) / (a.std() + 1e-8) if a.size > 1 else adv


def clipped_surrogate(
    logp: torch.Tensor, old_logp: torch.Tensor, adv: torch.Tensor, clip: float
) -> torch.Tensor:
    """PPO's loss: -mean(min(rho * A, clip(rho, 1-eps, 1+eps) * A)), rho = pi/pi_old."""
    ratio = torch.exp(logp - old_logp)
    unclipped = ratio * adv
    clipped = torch.clamp(ratio, 1.0 - clip, 1.0 + clip) * adv
    return -torch.min(unclipped, clipped).mean()


def minibatches(rng: np.random.Generator, n: int, size: int):
    """Index arrays that cover range(n) once, in random order, ``size`` at a time."""
    order = torch.from_numpy(rng.permutation(n))
    for start in range(0, n, size):
        yield order[start : start + size]

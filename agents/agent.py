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
    """What one update reports: the batch it learned from, its losses and the policy's entropy."""

    batch: Batch
    losses: tuple[tuple[str, float], ...]
    entropy: float


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

    def policy_gradient_step(self, batch: Batch, weights: np.ndarray) -> UpdateResult:
        """The tutorial's loss, -mean_t(log pi(a_t|s_t) * Phi_t) over real transitions, one step.

        Its gradient (for data from the current policy) is the policy gradient; its value
        is not a performance measure (tutorial ch.3).
        """
        obs, actions, w = flat_valid(batch, weights)
        dist = self.policy.dist(obs)
        loss = -(dist.log_prob(actions) * w).mean()
        value = check_finite("policy", loss)
        entropy = dist.entropy().mean()
        if self.cfg.ent_coef > 0:
            loss = loss - self.cfg.ent_coef * entropy
        self.step(self.optimizer, loss, self.policy.parameters())
        return UpdateResult(batch, (("policy", value),), entropy.item())


def make_optimizer(cfg, params, lr: float) -> torch.optim.Optimizer:
    """Adam, or plain SGD when cfg.optimizer == "sgd"."""
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr)
    return torch.optim.Adam(params, lr=lr)


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

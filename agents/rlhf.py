"""RLHF, the pipeline DPO replaces: fit a reward model to the preferences, then PPO on it.

1. A Bradley-Terry reward model r_phi(s, a) (a table on the gridworld, an MLP on CartPole),
   fitted to the pairs (tau_w preferred to tau_l, both from one start):

       L_RM = -log sigma(R_phi(tau_w) - R_phi(tau_l)),   R_phi(tau) = sum_t gamma^t r_phi(s_t, a_t)

   (gamma: the layout's discount on the gridworld, as the synthetic labels use; 1 on CartPole).
2. PPO (agents.ppo's clipped surrogate, GAE, a value loss) on the learned reward minus the KL
   penalty to the reference policy, per step:

       r_t = r_phi(s_t, a_t) - beta (log pi_theta(a_t|s_t) - log pi_ref(a_t|s_t)).

The policy that maximizes E[sum r_phi] - beta KL(pi || pi_ref) is the one DPO finds directly
from the same pairs, without r_phi. Online (the default), every update samples pairs from the
current policy, labels them by their true return, adds them to the reward model's data (the
last ``rm_buffer`` pairs), and PPO learns on the same rollouts; with labeller "human", r_phi
learns from the labels given, and PPO from the policy's own rollouts.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from agents.agent import (
    UpdateResult,
    check_finite,
    clipped_surrogate,
    flat_valid,
    minibatches,
    normalized,
    values_of,
)
from agents.config import ConfigError, at_least, in_unit, positive
from agents.estimators import gae
from agents.policies import make_value, mlp
from agents.preference import per_trajectory_sum
from agents.preference_agent import (
    PreferenceAgent,
    PreferenceConfig,
    StepPolicy,
    Steps,
    episode_returns,
    episode_steps,
    label_pairs,
    summary_metrics,
)


@dataclass(frozen=True)
class Config(PreferenceConfig):
    """Hyper-parameters of RLHF (num_envs rollouts per update: num_envs / 2 pairs)."""

    gamma: float | None = None
    """PPO's discount; none: the gridworld's own gamma (0.99 on CartPole)."""
    lam: float = 0.95
    """GAE lambda."""
    clip: float = 0.2
    """Clip range eps of the probability ratio."""
    minibatch_size: int = 2048
    """Transitions per PPO gradient step (epochs: passes over each batch)."""
    vf_coef: float = 0.5
    """Weight of the value loss."""
    vf_lr: float = 0.5
    """Adam step size of the value function (its own: V grows with the learned reward's scale,
    which a table at the policy's step size would chase for hundreds of updates)."""
    normalize_adv: bool = True
    """Scale advantages to mean 0 and std 1 within each batch."""
    rm_lr: float = 0.05
    """Adam step size of the reward model r_phi."""
    rm_steps: int = 5
    """Gradient steps of the reward model per update, on all its pairs."""
    rm_buffer: int = 1024
    """Synthetic labels: the reward model learns from the last this many pairs."""

    def validate(self) -> None:
        super().validate()
        positive(self, "clip", "minibatch_size", "vf_lr", "rm_lr", "rm_steps", "rm_buffer")
        at_least(self, 0.0, "vf_coef")
        in_unit(self, "gamma", "lam")
        if self.num_envs < 2 or self.num_envs % 2:
            raise ConfigError(f"num_envs must be even (two per pair), got {self.num_envs}")


DEFAULTS = {
    "cartpole": Config(
        lr=1e-2,
        num_envs=32,
        hidden=(32,),
        gamma=0.99,
        lam=0.95,
        epochs=4,
        minibatch_size=2048,
        vf_lr=1e-2,
        rm_lr=1e-2,
        rm_buffer=64,
    ),
    # beta 1, not DPO's 0.1: here it weighs a per-step KL against a learned reward whose scale
    # grows as the Bradley-Terry fit sharpens. At 0.1 PPO turned deterministic on a half-learned
    # r_phi (loops where r_phi was wrongly high) and, on its own trajectories, never saw the
    # pairs that would correct it: 3/10 seeds optimal on zhao_5x5; at 1, 10/10.
    "gridworld": Config(
        lr=0.1, num_envs=256, epochs=2, beta=1.0, vf_lr=2.0, rm_lr=0.05, rm_buffer=2048
    ),
}


class TabularReward(torch.nn.Module):
    """r_phi(s, a) as a table [S, A], zero at the start."""

    def __init__(self, n_states: int, n_actions: int):
        super().__init__()
        self.table = torch.nn.Parameter(torch.zeros(n_states, n_actions))

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self.table[obs, actions]


class MLPReward(torch.nn.Module):
    """r_phi(obs, a): an MLP with one output per action."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: tuple[int, ...]):
        super().__init__()
        self.net = mlp([obs_dim, *hidden, n_actions])

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self.net(obs).gather(1, actions[:, None]).squeeze(1)


class RLHF(PreferenceAgent):
    algo = "rlhf"
    group_size = 2
    """A pair's two rollouts start in the same state (on CartPole: the same reset)."""

    def __init__(self, env, cfg: Config, gamma_default: float, seed: int):
        super().__init__(env, cfg, gamma_default, seed)
        self.value = make_value(env, cfg.hidden)
        if env.kind == "grid":
            self.reward_model = TabularReward(env.n_states, env.n_actions)
        else:
            self.reward_model = MLPReward(env.obs_dim, env.n_actions, cfg.hidden)
        self.rm_optimizer = torch.optim.Adam(self.reward_model.parameters(), lr=cfg.rm_lr)
        self.params = list(self.policy.parameters()) + list(self.value.parameters())
        self.optimizer = torch.optim.Adam(
            [
                {"params": list(self.policy.parameters()), "lr": cfg.lr},
                {"params": list(self.value.parameters()), "lr": cfg.vf_lr},
            ]
        )
        self.tabular = env.kind == "grid"
        n_features = env.n_states * env.n_actions if self.tabular else 0
        self.features = (torch.zeros(0, n_features, dtype=torch.float64),) * 2
        """Gridworld: sum_t gamma^t onehot(s_t, a_t) of the chosen and the rejected trajectory
        of the last rm_buffer synthetic pairs, so R_phi(tau) = features @ r_phi."""
        self._label_features = None
        self.buffer: deque = deque(maxlen=cfg.rm_buffer)
        """CartPole: the last rm_buffer synthetic pairs, (obs, actions, time) of both sides."""
        self._buffer_steps: Steps | None = None

    def modules(self):
        return super().modules() | {"value": self.value, "reward_model": self.reward_model}

    def reward_table(self) -> np.ndarray | None:
        if isinstance(self.reward_model, TabularReward):
            return self.reward_model.table.detach().double().numpy()
        return None

    # ----- the reward model -----
    def remember(self, steps: Steps, chosen: np.ndarray, rejected: np.ndarray) -> None:
        """Add this batch's labelled pairs to the reward model's data (the last rm_buffer)."""
        if self.tabular:
            counts = discounted_counts(steps, self.world.n_states, self.label_gamma)
            keep = self.cfg.rm_buffer
            self.features = tuple(
                torch.cat([old, counts[torch.from_numpy(new)]])[-keep:]
                for old, new in zip(self.features, (chosen, rejected), strict=True)
            )
            return
        for c, r in zip(chosen, rejected, strict=True):
            self.buffer.append((_trajectory(steps, c), _trajectory(steps, r)))
        self._buffer_steps = None

    def pair_returns(self) -> tuple[torch.Tensor, torch.Tensor]:
        """R_phi(tau_w), R_phi(tau_l) of every pair the reward model learns from (with grad)."""
        if self.tabular:
            if self.cfg.labeller == "human":
                if self._label_features is None or self._label_features[0] != len(
                    self.labels.pairs
                ):
                    steps = self.labels.pair_steps()
                    counts = discounted_counts(steps, self.world.n_states, self.label_gamma)
                    half = steps.n // 2
                    self._label_features = (half, (counts[:half], counts[half:]))
                chosen, rejected = self._label_features[1]
            else:
                chosen, rejected = self.features
            table = self.reward_model.table.double().reshape(-1)
            return chosen @ table, rejected @ table
        if self.cfg.labeller == "human":
            steps = self.labels.pair_steps()
        else:
            if self._buffer_steps is None:
                self._buffer_steps = _concat(list(self.buffer))
            steps = self._buffer_steps
        half = steps.n // 2
        r = self.reward_model(steps.obs, steps.actions).double()
        returns = per_trajectory_sum(r * self.label_gamma**steps.time, steps.trajectory, steps.n)
        return returns[:half], returns[half:]

    def fit_reward_model(self) -> dict:
        """rm_steps Adam steps on the Bradley-Terry loss; the last step's metrics."""
        for _ in range(self.cfg.rm_steps):
            chosen, rejected = self.pair_returns()
            if not len(chosen):
                return {}
            margin = chosen - rejected
            loss = -F.logsigmoid(margin).mean()
            check_finite("reward model", loss)
            self.step(self.rm_optimizer, loss, self.reward_model.parameters())
        return {
            "loss": loss,
            "rewards/chosen": chosen.detach(),
            "rewards/rejected": rejected.detach(),
            "rewards/margins": margin.detach(),
            "rewards/accuracies": (margin > 0).double(),
        }

    # ----- the update -----
    def update(self) -> UpdateResult:
        cfg = self.cfg
        self.require_labels()
        batch = self.collector.collect_episodes(self.sampler(), min_steps=0)
        steps = episode_steps(batch)
        if cfg.labeller == "synthetic":
            returns = episode_returns(batch, self.label_gamma)
            chosen, rejected = label_pairs(self.labeller, returns)
            self.labelled += len(chosen)
            self.remember(steps, chosen, rejected)
            labelled, chosen, rejected = steps, torch.from_numpy(chosen), torch.from_numpy(rejected)
        else:
            labelled = self.labels.pair_steps()
            chosen = torch.arange(labelled.n // 2)
            rejected = chosen + labelled.n // 2
        metrics = self.fit_reward_model()
        with torch.no_grad():
            logp = StepPolicy(self.policy, labelled).log_prob()
            logps = per_trajectory_sum(logp, labelled.trajectory, labelled.n)
        metrics["logps/chosen"], metrics["logps/rejected"] = logps[chosen], logps[rejected]

        # PPO on r_phi(s, a) - beta * (log pi - log pi_ref), on this batch's rollouts
        ref, ref_logp = self.reference_terms(steps)
        with torch.no_grad():
            old_logp = StepPolicy(self.policy, steps).log_prob()
            step_reward = self.reward_model(steps.obs, steps.actions) - cfg.beta * (
                old_logp - ref_logp
            )
        rewards = np.zeros(batch.rewards.shape)
        rewards[batch.valid] = step_reward.double().numpy()
        values = values_of(self.value, batch.obs)
        adv = gae(rewards, values, batch.terminated, batch.ends, self.gamma, cfg.lam)
        targets = adv + values[:-1]
        raw_adv = adv
        if cfg.normalize_adv:
            adv = normalized(adv, batch.valid)
        obs, actions, adv_t, ret_t = flat_valid(batch, adv, targets)
        for _ in range(cfg.epochs):
            for mb in minibatches(self.rng, len(actions), cfg.minibatch_size):
                dist = self.policy.dist(obs[mb])
                policy_loss = clipped_surrogate(
                    dist.log_prob(actions[mb]), old_logp[mb], adv_t[mb], cfg.clip
                )
                value_loss = ((self.value(obs[mb]) - ret_t[mb]) ** 2).mean()
                entropy = dist.entropy().mean()
                loss = policy_loss + cfg.vf_coef * value_loss - cfg.ent_coef * entropy
                check_finite("RLHF policy", loss)
                self.step(self.optimizer, loss, self.params)

        current = StepPolicy(self.policy, steps)
        metrics["kl"] = self.trajectory_kl(current, ref).mean()
        self.record(batch, summary_metrics(metrics))
        losses = (("policy", policy_loss.item()), ("value", value_loss.item()))
        if "loss" in self.metrics:
            losses += (("reward_model", self.metrics["loss"]),)
        return UpdateResult(batch, losses, float(current.entropy().detach()), advantages=raw_adv)


def discounted_counts(steps: Steps, n_states: int, gamma: float) -> torch.Tensor:
    """sum_t gamma^t onehot(s_t, a_t) per trajectory: float64 [n, S * 5]."""
    out = torch.zeros(steps.n, n_states * 5, dtype=torch.float64)
    index = (steps.trajectory, steps.obs * 5 + steps.actions)
    return out.index_put_(index, gamma ** steps.time.double(), accumulate=True)


def _trajectory(steps: Steps, i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(obs, actions, time) of trajectory i of ``steps``."""
    mine = steps.trajectory == int(i)
    return steps.obs[mine], steps.actions[mine], steps.time[mine]


def _concat(pairs: list) -> Steps:
    """Steps of buffered pairs: trajectories 0..P-1 the chosen, P..2P-1 the rejected ones."""
    sides = [c for c, _ in pairs] + [r for _, r in pairs]
    if not sides:
        empty = torch.zeros(0, dtype=torch.int64)
        return Steps(empty, empty, empty, 0, empty)
    lengths = torch.tensor([len(a) for _, a, _ in sides])
    return Steps(
        torch.cat([o for o, _, _ in sides]),
        torch.cat([a for _, a, _ in sides]),
        torch.repeat_interleave(torch.arange(len(sides)), lengths),
        len(sides),
        torch.cat([t for _, _, t in sides]),
    )

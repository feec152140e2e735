"""Policies and value functions: tabular for grid states, MLPs for vector observations.

Every policy maps a batch of observations to ``torch.distributions.Categorical``
(``dist``), and can freeze itself into a numpy sampler for fast rollouts
(``sampler``): the rollout draws actions with numpy from a copy of the current
parameters, then the update recomputes log-probs with torch in one batched pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical

from agents.numpy_policy import mlp_probs, sample_actions, sample_from_cdf, softmax

Sampler = Callable[[np.ndarray], np.ndarray]
"""obs[N, ...] -> actions int64[N], drawn from the policy frozen when the sampler was made."""


def mlp(sizes: list[int], out_gain: float = 1.0) -> nn.Sequential:
    """Linear layers, tanh between them (numpy_policy.ACTIVATION); the last scaled by out_gain."""
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    if out_gain != 1.0:
        with torch.no_grad():
            layers[-1].weight.mul_(out_gain)
            layers[-1].bias.zero_()
    return nn.Sequential(*layers)


class TableDistribution:
    """pi(.|s_t) for a batch of grid states s_t, normalized once on the [S, A] table.

    It answers what the algorithms ask of a ``Categorical(logits=logits[obs])`` (log_prob,
    entropy, logits, probs) with the same values and gradients, gathered from the table:
    torch's softmax and logsumexp over a last dimension of 5 cost ~0.5 us per row, so
    normalizing S = 100 rows instead of a batch of 16 000 is what makes big batches cheap.
    """

    def __init__(self, logits_table: torch.Tensor, obs: torch.Tensor):
        self.log_pi = torch.log_softmax(logits_table, dim=-1)
        """log pi(a|s) [S, A]."""
        self.obs = obs

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        """log pi(a_t|s_t) [B]."""
        return self.log_pi[self.obs, actions]

    def entropy(self) -> torch.Tensor:
        """H(pi(.|s_t)) [B], from the table's entropies [S]."""
        per_state = -(self.log_pi.exp() * self.log_pi).sum(dim=-1)
        return per_state[self.obs]

    @property
    def logits(self) -> torch.Tensor:
        """Normalized log-probabilities [B, A] (what Categorical.logits holds)."""
        return self.log_pi[self.obs]

    @property
    def probs(self) -> torch.Tensor:
        return self.logits.exp()


class TabularPolicy(nn.Module):
    """pi(a|s) = softmax(logits[s]) with a logits table [S, A], zero (uniform) at the start."""

    def __init__(self, n_states: int, n_actions: int):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(n_states, n_actions))

    def dist(self, obs: torch.Tensor) -> TableDistribution:
        return TableDistribution(self.logits, obs)

    def probs_table(self) -> np.ndarray:
        """pi[S, A] as a fresh float64 numpy array."""
        return softmax(self.logits.detach().double().numpy())

    def sampler(self, rng: np.random.Generator) -> Sampler:
        cdf = np.cumsum(self.probs_table(), axis=-1)  # once per rollout, not once per step
        return lambda states: sample_from_cdf(cdf[states], rng)


class MLPPolicy(nn.Module):
    """pi(.|obs) = softmax(MLP(obs)), tanh hidden layers."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: tuple[int, ...], out_gain: float):
        super().__init__()
        self.net = mlp([obs_dim, *hidden, n_actions], out_gain)

    def dist(self, obs: torch.Tensor) -> Categorical:
        return Categorical(logits=self.net(obs), validate_args=False)

    def numpy_weights(self) -> tuple[np.ndarray, ...]:
        """(W0, b0, W1, b1, ...) float64 copies, nn.Linear layout (out, in)."""
        return tuple(p.detach().double().numpy().copy() for p in self.net.parameters())

    def sampler(self, rng: np.random.Generator) -> Sampler:
        weights = self.numpy_weights()
        return lambda obs: sample_actions(mlp_probs(weights, obs), rng)


class TabularValue(nn.Module):
    """V(s) as a table [S], zero at the start."""

    def __init__(self, n_states: int):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(n_states))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.table[obs]


class MLPValue(nn.Module):
    """V(obs) = MLP(obs), tanh hidden layers."""

    def __init__(self, obs_dim: int, hidden: tuple[int, ...]):
        super().__init__()
        self.net = mlp([obs_dim, *hidden, 1])

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs).squeeze(-1)


def make_policy(env, hidden: tuple[int, ...], out_gain: float = 1.0) -> nn.Module:
    """The policy that fits ``env``: tabular for grid states, an MLP for vectors."""
    if env.kind == "grid":
        return TabularPolicy(env.n_states, env.n_actions)
    return MLPPolicy(env.obs_dim, env.n_actions, hidden, out_gain)


def make_value(env, hidden: tuple[int, ...]) -> nn.Module:
    """The value function that fits ``env``: a table for grid states, an MLP for vectors."""
    if env.kind == "grid":
        return TabularValue(env.n_states)
    return MLPValue(env.obs_dim, hidden)


def as_tensor(obs: np.ndarray) -> torch.Tensor:
    """Observations as torch: int64 states stay integer, vectors become float32."""
    if obs.dtype.kind in "iu":
        return torch.from_numpy(np.ascontiguousarray(obs, dtype=np.int64))
    return torch.from_numpy(np.ascontiguousarray(obs, dtype=np.float32))

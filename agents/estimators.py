"""The weights Phi_t of the policy gradient: R(tau), reward-to-go, discounted reward-to-go, GAE,
and group-relative advantages (tutorial ch.3, "other forms of the policy gradient").

Arrays are time-major, [T, N]: N environments stepped together for T steps.
``ends[t, i]`` is True when env i's episode ended at step t (terminated or
truncated). Steps that are not real transitions (autoreset steps, idle envs)
must have reward 0 and no end flag; their weights are meaningless and are
masked out by the loss, and they never leak into a neighbouring episode's
weights, because every recursion is cut at an end.
"""

from __future__ import annotations

import numpy as np


def reward_to_go(rewards: np.ndarray, ends: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """G_t = r_t + gamma * G_{t+1} within an episode (gamma=1: the tutorial's reward-to-go).

    An episode still running at step T-1 sums only the rewards collected so far.
    """
    g = np.zeros_like(rewards, dtype=np.float64)
    running = np.zeros(rewards.shape[1:], dtype=np.float64)
    for t in range(rewards.shape[0] - 1, -1, -1):
        running = rewards[t] + gamma * running * ~ends[t]
        g[t] = running
    return g


def episode_return(
    rewards: np.ndarray, ends: np.ndarray, valid: np.ndarray, gamma: float = 1.0
) -> np.ndarray:
    """R(tau) at every step of its episode: the reward-to-go of the episode's first step.

    gamma=1 gives the tutorial's undiscounted return; otherwise sum_k gamma^k r_k from the start.
    An episode starts at t=0 and right after an end or a non-transition.
    """
    g = reward_to_go(rewards, ends, gamma)
    out = np.empty_like(g)
    out[0] = g[0]
    for t in range(1, g.shape[0]):
        starts = ends[t - 1] | ~valid[t - 1]
        out[t] = np.where(starts, g[t], out[t - 1])
    return out


def discount_from_start(
    rewards: np.ndarray, ends: np.ndarray, valid: np.ndarray, gamma: float
) -> np.ndarray:
    """gamma^k r_t, where k counts the steps since the episode's start: the terms of the
    discounted return sum_k gamma^k r_k (the tutorial's R(tau) for an infinite, discounted task)."""
    scaled = np.empty_like(rewards, dtype=np.float64)
    factor = np.ones(rewards.shape[1:], dtype=np.float64)
    for t in range(rewards.shape[0]):
        if t > 0:
            starts = ends[t - 1] | ~valid[t - 1]
            factor = np.where(starts, 1.0, factor * gamma)
        scaled[t] = rewards[t] * factor
    return scaled


def gae(
    rewards: np.ndarray,
    values: np.ndarray,
    terminated: np.ndarray,
    ends: np.ndarray,
    gamma: float,
    lam: float,
) -> np.ndarray:
    """Generalized advantage estimates A_t (Schulman et al. 2016), [T, N].

    values[T+1, N] holds V(obs_t), with values[T] = V(observation after the last step).
    delta_t = r_t + gamma * V(s_{t+1}) * (1 - terminated_t) - V(s_t);
    A_t = delta_t + gamma * lam * (1 - end_t) * A_{t+1}.
    A truncated episode keeps its bootstrap gamma * V(s_{t+1}): with next-step autoreset
    s_{t+1} is the episode's final observation. A terminated one gets no future.
    """
    adv = np.zeros_like(rewards, dtype=np.float64)
    running = np.zeros(rewards.shape[1:], dtype=np.float64)
    for t in range(rewards.shape[0] - 1, -1, -1):
        delta = rewards[t] + gamma * values[t + 1] * ~terminated[t] - values[t]
        running = delta + gamma * lam * running * ~ends[t]
        adv[t] = running
    return adv


def group_relative(returns: np.ndarray, groups: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """GRPO's advantage: (R_i - mean of its group) / (std of its group + eps).

    ``groups[i]`` names the group of rollout i; std is the population std (ddof=0).
    A group whose returns are all equal gets advantage 0: nothing to prefer.
    """
    returns = np.asarray(returns, dtype=np.float64)
    groups = np.asarray(groups)
    adv = np.zeros_like(returns)
    for g in np.unique(groups):
        members = groups == g
        r = returns[members]
        spread = r.std()
        adv[members] = (
            0.0 if spread <= 1e-12 * max(1.0, abs(r.mean())) else (r - r.mean()) / (spread + eps)
        )
    return adv

"""One rollout collector for every algorithm and env: N envs stepped together, time-major batches.

Two ways to collect:
- ``collect_steps(sampler, T)``: exactly T steps of every env, continuing where the
  last batch stopped (episodes may be cut at the batch edges; critics bootstrap them).
- ``collect_episodes(sampler, min_steps)``: reset every env, run until ``min_steps``
  real transitions are in, then let each env finish the episode it is in and stop
  (no new ones start): whole episodes only, as the tutorial's loop collects them.

The envs autoreset on the *next* step (see agents.envs). That step is not a real
transition: it is marked ``valid=False`` and its reward and flags are zeroed. The
collector also counts every finished episode's (undiscounted) return itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.policies import Sampler


@dataclass(frozen=True, eq=False)
class Batch:
    """One rollout, time-major.

    obs[T+1, N, ...]: obs[t] is what the policy saw at step t; obs[T] is the observation
        after the last step (for bootstrapping).
    actions[T, N] int64, rewards[T, N] float64, terminated/truncated/valid[T, N] bool.
    episode_returns: undiscounted returns of the episodes that ended in this batch.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    valid: np.ndarray
    episode_returns: tuple[float, ...]
    fresh: bool = False
    """Every env was reset at t=0 (whole episodes), so obs[0] are start states."""

    @property
    def ends(self) -> np.ndarray:
        """[T, N]: the episode ended at this step."""
        return self.terminated | self.truncated

    @property
    def n_steps(self) -> int:
        """Real transitions in the batch."""
        return int(self.valid.sum())


class Interrupted(Exception):
    """Collection stopped early because ``Collector.interrupt`` was set."""


class Collector:
    """Steps a vectorized env (agents.envs) with a policy sampler and records batches.

    ``interrupt`` may be set to a ``threading.Event``: once it is set, collection
    stops within one step by raising ``Interrupted`` (how a Trainer stops quickly).
    """

    def __init__(self, env, group_size: int = 1):
        self.env = env
        self.group_size = group_size
        self.obs = env.reset(group_size)
        self.prev_done = np.zeros(env.num_envs, dtype=bool)
        self.running_return = np.zeros(env.num_envs)
        self.total_steps = 0
        self._fresh = True
        self.interrupt = None
        """Real transitions collected so far (autoreset and idle steps are not counted)."""

    def collect_steps(self, sampler: Sampler, n_steps: int) -> Batch:
        """Exactly ``n_steps`` steps of every env, from where the last call stopped."""
        fresh, self._fresh = self._fresh, False
        return self._run(sampler, min_steps=None, max_steps=n_steps, fresh=fresh)

    def collect_episodes(self, sampler: Sampler, min_steps: int) -> Batch:
        """Whole episodes from fresh resets, at least ``min_steps`` real transitions in all.

        With ``min_steps=0`` every env plays exactly one episode (GRPO's groups).
        """
        self.obs = self.env.reset(self.group_size)
        self.prev_done[:] = False
        self.running_return[:] = 0.0
        return self._run(sampler, min_steps=min_steps, max_steps=None, fresh=True)

    def _run(
        self, sampler: Sampler, min_steps: int | None, max_steps: int | None, fresh: bool = False
    ) -> Batch:
        n = self.env.num_envs
        active = np.ones(n, dtype=bool)
        obs_l, act_l, rew_l, term_l, trunc_l, valid_l = [], [], [], [], [], []
        finished: list[float] = []
        collected = 0
        interrupt = self.interrupt
        while True:
            if interrupt is not None and interrupt.is_set():
                raise Interrupted
            if max_steps is not None and len(act_l) >= max_steps:
                break
            if min_steps is not None and collected >= min_steps:
                active &= ~self.prev_done  # an env between episodes starts no new one
                if not active.any():
                    break
            valid = active & ~self.prev_done
            actions = sampler(self.obs)
            next_obs, rewards, terminated, truncated = self.env.step(actions)
            rewards = np.where(valid, rewards, 0.0)
            terminated = terminated & valid
            truncated = truncated & valid
            obs_l.append(self.obs)
            act_l.append(actions)
            rew_l.append(rewards)
            term_l.append(terminated)
            trunc_l.append(truncated)
            valid_l.append(valid)
            collected += int(valid.sum())
            self.running_return += rewards
            ended = terminated | truncated
            if ended.any():
                finished.extend(self.running_return[ended].tolist())
                self.running_return[ended] = 0.0
            self.prev_done = ended
            self.obs = next_obs
        obs_l.append(self.obs)
        self.total_steps += collected
        return Batch(
            obs=np.stack(obs_l),
            actions=np.stack(act_l).astype(np.int64),
            rewards=np.stack(rew_l),
            terminated=np.stack(term_l),
            truncated=np.stack(trunc_l),
            valid=np.stack(valid_l),
            episode_returns=tuple(finished),
            fresh=fresh,
        )

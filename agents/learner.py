"""One training run, synchronously: env + algorithm + bookkeeping (returns, solved, ...).

The ``Trainer`` thread and ``python main.py train`` both drive a ``Run`` by
calling ``update()`` in a loop.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections import deque

import numpy as np
import torch

from agents.config import ConfigError, with_overrides
from agents.envs import CartPoleVecEnv, GridVecEnv
from agents.history import MetricHistory, ReturnHistory
from agents.policy_history import PolicyHistory
from agents.registry import (
    ALGORITHM_CLASSES,
    CARTPOLE_SOLVED_RETURN,
    CARTPOLE_SOLVED_WINDOW,
    check_algorithm,
    check_env,
)
from gridsim import limits
from gridsim.inspection import METRICS
from gridsim.world import World, default_world

CARTPOLE_GAMMA = 0.99
"""Discount used when an algorithm's gamma is left to the env on CartPole."""
RETURNS_KEPT = 1000

_init_lock = threading.Lock()


def algorithm_module(algo: str):
    """The module of an algorithm (its Config, DEFAULTS and agent class)."""
    return importlib.import_module(ALGORITHM_CLASSES[check_algorithm(algo)][0])


def default_config(algo: str, env: str, world: World | None = None):
    """The tuned default hyper-parameters of ``algo`` on ``env``.

    On the gridworld they scale with the world: the algorithm module's
    ``gridworld_config(world)`` (how much data an update sees and how it is batched, as a
    function of the number of states and the horizon). Without a world: the tutorial's 3x3.
    ``python main.py train``, ``compare``, the bench and the app all come through here.
    """
    module = algorithm_module(algo)
    if check_env(env) == "gridworld" and hasattr(module, "gridworld_config"):
        return module.gridworld_config(world or default_world())
    return module.DEFAULTS[env]


def build_config(algo: str, env: str, overrides: dict | None = None, world: World | None = None):
    """Defaults (for ``world`` on the gridworld) with overrides applied and validated
    (ConfigError on a bad key or value)."""
    return with_overrides(default_config(algo, env, world), overrides)


CARTPOLE_EPISODE_STEPS = 500
"""CartPole-v1 truncates an episode at 500 steps."""
CARTPOLE_INPUTS = 4


def transitions_per_update(cfg, episode_steps: int) -> int:
    """How many transitions one update holds at most: n_steps of every env; or batch_steps
    plus the episodes still running finished (up to ``episode_steps`` each); or, without
    either (GRPO), one whole episode per env."""
    n_steps = getattr(cfg, "n_steps", None)
    if n_steps is not None:
        return n_steps * cfg.num_envs
    return getattr(cfg, "batch_steps", 0) + cfg.num_envs * episode_steps


def check_update_size(cfg, world: World | None) -> None:
    """ConfigError if one update of ``cfg`` would need more memory or parameters than
    gridsim.limits allows, estimated before anything is allocated."""
    if world is not None:  # tabular policy and critic: one state index per transition
        episode_steps, inputs, hidden = world.horizon, 1, ()
    else:
        episode_steps, inputs, hidden = CARTPOLE_EPISODE_STEPS, CARTPOLE_INPUTS, cfg.hidden
    if hasattr(cfg, "n_steps"):
        what = "num_envs or n_steps"
    elif hasattr(cfg, "batch_steps"):
        what = "batch_steps, num_envs or the horizon" if world else "batch_steps or num_envs"
    else:
        what = "num_envs or the horizon" if world else "num_envs"
    n_outputs = 5 if world is not None else 2
    try:
        limits.check_update_size(
            transitions_per_update(cfg, episode_steps), inputs, hidden, n_outputs, what
        )
    except limits.LimitError as e:
        raise ConfigError(str(e)) from None


class Run:
    """An algorithm learning on an env, one ``update()`` at a time, with its history."""

    def __init__(
        self,
        env: str,
        algo: str,
        *,
        world: World | None = None,
        seed: int = 0,
        overrides: dict | None = None,
        config=None,
    ):
        self.env_name = check_env(env)
        self.algo = check_algorithm(algo)
        try:
            self.seed = limits.check(limits.SEED, seed, "seed")
        except limits.LimitError as e:
            raise ConfigError(str(e)) from None
        self.world = (world or default_world()) if env == "gridworld" else None
        self.config = (
            config if config is not None else build_config(algo, env, overrides, self.world)
        )
        cfg = self.config
        check_update_size(cfg, self.world)
        if self.world is not None:
            self.env = GridVecEnv(self.world, cfg.num_envs, cfg.grid_starts, seed)
            gamma = self.world.gamma
        else:
            self.env = CartPoleVecEnv(cfg.num_envs, seed)
            gamma = CARTPOLE_GAMMA
        cls = getattr(algorithm_module(algo), ALGORITHM_CLASSES[algo][1])
        with _init_lock, torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.agent = cls(self.env, cfg, gamma, seed)
        self.updates = 0
        self.wall_s = 0.0
        self.episode_returns: deque[float] = deque(maxlen=RETURNS_KEPT)
        self.returns = ReturnHistory()
        """Mean return per update (nan if no episode ended), downsampled on long runs."""
        self.metrics = MetricHistory(METRICS)
        """Every metric of the app's plot selector, per update, downsampled on long runs."""
        self.policies = PolicyHistory()
        """The policy after past updates (every one early on, thinning out later)."""
        self.solved = False
        self.solved_at_steps: int | None = None
        self.solved_at_s: float | None = None
        self.last = None
        self._before: tuple = (None, None)  # (pi, V_phi table) before the last update
        self._inspection = None
        self.progress = None
        """Gridworld: the greedy policy against the exact optimum after the last update
        (gridsim.progress.Progress); None on CartPole and before the first update."""
        self._tracker = None
        if self.world is not None:
            from gridsim.progress import ProgressTracker

            self._tracker = ProgressTracker(self.world)  # V*, Q* once per run

    @property
    def env_steps(self) -> int:
        return self.agent.collector.total_steps

    def update(self):
        """One update of the algorithm; returns its UpdateResult and updates the history."""
        before = (self.pi(), self.value_table())
        t0 = time.perf_counter()
        result = self.agent.update()
        self.wall_s += time.perf_counter() - t0
        self.updates += 1
        self.last = result
        self._before, self._inspection = before, None
        returns = result.batch.episode_returns
        self.episode_returns.extend(returns)
        self.returns.append(float(np.mean(returns)) if returns else float("nan"))
        self.metrics.append(self.env_steps, metric_values(result, self.returns.last))
        if self._tracker is not None:
            self.progress = self._tracker.measure(self.pi())
        if not self.solved and self.is_solved():
            self.solved = True
            self.solved_at_steps = self.env_steps
            self.solved_at_s = self.wall_s
        self.policies.append(self.updates, self.policy_arrays())
        return result

    def policy_arrays(self) -> tuple[np.ndarray, ...]:
        """The policy as numpy arrays: (pi[S, A],) on the gridworld, the MLP's weights on
        CartPole (what agents.policy_history keeps)."""
        return (self.pi(),) if self.world is not None else self.policy_weights()

    def recent_mean_return(self, window: int = CARTPOLE_SOLVED_WINDOW) -> float:
        """Mean of the last ``window`` finished episodes' returns (nan before the first)."""
        if not self.episode_returns:
            return float("nan")
        recent = list(self.episode_returns)[-window:]
        return float(np.mean(recent))

    def is_solved(self) -> bool:
        """CartPole: the last 100 returns average >= 475. Gridworld: the greedy policy's exact
        value is V* within 1e-6 in every state (gridsim.progress)."""
        if self.world is None:
            return (
                len(self.episode_returns) >= CARTPOLE_SOLVED_WINDOW
                and self.recent_mean_return() >= CARTPOLE_SOLVED_RETURN
            )
        progress = self.progress or self._tracker.measure(self.pi())
        return progress.solved

    def pi(self) -> np.ndarray | None:
        """Gridworld: pi(a|s) [S, 5] as float64 numpy; None on CartPole."""
        return self.agent.policy.probs_table() if self.world is not None else None

    def value_table(self) -> np.ndarray | None:
        """Gridworld critics (VPG, PPO): V_phi[S] as float64 numpy; None otherwise."""
        from agents.policies import TabularValue

        value = getattr(self.agent, "value", None)
        if not isinstance(value, TabularValue):
            return None
        return value.table.detach().double().numpy().copy()

    def inspection(self):
        """The last update as a gridsim.inspection.UpdateInspection (None before the first),
        built once per update, on demand (``train`` never pays for it)."""
        if self.last is None:
            return None
        if self._inspection is None or self._inspection.update != self.updates:
            self._inspection = self._inspect(self.last)
        return self._inspection

    def _inspect(self, result):
        from gridsim.inspection import inspect_update

        pi_before, v_before = self._before
        starts = None
        if self.world is not None:
            starts = np.zeros(self.world.n_states)
            starts[self.env.start_states] = 1.0 / len(self.env.start_states)
        weights = result.weights
        if weights is None:  # an algorithm that reports no weights: nothing per step to show
            weights = np.zeros(result.batch.rewards.shape)
        return inspect_update(
            update=self.updates,
            algo=self.algo,
            weight_name=result.weight_name,
            gamma=self.agent.gamma,
            horizon=self.world.horizon if self.world is not None else 0,
            batch=result.batch,
            weights=np.asarray(weights, dtype=np.float64),
            kl_prev=result.kl_prev,
            approx_kl=result.approx_kl,
            ratios=result.ratios,
            clip=result.clip,
            pi_before=pi_before,
            pi_after=self.pi(),
            start_distribution=starts,
            advantages=result.advantages,
            value_before=v_before,
            value_after=self.value_table(),
            rollout_returns=result.rollout_returns,
            group_size=self.agent.group_size,
        )

    def policy_weights(self) -> tuple[np.ndarray, ...] | None:
        """CartPole: the policy MLP's (W0, b0, W1, b1, ...) numpy copies; None on the gridworld."""
        return self.agent.policy.numpy_weights() if self.world is None else None

    def preference_view(self):
        """dpo, kto, rlhf: the agent's PreferenceView (agents.preference_view); else None."""
        view = getattr(self.agent, "view", None)
        return view() if view is not None else None

    def greedy_actions(self) -> np.ndarray | None:
        """Gridworld: the most likely action in every state."""
        pi = self.pi()
        return None if pi is None else pi.argmax(axis=1)

    def recent_trajectories(self, limit: int = 4) -> tuple:
        """Gridworld: up to ``limit`` whole episodes of the last batch as Trajectory objects."""
        if self.world is None or self.last is None:
            return ()
        return trajectories_from(self.last.batch, limit)

    def close(self) -> None:
        close = getattr(self.env, "close", None)
        if close:
            close()


def metric_values(result, mean_return: float) -> dict[str, float]:
    """One update's metrics by name (gridsim.inspection.METRICS; nan where undefined)."""
    losses = dict(result.losses)
    return {
        "mean_return": mean_return,
        "entropy": result.entropy,
        "kl_prev": result.kl_prev,
        "approx_kl": result.approx_kl,
        "clip_fraction": result.clip_fraction,
        "loss_policy": losses.get("policy", float("nan")),
        "loss_value": losses.get("value", float("nan")),
        "loss_kl": losses.get("kl", float("nan")),
    }


def trajectories_from(batch, limit: int) -> tuple:
    """Whole episodes (start to end) found in a gridworld batch, one per env, first ones first."""
    from gridsim.trajectory import Trajectory

    out = []
    n_t, n_envs = batch.actions.shape
    ends, valid = batch.ends, batch.valid
    for i in range(n_envs):
        start = 0 if batch.fresh else None
        for t in range(n_t):
            if not valid[t, i]:
                start = None
                continue
            if start is None:
                start = t if t > 0 and not valid[t - 1, i] else None
            if ends[t, i] and start is not None:
                out.append(
                    Trajectory(
                        states=batch.obs[start : t + 2, i],
                        actions=batch.actions[start : t + 1, i],
                        rewards=batch.rewards[start : t + 1, i],
                    )
                )
                break
        if len(out) >= limit:
            break
    return tuple(out)

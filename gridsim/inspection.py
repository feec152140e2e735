"""What one policy-gradient update did, as plain numbers: the snapshot's ``inspection`` field.

Every algorithm of chapter 3 takes the same step: it weights the score of every step of
its batch by a number Phi_t (R(tau), a reward-to-go, an advantage, ...) and descends

    loss = -1/N sum_t log pi(a_t|s_t) * Phi_t          (PPO, GRPO: the clipped surrogate,
                                                         which equals this at pi = pi_old)

For the gridworld's tabular softmax policy (logits theta[S, A], pi = softmax(theta)) the
score is closed-form, grad_theta log pi(a|s) = onehot(a) - pi(s) in row s, so this
batch's estimate of the policy gradient is

    g_hat[s, :] = 1/N sum_{t: s_t = s} Phi_t * (onehot(a_t) - pi(s))            (batch_gradient)

and the exact gradient it estimates comes from ``gridsim.pg_variance``. The trainer
builds an ``UpdateInspection`` after every update (bounded: a few trajectories, [S, A]
tables, a histogram) and a ``MetricSeries`` of the whole run (bounded like
agents.history); both cross the process boundary inside one frozen ``Inspection``.
Pure numpy: the UI process imports this module, never torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gridsim.pg_variance import exact_gradient
from gridsim.world import N_ACTIONS, World

MAX_TRAJECTORIES = 10
"""Trajectories of a batch kept for the inspector's list."""
MAX_STEPS = 120
"""Steps kept of each listed trajectory (a longer one is cut, and says so)."""
MAX_GROUPS = 32
"""GRPO groups kept."""
RATIO_BINS = 24
"""Bins of the ratio histogram over [1 - 3 eps, 1 + 3 eps] (outliers land in the end bins)."""

WEIGHT_NAMES = {
    "R(tau)": "R(τ), the return of the whole episode",
    "reward-to-go": "reward-to-go Σ_{t'≥t} γ^{t'} r_{t'}",
    "discounted reward-to-go": "discounted reward-to-go Σ_k γ^k r_{t+k}",
    "GAE advantage": "GAE advantage Â_t (normalized)",
    "group advantage": "group advantage (R_i − mean) / std",
}
"""How each algorithm's Phi_t reads, keyed by the name the algorithm reports."""

METRICS = (
    "mean_return",
    "entropy",
    "kl_prev",
    "approx_kl",
    "clip_fraction",
    "loss_policy",
    "loss_value",
    "loss_kl",
)
"""The per-update series the app can plot (the same names as metrics.csv's columns)."""


def _frozen(array, dtype) -> np.ndarray:
    out = np.array(array, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class InspectedTrajectory:
    """One trajectory (or the piece of one inside the batch) with the weight of every step.

    states[n+1] (0-based), actions[n], rewards[n], logp[n] = log pi_old(a_t|s_t),
    weights[n] = Phi_t; PPO / GRPO also ratios[n] = pi_new/pi_old and clipped[n] =
    min(rho A, clip(rho, 1-eps, 1+eps) A), the step's term of the clipped surrogate.
    """

    env: int
    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    logp: np.ndarray
    weights: np.ndarray
    ratios: np.ndarray | None = None
    clipped: np.ndarray | None = None
    cut_start: bool = False
    """It began before this batch (a continuing rollout): its first state is not a start."""
    cut_end: bool = False
    """It goes on after this batch (or past MAX_STEPS)."""
    group: int = -1
    """GRPO: the group it belongs to (-1: none)."""

    def __len__(self) -> int:
        return len(self.actions)

    @property
    def ret(self) -> float:
        """The undiscounted sum of its rewards."""
        return float(np.sum(self.rewards))


@dataclass(frozen=True, eq=False)
class Group:
    """A GRPO group: its shared start state, every rollout's return R_i and advantage A_i."""

    start: int
    returns: np.ndarray
    advantages: np.ndarray

    @property
    def tied(self) -> bool:
        """All returns equal: every advantage is 0 and the group teaches nothing."""
        return not np.any(self.advantages)


@dataclass(frozen=True, eq=False)
class UpdateInspection:
    """One update, before and after (gridworld: tables [S, A]; CartPole: scalars only)."""

    update: int
    algo: str
    weight_name: str
    """What Phi_t is (a key of WEIGHT_NAMES)."""
    gamma: float
    horizon: int
    n_steps: int
    """Real transitions in the batch (the N of the loss's mean)."""
    n_episodes: int
    """Episodes that ended inside the batch."""
    kl_prev: float
    """Mean over the batch's states of KL(pi_old(.|s) || pi_new(.|s))."""
    approx_kl: float
    """mean_t (rho_t - 1) - log rho_t: the usual estimate of the same KL from the ratios."""
    clip_fraction: float = math.nan
    """PPO / GRPO: share of steps with |rho - 1| > eps after the update."""
    clip: float | None = None
    ratio_counts: np.ndarray | None = None
    """PPO / GRPO: histogram of rho over RATIO_BINS bins of ``ratio_edges``."""
    ratio_edges: np.ndarray | None = None
    pi_before: np.ndarray | None = None
    pi_after: np.ndarray | None = None
    estimate: np.ndarray | None = None
    """-d(policy loss)/d(logits) at pi_before on the whole batch [S, A] (batch_gradient)."""
    start_distribution: np.ndarray | None = None
    """[S]: where the batch's episodes start (what the exact gradient averages over)."""
    trajectories: tuple[InspectedTrajectory, ...] = ()
    value_before: np.ndarray | None = None
    """VPG / PPO: the critic V_phi[S] that computed this batch's advantages."""
    value_after: np.ndarray | None = None
    """VPG / PPO: V_phi[S] after this update's regression."""
    advantage_mean: np.ndarray | None = None
    """VPG / PPO: mean raw GAE advantage of the batch's steps per (s, a) [S, A] (nan: none)."""
    advantage_count: np.ndarray | None = None
    groups: tuple[Group, ...] = ()
    n_groups: int = 0
    """GRPO: groups in the batch (``groups`` keeps the first MAX_GROUPS)."""

    @property
    def delta_pi(self) -> np.ndarray | None:
        """pi_after - pi_before [S, A]: what the update did to every arrow."""
        if self.pi_before is None or self.pi_after is None:
            return None
        return self.pi_after - self.pi_before

    def exact(self, world: World) -> np.ndarray:
        """The exact gradient of J = E[sum_{t<T} gamma^t r_t] at pi_before, from this batch's
        start distribution (gridsim.pg_variance): what ``estimate`` points towards."""
        return exact_gradient(
            world, self.pi_before, self.start_distribution, self.horizon, self.gamma
        )


@dataclass(frozen=True, eq=False)
class MetricSeries:
    """The run's per-update metrics, ``stride`` updates per point (agents.history.MetricHistory).

    values[k, i] is metric ``names[k]`` at point i (nan where undefined, e.g. no episode
    ended, or an algorithm without that loss); env_steps[i] the env steps at its end.
    """

    names: tuple[str, ...]
    values: np.ndarray
    env_steps: np.ndarray
    stride: int
    updates: int

    def series(self, name: str) -> np.ndarray:
        return self.values[self.names.index(name)]


@dataclass(frozen=True, eq=False)
class Inspection:
    """The snapshot field: the last update's inspection and the run's metric history."""

    last: UpdateInspection | None
    metrics: MetricSeries | None


# ----- closed forms ------------------------------------------------------------------------
def batch_gradient(
    pi: np.ndarray, states: np.ndarray, actions: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """g_hat[S, A] = 1/N sum_t Phi_t (onehot(a_t) - pi(s_t)) in row s_t: minus the gradient
    of -1/N sum_t Phi_t log pi(a_t|s_t) with respect to the logits (flat steps, N of them)."""
    pi = np.asarray(pi, dtype=np.float64)
    n_states = pi.shape[0]
    states = np.asarray(states, dtype=np.int64).ravel()
    actions = np.asarray(actions, dtype=np.int64).ravel()
    weights = np.asarray(weights, dtype=np.float64).ravel()
    if states.size == 0:
        return np.zeros_like(pi)
    w_sa = np.bincount(
        states * N_ACTIONS + actions, weights=weights, minlength=n_states * N_ACTIONS
    ).reshape(n_states, N_ACTIONS)
    return (w_sa - w_sa.sum(axis=1, keepdims=True) * pi) / states.size


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """cos of the angle between two gradients (nan when either is zero)."""
    a, b = np.ravel(a), np.ravel(b)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm > 0 else math.nan


def ratio_histogram(ratios: np.ndarray, clip: float) -> tuple[np.ndarray, np.ndarray]:
    """(counts[RATIO_BINS], edges[RATIO_BINS + 1]) of rho over [1 - 3 eps, 1 + 3 eps];
    ratios outside are counted in the end bins."""
    width = 3 * max(clip, 1e-3)
    edges = np.linspace(1 - width, 1 + width, RATIO_BINS + 1)
    inside = np.clip(np.asarray(ratios, dtype=np.float64), edges[0], edges[-1])
    counts, _ = np.histogram(inside, bins=edges)
    return counts.astype(np.int64), edges


def kl_between(pi_old: np.ndarray, pi_new: np.ndarray, states: np.ndarray) -> float:
    """Mean over ``states`` of KL(pi_old(.|s) || pi_new(.|s)) (tables [S, A])."""
    p, q = np.asarray(pi_old)[states], np.asarray(pi_new)[states]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return float(terms.sum(axis=1).mean()) if len(states) else math.nan


def advantage_table(states, actions, advantages, n_states: int):
    """(mean[S, A], count[S, A]) of per-step advantage estimates by (s, a); nan unvisited."""
    idx = np.asarray(states, dtype=np.int64) * N_ACTIONS + np.asarray(actions, dtype=np.int64)
    size = n_states * N_ACTIONS
    count = np.bincount(idx, minlength=size)
    total = np.bincount(idx, weights=np.asarray(advantages, dtype=np.float64), minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean.reshape(n_states, N_ACTIONS), count.reshape(n_states, N_ACTIONS)


def episode_pieces(valid: np.ndarray, ends: np.ndarray, fresh: bool, limit: int):
    """(env, t0, t1, cut_start, cut_end) for the first run of real steps of each env, t0..t1
    inclusive, stopping at its episode's end; at most ``limit`` of them, envs in order."""
    n_t, n_envs = valid.shape
    out = []
    for i in range(n_envs):
        steps = np.flatnonzero(valid[:, i])
        if steps.size == 0:
            continue
        t0 = int(steps[0])
        t1 = t0
        while t1 + 1 < n_t and valid[t1 + 1, i] and not ends[t1, i]:
            t1 += 1
        cut_start = t0 == 0 and not fresh
        out.append((i, t0, t1, cut_start, not ends[t1, i]))
        if len(out) >= limit:
            break
    return out


# ----- building one ------------------------------------------------------------------------
def inspect_update(
    *,
    update: int,
    algo: str,
    weight_name: str,
    gamma: float,
    horizon: int,
    batch,
    weights: np.ndarray,
    kl_prev: float,
    approx_kl: float,
    ratios: np.ndarray | None = None,
    clip: float | None = None,
    pi_before: np.ndarray | None = None,
    pi_after: np.ndarray | None = None,
    start_distribution: np.ndarray | None = None,
    advantages: np.ndarray | None = None,
    value_before: np.ndarray | None = None,
    value_after: np.ndarray | None = None,
    rollout_returns: np.ndarray | None = None,
    group_size: int = 1,
) -> UpdateInspection:
    """An UpdateInspection from one update's arrays (numpy only).

    ``batch`` has the rollout's arrays (obs[T+1, N], actions / rewards / valid / ends [T, N],
    ``fresh``); ``weights`` [T, N] is the Phi_t the loss used; ``ratios`` the valid steps'
    rho in batch order (PPO / GRPO); ``advantages`` [T, N] the raw estimates of a critic
    algorithm; ``rollout_returns`` [N] GRPO's R_i. pi_* are [S, A] tables (the gridworld).
    """
    valid, ends = batch.valid, batch.ends
    n_steps = int(valid.sum())
    clip_fraction, counts, edges = math.nan, None, None
    ratio_grid = None
    if ratios is not None and clip is not None:
        ratios = np.asarray(ratios, dtype=np.float64)
        clip_fraction = float(np.mean(np.abs(ratios - 1) > clip)) if ratios.size else math.nan
        counts, edges = ratio_histogram(ratios, clip)
        ratio_grid = np.ones(valid.shape)
        ratio_grid[valid] = ratios
    common = dict(
        update=update,
        algo=algo,
        weight_name=weight_name,
        gamma=float(gamma),
        horizon=int(horizon),
        n_steps=n_steps,
        n_episodes=len(batch.episode_returns),
        kl_prev=float(kl_prev),
        approx_kl=float(approx_kl),
        clip_fraction=clip_fraction,
        clip=clip,
        ratio_counts=None if counts is None else _frozen(counts, np.int64),
        ratio_edges=None if edges is None else _frozen(edges, np.float64),
    )
    if pi_before is None:
        return UpdateInspection(**common)
    states = batch.obs[:-1]
    s_valid, a_valid = states[valid], batch.actions[valid]
    estimate = batch_gradient(pi_before, s_valid, a_valid, weights[valid])
    log_pi = np.log(np.maximum(pi_before, 1e-300))
    trajectories = []
    for env, t0, t1, cut_start, cut_end in episode_pieces(
        valid, ends, batch.fresh, MAX_TRAJECTORIES
    ):
        t_end = min(t1, t0 + MAX_STEPS - 1)
        span = slice(t0, t_end + 1)
        s = batch.obs[t0 : t_end + 2, env]
        a = batch.actions[span, env]
        w = weights[span, env]
        extra = {}
        if ratio_grid is not None:
            rho = ratio_grid[span, env]
            extra["ratios"] = _frozen(rho, np.float32)
            extra["clipped"] = _frozen(
                np.minimum(rho * w, np.clip(rho, 1 - clip, 1 + clip) * w), np.float32
            )
        trajectories.append(
            InspectedTrajectory(
                env=int(env),
                states=_frozen(s, np.int16),
                actions=_frozen(a, np.int8),
                rewards=_frozen(batch.rewards[span, env], np.float32),
                logp=_frozen(log_pi[s[:-1], a], np.float32),
                weights=_frozen(w, np.float32),
                cut_start=cut_start,
                cut_end=cut_end or t_end < t1,
                group=env // group_size if rollout_returns is not None else -1,
                **extra,
            )
        )
    critic = {}
    if advantages is not None:
        mean, count = advantage_table(s_valid, a_valid, advantages[valid], pi_before.shape[0])
        critic = dict(
            advantage_mean=_frozen(mean, np.float64),
            advantage_count=_frozen(count, np.int64),
            value_before=None if value_before is None else _frozen(value_before, np.float64),
            value_after=None if value_after is None else _frozen(value_after, np.float64),
        )
    groups, n_groups = (), 0
    if rollout_returns is not None:
        groups, n_groups = _groups(batch.obs[0], rollout_returns, weights[0], group_size)
    return UpdateInspection(
        **common,
        pi_before=_frozen(pi_before, np.float64),
        pi_after=_frozen(pi_after, np.float64),
        estimate=_frozen(estimate, np.float64),
        start_distribution=None
        if start_distribution is None
        else _frozen(start_distribution, np.float64),
        trajectories=tuple(trajectories),
        groups=groups,
        n_groups=n_groups,
        **critic,
    )


def _groups(starts, returns, advantages, group_size: int):
    """GRPO's groups: consecutive blocks of ``group_size`` rollouts sharing a start state."""
    n = len(returns)
    n_groups = n // group_size
    out = []
    for g in range(min(n_groups, MAX_GROUPS)):
        block = slice(g * group_size, (g + 1) * group_size)
        out.append(
            Group(
                start=int(starts[g * group_size]),
                returns=_frozen(returns[block], np.float64),
                advantages=_frozen(advantages[block], np.float64),
            )
        )
    return tuple(out), n_groups

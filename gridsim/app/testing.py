"""A scripted, torch-free stand-in for ``agents.trainer.Trainer`` (tests, previews, soak runs).

It has the Trainer's interface and publishes the same Snapshot fields, but has no
thread: while "running", every ``latest()`` call performs one update, so a test
advances training exactly one update per frame. On the gridworld its update moves
the logits towards the exact optimal actions, so the arrows visibly converge: update u
reaches the cells within u steps (Manhattan) of a target, so optimality spreads back
from the target as it does in real training. Each update also publishes an inspection
(gridsim.inspection) of a small batch sampled from the policy before it, weighted by
R(tau) (with ratios, a critic or groups as the algorithm named would have them), and the
run's metric history.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.agent_file import AgentFileReport
from agents.history import MetricHistory, ReturnHistory
from agents.policy_history import PolicyHistory
from agents.preference_view import MetricHistory as PreferenceHistory
from agents.preference_view import PreferenceView
from agents.registry import PREFERENCE_ALGORITHMS
from agents.trainer import Snapshot
from gridsim.inspection import METRICS, Inspection, inspect_update
from gridsim.layout import world_from_dict, world_to_dict
from gridsim.progress import ProgressTracker
from gridsim.solvers import optimal_values, policy_value
from gridsim.tables import build_tables
from gridsim.trajectory import sample_trajectory, sample_walkers
from gridsim.world import N_ACTIONS, World, default_world

FAKE_WALKERS = 16
FAKE_GROUP = 4


@dataclass(frozen=True, eq=False)
class FakeBatch:
    """The arrays of an agents.rollout.Batch that gridsim.inspection reads (time-major)."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    valid: np.ndarray
    ends: np.ndarray
    episode_returns: tuple
    fresh: bool = True


class FakeTrainer:
    """Records every command in ``calls``; ``fail_at`` makes update N fail like a NaN loss."""

    def __init__(
        self,
        env: str,
        algo: str,
        *,
        world=None,
        seed=0,
        overrides=None,
        max_steps=None,
        stop_when_solved=True,
        num_threads=1,
        fail_at: int | None = None,
    ):
        self.env, self.algo = env, algo
        self.world: World = world or default_world()
        self.rng = np.random.default_rng(seed)
        self.overrides = overrides or {}
        self.fail_at = fail_at
        self.calls: list[tuple] = []
        self.status = "idle"
        self.message = ""
        self.delay = 0.0
        self.stopped = False
        self._tracker: ProgressTracker | None = None
        self.shown: int | None = None
        self.report: AgentFileReport | None = None
        self.pairs: list = []
        self.judgements: list = []
        self._fresh()

    def _fresh(self) -> None:
        self.update = 0
        self.metrics = MetricHistory(METRICS)
        self.inspection = None
        self.returns = ReturnHistory()
        self.policies = PolicyHistory()
        self.recent: deque[float] = deque(maxlen=1000)
        self.logits = np.zeros((self.world.n_states, N_ACTIONS))
        self.pi_ref: np.ndarray | None = None
        if self.prefers and self.env == "gridworld":
            # a reference that is not uniform, so beta*log(pi/pi_ref) is not just log(5 pi)
            ref_logits = self.rng.normal(0.0, 0.5, self.logits.shape)
            self.logits = ref_logits.copy()
            self.pi_ref = self._pi()
            self.pi_ref.setflags(write=False)
        self.pref_history = PreferenceHistory()
        hidden = 8
        self.weights = (
            self.rng.normal(0, 0.1, (hidden, 4)),
            np.zeros(hidden),
            self.rng.normal(0, 0.1, (2, hidden)),
            np.zeros(2),
        )

    # --- commands ----------------------------------------------------------------
    def start(self):
        self.calls.append(("start",))
        self.status = "running"

    def pause(self):
        self.calls.append(("pause",))
        if self.status == "running":
            self.status = "paused"

    def resume(self):
        self.calls.append(("resume",))
        if self.status in ("paused", "idle"):
            self.status = "running"

    def step_once(self):
        self.calls.append(("step_once",))
        self._update()
        if self.status != "failed":
            self.status = "paused"

    def stop(self, timeout=1.0):
        self.calls.append(("stop", timeout))
        self.stopped = True
        if self.status != "failed":
            self.status = "finished"

    def reset(self):
        self.calls.append(("reset",))
        self._fresh()
        self.pairs, self.judgements = [], []
        self.status, self.message = "idle", ""

    def add_preferences(self, pairs=(), judgements=()):
        """Keep the labels (as the Trainer does: it trains on all labels so far)."""
        self.calls.append(("add_preferences", tuple(pairs), tuple(judgements)))
        self.pairs.extend(pairs)
        self.judgements.extend(judgements)

    def set_world(self, world, *, keep_policy: bool):
        self.calls.append(("set_world", world, keep_policy))
        reshaped = world.shape != self.world.shape
        self.world = world
        if reshaped or not keep_policy:
            self._fresh()

    def set_delay(self, seconds):
        self.calls.append(("set_delay", seconds))
        self.delay = seconds

    def show_update(self, update):
        self.calls.append(("show_update", update))
        self.shown = update

    def save_agent(self, path, token=0):
        """A fake agent file: JSON with the env, algo, world size, update and logits (the real
        trainer writes agent.pt with torch; this keeps UI tests torch-free and fast)."""
        self.calls.append(("save_agent", path, token))
        data = {
            "fake_agent": 1,
            "env": self.env,
            "algo": self.algo,
            "update": self.update,
            "world": world_to_dict(self.world),
            "logits": self.logits.tolist(),
        }
        Path(path).write_text(json.dumps(data), encoding="utf-8")
        self.report = AgentFileReport(token, "save", True, str(path), f"saved {Path(path).name}")

    def open_agent(self, path, token=0):
        self.calls.append(("open_agent", path, token))
        name = Path(path).name
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            assert data["fake_agent"] == 1
        except (OSError, ValueError, KeyError, AssertionError):
            message = f"{name}: not a GridSim agent file"
            self.report = AgentFileReport(token, "open", False, str(path), message)
            return
        if data["env"] != self.env:
            message = f"{name} holds a {data['env']} agent"
            self.report = AgentFileReport(token, "open", False, str(path), message, data["env"])
            return
        self.algo = data["algo"]
        if self.env == "gridworld":
            self.world = world_from_dict(data["world"], name)
        self._fresh()
        self.logits = np.array(data["logits"])
        self.update = data["update"]
        self.status = "paused"
        self.report = AgentFileReport(token, "open", True, str(path), f"opened {name}", self.env)

    # --- the published state ------------------------------------------------------
    @property
    def prefers(self) -> bool:
        """dpo, kto or rlhf: the run publishes a ``preferences`` field."""
        return self.algo in PREFERENCE_ALGORITHMS

    @property
    def waiting(self) -> bool:
        """A "human" preference run with no labels waits, as the Trainer does."""
        human = self.overrides.get("labeller") == "human"
        return self.prefers and human and not (self.pairs or self.judgements)

    def _update(self) -> None:
        if self.status == "failed":
            return
        if self.waiting:
            self.message = "waiting for labels (none given yet)"
            return
        if self.message.startswith("waiting for labels"):
            self.message = ""
        self.update += 1
        if self.fail_at is not None and self.update >= self.fail_at:
            self.status, self.message = "failed", "policy loss is nan (try a smaller lr)"
            return
        if self.env == "gridworld":
            before = self.pi()
            _, q = optimal_values(self.world)
            best = q.argmax(axis=1)
            reached = np.flatnonzero(self._distance_to_target() < self.update)
            self.logits[reached, best[reached]] += 0.4
            self._record(float(self.rng.normal(self.update * 0.5, 1.0)))
            if self.prefers:
                self._record_preferences()
            self.inspection = self._inspect(before, self.pi())
        else:
            self.weights = tuple(w + self.rng.normal(0, 0.01, w.shape) for w in self.weights)
            self._record(min(500.0, 20.0 + 5 * self.update))

    def _distance_to_target(self) -> np.ndarray:
        """Manhattan steps from every cell to the nearest target, [S]."""
        rows, cols = np.divmod(np.arange(self.world.n_states), self.world.cols)
        targets = np.array(sorted(self.world.targets))
        t_rows, t_cols = np.divmod(targets, self.world.cols)
        return np.min(np.abs(rows[:, None] - t_rows) + np.abs(cols[:, None] - t_cols), axis=1)

    def _record(self, mean_return: float) -> None:
        self.returns.append(mean_return)
        self.recent.append(mean_return)
        arrays = (self._pi(),) if self.env == "gridworld" else self.weights
        self.policies.append(self.update, arrays)
        clipped = self.algo in ("ppo", "grpo")
        self.metrics.append(
            self.update * 1000,
            {
                "mean_return": mean_return,
                "entropy": 1.0 / self.update,
                "kl_prev": 0.01,
                "approx_kl": 0.01 if clipped else float("nan"),
                "clip_fraction": 0.1 if clipped else float("nan"),
                "loss_policy": 0.1,
            },
        )

    def _record_preferences(self) -> None:
        """Made-up but plausible TRL metrics: the margin grows, both log-probs fall."""
        u = self.update
        v = policy_value(self.world, self._pi())[self.world.start]
        self.pref_history.append(
            {
                "loss": 0.69 / (1 + 0.1 * u),
                "rewards/chosen": 0.02 * u,
                "rewards/rejected": -0.05 * u,
                "rewards/margins": 0.07 * u,
                "rewards/accuracies": min(1.0, 0.5 + 0.05 * u),
                "kl": 0.1 * u,
                "logps/chosen": -20.0 - 0.1 * u,
                "logps/rejected": -20.0 - 0.3 * u,
                "true_return": float(v),
            }
        )

    def _preference_view(self) -> PreferenceView | None:
        if not self.prefers or self.env != "gridworld":
            return None
        reward_model = None
        if self.algo == "rlhf":  # a stand-in r_phi that grows towards r(s, a)
            reward_model = build_tables(self.world).reward * (1 - 0.9**self.update)
            reward_model.setflags(write=False)
        return PreferenceView(
            algo=self.algo,
            labeller=self.overrides.get("labeller", "synthetic"),
            pairs=len(self.pairs),
            judgements=len(self.judgements),
            waiting=self.waiting,
            beta=0.1,
            metrics=self.pref_history.last(),
            history=self.pref_history.values(),
            history_stride=self.pref_history.stride,
            pi_ref=self.pi_ref,
            reward_model=reward_model,
        )

    def pi(self) -> np.ndarray:
        z = np.exp(self.logits - self.logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def _pi(self) -> np.ndarray:
        return self.pi()

    def _inspect(self, before: np.ndarray, after: np.ndarray):
        """An inspection of FAKE_WALKERS episodes from the policy ``before``, weighted by
        their discounted return (groups of FAKE_GROUP share a start)."""
        w = self.world
        starts = np.repeat(
            self.rng.choice(w.start_states(), FAKE_WALKERS // FAKE_GROUP), FAKE_GROUP
        )
        states, actions, rewards, alive = sample_walkers(w, before, starts, w.horizon, self.rng)
        discounted = (rewards * w.gamma ** np.arange(w.horizon)).sum(axis=1)
        ends = np.zeros_like(alive)
        ends[np.arange(len(starts)), alive.sum(axis=1) - 1] = True
        batch = FakeBatch(
            obs=states.T.copy(),
            actions=actions.T.copy(),
            rewards=rewards.T.copy(),
            valid=alive.T.copy(),
            ends=ends.T.copy(),
            episode_returns=tuple(rewards.sum(axis=1)),
        )
        weights = np.broadcast_to(discounted, rewards.T.shape).copy()
        extra: dict = {}
        if self.algo in ("ppo", "grpo"):
            s, a = batch.obs[:-1][batch.valid], batch.actions[batch.valid]
            extra.update(ratios=after[s, a] / before[s, a], clip=0.2)
        if self.algo in ("vpg", "ppo"):
            v = policy_value(w, before)
            extra.update(
                advantages=weights - v[batch.obs[:-1]],
                value_before=np.zeros(w.n_states),
                value_after=0.5 * v,
            )
        if self.algo == "grpo":
            groups = np.arange(FAKE_WALKERS) // FAKE_GROUP
            adv = np.zeros(FAKE_WALKERS)
            for g in np.unique(groups):
                r = discounted[groups == g]
                adv[groups == g] = 0 if np.ptp(r) == 0 else (r - r.mean()) / r.std()
            weights = np.broadcast_to(adv, rewards.T.shape).copy()
            extra.update(rollout_returns=discounted, group_size=FAKE_GROUP)
        dist = np.zeros(w.n_states)
        dist[w.start_states()] = 1 / len(w.start_states())
        return inspect_update(
            update=self.update,
            algo=self.algo,
            weight_name=fake_weight_name(self.algo),
            gamma=w.gamma,
            horizon=w.horizon,
            batch=batch,
            weights=weights,
            kl_prev=0.01,
            approx_kl=0.01,
            pi_before=before,
            pi_after=after,
            start_distribution=dist,
            **extra,
        )

    def latest(self) -> Snapshot:
        if self.status == "running":
            self._update()
        pi = None
        trajectories: tuple = ()
        progress = None
        if self.env == "gridworld":
            pi = self.pi()
            pi.setflags(write=False)
            trajectories = (sample_trajectory(self.world, pi, rng=self.rng),)
            if self.update:
                if self._tracker is None or self._tracker.world != self.world:
                    self._tracker = ProgressTracker(self.world)
                progress = self._tracker.measure(pi)
        return Snapshot(
            update=self.update,
            env_steps=self.update * 1000,
            wall_s=self.update * 0.1,
            steps_per_s=10_000.0,
            status=self.status,
            message=self.message,
            solved=False,
            episode_returns=tuple(self.recent),
            mean_returns=self.returns.values(),
            returns_stride=self.returns.stride,
            losses=(("policy", 0.1),),
            entropy=1.0,
            pi=pi,
            trajectories=trajectories,
            policy_weights=self.weights if self.env == "cartpole" else None,
            algo=self.algo,
            env=self.env,
            world=self.world if self.env == "gridworld" else None,
            progress=progress,
            inspection=Inspection(self.inspection, self.metrics.series()),
            timeline=self.policies.timeline(self.shown),
            agent_file=self.report,
            preferences=self._preference_view(),
        )


def fake_weight_name(algo: str) -> str:
    """What the fake's Phi_t is called: none for a preference learner (as for the real one)."""
    from agents.registry import PREFERENCE_ALGORITHMS

    if algo in PREFERENCE_ALGORITHMS:
        return ""
    return "group advantage" if algo == "grpo" else "R(tau)"


def fake_factory(made: list | None = None, **extra):
    """A trainer factory for App/TrainingController that builds FakeTrainers (kept in ``made``)."""

    def make(env, algo, **kwargs):
        trainer = FakeTrainer(env, algo, **kwargs, **extra)
        if made is not None:
            made.append(trainer)
        return trainer

    return make


def frames(app, n: int = 2) -> None:
    """Run ``n`` frames of ``app`` (events posted before are handled in the first)."""
    for _ in range(n):
        app.frame()


def click(app, pos, button: int = 1, settle: int = 2) -> None:
    """A mouse click at ``pos`` as a user makes it: the pointer moves there (pygame_gui
    needs the hover), the button goes down, a frame, up, then ``settle`` frames."""
    import pygame

    pos = (int(pos[0]), int(pos[1]))
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))
    )
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))
    app.frame()
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button))
    frames(app, settle)

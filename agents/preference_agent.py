"""What the preference learners (dpo, kto, rlhf) share: pi_ref, the labels, the log-ratios, metrics.

- pi_ref, the reference policy: a checkpoint's policy when ``ref`` names an agent file (the
  "SFT model", e.g. a PPO run's agent.pt), else the initial policy (uniform on the gridworld,
  the initial network on CartPole). The policy starts as a copy of pi_ref, and pi_ref stays
  frozen.
- Labels come from one of two places (``labeller``):
  "synthetic": each update samples fresh trajectories from the current policy, in groups
  that share their start state (a pair: two; on CartPole the same reset), and labels them
  with ``gridsim.preferences.ReturnLabeller`` (Bradley-Terry on the true return);
  "human": only the labels given with ``add_preferences`` (a person's in the app, or a file's:
  gridworld only), all kept and all trained on. Without any yet, ``update`` raises
  ``WaitingForLabels``: nothing to learn from, so the run waits. The update still rolls out
  the current policy once per env, but only to show its trajectories and returns.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch

from agents.agent import Agent, TrainingError
from agents.config import CommonConfig, ConfigError, at_least, positive
from agents.policies import TabularPolicy, as_tensor
from agents.preference import per_trajectory_sum, step_kl
from agents.preference_view import MetricHistory, PreferenceView, read_only
from gridsim.preferences import (
    Judgement,
    Pair,
    PreferenceError,
    ReturnLabeller,
    check_judgement,
    check_pair,
)
from gridsim.tables import build_tables

LABELLERS = ("synthetic", "human")


@dataclass(frozen=True)
class PreferenceConfig(CommonConfig):
    """Hyper-parameters every preference learner has."""

    beta: float = 0.1
    """beta: the weight of KL(pi_theta || pi_ref); the implicit reward is beta * log pi/pi_ref."""
    labeller: str = "synthetic"
    """"synthetic": fresh trajectories each update, labelled by their true return;
    "human": only the labels given (in the app, or --prefs FILE), all trained on."""
    temperature: float = 0.0
    """Synthetic labels: P(tau_1 > tau_2) = sigma((R_1 - R_2) / temperature); 0: the higher
    return wins, ties are skipped."""
    ref: str = ""
    """pi_ref: an agent file written by ``train`` (e.g. PPO's agent.pt); empty: the uniform
    policy on the gridworld, the initial network on CartPole. The policy starts as pi_ref."""
    epochs: int = 1
    """Gradient steps on each update's labelled batch."""
    updates_per_label: int = 20
    """labeller "human": each new label buys this many updates (each on all the labels), then
    the run waits for the next; 0: train on without waiting. Why: on a fixed handful of labels
    DPO's loss has no minimum, so training on and on only drives the policy to extremes."""

    def validate(self) -> None:
        super().validate()
        positive(self, "beta", "epochs")
        at_least(self, 0.0, "temperature", "updates_per_label")
        if self.labeller not in LABELLERS:
            raise ConfigError(
                f"labeller must be one of {', '.join(LABELLERS)}, got {self.labeller!r}"
            )


class WaitingForLabels(Exception):
    """A "human" run without labels: there is nothing to learn from yet."""


@dataclass(frozen=True, eq=False)
class Steps:
    """The steps of n trajectories as flat tensors: obs[K], actions[K], trajectory[K] (the
    index 0..n-1 of the trajectory each step belongs to) and time[K] (the step's index t in
    its trajectory, for discounting)."""

    obs: torch.Tensor
    actions: torch.Tensor
    trajectory: torch.Tensor
    n: int
    time: torch.Tensor | None = None


def episode_steps(batch) -> Steps:
    """The steps of a batch in which every env played exactly one episode (trajectory i is
    env i's episode)."""
    valid = batch.valid
    time_of_step, env_of_step = np.nonzero(valid)
    return Steps(
        as_tensor(batch.obs[:-1][valid]),
        torch.from_numpy(batch.actions[valid]),
        torch.from_numpy(env_of_step.astype(np.int64)),
        batch.valid.shape[1],
        torch.from_numpy(time_of_step.astype(np.int64)),
    )


def episode_returns(batch, gamma: float) -> np.ndarray:
    """Each env's one episode's return sum_t gamma^t r_t (gamma 1: the episode return), [N]."""
    t = np.arange(batch.rewards.shape[0])[:, None]
    return (batch.rewards * np.where(batch.valid, gamma**t, 0.0)).sum(axis=0)


class Labels:
    """The labels a "human" run was given, checked against the world, and their steps."""

    def __init__(self, world):
        self.world = world
        self.pairs: list[Pair] = []
        self.judgements: list[Judgement] = []
        self._pair_steps: Steps | None = None
        self._judgement_steps: tuple[Steps, torch.Tensor] | None = None

    def add(self, pairs, judgements) -> None:
        """Append all of them, or none (PreferenceError naming the first bad one)."""
        pairs, judgements = list(pairs), list(judgements)
        for i, p in enumerate(pairs):
            if not isinstance(p, Pair):
                raise PreferenceError(f"pairs[{i}]", f"expected a Pair, got {type(p).__name__}")
            check_pair(self.world, p)
        for i, j in enumerate(judgements):
            if not isinstance(j, Judgement):
                raise PreferenceError(
                    f"judgements[{i}]", f"expected a Judgement, got {type(j).__name__}"
                )
            check_judgement(self.world, j)
        self.pairs += pairs
        self.judgements += judgements
        if pairs:
            self._pair_steps = None
        if judgements:
            self._judgement_steps = None

    def pair_steps(self) -> Steps:
        """Trajectories 0..P-1 are the chosen ones, P..2P-1 the rejected ones."""
        if self._pair_steps is None:
            prompts = [p.prompt for p in self.pairs] * 2
            actions = [p.chosen for p in self.pairs] + [p.rejected for p in self.pairs]
            self._pair_steps = self._steps(prompts, actions)
        return self._pair_steps

    def judgement_steps(self) -> tuple[Steps, torch.Tensor]:
        """(the judged trajectories' steps, desirable[n] bool)."""
        if self._judgement_steps is None:
            js = self.judgements
            steps = self._steps([j.prompt for j in js], [j.completion for j in js])
            self._judgement_steps = steps, torch.tensor([j.desirable for j in js])
        return self._judgement_steps

    def _steps(self, prompts, action_lists) -> Steps:
        tables = build_tables(self.world)
        obs, acts, traj, time = [], [], [], []
        for i, (s, actions) in enumerate(zip(prompts, action_lists, strict=True)):
            for t, a in enumerate(actions):
                obs.append(s)
                acts.append(a)
                traj.append(i)
                time.append(t)
                s = int(tables.next_state[s, a])
        return Steps(
            torch.tensor(obs, dtype=torch.int64),
            torch.tensor(acts, dtype=torch.int64),
            torch.tensor(traj, dtype=torch.int64),
            len(prompts),
            torch.tensor(time, dtype=torch.int64),
        )


class StepPolicy:
    """A policy's log pi(a_t|s_t), entropy and KL at every step of some trajectories.

    On a table the softmax is taken once per state, [S, 5], then indexed by the steps (a
    batch has thousands of steps and a 3x3 world nine states); on an MLP it is the
    distribution of every step."""

    def __init__(self, policy: torch.nn.Module, steps: Steps):
        self.steps = steps
        if isinstance(policy, TabularPolicy):
            self.table = torch.log_softmax(policy.logits, dim=-1)
            self.dist = None
        else:
            self.table = None
            self.dist = policy.dist(steps.obs)

    def log_prob(self) -> torch.Tensor:
        """log pi(a_t|s_t) per step."""
        if self.table is not None:
            return self.table[self.steps.obs, self.steps.actions]
        return self.dist.log_prob(self.steps.actions)

    def entropy(self) -> torch.Tensor:
        """The mean over the steps of H(pi(.|s_t))."""
        if self.table is not None:
            per_state = -(self.table.exp() * self.table).sum(-1)
            return per_state[self.steps.obs].mean()
        return self.dist.entropy().mean()

    def kl_to(self, other: StepPolicy) -> torch.Tensor:
        """KL(this pi(.|s_t) || other pi(.|s_t)) per step, exactly (a sum over the actions)."""
        if self.table is not None:
            per_state = (self.table.exp() * (self.table - other.table)).sum(-1)
            return per_state[self.steps.obs]
        return step_kl(self.dist, other.dist)


def load_reference(path: str, env, hidden: tuple[int, ...]) -> torch.nn.Module:
    """The policy of an agent file, as a frozen module that fits ``env`` (ConfigError if not)."""
    from agents.checkpoint import CheckpointError, read_agent
    from agents.policies import make_policy

    try:
        payload = read_agent(path)
    except CheckpointError as e:
        raise ConfigError(f"ref: {e}") from None
    kind = "gridworld" if env.kind == "grid" else "cartpole"
    if payload["env"] != kind:
        raise ConfigError(f"ref: {path} is a {payload['env']} agent, this run is on the {kind}")
    state = payload["state_dicts"].get("policy")
    if state is None:
        raise ConfigError(f"ref: {path} has no policy")
    if env.kind != "grid":
        saved = tuple(payload.get("config", {}).get("hidden", ()))
        if saved != tuple(hidden):
            raise ConfigError(
                f"hidden: the reference {path} has hidden layers {list(saved)}; "
                f"set hidden={','.join(map(str, saved))}"
            )
    reference = make_policy(env, hidden)
    try:
        reference.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ConfigError(f"ref: {path} does not fit this world ({first[:120]})") from None
    return reference.requires_grad_(False)


def label_pairs(labeller, returns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(chosen, rejected) trajectory indices of the pairs (0, 1), (2, 3), ... that the
    labeller did not skip, from the trajectories' true returns."""
    verdict = labeller.prefer(returns[0::2], returns[1::2])
    first = np.arange(0, len(returns), 2)
    keep = verdict > 0
    return (
        np.where(verdict == 1, first, first + 1)[keep],
        np.where(verdict == 1, first + 1, first)[keep],
    )


class PreferenceAgent(Agent):
    """The shared machinery of dpo, kto and rlhf; each writes ``update()``."""

    algo = ""
    learns_from = "pairs"
    """"pairs" (dpo, rlhf) or "judgements" (kto)."""

    def __init__(self, env, cfg, gamma_default: float, seed: int):
        super().__init__(env, cfg, gamma_default, seed)
        self.world = getattr(env, "world", None) if env.kind == "grid" else None
        if cfg.labeller == "human" and self.world is None:
            raise ConfigError("labeller: 'human' labels are given on the gridworld only")
        if cfg.ref:
            self.reference = load_reference(cfg.ref, env, cfg.hidden)
            with torch.no_grad():
                self.policy.load_state_dict(self.reference.state_dict())  # start from pi_ref
        else:
            self.reference = copy.deepcopy(self.policy).requires_grad_(False)
        self.label_gamma = self.world.gamma if self.world is not None else 1.0
        """Synthetic labels compare the layout's discounted return, CartPole's episode return."""
        self.labeller = ReturnLabeller(cfg.temperature, self.rng)
        self.labels = Labels(self.world) if self.world is not None else None
        self.labelled = 0
        """Synthetic pairs or judgements labelled so far."""
        self.budget = 0
        """labeller "human": updates left before the run waits for a new label."""
        self.history = MetricHistory()
        self.metrics: dict[str, float] = {}

    def modules(self):
        return {"policy": self.policy, "reference": self.reference}

    # ----- labels -----
    def add_preferences(self, pairs=(), judgements=()) -> int:
        """Keep a person's (or a file's) labels; returns how many are held now.

        kto also takes pairs, as TRL does with paired data: chosen is desirable, rejected is
        undesirable. dpo and rlhf need pairs.
        """
        if self.labels is None:
            raise PreferenceError("labels", "labels are given on the gridworld only")
        pairs, judgements = list(pairs), list(judgements)
        given = len(pairs) + len(judgements)  # a pair is one label, also for kto
        if self.learns_from == "judgements":
            for p in pairs:
                check_pair(self.world, p)
            judgements += [Judgement(p.prompt, p.chosen, True) for p in pairs]
            judgements += [Judgement(p.prompt, p.rejected, False) for p in pairs]
            pairs = []
        elif judgements:
            raise PreferenceError(
                "judgements", f"{self.algo} learns from pairs; thumbs up/down are for kto"
            )
        self.labels.add(pairs, judgements)
        self.budget += self.cfg.updates_per_label * given
        return self.label_count()

    def label_count(self) -> int:
        """Labels learned from: held ones ("human"), or labelled so far ("synthetic")."""
        if self.cfg.labeller == "human":
            return len(self.labels.pairs) + len(self.labels.judgements)
        return self.labelled

    def check_policy(self) -> None:
        """TrainingError when a step left the policy with NaN or infinite parameters (which a
        sampler would turn into identical, unlabelled trajectories rather than an error)."""
        for p in self.policy.parameters():
            if not torch.isfinite(p).all():
                raise TrainingError(f"{self.algo} policy diverged to NaN/inf (try a smaller lr)")

    def waiting(self) -> bool:
        """A "human" run with no labels, or with every label's updates spent."""
        if self.cfg.labeller != "human":
            return False
        return self.label_count() == 0 or (self.cfg.updates_per_label > 0 and self.budget <= 0)

    def require_labels(self) -> None:
        """Before an update: WaitingForLabels when there is nothing new to learn from."""
        self.check_policy()
        if self.waiting():
            held = self.label_count()
            raise WaitingForLabels(
                "waiting for labels " + (f"({held} given, trained on)" if held else "(none yet)")
            )
        self.budget -= 1

    # ----- log-ratios -----
    def reference_terms(self, steps: Steps) -> tuple[StepPolicy, torch.Tensor]:
        """(pi_ref on the steps, log pi_ref(a_t|s_t) per step), without gradients."""
        with torch.no_grad():
            ref = StepPolicy(self.reference, steps)
            return ref, ref.log_prob()

    def logratios(self, steps: Steps, ref_logp: torch.Tensor):
        """(r_theta[n] = sum_t log pi_theta - log pi_ref per trajectory, with its gradient;
        the policy on the steps (StepPolicy); sum_t log pi_theta per trajectory, detached)."""
        current = StepPolicy(self.policy, steps)
        logp = current.log_prob()
        ratio = per_trajectory_sum(logp - ref_logp, steps.trajectory, steps.n)
        return ratio, current, per_trajectory_sum(logp.detach(), steps.trajectory, steps.n)

    def trajectory_kl(self, current: StepPolicy, ref: StepPolicy) -> torch.Tensor:
        """sum_t KL(pi_theta(.|s_t) || pi_ref(.|s_t)) per trajectory, [n] (detached)."""
        with torch.no_grad():
            steps = current.steps
            return per_trajectory_sum(current.kl_to(ref), steps.trajectory, steps.n)

    # ----- metrics -----
    def true_return(self, batch) -> float:
        """Gridworld: V^pi of the start cell, exactly; CartPole: the batch's mean episode return."""
        if self.world is not None:
            from gridsim.solvers import policy_value

            return float(policy_value(self.world, self.policy.probs_table())[self.world.start])
        returns = batch.episode_returns
        return float(np.mean(returns)) if returns else math.nan

    def record(self, batch, metrics: dict[str, float]) -> None:
        """Keep this update's metrics (and the true return) for the snapshot and metrics.csv."""
        metrics = {k: float(v) for k, v in metrics.items()}
        metrics["true_return"] = self.true_return(batch)
        self.metrics = metrics
        self.history.append(metrics)

    def reward_table(self) -> np.ndarray | None:
        """rlhf on the gridworld: r_phi [S, 5]; None for the others."""
        return None

    def view(self) -> PreferenceView:
        held_pairs = len(self.labels.pairs) if self.labels is not None else 0
        held_judgements = len(self.labels.judgements) if self.labels is not None else 0
        human = self.cfg.labeller == "human"
        return PreferenceView(
            algo=self.algo,
            labeller=self.cfg.labeller,
            pairs=held_pairs if human else (self.labelled if self.learns_from == "pairs" else 0),
            judgements=(
                held_judgements
                if human
                else (self.labelled if self.learns_from == "judgements" else 0)
            ),
            waiting=self.waiting(),
            beta=self.cfg.beta,
            metrics=self.history.last(),
            history=self.history.values(),
            history_stride=self.history.stride,
            pi_ref=read_only(self.reference.probs_table()) if self.world is not None else None,
            reward_model=read_only(self.reward_table()),
        )


def summary_metrics(values: dict[str, torch.Tensor | float]) -> dict[str, float]:
    """Plain floats (nan for an empty tensor's mean)."""
    out = {}
    for name, v in values.items():
        if isinstance(v, torch.Tensor):
            v = float(v.detach().double().mean()) if v.numel() else math.nan
        out[name] = float(v)
    return out

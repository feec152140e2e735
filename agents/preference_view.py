"""What a preference learner (dpo, kto, rlhf) shows the UI after an update: ``PreferenceView``.

Torch-free and numpy-only: it crosses the process boundary inside ``Snapshot.preferences``
(pickled up to 25 times a second), so everything in it is small and bounded.

The metrics are named as Hugging Face TRL logs them, per update:

- ``rewards/chosen``, ``rewards/rejected``: the mean implicit reward beta * r_theta(tau) of the
  preferred (desirable) and the other (undesirable) trajectories, where
  r_theta(tau) = sum_t log pi_theta(a_t|s_t) / pi_ref(a_t|s_t). For ``rlhf``: the mean learned
  return sum_t gamma^t r_phi(s_t, a_t) of each side instead.
- ``rewards/margins``: rewards/chosen - rewards/rejected.
- ``rewards/accuracies``: the fraction of pairs whose chosen reward beats the rejected one (KTO:
  of judgements on the right side of z0; rlhf: the reward model's accuracy on its pairs).
- ``kl``: KL(pi_theta || pi_ref) summed over a trajectory's steps, averaged over the batch's
  trajectories (KTO's reference point z0).
- ``logps/chosen``, ``logps/rejected``: the mean sum_t log pi_theta(a_t|s_t) of each side; both
  can fall while the margin grows (a well-known effect of DPO).
- ``true_return``: the current policy's true return (gridworld: exactly V^pi of the start
  cell; CartPole: the mean episode return of the batch).
- ``loss``: the update's preference loss (rlhf: the reward model's Bradley-Terry loss).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agents.history import ReturnHistory

METRICS: tuple[str, ...] = (
    "loss",
    "rewards/chosen",
    "rewards/rejected",
    "rewards/margins",
    "rewards/accuracies",
    "kl",
    "logps/chosen",
    "logps/rejected",
    "true_return",
)
"""Every metric a preference learner reports, in this order (see the module docstring)."""
HISTORY_CAPACITY = 250
"""The history keeps at most 2 * this many points per metric (agents.history)."""


@dataclass(frozen=True)
class PreferenceView:
    """The preference side of a training run, after one update (read-only)."""

    algo: str
    """"dpo" | "kto" | "rlhf"."""
    labeller: str
    """"synthetic" (labels from the true return, fresh pairs each update) | "human" (only the
    labels given: a person's in the app, or a file's)."""
    pairs: int
    """Pairs learned from so far (synthetic: labelled so far; human: held)."""
    judgements: int
    """Judgements (thumbs up/down) learned from so far."""
    waiting: bool
    """True while a "human" run has no labels yet: it waits instead of updating."""
    beta: float
    """The KL weight beta of the implicit reward beta * log pi/pi_ref."""
    metrics: tuple[tuple[str, float], ...]
    """The last update's metrics by name (METRICS), nan where not measured yet."""
    history: tuple[tuple[str, tuple[float, ...]], ...]
    """Per metric name, its values, oldest first, one point per ``history_stride`` updates;
    all the same length."""
    history_stride: int = 1
    pi_ref: np.ndarray | None = None
    """Gridworld: pi_ref(a|s) [S, 5] (read-only); None on CartPole."""
    reward_model: np.ndarray | None = None
    """rlhf on the gridworld: the learned reward table r_phi(s, a) [S, 5]; None otherwise."""

    def metric(self, name: str) -> float:
        """The last update's value of a metric (nan when it has none)."""
        return dict(self.metrics).get(name, math.nan)

    def series(self, name: str) -> tuple[float, ...]:
        """The history of a metric (empty when it has none)."""
        return dict(self.history).get(name, ())

    def implicit_reward(self, pi: np.ndarray) -> np.ndarray | None:
        """DPO's implicit reward beta * log pi(a|s) / pi_ref(a|s), [S, 5] (gridworld only):
        "your policy is secretly a reward model"."""
        if self.pi_ref is None or pi is None or np.shape(pi) != self.pi_ref.shape:
            return None
        tiny = np.finfo(np.float64).tiny
        with np.errstate(divide="ignore"):
            return self.beta * (
                np.log(np.maximum(pi, tiny)) - np.log(np.maximum(self.pi_ref, tiny))
            )


class MetricHistory:
    """The METRICS of every update of a run, downsampled together in bounded memory."""

    def __init__(self, capacity: int = HISTORY_CAPACITY):
        self._series = {name: ReturnHistory(capacity) for name in METRICS}

    def append(self, metrics: dict[str, float]) -> None:
        for name, series in self._series.items():
            series.append(float(metrics.get(name, math.nan)))

    @property
    def stride(self) -> int:
        return self._series[METRICS[0]].stride

    def values(self) -> tuple[tuple[str, tuple[float, ...]], ...]:
        return tuple((name, series.values()) for name, series in self._series.items())

    def last(self) -> tuple[tuple[str, float], ...]:
        return tuple((name, series.last) for name, series in self._series.items())


def read_only(array: np.ndarray | None) -> np.ndarray | None:
    """A read-only float64 copy (None stays None)."""
    if array is None:
        return None
    out = np.array(array, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out

"""The preference losses of DPO and KTO, per example, as pure functions on tensors.

A trajectory tau = (s_0, a_0, s_1, a_1, ...) gets the policy log-ratio

    r_theta(tau) = sum_t [log pi_theta(a_t|s_t) - log pi_ref(a_t|s_t)],

a SUM over its steps (never a mean: the probability of a trajectory is a product over its
steps). The start-state and transition probabilities are the same under pi_theta and pi_ref,
so they cancel in log pi_theta(tau) / pi_ref(tau); and when two trajectories are compared,
they only cancel if both start in the same state (on CartPole: the same reset).

These are the formulas of Hugging Face TRL's DPOTrainer and KTOTrainer (``dpo_loss``,
``kto_loss``), checked on hand-computed numbers in tests/test_preference_losses.py.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.distributions import Categorical

from agents.agent import categorical_kl

LOSS_TYPES = ("sigmoid", "ipo")


def dpo_loss(
    chosen_logratios: torch.Tensor,
    rejected_logratios: torch.Tensor,
    beta: float,
    loss_type: str = "sigmoid",
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """DPO's loss per pair, from r_theta of the chosen (tau_w) and rejected (tau_l) trajectories.

    With the margin h = r_theta(tau_w) - r_theta(tau_l):

    - "sigmoid" (Rafailov et al. 2023): L = -log sigma(beta h). With label smoothing eps
      (conservative DPO, Mitchell 2023: each label is wrong with probability eps)
      L = -(1 - eps) log sigma(beta h) - eps log sigma(-beta h).
    - "ipo" (Azar et al. 2023): L = (h - 1 / (2 beta))^2, which stops pushing once the margin
      reaches 1/(2 beta) instead of driving it to infinity on deterministic labels.
    """
    margin = chosen_logratios - rejected_logratios
    if loss_type == "sigmoid":
        return -(1.0 - label_smoothing) * F.logsigmoid(beta * margin) - (
            label_smoothing * F.logsigmoid(-beta * margin)
        )
    if loss_type == "ipo":
        return (margin - 1.0 / (2.0 * beta)) ** 2
    raise ValueError(f"loss_type must be one of {', '.join(LOSS_TYPES)}, got {loss_type!r}")


def kto_loss(
    logratios: torch.Tensor,
    desirable: torch.Tensor,
    z0: torch.Tensor | float,
    beta: float,
    desirable_weight: float = 1.0,
    undesirable_weight: float = 1.0,
) -> torch.Tensor:
    """KTO's loss per judged trajectory (Ethayarajh et al. 2024), around the reference point z0:

        desirable:   lambda_D (1 - sigma(beta (r_theta(tau) - z0)))
        undesirable: lambda_U (1 - sigma(beta (z0 - r_theta(tau))))

    ``desirable`` is a bool tensor shaped like ``logratios``. z0 must be detached: it is a
    reference point, not something to optimize (see ``kto_reference_point``).
    """
    z0 = torch.as_tensor(z0, dtype=logratios.dtype)
    gain = 1.0 - torch.sigmoid(beta * (logratios - z0))
    loss = 1.0 - torch.sigmoid(beta * (z0 - logratios))
    return torch.where(desirable, desirable_weight * gain, undesirable_weight * loss)


def kto_reference_point(per_trajectory_kl: torch.Tensor) -> torch.Tensor:
    """KTO's z0: the batch's mean of sum_t KL(pi_theta(.|s_t) || pi_ref(.|s_t)), detached and
    clamped at >= 0.

    Why from the batch's own states: the LLM libraries estimate z0 = KL(pi_theta || pi_ref)
    from mismatched pairs (a completion scored after another example's prompt), which samples
    "some other completion" cheaply. Here that trick means nothing: a trajectory's actions
    replayed from another start visit other states, so they are not a sample of anything.
    But the exact KL of every visited state is one softmax away, and for trajectories drawn
    from pi_theta, E[r_theta(tau)] = E[sum_t KL(pi_theta(.|s_t) || pi_ref(.|s_t))]: so z0 is
    exactly the expected log-ratio of the policy's own trajectories, the point above which a
    trajectory counts as a gain. Detached: the reference point is not optimized (TRL does
    the same); clamped: a KL is never negative.
    """
    if per_trajectory_kl.numel() == 0:
        return torch.zeros(())
    return per_trajectory_kl.detach().mean().clamp(min=0.0)


def per_trajectory_sum(values: torch.Tensor, trajectory: torch.Tensor, n: int) -> torch.Tensor:
    """sum over each trajectory's steps: values[K] of K steps, trajectory[K] (int64) the index
    0..n-1 of the trajectory each step belongs to -> [n]."""
    return torch.zeros(n, dtype=values.dtype).index_add(0, trajectory, values)


def step_kl(policy_dist: Categorical, reference_dist: Categorical) -> torch.Tensor:
    """KL(pi_theta(.|s_t) || pi_ref(.|s_t)) at every step, exactly (a sum over the actions)."""
    return categorical_kl(policy_dist.logits, reference_dist.logits)

"""DPO's and KTO's losses on hand-computed numbers (TRL's formulas), and what they push."""

import math

import pytest
import torch

from agents.policies import TabularPolicy
from agents.preference import dpo_loss, kto_loss, kto_reference_point, per_trajectory_sum


def log1p_exp(x: float) -> float:
    return math.log(1.0 + math.exp(x))


def test_dpo_loss_is_minus_log_sigmoid_of_beta_times_the_margin():
    # margin h = 2 - 0.5 = 1.5, beta h = 0.15: -log sigma(0.15) = log(1 + e^-0.15) = 0.620957
    loss = dpo_loss(torch.tensor([2.0]), torch.tensor([0.5]), beta=0.1)
    assert loss.item() == pytest.approx(0.620957, abs=1e-6)
    assert loss.item() == pytest.approx(log1p_exp(-0.15), abs=1e-7)


def test_dpo_label_smoothing_mixes_in_the_flipped_label():
    # (1 - 0.1) * log(1 + e^-0.15) + 0.1 * log(1 + e^0.15) = 0.558861 + 0.077096
    loss = dpo_loss(torch.tensor([2.0]), torch.tensor([0.5]), beta=0.1, label_smoothing=0.1)
    assert loss.item() == pytest.approx(0.635957, abs=1e-6)


def test_ipo_loss_is_the_squared_distance_of_the_margin_from_one_over_two_beta():
    loss = dpo_loss(torch.tensor([2.0]), torch.tensor([0.5]), beta=0.1, loss_type="ipo")
    assert loss.item() == pytest.approx((1.5 - 5.0) ** 2)  # 12.25


def test_dpo_loss_is_per_pair():
    loss = dpo_loss(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]), beta=1.0)
    assert loss.tolist() == pytest.approx([log1p_exp(-1.0), log1p_exp(1.0)])


def test_an_unknown_loss_type_is_refused():
    with pytest.raises(ValueError, match="loss_type"):
        dpo_loss(torch.zeros(1), torch.zeros(1), beta=0.1, loss_type="hinge")


def test_kto_loss_on_hand_computed_numbers():
    # r = 2, z0 = 0.5, beta = 0.1: sigma(0.15) = 0.537430
    r = torch.tensor([2.0, 2.0])
    desirable = torch.tensor([True, False])
    loss = kto_loss(r, desirable, z0=0.5, beta=0.1)
    assert loss.tolist() == pytest.approx([1 - 0.537430, 1 - 0.462570], abs=1e-6)
    weighted = kto_loss(r, desirable, 0.5, 0.1, desirable_weight=2.0, undesirable_weight=0.5)
    assert weighted.tolist() == pytest.approx([2 * 0.462570, 0.5 * 0.537430], abs=1e-6)


def test_kto_reference_point_is_the_mean_kl_detached_and_never_negative():
    kl = torch.tensor([1.0, 2.0, 6.0], requires_grad=True)
    z0 = kto_reference_point(kl)
    assert z0.item() == pytest.approx(3.0) and not z0.requires_grad
    assert kto_reference_point(torch.tensor([-1e-7, 0.0])).item() == 0.0


def test_a_trajectorys_log_ratio_is_a_sum_over_its_steps_not_a_mean():
    policy = TabularPolicy(9, 5)
    with torch.no_grad():
        policy.logits[0, 1] = math.log(4.0)  # pi(a2|s1) = 4/8 = 0.5 against uniform 0.2
    obs = torch.tensor([0, 0, 0, 1])  # three steps from s1 in trajectory 0, one in trajectory 1
    actions = torch.tensor([1, 1, 1, 2])
    log_ratio = policy.dist(obs).log_prob(actions) - math.log(0.2)
    sums = per_trajectory_sum(log_ratio, torch.tensor([0, 0, 0, 1]), 2)
    assert sums.tolist() == pytest.approx([3 * math.log(0.5 / 0.2), 0.0], abs=1e-6)


def test_minimizing_dpo_raises_the_chosen_log_ratio_and_lowers_the_rejected_one():
    chosen = torch.zeros(1, requires_grad=True)
    rejected = torch.zeros(1, requires_grad=True)
    dpo_loss(chosen, rejected, beta=0.1).sum().backward()
    assert chosen.grad.item() == pytest.approx(-0.05)  # -beta * sigma(0) = -0.05: push up
    assert rejected.grad.item() == pytest.approx(0.05)


def test_minimizing_kto_raises_a_desirable_and_lowers_an_undesirable_trajectory():
    r = torch.zeros(2, requires_grad=True)
    kto_loss(r, torch.tensor([True, False]), z0=0.0, beta=0.1).sum().backward()
    assert r.grad[0].item() < 0 < r.grad[1].item()

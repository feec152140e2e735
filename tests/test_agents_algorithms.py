"""Every algorithm: the loss pushes the right way, and a short run improves the return."""

import dataclasses

import numpy as np
import pytest
import torch

from agents.agent import clipped_surrogate
from agents.config import ConfigError, parse_set_args, with_overrides
from agents.learner import Run, build_config, default_config
from agents.registry import ALGORITHMS
from gridsim.solvers import is_optimal
from gridsim.world import default_world


def test_the_policy_gradient_step_raises_the_probability_of_a_positively_weighted_action():
    run = Run("gridworld", "simple_pg", seed=0)
    batch = run.agent.collector.collect_episodes(run.agent.sampler(), min_steps=10)
    s, a = int(batch.obs[0, 0]), int(batch.actions[0, 0])
    weights = np.zeros(batch.rewards.shape)
    weights[0, 0] = 1.0  # only (s, a) is weighted, positively
    before = run.pi()[s, a]
    run.agent.policy_gradient_step(batch, weights)
    assert run.pi()[s, a] > before
    weights[0, 0] = -1.0
    before = run.pi()[s, a]
    run.agent.policy_gradient_step(batch, weights)
    assert run.pi()[s, a] < before


def test_clipped_surrogate_stops_the_gradient_outside_the_clip_range():
    old = torch.zeros(2)
    logp = torch.tensor([0.5, 0.05], requires_grad=True)  # ratios e^0.5 > 1.2, e^0.05 < 1.2
    loss = clipped_surrogate(logp, old, torch.ones(2), clip=0.2)
    loss.backward()
    assert logp.grad[0] == 0.0  # clipped: no push further up
    assert logp.grad[1] < 0.0  # inside: minimizing the loss raises log pi
    neg = torch.tensor([0.5], requires_grad=True)
    clipped_surrogate(neg, torch.zeros(1), -torch.ones(1), clip=0.2).backward()
    assert neg.grad[0] > 0.0  # negative advantage and too likely: push down


@pytest.mark.parametrize("algo", ALGORITHMS)
def test_a_short_gridworld_run_becomes_optimal(algo):
    run = Run("gridworld", algo, seed=0)
    while not run.solved and run.env_steps < 1_500_000:
        run.update()
    assert run.solved
    assert is_optimal(default_world(), run.pi())


@pytest.mark.parametrize("algo", ALGORITHMS)
def test_a_short_cartpole_run_improves_the_return(algo):
    run = Run("cartpole", algo, seed=0)
    run.update()
    first = run.returns.last
    while run.env_steps < 30_000:
        run.update()
    assert run.recent_mean_return(20) > first + 10


def test_grpo_runs_with_a_kl_penalty_to_the_reference_policy():
    run = Run("gridworld", "grpo", seed=0, overrides={"kl_coef": 0.1})
    for _ in range(3):
        result = run.update()
    kl = dict(result.losses)["kl"]
    assert kl > 0.0  # the policy has moved away from the frozen initial one


@pytest.mark.parametrize("algo", ALGORITHMS)
def test_every_algorithm_has_documented_defaults_for_both_envs(algo):
    for env in ("gridworld", "cartpole"):
        cfg = default_config(algo, env)
        names = [f.name for f in dataclasses.fields(cfg)]
        assert {"lr", "num_envs", "hidden"} <= set(names)


def test_overrides_are_parsed_by_field_type():
    cfg = build_config(
        "ppo",
        "cartpole",
        parse_set_args(
            ["lr=0.002", "hidden=16,16", "epochs=3", "normalize_adv=false", "gamma=none"]
        ),
    )
    assert (cfg.lr, cfg.hidden, cfg.epochs, cfg.normalize_adv, cfg.gamma) == (
        0.002,
        (16, 16),
        3,
        False,
        None,
    )


@pytest.mark.parametrize(
    "override, message",
    [
        ({"nope": "1"}, "unknown hyper-parameter 'nope'"),
        ({"lr": "fast"}, "expected a number"),
        ({"lr": "-1"}, "lr must be > 0"),
        ({"epochs": "1.5"}, "expected a whole number"),
        ({"minibatch_size": "0"}, "minibatch_size must be > 0"),
        ({"lam": "2"}, "lam must be in [0, 1]"),
        ({"lr": "nan"}, "lr must be finite"),
    ],
)
def test_bad_overrides_raise_one_line_config_errors(override, message):
    with pytest.raises(ConfigError) as e:
        with_overrides(default_config("ppo", "cartpole"), override)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_grpo_num_envs_must_be_a_multiple_of_the_group_size():
    with pytest.raises(ConfigError, match="multiple of group_size"):
        build_config("grpo", "cartpole", {"num_envs": "10", "group_size": "4"})


def test_same_seed_gives_the_same_returns_curve():
    def curve(seed):
        run = Run("cartpole", "vpg", seed=seed)
        for _ in range(3):
            run.update()
        return run.returns.values(), run.policy_weights()[0]

    (c1, w1), (c2, w2), (c3, _) = curve(3), curve(3), curve(4)
    assert c1 == c2
    np.testing.assert_array_equal(w1, w2)
    assert c1 != c3

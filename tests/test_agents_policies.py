"""Policies: tabular and MLP give Categorical; the numpy forward pass matches torch."""

import numpy as np
import torch

from agents import ALGORITHMS, ENVS
from agents.numpy_policy import mlp_probs, sample_actions
from agents.policies import MLPPolicy, TabularPolicy


def test_tabular_policy_starts_uniform_and_indexes_rows_by_state():
    policy = TabularPolicy(9, 5)
    dist = policy.dist(torch.tensor([0, 8]))
    np.testing.assert_allclose(dist.probs.detach().numpy(), np.full((2, 5), 0.2))
    with torch.no_grad():
        policy.logits[3, 1] = 10.0
    assert policy.probs_table()[3].argmax() == 1
    assert policy.probs_table().shape == (9, 5)


def test_numpy_mlp_probs_match_the_torch_policy():
    torch.manual_seed(0)
    policy = MLPPolicy(4, 2, (16, 8), out_gain=1.0)
    obs = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    expected = policy.dist(torch.from_numpy(obs)).probs.detach().numpy()
    weights = policy.numpy_weights()
    assert [w.shape for w in weights] == [(16, 4), (16,), (8, 16), (8,), (2, 8), (2,)]
    np.testing.assert_allclose(mlp_probs(weights, obs), expected, atol=1e-6)
    np.testing.assert_allclose(mlp_probs(weights, obs[0]), expected[0], atol=1e-6)


def test_sampled_actions_follow_the_probabilities():
    probs = np.tile([0.1, 0.6, 0.3], (20000, 1))
    actions = sample_actions(probs, np.random.default_rng(0))
    freq = np.bincount(actions, minlength=3) / len(actions)
    np.testing.assert_allclose(freq, [0.1, 0.6, 0.3], atol=0.02)


def test_importing_agents_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, agents, agents.numpy_policy, agents.registry, agents.trainer;"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert "ppo" in ALGORITHMS and "cartpole" in ENVS

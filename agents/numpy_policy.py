"""The published CartPole policy as plain numpy: a forward pass the UI can run without torch.

Contract: ``weights`` is (W0, b0, W1, b1, ..., Wk, bk) in torch ``nn.Linear``
layout (W is [out, in]); every hidden layer is followed by ``tanh``
(ACTIVATION); the last layer gives logits, and the policy is their softmax.
"""

from __future__ import annotations

import numpy as np

ACTIVATION = "tanh"


def mlp_logits(weights, obs) -> np.ndarray:
    """Logits [A] for one observation [D], or [N, A] for a batch [N, D]."""
    if len(weights) < 2 or len(weights) % 2:
        raise ValueError("weights must be (W0, b0, W1, b1, ...), an even, non-zero count")
    x = np.asarray(obs, dtype=np.float64)
    n_layers = len(weights) // 2
    for i in range(n_layers):
        w, b = weights[2 * i], weights[2 * i + 1]
        x = x @ np.asarray(w, dtype=np.float64).T + b
        if i < n_layers - 1:
            x = np.tanh(x)
    return x


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, stable for large logits."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def mlp_probs(weights, obs) -> np.ndarray:
    """pi(a|obs): probabilities [A] for obs [D], or [N, A] for obs [N, D]."""
    return softmax(mlp_logits(weights, obs))


def sample_actions(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One action per row of probs [N, A], by inverse-CDF sampling (int64 [N])."""
    return sample_from_cdf(np.cumsum(probs, axis=-1), rng)


def sample_from_cdf(cdf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One action per row of cumulative probabilities cdf [N, A] (int64 [N])."""
    u = rng.random(cdf.shape[0]) * cdf[:, -1]
    return np.minimum((u[:, None] >= cdf).sum(axis=1), cdf.shape[1] - 1)


def greedy_action(weights, obs) -> int:
    """The most likely action for one observation (for a deterministic display)."""
    return int(np.argmax(mlp_logits(weights, obs)))

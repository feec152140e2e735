"""The tutorial's own configuration, its per-step loop against ours: env steps per second.

    python bench/bench_tutorial_loop.py [--epochs 50] [--seed 0]

Both run simple_pg with hidden [32], lr 1e-2, batch 5000 on CartPole-v1 for the
same number of epochs (updates). The port is the tutorial's ``train_one_epoch``
line for line (one env, one torch forward and ``.item()`` per step), changed only
for Gymnasium's API (reset returns (obs, info); step returns terminated and
truncated). Ours is ``agents.simple_pg`` with its vectorized collector (32 envs).
Target: ours >= 5x the port's env steps per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.distributions.categorical import Categorical  # noqa: E402
from torch.optim import Adam  # noqa: E402

from agents.learner import Run  # noqa: E402

TUTORIAL = {"hidden": (32,), "lr": 1e-2, "batch_steps": 5000}


def mlp(sizes, activation=nn.Tanh, output_activation=nn.Identity):
    layers = []
    for j in range(len(sizes) - 1):
        act = activation if j < len(sizes) - 2 else output_activation
        layers += [nn.Linear(sizes[j], sizes[j + 1]), act()]
    return nn.Sequential(*layers)


def tutorial_train(epochs: int, seed: int, hidden_sizes=(32,), lr=1e-2, batch_size=5000):
    """The tutorial's 1_simple_pg train(), returning (env steps, seconds, last mean return)."""
    torch.manual_seed(seed)
    env = gym.make("CartPole-v1")
    obs_dim = env.observation_space.shape[0]
    n_acts = env.action_space.n
    logits_net = mlp(sizes=[obs_dim] + list(hidden_sizes) + [n_acts])

    def get_policy(obs):
        return Categorical(logits=logits_net(obs))

    def get_action(obs):
        return get_policy(obs).sample().item()

    def compute_loss(obs, act, weights):
        logp = get_policy(obs).log_prob(act)
        return -(logp * weights).mean()

    optimizer = Adam(logits_net.parameters(), lr=lr)
    first_reset = [seed]

    def reset():
        obs, _ = env.reset(seed=first_reset.pop() if first_reset else None)
        return obs

    def train_one_epoch():
        batch_obs, batch_acts, batch_weights, batch_rets, batch_lens = [], [], [], [], []
        obs = reset()
        done = False
        ep_rews = []
        while True:
            batch_obs.append(obs.copy())
            act = get_action(torch.as_tensor(obs, dtype=torch.float32))
            obs, rew, terminated, truncated, _ = env.step(act)
            done = terminated or truncated
            batch_acts.append(act)
            ep_rews.append(rew)
            if done:
                ep_ret, ep_len = sum(ep_rews), len(ep_rews)
                batch_rets.append(ep_ret)
                batch_lens.append(ep_len)
                batch_weights += [ep_ret] * ep_len
                obs, done, ep_rews = reset(), False, []
                if len(batch_obs) > batch_size:
                    break
        optimizer.zero_grad()
        batch_loss = compute_loss(
            obs=torch.as_tensor(np.array(batch_obs), dtype=torch.float32),
            act=torch.as_tensor(batch_acts, dtype=torch.int32),
            weights=torch.as_tensor(batch_weights, dtype=torch.float32),
        )
        batch_loss.backward()
        optimizer.step()
        return batch_loss, batch_rets, batch_lens

    steps = 0
    t0 = time.perf_counter()
    for _ in range(epochs):
        _, rets, lens = train_one_epoch()
        steps += sum(lens)
    return steps, time.perf_counter() - t0, float(np.mean(rets))


def ours_train(epochs: int, seed: int):
    """agents.simple_pg with the tutorial's hyper-parameters: (env steps, seconds, mean return)."""
    t0 = time.perf_counter()
    run = Run("cartpole", "simple_pg", seed=seed, overrides=dict(TUTORIAL))
    for _ in range(epochs):
        run.update()
    return run.env_steps, time.perf_counter() - t0, run.returns.last


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # one-time torch._dynamo import
    results = {
        "tutorial loop": tutorial_train(args.epochs, args.seed),
        "agents.simple_pg": ours_train(args.epochs, args.seed),
    }
    header = f"{'implementation':<18}{'steps':>10}{'seconds':>10}{'steps/s':>10}"
    print(f"{header}{'last mean return':>18}")
    for name, (steps, secs, ret) in results.items():
        print(f"{name:<18}{steps:>10}{secs:>10.2f}{steps / secs:>10.0f}{ret:>18.1f}")
    (s0, t0, _), (s1, t1, _) = results.values()
    ratio = (s1 / t1) / (s0 / t0)
    print(f"speed-up (steps/s): {ratio:.1f}x  target >= 5x  {'yes' if ratio >= 5 else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

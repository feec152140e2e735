"""CartPole-v1: wall time to solve, per algorithm, against Stable-Baselines3 PPO in the same run.

    python bench/bench_cartpole.py [--seeds 10] [--algos ppo vpg ...] [--no-reference]
                                   [--set KEY=VALUE ...] [--max-steps 500000]

Solved: the mean of the last 100 training-episode returns >= 475. The reference is
SB3 PPO with the rl-baselines3-zoo CartPole-v1 hyper-parameters (8 envs, n_steps 32,
batch 256, gae_lambda 0.8, gamma 0.98, 20 epochs, ent_coef 0, lr and clip decayed
linearly from 1e-3 and 0.2 over 1e5 steps), one torch thread, timed from model
construction. Ours are timed from Run construction. Targets: ppo 10/10 solved and median
<= 0.2x the reference's; every other algorithm >= 9/10 within 500k steps and median
<= 0.5x. Needs the ``bench`` extra (stable-baselines3) for the reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from agents.config import parse_set_args  # noqa: E402
from agents.learner import Run  # noqa: E402
from agents.registry import ALGORITHMS  # noqa: E402

SOLVED = 475.0
RATIO_TARGET = {"ppo": 0.2}
DEFAULT_RATIO_TARGET = 0.5


def ours(algo: str, seed: int, max_steps: int, overrides: dict):
    """(solved, seconds, env steps) of one seeded run, stopping when solved."""
    t0 = time.perf_counter()
    run = Run("cartpole", algo, seed=seed, overrides=overrides)
    while not run.solved and run.env_steps < max_steps:
        run.update()
    return run.solved, time.perf_counter() - t0, run.env_steps


def reference(seed: int, max_steps: int):
    """(solved, seconds, env steps) of SB3 PPO with the zoo's CartPole-v1 hyper-parameters."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    class StopWhenSolved(BaseCallback):
        def __init__(self):
            super().__init__()
            self.returns: list[float] = []
            self.solved = False

        def _on_step(self) -> bool:
            for info in self.locals["infos"]:
                if "episode" in info:
                    self.returns.append(info["episode"]["r"])
            if len(self.returns) >= 100 and np.mean(self.returns[-100:]) >= SOLVED:
                self.solved = True
                return False
            return True

    def linear(start: float):
        return lambda progress_remaining: progress_remaining * start

    t0 = time.perf_counter()
    env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=32,
        batch_size=256,
        gae_lambda=0.8,
        gamma=0.98,
        n_epochs=20,
        ent_coef=0.0,
        learning_rate=linear(1e-3),
        clip_range=linear(0.2),
        seed=seed,
        device="cpu",
    )
    callback = StopWhenSolved()
    model.learn(total_timesteps=min(max_steps, 100_000), callback=callback)
    return callback.solved, time.perf_counter() - t0, model.num_timesteps


def summarize(name: str, results, n_seeds: int, ref_median: float | None, target: float | None):
    times = [t if ok else float("inf") for ok, t, _ in results]
    solved = sum(ok for ok, _, _ in results)
    med = statistics.median(times)
    steps = statistics.median(n for _, _, n in results)
    ratio = med / ref_median if ref_median else float("nan")
    verdict = ""
    if target is not None and ref_median:
        enough = solved == n_seeds if name == "ppo" else solved >= 0.9 * n_seeds
        verdict = "yes" if enough and ratio <= target else "NO"
    print(
        f"{name:<11}{solved:>5}/{n_seeds:<3}{med:>9.2f}{max(times):>9.2f}{steps:>11.0f}"
        f"{ratio:>8.3f}{'' if target is None else f'{target:>8.2f}'}  {verdict}",
        flush=True,
    )
    return med


def warm_up() -> None:
    """Pay the process's one-time costs before any timing: torch.optim's first optimizer
    imports torch._dynamo (about 2 s here), whichever library builds it first."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--algos", nargs="*", default=list(ALGORITHMS), choices=ALGORITHMS)
    p.add_argument("--no-reference", action="store_true", help="skip SB3 (ratios are not printed)")
    p.add_argument(
        "--reference-s", type=float, help="use this reference median instead of running SB3"
    )
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--max-steps", type=int, default=500_000)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    warm_up()
    overrides = parse_set_args(args.set)
    seeds = range(args.seeds)
    print(
        f"{'algo':<11}{'solved':>9}{'median s':>9}{'max s':>9}{'med steps':>11}"
        f"{'ratio':>8}{'target':>8}  met"
    )
    ref_median = args.reference_s
    if ref_median is None and not args.no_reference:
        ref_median = summarize(
            "sb3_ppo", [reference(s, args.max_steps) for s in seeds], args.seeds, None, None
        )
    for algo in args.algos:
        results = [ours(algo, s, args.max_steps, overrides) for s in seeds]
        summarize(
            algo, results, args.seeds, ref_median, RATIO_TARGET.get(algo, DEFAULT_RATIO_TARGET)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

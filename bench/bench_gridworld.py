"""Time to an optimal policy on the gridworld, per algorithm, median over seeds.

    python bench/bench_gridworld.py [--seeds 10] [--algos ppo grpo]
        [--layouts tutorial_3x3 zhao_5x5] [--set KEY=VALUE ...] [--budget-s 60]

"Optimal" is gridsim.solvers.is_optimal: the greedy policy of the learned pi has
exact value V* (1e-6) in every state. Targets: median <= 2 s on tutorial_3x3 and
<= 10 s on zhao_5x5. A seed that has not solved within --budget-s counts as unsolved.
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

import torch  # noqa: E402

from agents.config import parse_set_args  # noqa: E402
from agents.learner import Run  # noqa: E402
from agents.registry import ALGORITHMS  # noqa: E402
from gridsim.layout import load_layout, shipped_layout  # noqa: E402

TARGET_S = {"tutorial_3x3": 2.0, "zhao_5x5": 10.0}


def time_to_optimal(algo: str, world, seed: int, overrides: dict, budget_s: float):
    """(solved, wall seconds, env steps) of one seeded run, stopping when optimal."""
    t0 = time.perf_counter()
    run = Run("gridworld", algo, world=world, seed=seed, overrides=overrides)
    while not run.solved and time.perf_counter() - t0 < budget_s:
        run.update()
    return run.solved, time.perf_counter() - t0, run.env_steps


def warm_up() -> None:
    """Pay the process's one-time costs before any timing: torch.optim's first optimizer
    imports torch._dynamo (about 2 s here), whichever library builds it first."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--algos", nargs="+", default=list(ALGORITHMS), choices=ALGORITHMS)
    p.add_argument("--layouts", nargs="+", default=list(TARGET_S))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--budget-s", type=float, default=60.0)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    warm_up()
    overrides = parse_set_args(args.set)
    print(
        f"{'layout':<14}{'algo':<11}{'solved':>8}{'median s':>10}{'max s':>8}"
        f"{'median steps':>14}{'target s':>10}  met"
    )
    for layout in args.layouts:
        world = load_layout(shipped_layout(layout) if not layout.endswith(".json") else layout)
        for algo in args.algos:
            results = [
                time_to_optimal(algo, world, s, overrides, args.budget_s) for s in range(args.seeds)
            ]
            times = [t if ok else float("inf") for ok, t, _ in results]
            solved = sum(ok for ok, _, _ in results)
            med = statistics.median(times)
            steps = statistics.median(n for _, _, n in results)
            target = TARGET_S.get(layout, float("nan"))
            print(
                f"{layout:<14}{algo:<11}{solved:>5}/{args.seeds:<2}{med:>10.2f}{max(times):>8.2f}"
                f"{steps:>14.0f}{target:>10.1f}  {'yes' if med <= target else 'NO'}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Big worlds: env steps and seconds until the greedy policy is exactly optimal on generated mazes.

    python bench/bench_mazes.py [--algos ppo vpg grpo] [--sizes 8 10] [--maze-seeds 0 1 2]
        [--modes enter wall] [--targets cont term] [--seeds 1] [--budget-steps N]
        [--set KEY=VALUE ...] [--quiet]

Mazes come from gridsim.mazes (16 % forbidden cells at -10, the target in the far corner,
gamma 0.95, horizon 60): every size x maze seed x forbidden mode x target kind, each
learned by every algorithm with its default hyper-parameters for that world (those
``python main.py train`` and the app use) from ``--seeds`` algorithm seeds. By default the
six algorithms that learn from rewards; the preference learners (dpo, kto, rlhf, with
their online synthetic labels: pairs judged by their true return) on request with
``--algos dpo kto rlhf`` (rlhf runs ~4x fewer env steps per second).

"Optimal" is gridsim.progress: the greedy policy's exact value is V* within 1e-6 in
every state. A run stops there or at its step budget (default 20 M env steps for ppo,
vpg, grpo and the preference learners, 50 M for simple_pg, rtg_pg and reinforce: the
issue's targets); an
unsolved run counts as infinitely slow in the medians, and the table also gives the
median count of optimal states it reached. Seconds are wall time of the updates in this
process (one thread); step counts are deterministic per seed, seconds depend on the
machine's load: compare them only within one run of this script.
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
from agents.registry import ALGORITHMS, PREFERENCE_ALGORITHMS  # noqa: E402
from gridsim.mazes import maze, maze_name  # noqa: E402

BUDGET_STEPS = {
    "ppo": 20_000_000,
    "vpg": 20_000_000,
    "grpo": 20_000_000,
    "simple_pg": 50_000_000,
    "rtg_pg": 50_000_000,
    "reinforce": 50_000_000,
}
TARGET_MEDIAN_S = {"ppo": 60.0, "vpg": 60.0, "grpo": 60.0}
"""The issue's bar for the three fast learners: every 10x10 maze solved, median <= 60 s."""
DEFAULT_BUDGET = 20_000_000


def learn_until_optimal(algo: str, world, seed: int, overrides: dict, budget: int) -> dict:
    """One seeded run until optimal or out of steps: solved, steps, seconds, optimal states."""
    t0 = time.perf_counter()
    run = Run("gridworld", algo, world=world, seed=seed, overrides=overrides)
    while not run.solved and run.env_steps < budget:
        run.update()
    seconds = time.perf_counter() - t0
    progress = run.progress
    return {
        "solved": run.solved,
        "steps": run.solved_at_steps if run.solved else run.env_steps,
        "seconds": seconds,
        "optimal": progress.optimal_states if progress else 0,
        "n_states": world.n_states,
    }


def warm_up() -> None:
    """Pay the process's one-time costs before any timing (torch.optim's first optimizer)."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def median_or_inf(values) -> float:
    return statistics.median(values) if values else float("inf")


def summarize(algo: str, size: int, results: list[dict]) -> str:
    solved = [r for r in results if r["solved"]]
    steps = median_or_inf([r["steps"] if r["solved"] else float("inf") for r in results])
    secs = median_or_inf([r["seconds"] if r["solved"] else float("inf") for r in results])
    reached = statistics.median(r["optimal"] for r in results)
    budget = BUDGET_STEPS.get(algo, DEFAULT_BUDGET)
    target = TARGET_MEDIAN_S.get(algo)
    met = "-"
    if target is not None and size == 10:
        met = "yes" if len(solved) == len(results) and secs <= target else "NO"
    n = results[0]["n_states"]
    return (
        f"{algo:<11}{size:>2}x{size:<3}{len(solved):>4}/{len(results):<4}"
        f"{steps / 1e6:>10.2f}{secs:>10.1f}{max(r['seconds'] for r in results):>9.1f}"
        f"{reached:>8.0f}/{n:<4}{budget / 1e6:>7.0f}  {met}"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--algos",
        nargs="+",
        default=[a for a in ALGORITHMS if a not in PREFERENCE_ALGORITHMS],
        choices=ALGORITHMS,
        help="default: the six that learn from rewards (dpo, kto, rlhf on request)",
    )
    p.add_argument("--sizes", nargs="+", type=int, default=[8, 10])
    p.add_argument("--maze-seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--modes", nargs="+", default=["enter", "wall"], choices=["enter", "wall"])
    p.add_argument("--targets", nargs="+", default=["cont", "term"], choices=["cont", "term"])
    p.add_argument("--seeds", type=int, default=1, help="algorithm seeds per maze")
    p.add_argument("--budget-steps", type=float, help="one env-step budget for every algorithm")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--quiet", action="store_true", help="only the summary table")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    warm_up()
    overrides = parse_set_args(args.set)
    worlds = [
        (maze_name(w, m), w)
        for size in args.sizes
        for m in args.maze_seeds
        for mode in args.modes
        for target in args.targets
        for w in [maze(size, size, m, forbidden_mode=mode, target_terminal=target == "term")]
    ]
    table = []
    for algo in args.algos:
        budget = int(args.budget_steps or BUDGET_STEPS.get(algo, DEFAULT_BUDGET))
        by_size: dict[int, list[dict]] = {}
        for name, world in worlds:
            for seed in range(args.seeds):
                r = learn_until_optimal(algo, world, seed, overrides, budget)
                by_size.setdefault(world.rows, []).append(r)
                if not args.quiet:
                    state = "solved" if r["solved"] else f"{r['optimal']}/{r['n_states']} optimal"
                    print(
                        f"  {algo:<10}{name:<22}seed {seed}: {state:<16}"
                        f"{r['steps'] / 1e6:7.2f} M steps {r['seconds']:7.1f} s",
                        flush=True,
                    )
        table += [summarize(algo, size, results) for size, results in by_size.items()]
    print(
        f"\n{'algo':<11}{'size':<6}{'solved':>8}{'med M st':>10}{'med s':>10}{'max s':>9}"
        f"{'med opt':>13}{'budget':>7}  met (10x10: all solved, median <= 60 s)"
    )
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

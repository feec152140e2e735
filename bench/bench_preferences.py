"""Preference learning (dpo, kto, rlhf): the issue's targets, median over seeds, seeds listed.

    python bench/bench_preferences.py [--parts grid cartpole human offline] [--seeds 10]
        [--algos dpo kto rlhf] [--json assets/bench/preferences.json] [--no-reference]

- grid: online synthetic labels (Bradley-Terry on the discounted return, temperature 0): wall
  time until the greedy policy is exactly optimal (gridsim.solvers.is_optimal). Targets: 10/10
  seeds, median <= 1 s on tutorial_3x3 and <= 10 s on zhao_5x5.
- cartpole: online synthetic labels (the longer episode wins; a pair shares its reset): time to
  solve (mean of the last 100 episodes >= 475) within 500k steps, against Stable-Baselines3 PPO
  with the zoo's hyper-parameters measured in the same run (bench/bench_cartpole.py). Target:
  dpo and kto >= 9/10 seeds and median <= 0.5x the reference's.
- human: the scripted person (gridsim.preferences.RouteLabeller: the higher return, and at
  equal return the route through s4) teaches a learner that starts from a PPO reference (pi_ref
  = the PPO policy, trained until optimal; the first 10 PPO seeds whose greedy route from s1
  goes through s2, so there is something to teach). Each round shows trajectories of the
  current policy from s1 (dpo, rlhf: two, the second drawn again from 0.8 pi + 0.2 uniform when
  it repeats the first, as the app's panel does; kto: one), the person answers, and the
  learner does ``--updates-per-label`` updates on all labels so far. Counted: labels (skips
  are not labels) until the greedy policy from s1 goes through s4 with the optimal value
  V*(s1), at most ``--max-labels``. Goal: median <= 50. Also shown: dpo with loss_type=ipo
  ("dpo_ipo"), whose bounded target does not over-fit a handful of labels.
- offline: dpo on a fixed file of N synthetic pairs of the uniform policy (``prefs``), N in
  50 .. 1600: the smallest N whose run becomes optimal within 300 updates, per seed.

The human and offline figures are also written to ``--json`` (the app's "DPO vs RLHF" demo
reads them). The machine is shared: report the command with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from agents.checkpoint import save_agent  # noqa: E402
from agents.config import parse_set_args  # noqa: E402
from agents.learner import Run  # noqa: E402
from gridsim.layout import load_layout, shipped_layout  # noqa: E402
from gridsim.preferences import (  # noqa: E402
    ReturnLabeller,
    RouteLabeller,
    judgement_from_trajectory,
    pair_from_trajectories,
    synthetic_pairs,
    trajectory_return,
)
from gridsim.solvers import deterministic_policy, optimal_values, policy_value  # noqa: E402
from gridsim.tables import build_tables  # noqa: E402
from gridsim.trajectory import follow_actions, sample_trajectory  # noqa: E402

ALGOS = ("dpo", "kto", "rlhf")
GRID_TARGET_S = {"tutorial_3x3": 1.0, "zhao_5x5": 10.0}
CARTPOLE_RATIO_TARGET = 0.5
LABELS_GOAL = 50
OFFLINE_SIZES = (50, 100, 200, 400, 800, 1600)
VIA = 3  # s4


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(x) -> str:
    return "-" if x is None else ("inf" if x == float("inf") else f"{x:g}")


# ----- online synthetic on the gridworld -------------------------------------------------------


def grid_part(algos, seeds, budget_s: float) -> None:
    print("\n== gridworld, online synthetic labels: seconds until optimal ==")
    print(f"{'layout':<14}{'algo':<7}{'solved':>8}{'median s':>10}{'max s':>8}{'target':>8}  met")
    for layout, target in GRID_TARGET_S.items():
        world = load_layout(shipped_layout(layout))
        for algo in algos:
            times = []
            for seed in seeds:
                t0 = time.perf_counter()
                run = Run("gridworld", algo, world=world, seed=seed)
                while not run.solved and time.perf_counter() - t0 < budget_s:
                    run.update()
                times.append(time.perf_counter() - t0 if run.solved else float("inf"))
            solved = sum(t < float("inf") for t in times)
            med = median(times)
            met = solved == len(seeds) and med <= target
            print(
                f"{layout:<14}{algo:<7}{solved:>5}/{len(seeds):<2}{med:>10.2f}{max(times):>8.2f}"
                f"{target:>8.1f}  {'yes' if met else 'NO'}",
                flush=True,
            )


# ----- online synthetic on CartPole ------------------------------------------------------------


def cartpole_part(algos, seeds, max_steps: int, reference: bool) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_cartpole import ours
    from bench_cartpole import reference as sb3_reference

    print("\n== CartPole-v1, online synthetic labels (longer episode wins): seconds to solve ==")
    print(f"{'algo':<9}{'solved':>8}{'median s':>10}{'max s':>8}{'med steps':>11}{'ratio':>7}  met")
    ref_median = None
    if reference:
        results = [sb3_reference(s, max_steps) for s in seeds]
        ref_median = _cartpole_row("sb3_ppo", results, len(seeds), None)
    for algo in algos:
        if algo == "rlhf":
            continue  # the targets are dpo's and kto's
        results = [ours(algo, s, max_steps, {}) for s in seeds]
        _cartpole_row(algo, results, len(seeds), ref_median)


def _cartpole_row(name, results, n, ref_median):
    times = [t if ok else float("inf") for ok, t, _ in results]
    solved = sum(ok for ok, _, _ in results)
    med = median(times)
    steps = median([k for _, _, k in results])
    ratio = med / ref_median if ref_median else float("nan")
    met = "" if ref_median is None else ("yes" if solved >= 0.9 * n and ratio <= 0.5 else "NO")
    print(
        f"{name:<9}{solved:>5}/{n:<2}{med:>10.2f}{max(times):>8.2f}{steps:>11.0f}"
        f"{ratio:>7.3f}  {met}",
        flush=True,
    )
    return med


# ----- the scripted person ---------------------------------------------------------------------


def greedy_route(world, table):
    """The trajectory from the start cell taking argmax_a table[s, a] (pi or Q*) at every step,
    for the horizon (or until a terminal target)."""
    tables = build_tables(world)
    s, actions = world.start, []
    for _ in range(world.horizon):
        a = int(np.argmax(table[s]))
        actions.append(a)
        if tables.done[s, a]:
            break
        s = int(tables.next_state[s, a])
    return follow_actions(world, world.start, actions)


def goal_reached(world, pi, v_star) -> bool:
    """The greedy policy from s1 goes through s4 and is worth V*(s1)."""
    greedy = deterministic_policy(np.argmax(pi, axis=1))
    worth = policy_value(world, greedy)[world.start]
    return VIA in greedy_route(world, pi).states and abs(worth - v_star[world.start]) <= 1e-6


def ppo_references(world, n: int, folder: Path) -> list[tuple[int, Path]]:
    """The first n PPO seeds (trained until optimal) whose greedy route from s1 avoids s4."""
    out = []
    seed = 0
    while len(out) < n:
        run = Run("gridworld", "ppo", world=world, seed=seed)
        while not run.solved:
            run.update()
        if VIA not in greedy_route(world, run.pi()).states:
            path = folder / f"ppo-seed{seed}.pt"
            save_agent(run, path)
            out.append((seed, path))
        seed += 1
    return out


def best_return(world) -> float:
    """The discounted return of an optimal route from the start, over the horizon."""
    return trajectory_return(world, greedy_route(world, optimal_values(world)[1]))


def labels_to_route(algo, world, seed, reference: Path, updates_per_label, max_labels, extra=None):
    """(labels given until the goal, or None; pairs shown)."""
    overrides = {
        "labeller": "human",
        "ref": str(reference),
        "updates_per_label": str(updates_per_label),
        **(extra or {}),
    }
    if algo != "rlhf":
        overrides["num_envs"] = "8"  # dpo/kto roll out only to show the policy: keep it small
    run = Run("gridworld", algo, world=world, seed=seed, overrides=overrides)
    v_star = optimal_values(world)[0]
    best = best_return(world)
    person = RouteLabeller(via=VIA)
    rng = np.random.default_rng(1000 + seed)
    labels = shown = 0
    while labels <= max_labels:
        pi = run.pi()
        if goal_reached(world, pi, v_star):
            return labels, shown
        if labels == max_labels:
            break
        a = sample_trajectory(world, pi, world.start, rng=rng)
        shown += 1
        if algo == "kto":
            judgement = judgement_from_trajectory(a, person.judge(world, a, best))
            run.agent.add_preferences(judgements=[judgement])
        else:
            b = sample_trajectory(world, pi, world.start, rng=rng)
            if np.array_equal(a.actions, b.actions):
                b = sample_trajectory(world, 0.8 * pi + 0.2 / 5, world.start, rng=rng)
            pair = pair_from_trajectories(a, b, person.compare(world, a, b))
            if pair is None:
                continue  # skipped: not a label
            run.agent.add_preferences(pairs=[pair])
        labels += 1
        while not run.agent.waiting():  # the label's updates_per_label updates
            run.update()
    return None, shown


def human_part(algos, seeds, updates_per_label: int, max_labels: int, extra=None) -> dict:
    world = load_layout(shipped_layout("tutorial_3x3"))
    print(
        "\n== the scripted person (at equal return, the route through s4), from a PPO "
        "reference: labels until the greedy route from s1 goes through s4 with V*(s1) =="
    )
    with tempfile.TemporaryDirectory(prefix="bench-prefs-") as tmp:
        references = ppo_references(world, len(seeds), Path(tmp))
        ref_seeds = [s for s, _ in references]
        print(f"PPO reference seeds (greedy route via s2): {ref_seeds}")
        print(f"{'algo':<7}{'reached':>9}{'median labels':>15}{'max':>6}  labels per seed")
        out = {}
        rows = [(a, a, {}) for a in algos]
        if "dpo" in algos:
            rows.insert(algos.index("dpo") + 1, ("dpo_ipo", "dpo", {"loss_type": "ipo"}))
        for name, algo, variant in rows:
            counts = []
            for seed, (_, path) in zip(seeds, references, strict=True):
                labels, _ = labels_to_route(
                    algo, world, seed, path, updates_per_label, max_labels, variant | (extra or {})
                )
                counts.append(labels)
            finite = [c if c is not None else float("inf") for c in counts]
            reached = sum(c is not None for c in counts)
            med = median(finite)
            print(
                f"{name:<9}{reached:>4}/{len(seeds):<2}{fmt(med):>15}{fmt(max(finite)):>6}  "
                f"{[fmt(c) for c in counts]}",
                flush=True,
            )
            out[name] = {
                "median": None if med == float("inf") else med,
                "seeds": counts,
                "reached": reached,
            }
    fewest = min(algos, key=lambda a: (out[a]["median"] is None, out[a]["median"] or 0))
    print(f"fewest labels: {fewest} (goal <= {LABELS_GOAL})")
    return {
        "labels_to_route": out,
        "fewest": fewest,
        "reference_seeds": ref_seeds,
        "updates_per_label": updates_per_label,
        "max_labels": max_labels,
    }


# ----- offline from a file ---------------------------------------------------------------------


def offline_part(seeds, max_updates: int) -> dict:
    world = load_layout(shipped_layout("tutorial_3x3"))
    uniform = np.full((world.n_states, 5), 0.2)
    print(
        "\n== offline dpo on N synthetic pairs of the uniform policy: optimal within "
        f"{max_updates} updates? =="
    )
    print(f"{'pairs':>7}{'optimal':>9}  best optimal states per seed (of {world.n_states})")
    needed: dict[int, int | None] = {seed: None for seed in seeds}
    for n in OFFLINE_SIZES:
        solved, best = 0, []
        for seed in seeds:
            pairs = synthetic_pairs(
                world, uniform, n, ReturnLabeller(), np.random.default_rng(seed)
            )
            run = Run(
                "gridworld",
                "dpo",
                world=world,
                seed=seed,
                overrides={"labeller": "human", "num_envs": "2"},
            )
            run.agent.add_preferences(pairs)
            most = 0
            while not run.solved and run.updates < max_updates:
                run.update()
                most = max(most, run.progress.optimal_states if run.progress else 0)
            solved += run.solved
            best.append(world.n_states if run.solved else most)
            if run.solved and needed[seed] is None:
                needed[seed] = n
        print(f"{n:>7}{solved:>6}/{len(seeds):<2}  {best}", flush=True)
    counts = [needed[s] for s in seeds]
    med = median([c if c is not None else float("inf") for c in counts])
    print(f"pairs needed per seed: {[fmt(c) for c in counts]}; median {fmt(med)}")
    return {
        "offline_pairs": {
            "median": None if med == float("inf") else med,
            "seeds": counts,
            "sizes": list(OFFLINE_SIZES),
            "max_updates": max_updates,
        }
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--parts",
        nargs="+",
        default=["grid", "cartpole", "human", "offline"],
        choices=["grid", "cartpole", "human", "offline"],
    )
    p.add_argument("--algos", nargs="+", default=list(ALGOS), choices=ALGOS)
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--budget-s", type=float, default=60.0, help="gridworld: per seed")
    p.add_argument("--max-steps", type=int, default=500_000, help="CartPole: per seed")
    p.add_argument("--no-reference", action="store_true", help="CartPole: skip SB3 PPO")
    p.add_argument("--updates-per-label", type=int, default=20)
    p.add_argument("--max-labels", type=int, default=100)
    p.add_argument("--offline-updates", type=int, default=300)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="human: override the learners' hyper-parameters (try variants)",
    )
    p.add_argument(
        "--json",
        default=str(ROOT / "assets" / "bench" / "preferences.json"),
        help="where the human and offline figures go ('' : nowhere)",
    )
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # pay torch's one-time import first
    seeds = list(range(args.seeds))
    command = "python bench/bench_preferences.py " + " ".join(argv or sys.argv[1:])
    print(f"seeds {seeds}; command: {command}")
    figures: dict = {}
    if "grid" in args.parts:
        grid_part(args.algos, seeds, args.budget_s)
    if "cartpole" in args.parts:
        cartpole_part(args.algos, seeds, args.max_steps, not args.no_reference)
    if "human" in args.parts:
        extra = parse_set_args(args.set)
        figures |= human_part(args.algos, seeds, args.updates_per_label, args.max_labels, extra)
    if "offline" in args.parts:
        figures |= offline_part(seeds, args.offline_updates)
    if figures and args.json:
        path = Path(args.json)
        old = json.loads(path.read_text()) if path.is_file() else {}
        old |= figures | {
            "command": command,
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "seeds": seeds,
        }
        from gridsim.layout import write_text_atomically

        write_text_atomically(path, json.dumps(old, indent=2) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

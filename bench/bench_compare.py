"""How close `compare` comes to the ideal speed-up on this machine's cores.

    python bench/bench_compare.py [--env cartpole|gridworld] [--algos ppo,vpg,rtg_pg]
                                  [--seeds 10] [--max-steps N] [--ray]

Measured in one run, the same (algorithm, seed) runs three ways:
1. alone: each run by itself in this process (torch warmed up first), one after another.
   The ideal for N cores is the sum of those times / N: (30 runs x one run's time) / cores.
2. pool (cold): all runs on the local process pool (N workers forked from a fork server),
   wall time from creating the pool, fork server included (its import of torch, ~2 s), to
   the last result. `python main.py compare` starts the fork server before its own checks,
   which import torch too, so its own "N runs in S s" comes out between cold and warm.
3. pool (warm), as the app's Compare tab runs: the pool made and warmed up before the clock
   starts (the tab does it when it opens), wall time from submitting to the last result.
4. --app: the same runs from the app's Compare tab in a headless window drawing at 60 fps
   (its pool warm, as when a user has opened the tab), Run to the last run finished, and
   the frame times meanwhile: the window itself (drawing, live statistics) shares the cores.
5. --ray: the same on a local Ray instance (ray.init to the last result; init shown apart).
Prints the ratios pool / ideal (compare's goal: within 15%, i.e. <= 1.15) and ray / pool,
the load average before and after, and checks that each run's env steps are the same every
way. On a busy machine the wall-clock ratios say little: Linux shares the CPU per session
(autogroup), so two workers get the share one process had; the runs' own update time in
the pool against alone says how much the cores were shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gridsim.commands.train import DEFAULT_MAX_STEPS, TrainJob, train_run  # noqa: E402
from gridsim.compare.pool import LocalPool, RayPool, available_cores  # noqa: E402

trained: dict = {}
"""Seconds each run spent in its updates (its summary's wall_s), from the last measurement:
a run slower in the pool than alone means the cores were shared with other work."""


def jobs_for(env, algos, seeds, max_steps, root: Path) -> list[TrainJob]:
    world = None
    if env == "gridworld":
        from gridsim.layout import load_layout, shipped_layout

        world = load_layout(shipped_layout("tutorial_3x3"))
    return [
        TrainJob(
            env=env,
            algo=algo,
            seed=seed,
            max_steps=max_steps,
            out=root / algo / f"seed_{seed}",
            world=world,
        )
        for algo in algos
        for seed in range(seeds)
    ]


def run_alone(jobs) -> tuple[float, dict]:
    """Each job by itself, one after another: (total seconds, steps per (algo, seed))."""
    import torch

    torch.set_num_threads(1)
    warm = jobs[0]
    train_run(TrainJob(**{**warm.__dict__, "out": Path(warm.out).parent / "warm", "max_steps": 1}))
    total, steps = 0.0, {}
    trained.clear()
    for job in jobs:
        t0 = time.perf_counter()
        summary, _ = train_run(job)
        total += time.perf_counter() - t0
        steps[(job.algo, job.seed)] = summary["steps"]
        trained[(job.algo, job.seed)] = summary["wall_s"]
        print(f"  alone {job.algo} seed {job.seed}: {time.perf_counter() - t0:.2f} s", flush=True)
    return total, steps


def warm_pool(cores: int) -> tuple[LocalPool, float]:
    """A local pool whose workers have all warmed up: (pool, seconds that took)."""
    started = time.perf_counter()
    pool = LocalPool(cores)
    while pool.ready < cores:
        time.sleep(0.01)
    return pool, time.perf_counter() - started


def run_in_app(env: str, algos, seeds: int, max_steps: int, cores: int) -> tuple[float, dict]:
    """The comparison from the Compare tab once its workers are warm: (seconds from Run to
    the last run finished, steps per run); prints the frame times meanwhile."""
    import statistics

    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    from gridsim.app.app import App
    from gridsim.compare.runs import read_record

    app = App(scene="compare", remember=False)
    scene = app.scene
    for algo, box in scene.algo_boxes.items():
        box.set_state(algo in algos)
    scene.choose_env(env)
    scene.seeds.set_text(str(seeds))
    scene.budget.set_text(str(max_steps))
    while scene.panel.pool.ready < cores:
        app.frame()
    cpu = time.process_time()
    started = time.perf_counter()
    scene.start()
    frames = []
    view = scene.panel.view
    while view.done < view.total:
        t0 = time.perf_counter()
        app.frame()
        frames.append((time.perf_counter() - t0) * 1000)
        view = scene.panel.view
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    while scene.panel.view.status == "running":
        app.frame()
    steps = {
        (algo, seed): read_record(view.root, algo, seed).summary["steps"]
        for algo in algos
        for seed in range(seeds)
    }
    app.close()
    frames.sort()
    print(
        f"  frames while it ran: median {statistics.median(frames):.1f} ms, "
        f"p95 {frames[int(0.95 * (len(frames) - 1))]:.1f} ms over {len(frames)}; the window "
        f"process used {cpu / seconds:.2f} of a core (drawing, live statistics)"
    )
    return seconds, steps


def run_pool(pool, jobs, started: float) -> tuple[float, dict]:
    """Submit every job, wait for the last: (seconds since ``started``, steps per run)."""
    pool.submit(jobs)
    steps = {}
    trained.clear()
    while pool.pending:
        for result in pool.done(timeout=0.2):
            if result.summary is None:
                raise RuntimeError(f"{result.job.algo} seed {result.job.seed}: {result.crash}")
            steps[(result.job.algo, result.job.seed)] = result.summary["steps"]
            trained[(result.job.algo, result.job.seed)] = result.summary["wall_s"]
    seconds = time.perf_counter() - started
    pool.close()
    return seconds, steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="cartpole", choices=("cartpole", "gridworld"))
    parser.add_argument("--algos", default="ppo,vpg,rtg_pg")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--app", action="store_true", help="also time the app's Compare tab")
    parser.add_argument("--ray", action="store_true", help="also time a local Ray instance")
    args = parser.parse_args()
    algos = args.algos.split(",")
    max_steps = args.max_steps or DEFAULT_MAX_STEPS[args.env]
    cores = available_cores()
    load_before = os.getloadavg()
    print(
        f"{args.env}: {', '.join(algos)} x {args.seeds} seeds, budget {max_steps:,} steps, "
        f"{cores} cores; load average {load_before[0]:.2f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        root = Path(tmp)

        def jobs(name):
            return jobs_for(args.env, algos, args.seeds, max_steps, root / name)

        alone_s, alone_steps = run_alone(jobs("alone"))
        alone_trained = sum(trained.values())
        ideal = alone_s / cores
        print(f"alone: {alone_s:.1f} s for {len(alone_steps)} runs; ideal: {ideal:.1f} s")

        started = time.perf_counter()
        pool_s, pool_steps = run_pool(LocalPool(cores), jobs("pool"), started)
        ratio = pool_s / ideal
        print(
            f"cold pool of {cores} (its fork server started with it): {pool_s:.1f} s; "
            f"pool / ideal = {ratio:.3f} (goal <= 1.15)"
        )
        slower = sum(trained.values()) / alone_trained
        print(f"  the runs' own update time in the pool / alone: {slower:.2f}")

        pool, warm_s = warm_pool(cores)
        warm_run_s, warm_steps = run_pool(pool, jobs("warm"), time.perf_counter())
        print(
            f"warm pool of {cores} (the app's Compare tab): {warm_run_s:.1f} s; pool / ideal = "
            f"{warm_run_s / ideal:.3f} (goal <= 1.15); made and warm in {warm_s:.1f} s before "
            "the clock (from the fork server the cold pool started)"
        )
        same = pool_steps == alone_steps and warm_steps == alone_steps

        if args.app:
            app_s, app_steps = run_in_app(args.env, algos, args.seeds, max_steps, cores)
            print(
                f"the app's Compare tab (warm, window at 60 fps): Run to the last run "
                f"{app_s:.1f} s = {app_s / ideal:.3f}x the ideal"
            )
            same = same and app_steps == alone_steps

        if args.ray:
            started = time.perf_counter()
            ray_pool = RayPool(num_cpus=cores)
            init_s = time.perf_counter() - started
            ray_s, ray_steps = run_pool(ray_pool, jobs("ray"), started)
            print(
                f"ray (local, {cores} CPUs): {ray_s:.1f} s, of which ray.init {init_s:.1f} s "
                f"-> ray / pool = {ray_s / pool_s:.3f}, ray / ideal = {ray_s / ideal:.3f}"
            )
            same = same and ray_steps == alone_steps
    load_after = os.getloadavg()
    print(f"same env steps per run every way: {same}; load average after {load_after[0]:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

"""`python main.py compare`: several algorithms x many seeds, on all cores (or on Ray), with
the statistics the field expects (IQM, 95% stratified-bootstrap intervals).

Every (algorithm, seed) run is ``train``'s own loop (``train_run``), single-threaded and
seeded. Writes DIR/runs/ALGO/seed_N/ (each run's metrics.csv and summary.json, as ``train``
writes them), DIR/compare.csv, DIR/summary.md and DIR/compare.png. Re-running on the same
DIR (or ``--resume DIR``) runs only what is missing and redraws.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from agents.registry import ALGORITHMS, ENVS
from gridsim.commands.train import DEFAULT_MAX_STEPS, TrainJob, UsageError, _whole_number
from gridsim.limits import short_repr, short_text


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "compare",
        help="compare algorithms over many seeds: a table and a figure with error bars",
        description="Train every algorithm with seeds 0..N-1 (each run exactly as `train` "
        "does it) on a local process pool or Ray, then write DIR/compare.csv, DIR/summary.md "
        "(IQM with 95% bootstrap intervals) and DIR/compare.png.",
    )
    p.add_argument("--env", metavar="ENV", help=f"environment: {' | '.join(ENVS)}")
    p.add_argument(
        "--algos",
        metavar="A,B,...",
        help=f"comma-separated algorithms: {', '.join(ALGORITHMS)}",
    )
    p.add_argument(
        "--layout", metavar="FILE", help="gridworld layout JSON (default: the tutorial's 3x3 world)"
    )
    p.add_argument("--seeds", metavar="N", help="seeds per algorithm: 0..N-1 (default: 10)")
    p.add_argument(
        "--max-steps",
        metavar="N",
        help="env-step budget per run (default: 500000 on cartpole, 2000000 on gridworld)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a hyper-parameter of every algorithm (lr=0.01), or of one (ppo.clip=0.1)",
    )
    p.add_argument("--keep-going", action="store_true", help="runs do not stop when solved")
    p.add_argument(
        "--workers", metavar="N", help="runs at a time on the local pool (default: the cores)"
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="run each run as a Ray task: a local Ray instance, or the cluster at ADDRESS "
        '(needs the cluster extra: pip install -e ".[cluster]")',
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: runs/compare-ENV-ALGOS)")
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="finish the comparison in DIR with its recorded settings (skips finished runs)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from gridsim.compare.pool import PoolUnavailable, RayUnavailable
    from gridsim.compare.report import write_report
    from gridsim.compare.runs import CompareError, read_record, save_settings
    from gridsim.world import WorldError

    try:
        root, settings = _prepare(args)
        workers = _workers(args, len(settings.pairs()))
        if args.ray is not None:
            _check_ray(args.ray)
        created = not root.exists()
        _check_writable(root)
    except (UsageError, WorldError, CompareError, RayUnavailable, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a path the checks could not even look at (a name too long...)
        where = short_text(str(e.filename)) if e.filename else "--out"
        print(f"error: {where}: {e.strerror or e}", file=sys.stderr)
        return 2
    pairs = settings.pairs()
    todo = [p for p in settings.run_order() if read_record(root, *p).status == "not run"]
    started = time.perf_counter()
    interrupted = False
    if todo:
        try:
            pool = _start_pool(args, workers)
        except (RayUnavailable, PoolUnavailable) as e:
            if created and not any(root.iterdir()):
                root.rmdir()
            print(f"error: {e}", file=sys.stderr)
            return 2
        save_settings(root, settings)
        interrupted = _run_all(pool, root, settings, todo, len(pairs), args.quiet)
    else:
        save_settings(root, settings)
    seconds = time.perf_counter() - started
    report = write_report(root, settings)
    if not args.quiet:
        print(report.markdown.split("\n\n", 1)[1], end="")
    done = sum(r.status != "not run" for r in report.records)
    if not todo:
        ran = "nothing to run"
    elif interrupted:
        ran = f"stopped after {seconds:.1f} s ({_pool_name(args, workers)})"
    else:
        runs = f"{len(todo)} run{'s' if len(todo) != 1 else ''}"
        ran = f"{runs} in {seconds:.1f} s ({_pool_name(args, workers)})"
    print(
        f"{ran}; {done}/{len(pairs)} runs done; wrote {root}/compare.csv, summary.md, compare.png"
    )
    if interrupted:
        print(
            f"interrupted: finished runs are kept; `python main.py compare --resume {root}` "
            "runs the rest",
            file=sys.stderr,
        )
        return 130
    return 0


# --- input ----------------------------------------------------------------------------------
def _prepare(args):
    """(root, settings), every value checked; settings include what root already holds."""
    from gridsim.compare.runs import CompareSettings, load_settings

    if args.resume is not None:
        if args.out is not None:
            raise UsageError("--resume DIR already names the output folder; drop --out")
        for flag, value in (
            ("--env", args.env),
            ("--layout", args.layout),
            ("--max-steps", args.max_steps),
            ("--set", args.set or None),
            ("--keep-going", args.keep_going or None),
        ):
            if value is not None:
                raise UsageError(f"--resume keeps the settings recorded in the folder; drop {flag}")
        root = Path(args.resume)
        existing = load_settings(root) if root.is_dir() else None
        if existing is None:
            raise UsageError(f"--resume {root}: no comparison there (no compare.json)")
        algos = _algos(args.algos) if args.algos else ()
        seeds = _whole_number("--seeds", args.seeds, 1) if args.seeds else 0
        settings = _merged(existing, algos, seeds)
        _start_workers_early(args)
        _check_algorithms(settings)
        return root, settings

    if args.env is None:
        raise UsageError(f"--env is required ({' | '.join(ENVS)})")
    if args.env not in ENVS:
        raise UsageError(f"unknown env {short_repr(args.env)} (choose from {', '.join(ENVS)})")
    if not args.algos:
        raise UsageError("--algos is required, e.g. --algos ppo,vpg,rtg_pg")
    algos = _algos(args.algos)
    seeds = _whole_number("--seeds", args.seeds or "10", 1)
    max_steps = (
        DEFAULT_MAX_STEPS[args.env]
        if args.max_steps is None
        else _whole_number("--max-steps", args.max_steps, 1)
    )
    if args.layout and args.env != "gridworld":
        raise UsageError("--layout only applies to --env gridworld")
    _start_workers_early(args)
    from agents.config import parse_set_args

    overrides = tuple(parse_set_args(args.set).items())
    world = None
    if args.env == "gridworld":
        from gridsim.layout import load_layout, shipped_layout

        world = load_layout(args.layout or shipped_layout("tutorial_3x3"))
    settings = CompareSettings(
        env=args.env,
        max_steps=max_steps,
        world=world,
        overrides=overrides,
        keep_going=args.keep_going,
        algos=algos,
        seeds=seeds,
    )
    _check_algorithms(settings)
    root = Path(args.out or f"runs/compare-{args.env}-{'-'.join(algos)}")
    if root.exists() and not root.is_dir():
        raise UsageError(f"--out {root} exists and is not a folder")
    existing = load_settings(root) if root.is_dir() else None
    if existing is None and root.is_dir() and any(root.iterdir()):
        raise UsageError(f"--out {root} is a folder with other files in it; give a new one")
    if existing is not None:
        if existing != settings:
            differs = _difference(existing, settings)
            raise UsageError(
                f"--out {root} holds a comparison with other settings ({differs}); "
                "give another --out"
            )
        settings = _merged(existing, algos, seeds)
    return root, settings


def _algos(text: str) -> tuple[str, ...]:
    names = [a.strip() for a in text.split(",") if a.strip()]
    if not names:
        raise UsageError("--algos is empty, e.g. --algos ppo,vpg,rtg_pg")
    unknown = [a for a in names if a not in ALGORITHMS]
    if unknown:
        raise UsageError(
            f"unknown algorithm {short_repr(unknown[0])} (choose from {', '.join(ALGORITHMS)})"
        )
    return tuple(dict.fromkeys(names))


def _merged(existing, algos, seeds):
    """The recorded comparison plus more algorithms and seeds (never fewer)."""
    from dataclasses import replace

    merged = tuple(dict.fromkeys([*existing.algos, *algos]))
    return replace(existing, algos=merged, seeds=max(existing.seeds, seeds))


def _difference(a, b) -> str:
    names = [
        name
        for name in ("env", "max_steps", "world", "overrides", "keep_going")
        if getattr(a, name) != getattr(b, name)
    ]
    shown = {"max_steps": "--max-steps", "world": "layout", "overrides": "--set"}
    return ", ".join(shown.get(n, n) for n in names)


def _start_workers_early(args) -> None:
    """Start the local pool's fork server once the flags are known to be sane, before the
    checks that import torch: its own warm-up (~2 s) then overlaps with them."""
    if args.ray is None:
        from gridsim.compare.pool import start_fork_server

        start_fork_server()


def _check_algorithms(settings) -> None:
    """Every algorithm runs on the env, and every --set applies to it and is valid."""
    from agents.config import ConfigError
    from agents.learner import build_config

    prefixes = {key.rpartition(".")[0] for key, _ in settings.overrides} - {""}
    for prefix in sorted(prefixes):
        if prefix not in settings.algos:
            raise UsageError(f"--set {prefix}.…: {short_repr(prefix)} is not one of --algos")
    for algo in settings.algos:
        try:
            build_config(algo, settings.env, settings.overrides_for(algo), settings.world)
        except KeyError:
            raise UsageError(f"{algo} does not run on {settings.env}") from None
        except ConfigError as e:
            if any("." not in key for key, _ in settings.overrides):  # a --set for all of them
                raise UsageError(
                    f"{algo}: {e} (use --set {algo}.KEY=VALUE for one algorithm)"
                ) from None
            raise UsageError(f"{algo}: {e}") from None


def _workers(args, runs: int) -> int:
    from gridsim.compare.pool import available_cores

    if args.workers is None:
        return max(1, min(available_cores(), runs))
    if args.ray is not None:
        raise UsageError("--workers sizes the local pool; Ray uses the cluster's CPUs")
    return _whole_number("--workers", args.workers, 1)


def _check_ray(address: str) -> None:
    from gridsim.compare.pool import check_reachable, import_ray

    import_ray()
    if address:
        check_reachable(address)


def _check_writable(root: Path) -> None:
    """Create ``root`` and write a probe file in it, before any work (gridsim.files)."""
    from gridsim.files import UserFileError, check_output_path

    try:
        check_output_path(root, "folder", what="--out")
    except UserFileError as e:
        raise UsageError(str(e)) from None


def _start_pool(args, workers: int):
    from gridsim.compare.pool import LocalPool, RayPool

    if args.ray is None:
        return LocalPool(workers)
    return RayPool(args.ray or None)


def _pool_name(args, workers: int) -> str:
    if args.ray is None:
        return f"local pool of {workers}"
    return f"Ray at {args.ray}" if args.ray else "local Ray"


# --- running ----------------------------------------------------------------------------------
def _run_all(pool, root: Path, settings, todo, total: int, quiet: bool) -> bool:
    """Run ``todo`` on ``pool`` with a progress bar; True if Ctrl+C stopped it."""
    from gridsim.compare.runs import run_folder, write_failure

    jobs = [
        TrainJob(
            env=settings.env,
            algo=algo,
            seed=seed,
            max_steps=settings.max_steps,
            out=run_folder(root, algo, seed),
            world=settings.world,
            overrides=tuple(settings.overrides_for(algo).items()),
            keep_going=settings.keep_going,
        )
        for algo, seed in todo
    ]
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(
            total=total, initial=total - len(jobs), unit="run", dynamic_ncols=True, file=sys.stderr
        )
    best: tuple[float, str] | None = None
    failed = 0
    try:
        pool.submit(jobs)
        while pool.pending:
            for result in pool.done(timeout=0.5):
                job = result.job
                if result.summary is None:
                    write_failure(root, job.algo, job.seed, result.crash)
                    failed += 1
                elif result.summary.get("error"):
                    failed += 1
                else:
                    final = result.summary.get("final_mean_return")
                    if final is not None and (best is None or final > best[0]):
                        best = (final, f"{job.algo} seed {job.seed}")
                if bar is not None:
                    bar.update(1)
                    postfix = {"best": f"{best[0]:.4g} ({best[1]})" if best else "-"}
                    if failed:
                        postfix["failed"] = failed
                    bar.set_postfix(postfix)
        pool.close()
        return False
    except KeyboardInterrupt:
        pool.stop()
        return True
    finally:
        if bar is not None:
            bar.close()

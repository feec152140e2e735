"""`python main.py train`: train a policy-gradient agent headless, with a progress bar.

Writes DIR/metrics.csv (one row per update, streamed as training goes), DIR/agent.pt and
DIR/summary.json. ``train_run`` is the loop itself, shared with ``python main.py compare``.
torch is imported inside ``train_run`` so ``python main.py --help`` stays fast.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from agents.registry import ALGORITHMS, ENVS
from gridsim.limits import short_repr
from gridsim.world import World

DEFAULT_MAX_STEPS = {"cartpole": 500_000, "gridworld": 2_000_000}
BIG_WORLD_MAX_STEPS = 20_000_000
"""train's default budget on gridworlds of more than 25 states (a 10x10 maze takes a few
million steps; the tutorial's 3x3 a few hundred thousand)."""
METRIC_FIELDS = (
    "update",
    "env_steps",
    "wall_s",
    "episodes",
    "mean_return",
    "mean_return_100",
    "entropy",
    "loss_policy",
    "loss_value",
    "loss_kl",
    "solved",
    "kl_prev",
    "approx_kl",
    "clip_fraction",
    "optimal_states",
    "n_states",
    "value_gap",
    # dpo, kto, rlhf (agents.preference_view): TRL's names, empty for the other algorithms
    "labels",
    "rewards/chosen",
    "rewards/rejected",
    "rewards/margins",
    "rewards/accuracies",
    "kl",
    "logps/chosen",
    "logps/rejected",
    "true_return",
)
PREFERENCE_COLUMNS = METRIC_FIELDS[METRIC_FIELDS.index("rewards/chosen") :]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a policy-gradient agent on the gridworld or CartPole (headless)",
        description="Train one algorithm on the gridworld or CartPole-v1 until it is solved or "
        "the step budget is spent; write metrics.csv, summary.json and agent.pt to --out.",
    )
    p.add_argument(
        "--env",
        default="gridworld",
        metavar="ENV",
        help=f"environment: {' | '.join(ENVS)} (default: gridworld)",
    )
    p.add_argument(
        "--algo", required=True, metavar="NAME", help=f"algorithm: {' | '.join(ALGORITHMS)}"
    )
    p.add_argument(
        "--layout", metavar="FILE", help="gridworld layout JSON (default: the tutorial's 3x3 world)"
    )
    p.add_argument("--seed", default="0", metavar="N", help="random seed (default: 0)")
    p.add_argument(
        "--max-steps",
        metavar="N",
        help="env-step budget (default: 500000 on cartpole, 2000000 on gridworlds of up to "
        "25 states, 20000000 on bigger ones)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a hyper-parameter, e.g. --set lr=0.01 --set hidden=64,64",
    )
    p.add_argument(
        "--prefs",
        metavar="FILE",
        help="dpo/kto/rlhf on the gridworld: learn offline from this preference file (JSON "
        "Lines, see `prefs`) instead of online synthetic labels; each row buys "
        "updates_per_label (20) updates on all rows, then training stops",
    )
    p.add_argument(
        "--ref",
        metavar="FILE",
        help="dpo/kto/rlhf: the reference policy pi_ref, an agent.pt written by `train` (e.g. "
        "PPO's); default: uniform on the gridworld, the initial network on CartPole",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: runs/ENV-ALGO-seedN)")
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="do not stop when solved; train for the whole budget",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


DISPLAY_ONLY_ROLLOUTS = ("dpo", "kto")
"""With --prefs these learn from the file's rows alone; each update still rolls out num_envs
episodes of the policy, but only to show it (rlhf's rollouts train its policy)."""
OFFLINE_DISPLAY_ENVS = 8
"""--prefs with dpo/kto: the display episodes per update unless --set num_envs=N. Why: the
--max-steps budget counts env steps, and the gridworld's 256 display episodes (5,120 steps on
the 3x3) would stop a 200-row file at ~390 of its 4,000 updates; with 8 the budget no longer
binds before the rows' updates_per_label are spent."""


class UsageError(ValueError):
    """Bad command-line input: reported as one line, exit code 2."""


FLAG_LIMITS = {
    "--seed": "SEED",
    "--max-steps": "MAX_STEPS",
    "--seeds": "SEEDS_PER_ALGORITHM",
    "--workers": "WORKERS",
    "--pairs": "PREFERENCE_ROWS",
}
"""The gridsim.limits range of each whole-number flag (train's, compare's and prefs')."""


def _whole_number(name: str, text: str, low: int) -> int:
    """A whole number of at least ``low`` typed for flag ``name``, within the flag's range in
    gridsim.limits (any other flag: limits.COUNT); LimitError (a ValueError) otherwise."""
    from dataclasses import replace

    from gridsim import limits

    limit = getattr(limits, FLAG_LIMITS.get(name, "COUNT"))
    if low > limit.low:
        limit = replace(limit, low=low)
    return limits.parse(limit, text, name)


def default_max_steps(env: str, world) -> int:
    """The step budget when --max-steps is not given: bigger for gridworlds over 25 states."""
    if env == "gridworld" and world is not None and world.n_states > 25:
        return BIG_WORLD_MAX_STEPS
    return DEFAULT_MAX_STEPS[env]


def _prepare(args):
    """Validate the arguments: (world or None, seed, max_steps, overrides, out dir, labels).

    Numbers are checked against gridsim.limits, the layout is read through gridsim.files,
    the size of one update is estimated, and the output folder is created and probed: all
    before any training, so no run is lost to a bad argument found at the end.
    """
    from agents.config import parse_set_args
    from agents.learner import build_config, check_update_size
    from agents.registry import PREFERENCE_ALGORITHMS
    from gridsim.files import check_output_path

    if args.env not in ENVS:
        raise UsageError(f"unknown env {short_repr(args.env)} (choose from {', '.join(ENVS)})")
    if args.algo not in ALGORITHMS:
        raise UsageError(
            f"unknown algorithm {short_repr(args.algo)} (choose from {', '.join(ALGORITHMS)})"
        )
    seed = _whole_number("--seed", args.seed, 0)
    if args.max_steps is not None:
        _whole_number("--max-steps", args.max_steps, 1)
    paths = (("--layout", args.layout), ("--out", args.out))
    paths += (("--prefs", args.prefs), ("--ref", args.ref))
    for flag, value in paths:
        if value is not None and not value.strip():
            raise UsageError(f"{flag} is empty; give a path (or omit {flag} for the default)")
    if args.layout and args.env != "gridworld":
        raise UsageError("--layout only applies to --env gridworld")
    overrides = parse_set_args(args.set)
    for flag in ("prefs", "ref"):
        if getattr(args, flag) and args.algo not in PREFERENCE_ALGORITHMS:
            raise UsageError(f"--{flag} is for {', '.join(PREFERENCE_ALGORITHMS)}, not {args.algo}")
    if args.prefs:
        if args.env != "gridworld":
            raise UsageError("--prefs only applies to --env gridworld")
        if overrides.get("labeller", "human").strip() != "human":
            raise UsageError("--prefs trains on the file's labels: leave labeller unset")
        overrides["labeller"] = "human"
        if args.algo in DISPLAY_ONLY_ROLLOUTS and "num_envs" not in overrides:
            overrides["num_envs"] = str(OFFLINE_DISPLAY_ENVS)
    if args.ref:
        overrides.update(_reference_overrides(args.ref, args.env, overrides))
    world = None
    if args.env == "gridworld":
        from gridsim.layout import load_layout, shipped_layout

        world = load_layout(args.layout or shipped_layout("tutorial_3x3"))
    cfg = build_config(args.algo, args.env, overrides, world)  # the defaults scale with the world
    if getattr(cfg, "labeller", "synthetic") == "human" and not args.prefs:
        raise UsageError("labeller=human learns from given labels: pass them with --prefs FILE")
    check_update_size(cfg, world)
    labels = ((), ())
    if args.prefs:
        from gridsim.preferences import read_preferences

        pairs, judgements = read_preferences(args.prefs, world)
        if args.algo != "kto" and judgements:
            raise UsageError(
                f"--prefs {args.prefs} holds judgements (completion/label); {args.algo} learns "
                "from pairs (prompt/chosen/rejected)"
            )
        labels = (tuple(pairs), tuple(judgements))
    max_steps = (
        default_max_steps(args.env, world)
        if args.max_steps is None
        else _whole_number("--max-steps", args.max_steps, 1)
    )
    out = check_output_path(
        args.out or f"runs/{args.env}-{args.algo}-seed{seed}", "folder", what="--out"
    )
    return world, seed, max_steps, overrides, out, labels


def _reference_overrides(path: str, env: str, overrides: dict) -> dict:
    """``ref`` (and on CartPole the reference's hidden layers, unless set) for --ref FILE."""
    from agents.checkpoint import CheckpointError, read_agent

    try:
        payload = read_agent(path)
    except CheckpointError as e:
        raise UsageError(f"--ref {e}") from None
    if payload["env"] != env:
        raise UsageError(f"--ref {path} is a {payload['env']} agent, not a {env} one")
    out = {"ref": str(path)}
    hidden = payload.get("config", {}).get("hidden")
    if env == "cartpole" and "hidden" not in overrides and hidden:
        out["hidden"] = ",".join(str(h) for h in hidden)
    return out


def run(args: argparse.Namespace) -> int:
    from gridsim.world import WorldError

    try:
        world, seed, max_steps, overrides, out, labels = _prepare(args)
    except (UsageError, WorldError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    job = TrainJob(
        env=args.env,
        algo=args.algo,
        seed=seed,
        max_steps=max_steps,
        out=out,
        world=world,
        overrides=tuple(overrides.items()),
        keep_going=args.keep_going,
        preferences=labels,
    )
    bar = _progress_bar(max_steps, args.quiet)
    try:
        summary, interrupted = train_run(job, None if bar is None else _bar_updater(bar, max_steps))
    except ValueError as e:  # a reference or labels that do not fit: nothing was written
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    if summary["error"]:
        print(f"error: training failed: {summary['error']} (outputs in {out})", file=sys.stderr)
        return 1
    if summary["solved"]:
        state = f"solved at {summary['solved_at_steps']} steps ({summary['solved_at_s']:.2f} s)"
    elif summary["steps"] >= max_steps:
        state = (
            f"not solved; stopped after {summary['steps']} steps, at the first update that "
            f"reached the --max-steps budget of {max_steps}"
        )
    else:
        state = f"not solved after {summary['steps']} steps"
    final = summary["final_mean_return"]
    final_text = "no episode finished" if final is None else f"final mean return {final:.3f}"
    print(
        f"{args.algo} on {args.env}: {state}; {final_text}; "
        f"wrote {out}/metrics.csv, summary.json, agent.pt"
    )
    return 130 if interrupted else 0


@dataclass(frozen=True)
class TrainJob:
    """One training run as ``train`` does it, and as ``compare`` does each of its runs.

    Plain data (no torch), so it crosses to a pool worker or a Ray task by pickle.
    """

    env: str
    algo: str
    seed: int
    max_steps: int
    """Env-step budget: training stops at the first update that reaches it."""
    out: Path
    """Folder of metrics.csv, summary.json and agent.pt."""
    world: World | None = None
    """The gridworld (None on CartPole)."""
    overrides: tuple[tuple[str, str], ...] = ()
    """``--set KEY=VALUE`` pairs, validated by ``agents.learner.build_config``."""
    keep_going: bool = False
    """Train for the whole budget instead of stopping when solved."""
    preferences: tuple[tuple, tuple] = ((), ())
    """dpo, kto, rlhf: (pairs, judgements) to learn from (``--prefs FILE``; gridsim.preferences)."""


STREAMING_SUFFIX = ".part"
"""metrics.csv is streamed to metrics.csv.part while training, renamed when the run ends."""


def train_run(job: TrainJob, progress=None) -> tuple[dict, bool]:
    """Train one run single-threaded: (summary, interrupted).

    Each update's row of ``METRIC_FIELDS`` is appended to ``out/metrics.csv.part`` as it
    comes (nothing holds the whole curve; a reader can follow the run live), which becomes
    ``metrics.csv`` when the run ends; then agent.pt, and summary.json last: a folder with a
    summary.json holds a finished run. ``progress(run)`` is called after every update.
    A training error (a NaN loss...) ends the run with ``summary["error"]`` set; Ctrl+C ends
    it with ``interrupted`` True. Both still write what was learned.
    """
    import torch

    from agents.checkpoint import save_agent
    from agents.learner import Run
    from agents.preference_agent import WaitingForLabels
    from gridsim.files import install_file

    torch.set_num_threads(1)  # tiny ops: more threads only contend (and runs stay comparable)
    out = Path(job.out)
    try:
        run_ = Run(job.env, job.algo, world=job.world, seed=job.seed, overrides=dict(job.overrides))
    except ValueError as e:  # a setting only the run can check (e.g. the update's memory)
        out.mkdir(parents=True, exist_ok=True)
        return _unstarted(job, out, str(e).splitlines()[0] if str(e) else type(e).__name__), False
    if any(job.preferences):
        run_.agent.add_preferences(*job.preferences)
    out.mkdir(parents=True, exist_ok=True)
    error = None
    interrupted = False
    streaming = out / f"metrics.csv{STREAMING_SUFFIX}"
    try:
        with streaming.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=METRIC_FIELDS, lineterminator="\n")
            writer.writeheader()
            try:
                while run_.env_steps < job.max_steps and not (run_.solved and not job.keep_going):
                    result = run_.update()
                    writer.writerow(_metrics_row(run_, result))
                    f.flush()
                    if progress is not None:
                        progress(run_)
            except KeyboardInterrupt:
                interrupted = True
            except WaitingForLabels:  # --prefs: every label has had its updates
                pass
            except Exception as e:  # a NaN loss and friends: report, still write what we have
                error = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            f.flush()
            os.fsync(f.fileno())
        install_file(streaming, out / "metrics.csv")  # keeps the mode, writes through a link
        save_agent(run_, out / "agent.pt")
        summary = _summary(run_, error)
        from gridsim.layout import write_text_atomically

        write_text_atomically(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    finally:
        run_.close()
    return summary, interrupted


def _bar_updater(bar, max_steps: int):
    """A ``progress`` callback that redraws ``bar`` at most ten times a second."""
    last_draw = 0.0

    def progress(run_) -> None:
        nonlocal last_draw
        now = time.perf_counter()
        if now - last_draw > 0.1 or run_.solved:
            last_draw = now
            bar.n = min(run_.env_steps, max_steps)
            optimal = run_.progress  # gridworld: optimal states k / N
            bar.set_postfix(
                mean_return=f"{run_.recent_mean_return():.2f}",
                **(
                    {"optimal": f"{optimal.optimal_states}/{optimal.n_states}"}
                    if optimal is not None
                    else {}
                ),
                steps_per_s=f"{run_.env_steps / max(run_.wall_s, 1e-9):.0f}",
                refresh=False,
            )
            bar.refresh()

    return progress


def _progress_bar(total: int, quiet: bool):
    if quiet:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="step", unit_scale=True, dynamic_ncols=True, file=sys.stderr)


def _metrics_row(run_, result) -> dict:
    losses = dict(result.losses)
    returns = result.batch.episode_returns
    return _preference_columns(run_) | {
        "update": run_.updates,
        "env_steps": run_.env_steps,
        "wall_s": round(run_.wall_s, 6),
        "episodes": len(returns),
        "mean_return": run_.returns.last,
        "mean_return_100": run_.recent_mean_return(),
        "entropy": result.entropy,
        "loss_policy": losses.get("policy", ""),
        "loss_value": losses.get("value", ""),
        "loss_kl": losses.get("kl", ""),
        "solved": int(run_.solved),
        "kl_prev": result.kl_prev,
        "approx_kl": result.approx_kl,
        "clip_fraction": "" if result.clip is None else result.clip_fraction,
        **_progress_columns(run_.progress),
    }


def _preference_columns(run_) -> dict:
    """dpo, kto, rlhf: labels learned from and the update's metrics, TRL's names (else none)."""
    view = run_.preference_view()
    if view is None:
        return {}
    columns = {name: view.metric(name) for name in PREFERENCE_COLUMNS}
    columns["labels"] = view.pairs + view.judgements
    return columns


def _progress_columns(progress) -> dict:
    """Gridworld: optimal states k of N and the greedy policy's largest value gap (else empty)."""
    if progress is None:
        return {"optimal_states": "", "n_states": "", "value_gap": ""}
    return {
        "optimal_states": progress.optimal_states,
        "n_states": progress.n_states,
        "value_gap": round(progress.value_gap, 9),
    }


def _finite_or_none(x: float):
    return x if isinstance(x, float) and math.isfinite(x) else None


def _unstarted(job: TrainJob, out: Path, error: str) -> dict:
    """A run that could not start: an empty metrics.csv and a summary.json saying why, so
    it counts as ended (failed) like a run that failed later, and nothing is left half."""
    from gridsim.files import write_atomically

    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=METRIC_FIELDS, lineterminator="\n").writeheader()
    write_atomically(out / "metrics.csv", buffer.getvalue())
    summary = {
        "algo": job.algo,
        "env": job.env,
        "seed": job.seed,
        "steps": 0,
        "updates": 0,
        "wall_s": 0.0,
        "solved": False,
        "solved_at_steps": None,
        "solved_at_s": None,
        "final_mean_return": None,
        "hyperparameters": dict(job.overrides),
        "error": error,
    }
    write_atomically(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


def _summary(run_, error: str | None) -> dict:
    from agents.config import config_to_dict

    summary = {
        "algo": run_.algo,
        "env": run_.env_name,
        "seed": run_.seed,
        "steps": run_.env_steps,
        "updates": run_.updates,
        "wall_s": round(run_.wall_s, 6),
        "solved": run_.solved,
        "solved_at_steps": run_.solved_at_steps,
        "solved_at_s": None if run_.solved_at_s is None else round(run_.solved_at_s, 6),
        "final_mean_return": _finite_or_none(run_.recent_mean_return()),
        "hyperparameters": config_to_dict(run_.config),
        "error": error,
    }
    if run_.world is not None:
        from gridsim.layout import world_to_dict
        from gridsim.solvers import is_optimal
        from gridsim.world import ACTIONS

        pi = run_.pi()
        summary["optimal"] = bool(is_optimal(run_.world, pi))
        progress = run_.progress
        summary["optimal_states"] = None if progress is None else progress.optimal_states
        summary["n_states"] = run_.world.n_states
        summary["value_gap"] = None if progress is None else round(progress.value_gap, 9)
        summary["greedy_actions"] = [ACTIONS[a] for a in pi.argmax(axis=1)]
        summary["world"] = world_to_dict(run_.world)
    view = run_.preference_view()
    if view is not None:
        summary["preferences"] = {
            "labeller": view.labeller,
            "pairs": view.pairs,
            "judgements": view.judgements,
            "beta": view.beta,
            "final_metrics": {k: _finite_or_none(v) for k, v in view.metrics},
        }
    return summary

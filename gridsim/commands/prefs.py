"""`python main.py prefs`: write a synthetic preference dataset (JSON Lines, TRL's field names).

Trajectories are sampled from the reference policy (uniform, or ``--ref agent.pt``'s) on a
gridworld layout and labelled by their true return (``gridsim.preferences.ReturnLabeller``):
DPO pairs (two trajectories from one start, the higher discounted return chosen, ties drawn
again) or KTO judgements (desirable above the median return of its start's group).
"""

from __future__ import annotations

import argparse
import sys

from gridsim import limits
from gridsim.limits import short_repr

LABELLERS = ("return",)
KINDS = ("dpo", "kto")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "prefs",
        help="write a synthetic preference dataset (JSON Lines) for dpo / kto / rlhf",
        description="Sample trajectories of the reference policy on a gridworld layout, label "
        "them by their true return, and write them as JSON Lines with TRL's field names: "
        '{"prompt", "chosen", "rejected"} pairs (--kind dpo) or {"prompt", "completion", '
        '"label"} judgements (--kind kto). Train on the file with `train --prefs FILE`.',
    )
    p.add_argument(
        "--layout", metavar="FILE", help="gridworld layout JSON (default: the tutorial's 3x3)"
    )
    p.add_argument("--pairs", default="100", metavar="N", help="rows to write (default: 100)")
    p.add_argument("--kind", default="dpo", metavar="KIND", help="dpo (pairs) | kto (judgements)")
    p.add_argument(
        "--labeller",
        default="return",
        metavar="NAME",
        help="return (the only choice): Bradley-Terry on the discounted return",
    )
    p.add_argument(
        "--temperature",
        default="0",
        metavar="T",
        help="P(1 beats 2) = sigma((R1 - R2) / T); 0: the higher return wins (default)",
    )
    p.add_argument(
        "--ref",
        metavar="FILE",
        help="sample from this agent's policy (an agent.pt of `train`); default: uniform",
    )
    p.add_argument(
        "--starts",
        default="uniform",
        metavar="WHERE",
        help="uniform: every non-terminal cell; start: the layout's start cell",
    )
    p.add_argument("--seed", default="0", metavar="N", help="random seed (default: 0)")
    p.add_argument("--out", required=True, metavar="FILE", help="the JSON Lines file to write")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from gridsim.commands.train import UsageError, _whole_number
    from gridsim.preferences import (
        PreferenceError,
        synthetic_judgements,
        synthetic_pairs,
        write_judgements,
        write_pairs,
    )
    from gridsim.world import WorldError

    try:
        world, n, seed, pi, labeller, out = _prepare(args, _whole_number, UsageError)
        rng = np.random.default_rng(seed)
        if args.kind == "dpo":
            rows = synthetic_pairs(world, pi, n, labeller, rng, args.starts)
            write_pairs(out, rows)
        else:
            rows = synthetic_judgements(world, pi, n, labeller, rng, args.starts)
            write_judgements(out, rows)
    except (UsageError, WorldError, PreferenceError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    what = "pairs" if args.kind == "dpo" else "judgements"
    desirable = "" if args.kind == "dpo" else f" ({sum(j.desirable for j in rows)} desirable)"
    print(f"wrote {len(rows)} {what}{desirable} to {out}")
    return 0


def _prepare(args, whole_number, usage_error):
    """(world, rows, seed, pi[S, 5], labeller, out path), or UsageError/WorldError."""

    import numpy as np

    from gridsim.layout import load_layout, shipped_layout
    from gridsim.preferences import ReturnLabeller

    if args.kind not in KINDS:
        raise usage_error(f"--kind must be one of {', '.join(KINDS)}, got {short_repr(args.kind)}")
    if args.labeller not in LABELLERS:
        raise usage_error(
            f"--labeller must be one of {', '.join(LABELLERS)}, got {short_repr(args.labeller)}"
        )
    if args.starts not in ("uniform", "start"):
        raise usage_error(f"--starts must be uniform or start, got {short_repr(args.starts)}")
    n = whole_number("--pairs", args.pairs, 1)
    seed = whole_number("--seed", args.seed, 0)
    try:
        temperature = limits.parse(limits.TEMPERATURE, args.temperature, "--temperature")
    except limits.LimitError as e:
        raise usage_error(str(e)) from None
    from gridsim.files import UserFileError, check_output_path

    try:  # its folder made and probed now, not after the sampling
        out = check_output_path(args.out, "file", what="--out")
    except UserFileError as e:
        raise usage_error(str(e)) from None
    world = load_layout(args.layout or shipped_layout("tutorial_3x3"))
    pi = np.full((world.n_states, 5), 0.2)
    if args.ref:
        pi = _reference_policy(args.ref, world, usage_error)
    return world, n, seed, pi, ReturnLabeller(temperature, np.random.default_rng(seed + 1)), out


def _reference_policy(path: str, world, usage_error):
    """pi[S, 5] of a gridworld agent file's policy."""
    from agents.checkpoint import CheckpointError, read_agent
    from agents.numpy_policy import softmax

    try:
        payload = read_agent(path)
    except CheckpointError as e:
        raise usage_error(f"--ref {e}") from None
    logits = payload["state_dicts"].get("policy", {}).get("logits")
    if payload["env"] != "gridworld" or logits is None:
        raise usage_error(f"--ref {path}: not a gridworld agent with a policy table")
    if tuple(logits.shape) != (world.n_states, 5):
        raise usage_error(
            f"--ref {path}: its policy has {logits.shape[0]} states, the layout {world.n_states}"
        )
    return softmax(logits.double().numpy())

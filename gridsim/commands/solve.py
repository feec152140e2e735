"""`python main.py solve`: print V*, the optimal actions and the optimal arrows of a layout."""

from __future__ import annotations

import argparse
import json
import sys

from gridsim import limits
from gridsim.layout import load_layout, shipped_layout
from gridsim.solvers import optimal_actions, optimal_values
from gridsim.world import ACTION_WORDS, ACTIONS, World, WorldError, state_name

ARROWS = ("↑", "→", "↓", "←", "○")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "solve",
        help="print the exact optimal values V*, optimal actions and arrows of a gridworld",
        description="Solve a gridworld exactly (value iteration, polished by policy iteration) "
        "and print V*, the optimal action(s) per state and the optimal policy as arrows.",
    )
    p.add_argument(
        "--layout",
        metavar="FILE",
        default=str(shipped_layout("tutorial_3x3")),
        help="layout JSON file (default: the tutorial's 3x3 world)",
    )
    p.add_argument(
        "--gamma",
        metavar="G",
        help="discount factor in [0, 1), overriding the layout's",
    )
    p.add_argument("--json", action="store_true", help="print machine-readable JSON instead")


def run(args: argparse.Namespace) -> int:
    try:
        if not args.layout.strip():
            raise limits.LimitError("", "--layout is empty; give a layout file (or omit --layout)")
        gamma = None if args.gamma is None else limits.parse(limits.GAMMA, args.gamma, "--gamma")
        world = load_layout(args.layout)
        if gamma is not None:
            world = world.with_changes(gamma=gamma)
    except (WorldError, limits.LimitError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    v, q = optimal_values(world)
    best = optimal_actions(q)
    if args.json:
        print(
            json.dumps(
                {
                    "states": [state_name(s) for s in range(world.n_states)],
                    "V": [float(x) for x in v],
                    "Q": [[float(x) for x in row] for row in q],
                    "optimal_actions": [[ACTIONS[a] for a in acts] for acts in best],
                }
            )
        )
    else:
        print(render_solution(world, v, best))
    return 0


def _number(x: float) -> str:
    return f"{x:.10g}"


def render_solution(world: World, v, best) -> str:
    """The human-readable report: a header, a table of states and the arrow grid."""
    r = world.rewards
    marks = _cell_marks(world)
    lines = [
        f"World {world.rows}x{world.cols}: forbidden {_names(world.forbidden)}, "
        f"target {_names(world.targets)}, start {state_name(world.start)}, "
        f"forbidden cells {'are walls' if world.forbidden_mode == 'wall' else 'can be entered'}"
        f"{', episode ends at target' if world.target_terminal else ''}",
        f"Rewards: boundary {_number(r.boundary)}, forbidden {_number(r.forbidden)}, "
        f"target {_number(r.target)}, other {_number(r.other)}; gamma {_number(world.gamma)}",
        "",
        f"{'state':<7}{'V*':>14}   optimal action(s)",
    ]
    for s in range(world.n_states):
        acts = ", ".join(f"{ACTIONS[a]} {ACTION_WORDS[a]}" for a in best[s])
        if world.is_terminal(s):
            acts = "(terminal)"
        lines.append(f"{state_name(s) + marks[s]:<7}{_number(v[s]):>14}   {acts}")
    lines += ["", "Optimal policy (F forbidden, T target, S start; several arrows = ties):"]
    cells = [
        f"{state_name(s)}{marks[s].strip()} "
        + ("" if world.is_terminal(s) else "".join(ARROWS[a] for a in best[s]))
        for s in range(world.n_states)
    ]
    width = max(len(c) for c in cells)
    for row in range(world.rows):
        lines.append(
            "  " + " | ".join(c.ljust(width) for c in cells[row * world.cols :][: world.cols])
        )
    return "\n".join(lines)


def _names(states) -> str:
    return " ".join(state_name(s) for s in sorted(states)) or "none"


def _cell_marks(world: World) -> list[str]:
    marks = []
    for s in range(world.n_states):
        mark = "F" if s in world.forbidden else "T" if s in world.targets else ""
        marks.append(mark + ("S" if s == world.start else ""))
    return [f" {m}" if m else "" for m in marks]

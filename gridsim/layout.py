"""Layout files: the user-facing JSON form of a world, loaded strictly and saved atomically.

    {"rows": 3, "cols": 3, "forbidden": ["s6", "s7"], "targets": ["s9"], "start": "s1",
     "rewards": {"boundary": -1, "forbidden": -1, "target": 1, "other": 0},
     "gamma": 0.9, "forbidden_mode": "enter", "target_terminal": false, "horizon": 20}

Every key but rows and cols is optional. On the tutorial's 3x3 grid the defaults are the
tutorial's (forbidden s6 and s7, target s9, start s1); on any other size: no forbidden cell,
the last cell as the target, start s1. Files are read through ``gridsim.files`` (regular
files only, at most ``limits.LAYOUT_FILE_BYTES``, strict JSON) and numbers are checked
against ``gridsim.limits``; every problem is one line naming the file, the line and the key.
"""

from __future__ import annotations

import json
from pathlib import Path

from gridsim import limits
from gridsim.files import (
    UserFileError,
    check_json_value,
    key_line,
    parse_user_json,
    read_user_text,
    write_atomically,
)
from gridsim.world import Rewards, World, WorldError, state_name

LAYOUT_KEYS = (
    "rows",
    "cols",
    "forbidden",
    "targets",
    "start",
    "rewards",
    "gamma",
    "forbidden_mode",
    "target_terminal",
    "horizon",
)
REWARD_KEYS = ("boundary", "forbidden", "target", "other")
LAYOUTS_DIR = Path(__file__).resolve().parent.parent / "assets" / "layouts"


class LayoutError(WorldError):
    """A layout that cannot be loaded; the message names the source, the line (when known)
    and the field: 'maze.json: line 6: rewards.target: must be from -1000 to 1000, got 1e9'."""

    def __init__(
        self,
        source: str,
        field_name: str | None,
        message: str,
        line: int | None = None,
        column: int | None = None,
    ):
        where = [limits.short_text(str(source))] if str(source) else []
        if line is not None:
            where.append(f"line {line}" + (f", column {column}" if column is not None else ""))
        where += [field_name] if field_name else []
        ValueError.__init__(self, ": ".join([*where, message]))
        self.field = field_name or ""
        self.reason = message
        self.source = source
        self.line = line
        self.column = column


def world_from_dict(data, source: str = "layout") -> World:
    """A validated world from parsed JSON; unknown keys and bad values raise LayoutError."""
    try:
        check_json_value(data, source)
    except UserFileError as e:
        raise LayoutError(source, None, e.reason) from None
    if not isinstance(data, dict):
        raise LayoutError(source, "(top level)", "expected a JSON object")
    unknown = sorted(set(data) - set(LAYOUT_KEYS), key=str)
    if unknown:
        raise LayoutError(
            source,
            limits.short_repr(unknown[0]).strip("'"),
            f"unknown key (known: {', '.join(LAYOUT_KEYS)})",
        )
    for required in ("rows", "cols"):
        if required not in data:
            raise LayoutError(source, required, "missing")
    fields = dict(data)
    try:
        if "rewards" in fields:
            rewards = fields["rewards"]
            if not isinstance(rewards, dict):
                raise WorldError(
                    "rewards", "expected an object with boundary/forbidden/target/other"
                )
            unknown = sorted(set(rewards) - set(REWARD_KEYS), key=str)
            if unknown:
                name = limits.short_repr(unknown[0]).strip("'")
                raise WorldError(
                    f"rewards.{name}", f"unknown reward (known: {', '.join(REWARD_KEYS)})"
                )
            fields["rewards"] = Rewards(**rewards)
        for name in ("forbidden", "targets"):
            if name in fields and not isinstance(fields[name], list):
                raise WorldError(name, 'expected a list of state names like ["s6", "s7"]')
        for name in ("forbidden", "targets", "start"):
            _reject_ints_as_states(name, fields.get(name))
        return World(**fields)
    except WorldError as e:
        raise LayoutError(source, e.field, e.reason) from None


def _reject_ints_as_states(field_name: str, value) -> None:
    """In files, states are always named ('s1'): a bare number is ambiguous (0- or 1-based?)."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, int | float) and not isinstance(v, bool):
            example = f"s{v}" if isinstance(v, int) and 0 < v < 10**6 else "s1"
            raise WorldError(
                field_name, f'write states by name, e.g. "{example}", not {limits.short_repr(v)}'
            )


def world_to_dict(world: World) -> dict:
    """The JSON-ready form of a world (states by name, sorted)."""
    r = world.rewards
    return {
        "rows": world.rows,
        "cols": world.cols,
        "forbidden": [state_name(s) for s in sorted(world.forbidden)],
        "targets": [state_name(s) for s in sorted(world.targets)],
        "start": state_name(world.start),
        "rewards": {
            "boundary": r.boundary,
            "forbidden": r.forbidden,
            "target": r.target,
            "other": r.other,
        },
        "gamma": world.gamma,
        "forbidden_mode": world.forbidden_mode,
        "target_terminal": world.target_terminal,
        "horizon": world.horizon,
    }


def load_layout(path) -> World:
    """Read and validate a layout file; any problem raises LayoutError naming the file, and
    the line of the offending key when it can be found."""
    try:
        text = read_user_text(path, what="layout file", max_bytes=limits.LAYOUT_FILE_BYTES.high)
        data = parse_user_json(text, path)
    except UserFileError as e:  # its parts kept apart (the app translates the reason)
        raise LayoutError(e.path, e.key, e.reason, e.line, e.column) from None
    try:
        return world_from_dict(data, source=str(path))
    except LayoutError as e:
        line = key_line(text, e.field) if e.field else None
        raise LayoutError(str(path), e.field, e.reason, line) from None


def save_layout(world: World, path) -> None:
    """Write atomically (gridsim.files.write_atomically): a symlink is written through and
    the file keeps its mode."""
    write_atomically(path, json.dumps(world_to_dict(world), indent=2) + "\n")


def write_text_atomically(path, text: str) -> None:
    """Kept for callers of the old name: ``gridsim.files.write_atomically``."""
    write_atomically(path, text)


def shipped_layout(name: str) -> Path:
    """Path of a layout shipped in assets/layouts (name with or without '.json')."""
    return LAYOUTS_DIR / (name if name.endswith(".json") else f"{name}.json")

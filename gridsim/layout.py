"""Layout files: the user-facing JSON form of a world, loaded strictly and saved atomically.

    {"rows": 3, "cols": 3, "forbidden": ["s6", "s7"], "targets": ["s9"], "start": "s1",
     "rewards": {"boundary": -1, "forbidden": -1, "target": 1, "other": 0},
     "gamma": 0.9, "forbidden_mode": "enter", "target_terminal": false, "horizon": 20}

Every key but rows and cols is optional and takes the tutorial's default.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

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
    """A layout that cannot be loaded; the message names the source and the field."""

    def __init__(self, source: str, field_name: str, message: str):
        ValueError.__init__(self, f"{source}: {field_name}: {message}")
        self.field = field_name
        self.source = source


def world_from_dict(data, source: str = "layout") -> World:
    """A validated world from parsed JSON; unknown keys and bad values raise LayoutError."""
    if not isinstance(data, dict):
        raise LayoutError(source, "(top level)", "expected a JSON object")
    unknown = sorted(set(data) - set(LAYOUT_KEYS))
    if unknown:
        raise LayoutError(source, unknown[0], f"unknown key (known: {', '.join(LAYOUT_KEYS)})")
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
            unknown = sorted(set(rewards) - set(REWARD_KEYS))
            if unknown:
                raise WorldError(
                    f"rewards.{unknown[0]}", f"unknown reward (known: {', '.join(REWARD_KEYS)})"
                )
            fields["rewards"] = Rewards(**rewards)
        for name in ("forbidden", "targets"):
            if name in fields and not isinstance(fields[name], list):
                raise WorldError(name, 'expected a list of state names like ["s6", "s7"]')
        for name in ("forbidden", "targets", "start"):
            _reject_ints_as_states(name, fields.get(name))
        return World(**fields)
    except WorldError as e:
        raise LayoutError(source, e.field, str(e).split(": ", 1)[1]) from None


def _reject_ints_as_states(field_name: str, value) -> None:
    """In files, states are always named ('s1'): a bare number is ambiguous (0- or 1-based?)."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, int | float) and not isinstance(v, bool):
            raise WorldError(field_name, f'write states by name, e.g. "s{int(v)}", not {v!r}')


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
    """Read and validate a layout file; any problem raises LayoutError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise LayoutError(str(path), "(file)", e.strerror or str(e)) from None
    except UnicodeDecodeError:
        raise LayoutError(str(path), "(file)", "not a UTF-8 text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LayoutError(
            str(path), "(json)", f"{e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    return world_from_dict(data, source=str(path))


def save_layout(world: World, path) -> None:
    """Write atomically: a temp file in the same folder, then rename over the target."""
    write_text_atomically(Path(path), json.dumps(world_to_dict(world), indent=2) + "\n")


def write_text_atomically(path: Path, text: str) -> None:
    """Either the whole new text is at ``path`` afterwards, or the old file is untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def shipped_layout(name: str) -> Path:
    """Path of a layout shipped in assets/layouts (name with or without '.json')."""
    return LAYOUTS_DIR / (name if name.endswith(".json") else f"{name}.json")

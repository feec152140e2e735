"""Save and load a trained agent: the modules' state dicts plus metadata, in one torch file.

The file holds only tensors and plain Python values, so it loads with
``torch.load(..., weights_only=True)`` (no pickled code runs). Problems raise
``CheckpointError`` with a one-line message.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from agents.config import ConfigError, config_to_dict
from agents.learner import Run, build_config
from agents.registry import ALGORITHMS, ENVS

FORMAT = "gridsim-agent"
VERSION = 1


class CheckpointError(ValueError):
    """A file that is not a loadable agent (corrupt, wrong format, mismatched)."""


def save_agent(run: Run, path) -> None:
    """Write ``run``'s learned modules and metadata atomically (temp file + os.replace)."""
    from gridsim.layout import world_to_dict

    payload = {
        "format": FORMAT,
        "version": VERSION,
        "algo": run.algo,
        "env": run.env_name,
        "seed": run.seed,
        "env_steps": run.env_steps,
        "updates": run.updates,
        "solved": run.solved,
        "world": world_to_dict(run.world) if run.world is not None else None,
        "config": config_to_dict(run.config),
        "state_dicts": {name: m.state_dict() for name, m in run.agent.modules().items()},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_agent(path) -> dict:
    """The checked payload of an agent file (metadata and state dicts)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise CheckpointError(f"{path}: not a readable agent file ({first[:120]})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a GridSim agent file")
    if payload.get("version") != VERSION:
        raise CheckpointError(
            f"{path}: agent file version {payload.get('version')!r}, "
            f"this GridSim reads version {VERSION}"
        )
    if payload.get("algo") not in ALGORITHMS or payload.get("env") not in ENVS:
        raise CheckpointError(f"{path}: unknown algorithm or env in the file")
    if not isinstance(payload.get("state_dicts"), dict):
        raise CheckpointError(f"{path}: the file has no state dicts")
    return payload


def load_agent(path) -> Run:
    """A Run rebuilt from an agent file (same algo, env, world and hyper-parameters) with its
    learned parameters loaded."""
    from gridsim.layout import world_from_dict
    from gridsim.world import WorldError

    payload = read_agent(path)
    try:
        world = world_from_dict(payload["world"], str(path)) if payload["world"] else None
        config = build_config(
            payload["algo"],
            payload["env"],
            {k: tuple(v) if isinstance(v, list) else v for k, v in payload["config"].items()},
        )
    except (WorldError, ConfigError, TypeError, AttributeError) as e:
        raise CheckpointError(f"{path}: bad metadata ({e})") from None
    run = Run(
        payload["env"],
        payload["algo"],
        world=world,
        seed=int(payload.get("seed", 0)),
        config=config,
    )
    restore_modules(run, payload["state_dicts"], str(path))
    return run


def restore_modules(run: Run, state_dicts: dict, source: str = "agent file") -> None:
    """Load saved state dicts into ``run``'s modules; any mismatch raises CheckpointError."""
    modules = run.agent.modules()
    if set(state_dicts) != set(modules):
        raise CheckpointError(
            f"{source}: holds modules {sorted(state_dicts)}, {run.algo} needs {sorted(modules)}"
        )
    for name, module in modules.items():
        try:
            module.load_state_dict(state_dicts[name])
        except (RuntimeError, TypeError, KeyError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise CheckpointError(
                f"{source}: {name} does not fit this agent ({first[:160]})"
            ) from None

"""Save and load a trained agent: the modules' state dicts plus metadata, in one torch file.

The file holds only tensors and plain Python values, so it loads with
``torch.load(..., weights_only=True)`` (no pickled code runs). Problems raise
``CheckpointError`` with a one-line message.

Besides the learned modules, the algorithm, env, world, seed and hyper-parameters, a file
keeps how far the run got (updates, env steps, its returns curve) and its policy history
(agents.policy_history), so an agent opened in the app continues where it stopped and its
past can be scrubbed through. Both are optional when reading: a file without them opens
at update 0 with an empty history.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import torch

from agents.config import ConfigError, config_to_dict
from agents.history import MetricHistory, ReturnHistory
from agents.learner import Run, build_config
from agents.policy_history import PolicyHistory
from agents.registry import ALGORITHMS, ENVS
from gridsim import limits

FORMAT = "gridsim-agent"
VERSION = 1
MAX_FILE_BYTES = int(limits.AGENT_FILE_BYTES.high)
"""An agent file is a few KB to a few MB (the policy history is capped at 4 MiB), but
networks at gridsim.limits' parameter budget must load again; anything bigger than this is
not one of ours and is refused before it is read (gridsim.limits.AGENT_FILE_BYTES)."""


class CheckpointError(ValueError):
    """A file that is not a loadable agent (corrupt, wrong format, mismatched)."""


def save_agent(run: Run, path) -> None:
    """Write ``run``'s learned modules and metadata atomically (gridsim.files.open_atomically:
    temp file, fsync, rename, folder fsync; the file keeps its mode, a symlink is written
    through)."""
    from gridsim.files import open_atomically
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
        "progress": {
            "wall_s": run.wall_s,
            "solved_at_steps": run.solved_at_steps,
            "solved_at_s": run.solved_at_s,
            "episode_returns": [float(x) for x in run.episode_returns],
            "returns": run.returns.state(),
            "metrics": _tensors(run.metrics.state()),
        },
        "history": _history_payload(run.policies),
    }
    with open_atomically(path) as f:
        torch.save(payload, f)


def read_agent(path) -> dict:
    """The checked payload of an agent file (metadata and state dicts)."""
    from gridsim.files import UserFileError, read_user_bytes

    path = Path(path)
    try:  # a regular file within the size limit, read without blocking on a FIFO
        data = read_user_bytes(path, what="agent file", max_bytes=MAX_FILE_BYTES)
    except UserFileError as e:
        raise CheckpointError(str(e)) from None
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4": we refuse anyway
            warnings.simplefilter("ignore")
            payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as e:
        raise CheckpointError(f"{path}: not a readable agent file ({_why_unreadable(e)})") from None
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


def _why_unreadable(error: Exception) -> str:
    """torch.load's reason in a few words: code the file wanted to run (and was refused), a
    cut-off or foreign file, else the first line of torch's own message."""
    text = str(error)
    if m := re.search(r"GLOBAL ([\w.]+)", text):
        return f"it asks to run {m.group(1)}; refused, nothing was run"
    if "central directory" in text or "zip archive" in text:
        return "not a complete torch file: cut off or damaged"
    if "Unsupported operand" in text or "invalid load key" in text:
        return "not a torch file"
    first = (text.strip().splitlines() or [type(error).__name__])[0]
    return first[:120]


def load_agent(path) -> Run:
    """A Run rebuilt from an agent file (same algo, env, world and hyper-parameters) with its
    learned parameters, progress and policy history loaded."""
    return run_from_payload(read_agent(path), str(path))


def run_from_payload(payload: dict, path: str = "agent file") -> Run:
    """The Run a checked payload (``read_agent``) describes, ready to train on."""
    from gridsim.layout import world_from_dict
    from gridsim.world import WorldError

    try:
        world = world_from_dict(payload["world"], str(path)) if payload["world"] else None
        saved = {k: tuple(v) if isinstance(v, list) else v for k, v in payload["config"].items()}
        if saved.get("ref"):
            saved["ref"] = ""  # dpo/kto/rlhf: pi_ref's weights are in the file, not re-read
        config = build_config(payload["algo"], payload["env"], saved)
        seed = payload.get("seed", 0)
        run = Run(payload["env"], payload["algo"], world=world, seed=seed, config=config)
    except (WorldError, ConfigError, TypeError, AttributeError, ValueError) as e:
        raise CheckpointError(f"{path}: bad metadata ({e})") from None
    restore_modules(run, payload["state_dicts"], str(path))
    restore_progress(run, payload, str(path))
    return run


def describe(payload: dict) -> str:
    """What an agent file holds, in a few words: "ppo on the 3x3 gridworld, update 68"."""
    world = payload.get("world")
    where = (
        f"the {world.get('rows')}x{world.get('cols')} gridworld"
        if payload.get("env") == "gridworld" and isinstance(world, dict)
        else str(payload.get("env"))
    )
    return f"{payload.get('algo')} on {where}, update {payload.get('updates', 0)}"


def restore_progress(run: Run, payload: dict, source: str = "agent file") -> None:
    """Put a saved run's counters, returns curve and policy history back into ``run``."""
    try:
        updates = int(payload.get("updates") or 0)
        env_steps = int(payload.get("env_steps") or 0)
        progress = payload.get("progress") or {}
        returns = (
            ReturnHistory.from_state(progress["returns"])
            if "returns" in progress
            else ReturnHistory()
        )
        history = _history_from_payload(payload.get("history"), run)
        metrics = _metrics_from_payload(progress.get("metrics"), run)
        episode_returns = [float(x) for x in progress.get("episode_returns", [])]
        wall_s = float(progress.get("wall_s", 0.0))
        solved_at_steps = progress.get("solved_at_steps")
        solved_at_s = progress.get("solved_at_s")
    except (TypeError, ValueError, AttributeError) as e:
        raise CheckpointError(f"{source}: bad training progress ({e})") from None
    if (
        updates < 0
        or env_steps < 0
        or (returns.updates and returns.updates != updates)
        or (history.updates and history.updates[-1] > updates)
        or (metrics is not None and metrics.updates != updates)
    ):
        raise CheckpointError(f"{source}: bad training progress (counts do not add up)")
    run.updates = updates
    run.agent.collector.total_steps = env_steps
    run.wall_s = wall_s
    run.returns = returns
    run.policies = history
    if metrics is not None:
        run.metrics = metrics
    run.episode_returns.extend(episode_returns)
    run.solved = bool(payload.get("solved"))
    run.solved_at_steps = None if solved_at_steps is None else int(solved_at_steps)
    run.solved_at_s = None if solved_at_s is None else float(solved_at_s)


def _tensors(state: dict) -> dict:
    """numpy arrays as tensors (what weights_only loading accepts)."""
    return {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in state.items()}


def _metrics_from_payload(state, run: Run):
    """The saved metric curves, or None when the file has none or names other metrics (a
    file from another GridSim version: the curves then start at the opened update)."""
    if state is None:
        return None
    if not isinstance(state, dict):
        raise ValueError("bad metric history")
    if list(state.get("names", [])) != list(run.metrics.names):
        return None
    arrays = {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in state.items()}
    return MetricHistory.from_state(arrays)


def _history_payload(history: PolicyHistory) -> dict:
    state = history.state()
    state["layers"] = [torch.from_numpy(np.ascontiguousarray(x)) for x in state["layers"]]
    return state


def _history_from_payload(state, run: Run) -> PolicyHistory:
    """The saved policy history, checked against the shapes of ``run``'s own policy."""
    if state is None:
        return PolicyHistory()
    if not isinstance(state, dict) or not all(
        isinstance(x, torch.Tensor) for x in state.get("layers", [])
    ):
        raise ValueError("bad policy history")
    layers = [x.detach().to(torch.float32).numpy() for x in state["layers"]]
    history = PolicyHistory.from_state({**state, "layers": layers})
    if history.updates:
        shapes = [tuple(a.shape) for a in run.policy_arrays()]
        if [tuple(x.shape[1:]) for x in layers] != shapes:
            raise ValueError("the policy history does not fit this agent's policy")
    return history


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

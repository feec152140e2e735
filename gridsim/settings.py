"""User settings remembered between runs (language, last layout), in one small JSON file.

Lives at $GRIDSIM_CONFIG or $XDG_CONFIG_HOME/gridsim/settings.json (default
~/.config/gridsim/settings.json). Reading never stops the app: a missing, unreadable,
oversized, too deeply nested or non-regular file (a FIFO is not waited on) gives the
defaults. Writing changes only the keys GridSim knows and keeps the others (a newer
version's), writes through a symlink (dotfile managers), keeps the file's mode, and is
atomic. A file that cannot be parsed is not overwritten: it is moved aside as
``settings.json.bad`` and the user is told once.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from gridsim import limits
from gridsim.files import (
    UserFileError,
    load_user_json,
    resolve_target,
    write_atomically,
)

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Settings:
    language: str = "en"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            object.__setattr__(self, "language", "en")


def settings_path() -> Path:
    if override := os.environ.get("GRIDSIM_CONFIG"):
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "gridsim" / "settings.json"


def _read(path: Path) -> dict:
    """The file's JSON object; UserFileError for anything else (missing included)."""
    data = load_user_json(
        path, what="settings file", max_bytes=limits.SETTINGS_FILE_BYTES.high, max_depth=8
    )
    if not isinstance(data, dict):
        raise UserFileError(path, "expected a JSON object")
    return data


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings; unknown keys are ignored and bad files give the defaults."""
    try:
        data = _read(path or settings_path())
    except UserFileError:
        return Settings()
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in data.items() if k in known and isinstance(v, str)}
    return Settings(**values)


def save_settings(settings: Settings, path: Path | None = None) -> str | None:
    """Write ``settings`` over the file's known keys, keeping every other key.

    Returns a one-line notice for the user, or None: when the old file could not be
    parsed it is moved aside as NAME.bad first; when it is not a regular file (a FIFO,
    a folder) nothing is written. OSError when the folder cannot be written.
    """
    path = path or settings_path()
    target = resolve_target(path)
    notice = None
    data: dict = {}
    if os.path.lexists(target):
        if not target.is_file():
            return f"{path} is not a regular file; the settings were not saved"
        try:
            data = _read(target)
        except UserFileError as e:
            bad = target.with_name(target.name + ".bad")
            os.replace(target, bad)
            notice = f"could not read {path} ({e.reason}); kept it as {bad}"
    data.update(asdict(settings))
    write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return notice


_said: set[str] = set()


def update_settings(path: Path | None = None, **changes) -> Settings:
    """Load, change some fields, save atomically, and return the new settings; a notice
    from ``save_settings`` is printed to stderr once (as 'warning: ...')."""
    new = replace(load_settings(path), **changes)
    try:
        notice = save_settings(new, path)
    except (OSError, UserFileError):
        notice = None  # a read-only home must not stop the app; the choice just is not kept
    if notice and notice not in _said:
        _said.add(notice)
        print(f"warning: {notice}", file=sys.stderr)
    return new

"""User settings remembered between runs (language, last layout), in one small JSON file.

Lives at $GRIDSIM_CONFIG or $XDG_CONFIG_HOME/gridsim/settings.json (default
~/.config/gridsim/settings.json). A missing or unreadable file gives the defaults;
writes are atomic, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from gridsim.layout import write_text_atomically

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


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings; unknown keys are ignored and bad files give the defaults."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in data.items() if k in known})


def save_settings(settings: Settings, path: Path | None = None) -> None:
    write_text_atomically(path or settings_path(), json.dumps(asdict(settings), indent=2) + "\n")


def update_settings(path: Path | None = None, **changes) -> Settings:
    """Load, change some fields, save atomically, and return the new settings."""
    new = replace(load_settings(path), **changes)
    try:
        save_settings(new, path)
    except OSError:
        pass  # a read-only home must not stop the app; the choice just is not remembered
    return new

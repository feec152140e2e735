"""A comparison's folder: its settings, one sub-folder per (algorithm, seed), and their curves.

    DIR/compare.json                 what is compared (env, world, budget, overrides, algos, seeds)
    DIR/runs/ALGO/seed_N/            one run, exactly as ``python main.py train`` writes it:
        metrics.csv(.part)           one row per update, streamed while the run trains
        summary.json                 written last: a folder with it holds a finished run

Curves are read row by row onto a fixed grid of env steps (``step_grid``), so a reader
holds ``POINTS`` numbers per run however long the run was, and can follow a run live.
"""

from __future__ import annotations

import csv
import json
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gridsim import limits
from gridsim.files import UserFileError, load_user_json
from gridsim.limits import short_repr, short_text
from gridsim.world import World

SETTINGS_FILE = "compare.json"
FORMAT = "gridsim-compare"
VERSION = 1
POINTS = 200
"""Grid points per curve: the curves' resolution in the figure, the app and the statistics."""
VALUE_FIELD = "mean_return_100"
"""The curve: mean return of the last 100 training episodes (CartPole's solved criterion)."""
MAX_SETTINGS_BYTES = int(limits.COMPARE_FILE_BYTES.high)
READ_CHUNK = 4 * limits.MIB
"""A metrics file is read this much at a time (a run's is about 100 bytes an update)."""


class CompareError(ValueError):
    """A comparison folder or settings that cannot be used; the message is one line."""


@dataclass(frozen=True)
class CompareSettings:
    """What every run of a comparison shares; runs with other settings cannot be mixed in."""

    env: str
    max_steps: int
    world: World | None = None
    overrides: tuple[tuple[str, str], ...] = ()
    """``--set`` pairs; a key "ALGO.KEY" applies to that algorithm only."""
    keep_going: bool = False
    algos: tuple[str, ...] = field(default=(), compare=False)
    seeds: int = field(default=0, compare=False)
    """Seeds 0 .. seeds-1 of every algorithm."""

    def overrides_for(self, algo: str) -> dict[str, str]:
        """The ``--set`` values that apply to ``algo``."""
        out = {}
        for key, value in self.overrides:
            prefix, dot, name = key.rpartition(".")
            if not dot:
                out[key] = value
            elif prefix == algo:
                out[name] = value
        return out

    def pairs(self) -> list[tuple[str, int]]:
        """Every (algorithm, seed) of the comparison, algorithm by algorithm (the tables)."""
        return [(algo, seed) for algo in self.algos for seed in range(self.seeds)]

    def run_order(self) -> list[tuple[str, int]]:
        """The pairs seed by seed (the order they are started in): every algorithm's curve
        fills in from the start, and a stopped comparison has about as many runs of each."""
        return [(algo, seed) for seed in range(self.seeds) for algo in self.algos]

    def to_dict(self) -> dict:
        from gridsim.layout import world_to_dict

        return {
            "format": FORMAT,
            "version": VERSION,
            "env": self.env,
            "max_steps": self.max_steps,
            "world": None if self.world is None else world_to_dict(self.world),
            "overrides": [list(pair) for pair in self.overrides],
            "keep_going": self.keep_going,
            "algos": list(self.algos),
            "seeds": self.seeds,
        }

    @staticmethod
    def from_dict(data, source: str) -> CompareSettings:
        """The settings a compare.json records, every value held to the range its flag has
        (a hand-edited ``"seeds": 1e9`` must not start a billion runs): CompareError, one
        line naming the file and the key, otherwise."""
        from agents.registry import ALGORITHMS, ENVS
        from gridsim.layout import world_from_dict

        def refuse(key: str, message: str):
            raise CompareError(f"{short_text(source)}: {key}: {message}")

        if not isinstance(data, dict) or (data.get("format"), data.get("version")) != (
            FORMAT,
            VERSION,
        ):
            raise CompareError(f"{short_text(source)}: not a GridSim comparison")
        for key in ("env", "max_steps", "world", "overrides", "keep_going", "algos", "seeds"):
            if key not in data:
                refuse(key, "missing")
        if data["env"] not in ENVS:
            refuse("env", f"expected one of {', '.join(ENVS)}, got {short_repr(data['env'])}")
        numbers = {}
        for key, limit in (("max_steps", limits.MAX_STEPS), ("seeds", limits.SEEDS_PER_ALGORITHM)):
            try:
                numbers[key] = limits.check(limit, data[key], key)
            except limits.LimitError as e:
                raise CompareError(f"{short_text(source)}: {e}") from None
        algos, overrides = data["algos"], data["overrides"]
        if not isinstance(algos, list) or not algos or not all(a in ALGORITHMS for a in algos):
            refuse("algos", f"expected a list of algorithm names, got {short_repr(algos)}")
        pair = (list, tuple)
        if not isinstance(overrides, list) or not all(
            isinstance(o, pair) and len(o) == 2 and all(isinstance(x, str) for x in o)
            for o in overrides
        ):
            refuse("overrides", f'expected [["key", "value"], ...], got {short_repr(overrides)}')
        if not isinstance(data["keep_going"], bool):
            refuse("keep_going", f"expected true or false, got {short_repr(data['keep_going'])}")
        world = data["world"]
        if (world is None) != (data["env"] != "gridworld"):
            refuse("world", "a gridworld comparison records its world, a CartPole one null")
        try:  # LayoutError / WorldError name the file and the key already
            world = None if world is None else world_from_dict(world, f"{source}: world")
        except ValueError as e:
            raise CompareError(str(e)) from None
        return CompareSettings(
            env=data["env"],
            max_steps=numbers["max_steps"],
            world=world,
            overrides=tuple((k, v) for k, v in overrides),
            keep_going=data["keep_going"],
            algos=tuple(dict.fromkeys(algos)),
            seeds=numbers["seeds"],
        )


def load_settings(root: Path) -> CompareSettings | None:
    """The settings recorded in ``root``, None if it holds no comparison."""
    path = Path(root) / SETTINGS_FILE
    if not os.path.lexists(path):
        return None
    try:  # a regular file within its size, nesting and number limits (gridsim.files)
        data = load_user_json(path, what="comparison file", max_bytes=MAX_SETTINGS_BYTES)
    except UserFileError as e:
        raise CompareError(str(e)) from None
    return CompareSettings.from_dict(data, str(path))


def save_settings(root: Path, settings: CompareSettings) -> None:
    from gridsim.layout import write_text_atomically

    text = json.dumps(settings.to_dict(), indent=2) + "\n"
    write_text_atomically(Path(root) / SETTINGS_FILE, text)


def run_folder(root: Path, algo: str, seed: int) -> Path:
    return Path(root) / "runs" / algo / f"seed_{seed}"


# --- one run's outcome ------------------------------------------------------------------
@dataclass(frozen=True)
class RunRecord:
    """A run as its folder shows it: "finished", "failed" (with its error) or "not run"."""

    algo: str
    seed: int
    status: str
    summary: dict | None = None
    error: str | None = None


def read_record(root: Path, algo: str, seed: int) -> RunRecord:
    path = run_folder(root, algo, seed) / "summary.json"
    if not path.is_file():
        return RunRecord(algo, seed, "not run")
    try:  # read through gridsim.files: a hostile file is a failed run, not a traceback
        summary = load_user_json(path, what="summary.json", max_bytes=MAX_SETTINGS_BYTES)
        if not isinstance(summary, dict):
            raise ValueError("not a JSON object")
    except ValueError as e:
        reason = e.reason if isinstance(e, UserFileError) else str(e)
        return RunRecord(algo, seed, "failed", None, f"unreadable summary.json: {reason}")
    error = summary.get("error")
    return RunRecord(algo, seed, "failed" if error else "finished", summary, error or None)


def write_failure(root: Path, algo: str, seed: int, message: str) -> None:
    """Record a run that died before writing its own summary (the worker crashed, ...)."""
    from gridsim.layout import write_text_atomically

    summary = {"algo": algo, "seed": seed, "error": message}
    write_text_atomically(
        run_folder(root, algo, seed) / "summary.json", json.dumps(summary, indent=2) + "\n"
    )


# --- curves -------------------------------------------------------------------------------
def step_grid(max_steps: int, points: int = POINTS) -> np.ndarray:
    """x[points]: env steps max_steps/points, 2 max_steps/points, ..., max_steps."""
    return max_steps * np.arange(1, points + 1, dtype=np.float64) / points


class RunCurve:
    """One run's curve on the grid: ``values[P]`` (the mean return at each grid step: the
    last update at or before it) and ``solved[P]``. Points the run has not reached are NaN
    (False); ``finish()`` holds the last value to the end of the grid once the run is over
    (a run stops when solved: it stays solved, at its last return)."""

    def __init__(self, grid: np.ndarray):
        self.grid = grid
        self.values = np.full(len(grid), np.nan)
        self.solved = np.zeros(len(grid), dtype=bool)
        self.reached = np.zeros(len(grid), dtype=bool)
        self._cursor = 0
        self._last = (math.nan, False)
        self.steps = 0
        self.rows = 0

    def add(self, steps: int, value: float, solved: bool) -> None:
        """The next update's row (env steps so far, mean return, solved)."""
        end = int(np.searchsorted(self.grid, steps, side="left"))  # grid points < steps
        self._fill(end)
        self._last = (value, solved)
        self.steps = steps
        self.rows += 1

    def finish(self) -> None:
        if self.rows:
            self._fill(len(self.grid))

    def _fill(self, end: int) -> None:
        if end > self._cursor:
            value, solved = self._last
            self.values[self._cursor : end] = value
            self.solved[self._cursor : end] = solved
            self.reached[self._cursor : end] = True
            self._cursor = end


class CurveReader:
    """Follows one run's metrics file as it grows (``poll``), parsing only the new rows.

    Reads metrics.csv.part while the run trains and metrics.csv after (the same file,
    renamed), from where it stopped; a half-written last line waits for the next poll.
    """

    def __init__(self, folder: Path, grid: np.ndarray):
        self.folder = Path(folder)
        self.curve = RunCurve(grid)
        self._offset = 0
        self._header: list[str] | None = None
        self.finished = False

    def poll(self) -> bool:
        """Read what was appended since the last poll (at most ``READ_CHUNK`` bytes of it);
        True if the curve changed."""
        return self._consume()[1]

    def _consume(self) -> tuple[int, bool]:
        """(bytes consumed, curve changed) for one chunk of complete new lines."""
        if self.finished:
            return 0, False
        data = self._read_new()
        end = data.rfind(b"\n") + 1
        if end == 0:
            return 0, False
        self._offset += end
        before = self.curve.rows
        for cells in csv.reader(data[:end].decode("utf-8", "replace").splitlines()):
            self._parse(cells)
        return end, self.curve.rows != before

    def _read_new(self) -> bytes:
        """The next bytes of the metrics file from the last offset. Opened without blocking
        and read only if it is a regular file (a FIFO put there would hang the report), in
        chunks (memory stays bounded whatever the file's size)."""
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        for name in ("metrics.csv.part", "metrics.csv"):
            try:
                fd = os.open(self.folder / name, flags | getattr(os, "O_BINARY", 0))
            except FileNotFoundError:
                continue
            except OSError:
                return b""
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return b""
                os.lseek(fd, self._offset, os.SEEK_SET)
                return os.read(fd, READ_CHUNK)
            except OSError:
                return b""
            finally:
                os.close(fd)
        return b""

    def close(self) -> None:
        """The run is over: read what is left and hold its last value to the end."""
        while self._consume()[0]:
            pass
        self.curve.finish()
        self.finished = True

    def _parse(self, cells: list[str]) -> None:
        if self._header is None:
            self._header = cells
            return
        row = dict(zip(self._header, cells, strict=False))
        try:
            steps = int(row["env_steps"])
            value = float(row.get(VALUE_FIELD) or "nan")
            solved = row.get("solved", "0") == "1"
        except (KeyError, ValueError):
            return  # not a row of ours: skip it
        self.curve.add(steps, value, solved)


def read_curve(root: Path, algo: str, seed: int, grid: np.ndarray) -> RunCurve:
    """A finished run's whole curve on ``grid``."""
    reader = CurveReader(run_folder(root, algo, seed), grid)
    reader.close()
    return reader.curve

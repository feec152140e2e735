"""Preferences (tutorial ch.5-6): pairs and judgements of trajectories, their files, and labellers.

A *prompt* is a start state and a *completion* is the actions of a trajectory from it;
transitions are deterministic, so (prompt, actions) is the whole trajectory.

- A ``Pair`` (DPO, RLHF) says: from ``prompt``, the actions ``chosen`` are better than the
  actions ``rejected``. Both start in the same state: only then do the start-state and
  transition terms cancel in the log-ratio log pi_theta(tau)/pi_ref(tau) = sum_t
  log pi_theta(a_t|s_t)/pi_ref(a_t|s_t).
- A ``Judgement`` (KTO) says: from ``prompt``, the actions ``completion`` are desirable or not.

Files are JSON Lines with the field names of Hugging Face TRL's datasets, states and actions
by name (s1.., a1..a5), one row per line:

    {"prompt": "s1", "chosen": ["a2", "a3", "a3", "a2", "a5"], "rejected": ["a3", "a3", ...]}
    {"prompt": "s1", "completion": ["a3", "a2", "a3", "a2", "a5"], "label": true}

A completion may also begin with its start state (TRL's "implicit prompt": the shared start
is inside chosen and rejected), ``{"chosen": ["s1", "a2", ...], "rejected": ["s1", "a3", ...]}``;
then both must begin with the same state. Any problem raises ``PreferenceFileError``: one line
naming the file, the line number and the field.

A labeller answers two questions about trajectories, whoever it is (``Labeller``): which of
two is better (``compare``: 1, 2, or 0 to skip), and is this one desirable (``judge``).
``ReturnLabeller`` is the synthetic one: Bradley-Terry on the true return.

Pure numpy: imports neither torch nor pygame (the app's labelling panel uses it).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from gridsim import limits
from gridsim.files import UserFileError, parse_user_json, read_user_text
from gridsim.tables import build_tables
from gridsim.world import ACTIONS, World, WorldError, parse_state, state_name

MAX_FILE_BYTES = int(limits.PREFERENCE_FILE_BYTES.high)
"""A preference file larger than this is refused before it is parsed (gridsim.limits)."""
MAX_ROWS = int(limits.PREFERENCE_ROWS.high)
"""At most this many rows per preference file (gridsim.limits)."""
TIE_TOL = 1e-9
"""Returns closer than this (relative to max(1, |R|)) are equal: a tie."""

DPO_KEYS = ("prompt", "chosen", "rejected")
KTO_KEYS = ("prompt", "completion", "label")


@dataclass(frozen=True)
class Pair:
    """From start state ``prompt`` (0-based), the actions ``chosen`` beat ``rejected`` (DPO rows).

    Actions are 0-based indices (0 = a1 up ... 4 = a5 stay).
    """

    prompt: int
    chosen: tuple[int, ...]
    rejected: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "prompt", int(self.prompt))
        object.__setattr__(self, "chosen", tuple(int(a) for a in self.chosen))
        object.__setattr__(self, "rejected", tuple(int(a) for a in self.rejected))


@dataclass(frozen=True)
class Judgement:
    """From start state ``prompt``, the actions ``completion`` are desirable or not (KTO rows)."""

    prompt: int
    completion: tuple[int, ...]
    desirable: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "prompt", int(self.prompt))
        object.__setattr__(self, "completion", tuple(int(a) for a in self.completion))
        object.__setattr__(self, "desirable", bool(self.desirable))


class PreferenceError(ValueError):
    """A pair or judgement that does not fit the world; the message names the field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


class PreferenceFileError(PreferenceError):
    """A preference file that cannot be read: 'FILE: line N: FIELD: what is wrong'."""

    def __init__(self, source: str, line: int | None, field_name: str, message: str):
        """``line`` None and ``field_name`` "" leave those parts out (the whole file)."""
        where = [source, *([f"line {line}"] if line else []), *([field_name] if field_name else [])]
        ValueError.__init__(self, ": ".join([*where, message]))
        self.field = field_name
        self.source = source
        self.line = line


# ----- checking against a world -------------------------------------------------------------


def check_prompt(world: World, prompt: int, field_name: str = "prompt") -> int:
    """``prompt`` if a trajectory can start there; a terminal target cannot (it is over)."""
    if isinstance(prompt, bool) or not isinstance(prompt, int | np.integer):
        raise PreferenceError(field_name, f"expected a state index, got {prompt!r}")
    if not 0 <= prompt < world.n_states:
        raise PreferenceError(
            field_name, f"state {prompt} is outside the grid (0..{world.n_states - 1})"
        )
    if world.is_terminal(int(prompt)):
        raise PreferenceError(
            field_name,
            f"{state_name(int(prompt))} is a terminal target: an episode cannot start there",
        )
    return int(prompt)


def check_completion(world: World, prompt: int, actions, field_name: str) -> tuple[int, ...]:
    """The actions as a tuple if they make an episode from ``prompt`` in ``world``: at least
    one action, at most ``world.horizon``, none after a terminal target ends the episode."""
    actions = tuple(actions)
    if not actions:
        raise PreferenceError(field_name, "expected at least one action")
    if len(actions) > world.horizon:
        raise PreferenceError(
            field_name,
            f"{len(actions)} actions, more than the layout's horizon ({world.horizon})",
        )
    tables = build_tables(world)
    s = prompt
    for t, a in enumerate(actions):
        if isinstance(a, bool) or not isinstance(a, int | np.integer) or not 0 <= a < len(ACTIONS):
            raise PreferenceError(f"{field_name}[{t}]", f"expected an action index 0..4, got {a!r}")
        if tables.done[s, a] and t < len(actions) - 1:
            raise PreferenceError(
                f"{field_name}[{t + 1}]",
                f"the episode already ended at {state_name(int(tables.next_state[s, a]))} "
                f"(terminal target) after {t + 1} actions",
            )
        s = int(tables.next_state[s, a])
    return actions


def pair_from_trajectories(a, b, verdict: int) -> Pair | None:
    """The Pair a labeller's answer makes of two trajectories from one start (``verdict`` 1: a is
    better, 2: b is better, 0: skip -> None)."""
    if verdict == 0:
        return None
    if int(a.states[0]) != int(b.states[0]):
        raise PreferenceError("rejected", "both trajectories of a pair must start in one state")
    chosen, rejected = (a, b) if verdict == 1 else (b, a)
    return Pair(int(a.states[0]), tuple(chosen.actions.tolist()), tuple(rejected.actions.tolist()))


def judgement_from_trajectory(traj, desirable: bool | None) -> Judgement | None:
    """The Judgement a labeller's answer makes of one trajectory (None: skipped)."""
    if desirable is None:
        return None
    return Judgement(int(traj.states[0]), tuple(traj.actions.tolist()), desirable)


def check_pair(world: World, pair: Pair) -> Pair:
    """``pair`` if it fits ``world`` (PreferenceError naming the field otherwise)."""
    check_prompt(world, pair.prompt)
    check_completion(world, pair.prompt, pair.chosen, "chosen")
    check_completion(world, pair.prompt, pair.rejected, "rejected")
    if pair.chosen == pair.rejected:
        raise PreferenceError("rejected", "identical to chosen: a pair needs two trajectories")
    return pair


def check_judgement(world: World, judgement: Judgement) -> Judgement:
    """``judgement`` if it fits ``world`` (PreferenceError naming the field otherwise)."""
    check_prompt(world, judgement.prompt)
    check_completion(world, judgement.prompt, judgement.completion, "completion")
    return judgement


# ----- files ---------------------------------------------------------------------------------


def pair_to_row(pair: Pair) -> dict:
    """The JSON Lines row of a pair, states and actions by name."""
    return {
        "prompt": state_name(pair.prompt),
        "chosen": [ACTIONS[a] for a in pair.chosen],
        "rejected": [ACTIONS[a] for a in pair.rejected],
    }


def judgement_to_row(judgement: Judgement) -> dict:
    """The JSON Lines row of a judgement, states and actions by name."""
    return {
        "prompt": state_name(judgement.prompt),
        "completion": [ACTIONS[a] for a in judgement.completion],
        "label": judgement.desirable,
    }


def write_pairs(path, pairs) -> None:
    """Write pairs as JSON Lines, atomically (the old file stays whole if anything fails)."""
    _write_rows(path, [pair_to_row(p) for p in pairs])


def write_judgements(path, judgements) -> None:
    """Write judgements as JSON Lines, atomically."""
    _write_rows(path, [judgement_to_row(j) for j in judgements])


def read_pairs(path, world: World) -> list[Pair]:
    """The pairs of a DPO file, checked against ``world`` (PreferenceFileError otherwise)."""
    return [_pair_from_row(row, world) for row in _rows(path, DPO_KEYS)]


def read_judgements(path, world: World) -> list[Judgement]:
    """The judgements of a KTO file, checked against ``world`` (PreferenceFileError otherwise)."""
    return [_judgement_from_row(row, world) for row in _rows(path, KTO_KEYS)]


@dataclass(frozen=True)
class _Row:
    data: dict
    source: str
    line: int

    def error(self, field_name: str, message: str) -> PreferenceFileError:
        return PreferenceFileError(self.source, self.line, field_name, message)


def _write_rows(path, rows: list[dict]) -> None:
    from gridsim.layout import write_text_atomically

    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    try:  # a FIFO or a folder in the way is this module's error, like a bad row
        write_text_atomically(Path(path), text)
    except UserFileError as e:
        raise PreferenceFileError(str(path), None, "", e.reason) from None


def _rows(path, keys: tuple[str, ...], required: tuple[str, ...] | None = None) -> list[_Row]:
    """The file's rows as JSON objects with only ``keys`` and all of ``required`` (default:
    all but the prompt), blank lines skipped."""
    path = Path(path)
    source = str(path)
    try:  # regular files only (a FIFO is not waited on), within the size limit, UTF-8
        text = read_user_text(path, what="preference file", max_bytes=MAX_FILE_BYTES)
    except UserFileError as e:
        raise PreferenceFileError(source, e.line, "", e.reason) from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(rows) == MAX_ROWS:
            raise PreferenceFileError(source, number, "", f"more than {MAX_ROWS} rows")
        try:  # depth and number length checked first: no RecursionError, no int() limit
            data = parse_user_json(line, source)
        except UserFileError as e:
            where = f"column {e.column}: " if e.column is not None else ""
            raise PreferenceFileError(source, number, "", where + e.reason) from None
        row = _Row(data, source, number)
        if not isinstance(data, dict):
            raise row.error("", f"expected a JSON object like {{{', '.join(keys)}}}")
        unknown = sorted(set(data) - set(keys))
        if unknown:
            raise row.error(unknown[0], f"unknown field (known: {', '.join(keys)})")
        for key in keys[1:] if required is None else required:
            if key not in data:
                raise row.error(key, "missing")
        rows.append(row)
    if not rows:
        raise PreferenceFileError(source, None, "", "empty: no rows")
    return rows


def _state(row: _Row, world: World, value, field_name: str) -> int:
    if not isinstance(value, str):
        raise row.error(field_name, f'expected a state name like "s1", got {value!r}')
    try:
        return parse_state(value, world.n_states, field_name)
    except WorldError as e:
        raise row.error(field_name, str(e).split(": ", 1)[1]) from None


def _names(row: _Row, world: World, key: str) -> tuple[int | None, list[int]]:
    """(the leading state of a completion or None, its action indices)."""
    value = row.data[key]
    if not isinstance(value, list):
        raise row.error(key, f'expected a list of action names like ["a2", "a3"], got {value!r}')
    start = None
    if value and isinstance(value[0], str) and value[0].strip().startswith("s"):
        start = _state(row, world, value[0], f"{key}[0]")
        value = value[1:]
        offset = 1
    else:
        offset = 0
    actions = []
    for i, name in enumerate(value):
        if not isinstance(name, str) or name.strip() not in ACTIONS:
            raise row.error(
                f"{key}[{i + offset}]",
                f"unknown action {name!r} (expected one of {', '.join(ACTIONS)})",
            )
        actions.append(ACTIONS.index(name.strip()))
    return start, actions


def _prompt(row: _Row, world: World, starts: dict[str, int | None]) -> int:
    """The start state: the prompt, or the state the completions begin with (all the same)."""
    prompt = _state(row, world, row.data["prompt"], "prompt") if "prompt" in row.data else None
    for key, start in starts.items():
        if start is None:
            continue
        if prompt is None:
            prompt = start
        elif start != prompt:
            raise row.error(
                f"{key}[0]",
                f"starts in {state_name(start)}, not {state_name(prompt)}: both trajectories "
                "of a pair (and its prompt) must start in the same state",
            )
    if prompt is None:
        raise row.error("prompt", 'missing (give "prompt": "s1" or begin the completions with it)')
    try:
        return check_prompt(world, prompt)
    except PreferenceError as e:
        raise row.error(e.field, str(e).split(": ", 1)[1]) from None


def _checked(row: _Row, world: World, prompt: int, actions, key: str) -> tuple[int, ...]:
    try:
        return check_completion(world, prompt, actions, key)
    except PreferenceError as e:
        raise row.error(e.field, str(e).split(": ", 1)[1]) from None


def _pair_from_row(row: _Row, world: World) -> Pair:
    chosen_start, chosen = _names(row, world, "chosen")
    rejected_start, rejected = _names(row, world, "rejected")
    prompt = _prompt(row, world, {"chosen": chosen_start, "rejected": rejected_start})
    chosen_t = _checked(row, world, prompt, chosen, "chosen")
    rejected_t = _checked(row, world, prompt, rejected, "rejected")
    if chosen_t == rejected_t:
        raise row.error("rejected", "identical to chosen: a pair needs two trajectories")
    return Pair(prompt, chosen_t, rejected_t)


def _judgement_from_row(row: _Row, world: World) -> Judgement:
    start, actions = _names(row, world, "completion")
    prompt = _prompt(row, world, {"completion": start})
    label = row.data["label"]
    if not isinstance(label, bool):
        raise row.error("label", f"expected true or false, got {label!r}")
    return Judgement(prompt, _checked(row, world, prompt, actions, "completion"), label)


# ----- labellers -----------------------------------------------------------------------------


class Labeller(Protocol):
    """Whoever labels trajectories: the synthetic return, a person in the app, a test's script.

    A trajectory here is a ``gridsim.trajectory.Trajectory`` (or, on CartPole, anything with a
    ``rewards`` array).
    """

    def compare(self, world: World | None, a, b) -> int:
        """1 when ``a`` is better, 2 when ``b`` is better, 0 to skip (a tie, or no opinion)."""
        ...

    def judge(self, world: World | None, traj, threshold: float) -> bool | None:
        """True when ``traj`` is desirable, False when not, None to skip."""
        ...


def trajectory_return(world: World | None, traj) -> float:
    """The true return a synthetic labeller compares: the layout's discounted return
    sum_t gamma^t r_t on the gridworld; the episode return sum_t r_t when ``world`` is None."""
    rewards = np.asarray(traj.rewards, dtype=np.float64)
    if world is None:
        return float(rewards.sum())
    return float(np.sum(rewards * world.gamma ** np.arange(rewards.size)))


def sigmoid(x):
    """1 / (1 + exp(-x)), without overflow."""
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


@dataclass
class ReturnLabeller:
    """Synthetic labels from the true return, by Bradley-Terry:

        P(tau_1 > tau_2) = sigma((R_1 - R_2) / temperature),

    temperature 0 (the default): the higher return wins and ties are skipped. For KTO, a
    trajectory is desirable with probability sigma((R - threshold) / temperature): at
    temperature 0, desirable above the threshold, undesirable below, skipped on it.
    """

    temperature: float = 0.0
    rng: np.random.Generator | int | None = None
    generator: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        t = self.temperature
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
            raise ValueError(f"temperature must be a number >= 0, got {t!r}")
        self.generator = (
            self.rng
            if isinstance(self.rng, np.random.Generator)
            else np.random.default_rng(self.rng)
        )

    def compare(self, world: World | None, a, b) -> int:
        ra, rb = trajectory_return(world, a), trajectory_return(world, b)
        return int(self.prefer(np.array([ra]), np.array([rb]))[0])

    def judge(self, world: World | None, traj, threshold: float) -> bool | None:
        verdict = int(self.desirable(np.array([trajectory_return(world, traj)]), threshold)[0])
        return None if verdict < 0 else bool(verdict)

    def prefer(self, returns_a: np.ndarray, returns_b: np.ndarray) -> np.ndarray:
        """``compare`` for many pairs of returns at once: int8 [N] of 1, 2 or 0 (skip)."""
        ra = np.asarray(returns_a, dtype=np.float64)
        rb = np.asarray(returns_b, dtype=np.float64)
        diff = ra - rb
        if self.temperature == 0:
            tie = np.abs(diff) <= TIE_TOL * np.maximum(1.0, np.maximum(np.abs(ra), np.abs(rb)))
            return np.where(tie, 0, np.where(diff > 0, 1, 2)).astype(np.int8)
        first = self.generator.random(diff.shape) < sigmoid(diff / self.temperature)
        return np.where(first, 1, 2).astype(np.int8)

    def desirable(self, returns: np.ndarray, threshold) -> np.ndarray:
        """``judge`` for many returns at once (threshold a number or one per return): int8 [N]
        of 1 (desirable), 0 (undesirable) or -1 (skip)."""
        r = np.asarray(returns, dtype=np.float64)
        diff = r - np.asarray(threshold, dtype=np.float64)
        if self.temperature == 0:
            tie = np.abs(diff) <= TIE_TOL * np.maximum(1.0, np.abs(r))
            return np.where(tie, -1, (diff > 0).astype(np.int8)).astype(np.int8)
        return (self.generator.random(diff.shape) < sigmoid(diff / self.temperature)).astype(
            np.int8
        )


@dataclass
class RouteLabeller:
    """A scripted person who prefers the route through the state ``via`` (temperature 0): of two
    trajectories, the higher return wins; at equal return, the one through ``via``. A preference
    the rewards do not encode: on the tutorial's world s1 -> s4 -> s5 -> s8 -> s9 beats
    s1 -> s2 -> s5 -> s8 -> s9 (the same return), but a detour through s4 that loses return
    does not beat the direct route.

    ``judge``: desirable when the trajectory passes ``via`` and its return reaches the
    threshold (e.g. the best return from its start), undesirable otherwise.
    """

    via: int
    returns: ReturnLabeller = field(default_factory=ReturnLabeller)

    def passes(self, traj) -> bool:
        return bool(np.any(np.asarray(traj.states) == self.via))

    def compare(self, world: World | None, a, b) -> int:
        by_return = self.returns.compare(world, a, b)
        if by_return:
            return by_return
        pa, pb = self.passes(a), self.passes(b)
        return 0 if pa == pb else (1 if pa else 2)

    def judge(self, world: World | None, traj, threshold: float) -> bool | None:
        r = trajectory_return(world, traj)
        return self.passes(traj) and r >= threshold - TIE_TOL * max(1.0, abs(r))


# ----- synthetic datasets --------------------------------------------------------------------


def read_preferences(path, world: World) -> tuple[list[Pair], list[Judgement]]:
    """(pairs, judgements) of a file of either kind, told apart by its first row's fields
    ("chosen": a DPO file; "completion": a KTO file)."""
    first = _rows(path, ("prompt", "chosen", "rejected", "completion", "label"), ())[0]
    if "completion" in first.data or "label" in first.data:
        return [], read_judgements(path, world)
    return read_pairs(path, world), []


def _starts(world: World, starts: str, n: int, rng: np.random.Generator) -> np.ndarray:
    cells = world.start_states() if starts == "uniform" else [world.start]
    if world.is_terminal(world.start) and starts != "uniform":
        raise PreferenceError("start", f"{state_name(world.start)} is a terminal target")
    return np.asarray(cells, dtype=np.int64)[rng.integers(len(cells), size=n)]


def _episodes(world: World, pi: np.ndarray, starts: np.ndarray, rng):
    """Trajectories of pi from each start (gridsim.trajectory.sample_walkers), one per start."""
    from gridsim.trajectory import Trajectory, sample_walkers

    states, actions, rewards, alive = sample_walkers(world, pi, starts, rng=rng)
    lengths = alive.sum(axis=1)
    return [
        Trajectory(states[i, : k + 1], actions[i, :k], rewards[i, :k])
        for i, k in enumerate(lengths)
    ]


def synthetic_pairs(
    world: World,
    pi: np.ndarray,
    n: int,
    labeller: Labeller,
    rng: np.random.Generator,
    starts: str = "uniform",
    max_draws: int | None = None,
) -> list[Pair]:
    """``n`` labelled pairs of trajectories of ``pi`` [S, 5], each pair from one start (drawn
    from every non-terminal cell, or the layout's start); skipped and identical pairs are
    drawn again, at most ``max_draws`` pairs in all (PreferenceError if that is not enough)."""
    max_draws = 100 * n + 1000 if max_draws is None else max_draws
    out: list[Pair] = []
    drawn = 0
    while len(out) < n:
        if drawn >= max_draws:
            raise PreferenceError(
                "pairs",
                f"only {len(out)} of {n} pairs found in {drawn} draws: the policy's "
                "trajectories are (nearly) all the same, or tie",
            )
        batch = min(max(2 * (n - len(out)), 64), max_draws - drawn)
        drawn += batch
        s = _starts(world, starts, batch, rng)
        first = _episodes(world, pi, s, rng)
        second = _episodes(world, pi, s, rng)
        for a, b in zip(first, second, strict=True):
            if len(out) == n or np.array_equal(a.actions, b.actions):
                continue
            pair = pair_from_trajectories(a, b, labeller.compare(world, a, b))
            if pair is not None:
                out.append(pair)
    return out


def synthetic_judgements(
    world: World,
    pi: np.ndarray,
    n: int,
    labeller: Labeller,
    rng: np.random.Generator,
    starts: str = "uniform",
    threshold: float | None = None,
    group_size: int = 8,
) -> list[Judgement]:
    """``n`` judged trajectories of ``pi``: each group of ``group_size`` shares a start and is
    judged against its median return (or ``threshold``); skipped ones are drawn again."""
    out: list[Judgement] = []
    for _ in range(100 * n + 1000):
        if len(out) >= n:
            break
        s = np.repeat(_starts(world, starts, 1, rng), group_size)
        group = _episodes(world, pi, s, rng)
        line = (
            threshold
            if threshold is not None
            else float(np.median([trajectory_return(world, t) for t in group]))
        )
        for traj in group:
            verdict = labeller.judge(world, traj, line)
            if verdict is not None and len(out) < n:
                out.append(judgement_from_trajectory(traj, verdict))
    if len(out) < n:
        raise PreferenceError("judgements", f"only {len(out)} of {n} judgements found")
    return out

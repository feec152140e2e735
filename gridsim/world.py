"""The gridworld's immutable, validated specification (the tutorial's conventions).

States are indexed from 0 in code and named s1..sN (row-major from the top-left
cell) wherever a user sees them. Actions are, in this order: a1 up, a2 right,
a3 down, a4 left, a5 stay.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields, replace

ACTIONS: tuple[str, ...] = ("a1", "a2", "a3", "a4", "a5")
ACTION_WORDS: tuple[str, ...] = ("up", "right", "down", "left", "stay")
# (row delta, column delta) for each action, in ACTIONS order.
ACTION_DELTAS: tuple[tuple[int, int], ...] = ((-1, 0), (0, 1), (1, 0), (0, -1), (0, 0))
N_ACTIONS = len(ACTIONS)

FORBIDDEN_MODES = ("enter", "wall")
MAX_SIDE = 12
MAX_HORIZON = 100_000

_STATE_NAME = re.compile(r"^s([1-9][0-9]*)$")


class WorldError(ValueError):
    """An invalid world: the message names the offending field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def state_name(index: int) -> str:
    """The user-facing name of 0-based state ``index`` (0 -> 's1')."""
    return f"s{index + 1}"


def parse_state(name: str | int, n_states: int, field_name: str = "state") -> int:
    """A 0-based index from a user-facing name such as 's5' (ints are taken as 0-based)."""
    if isinstance(name, bool):
        raise WorldError(field_name, f"expected a state name like 's1', got {name!r}")
    if isinstance(name, int):
        index = name
    elif isinstance(name, str) and (m := _STATE_NAME.match(name.strip())):
        index = int(m.group(1)) - 1
    else:
        raise WorldError(field_name, f"expected a state name like 's1', got {name!r}")
    if not 0 <= index < n_states:
        raise WorldError(
            field_name, f"{state_name(index)} is outside the grid (s1..{state_name(n_states - 1)})"
        )
    return index


def action_index(name: str) -> int:
    """The 0-based index of an action name 'a1'..'a5'."""
    try:
        return ACTIONS.index(name.strip())
    except (ValueError, AttributeError):
        raise WorldError("action", f"expected one of {', '.join(ACTIONS)}, got {name!r}") from None


@dataclass(frozen=True)
class Rewards:
    """The tutorial's four rewards: r_boundary, r_forbidden, r_target, r_other."""

    boundary: float = -1.0
    forbidden: float = -1.0
    target: float = 1.0
    other: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise WorldError(f"rewards.{f.name}", f"must be a number, got {value!r}")
            if not math.isfinite(value):
                raise WorldError(f"rewards.{f.name}", f"must be finite, got {value!r}")
            object.__setattr__(self, f.name, float(value))


@dataclass(frozen=True)
class World:
    """A rows x cols gridworld; cell sets hold 0-based state indices.

    Defaults are the tutorial's 3x3 world: forbidden s6 and s7, target s9,
    start s1, rewards -1/-1/+1/0, gamma 0.9. Construction validates every field
    and raises ``WorldError`` naming the first bad one.
    """

    rows: int = 3
    cols: int = 3
    forbidden: frozenset[int] = frozenset({5, 6})
    targets: frozenset[int] = frozenset({8})
    start: int = 0
    rewards: Rewards = field(default_factory=Rewards)
    gamma: float = 0.9
    forbidden_mode: str = "enter"
    target_terminal: bool = False
    horizon: int = 20

    def __post_init__(self) -> None:
        for name in ("rows", "cols"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise WorldError(name, f"must be a whole number, got {value!r}")
            if not 1 <= value <= MAX_SIDE:
                raise WorldError(name, f"must be between 1 and {MAX_SIDE}, got {value}")
        n = self.rows * self.cols
        object.__setattr__(self, "forbidden", self._cells("forbidden", self.forbidden, n))
        object.__setattr__(self, "targets", self._cells("targets", self.targets, n))
        if not self.targets:
            raise WorldError("targets", "the world needs at least one target cell")
        if both := self.forbidden & self.targets:
            names = ", ".join(state_name(s) for s in sorted(both))
            raise WorldError("targets", f"{names} cannot be both forbidden and a target")
        object.__setattr__(self, "start", parse_state(self.start, n, "start"))
        if not isinstance(self.rewards, Rewards):
            raise WorldError("rewards", f"must be a Rewards, got {self.rewards!r}")
        gamma = self.gamma
        if isinstance(gamma, bool) or not isinstance(gamma, int | float) or not 0 <= gamma < 1:
            raise WorldError("gamma", f"must be a number in [0, 1), got {gamma!r}")
        object.__setattr__(self, "gamma", float(gamma))
        if self.forbidden_mode not in FORBIDDEN_MODES:
            raise WorldError(
                "forbidden_mode", f"must be 'enter' or 'wall', got {self.forbidden_mode!r}"
            )
        if not isinstance(self.target_terminal, bool):
            raise WorldError(
                "target_terminal", f"must be true or false, got {self.target_terminal!r}"
            )
        h = self.horizon
        if isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= MAX_HORIZON:
            raise WorldError(
                "horizon", f"must be a whole number from 1 to {MAX_HORIZON}, got {h!r}"
            )

    @staticmethod
    def _cells(field_name: str, cells, n_states: int) -> frozenset[int]:
        if isinstance(cells, str | bytes) or not hasattr(cells, "__iter__"):
            raise WorldError(field_name, f"must be a list of states, got {cells!r}")
        return frozenset(parse_state(c, n_states, field_name) for c in cells)

    @property
    def n_states(self) -> int:
        return self.rows * self.cols

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def cell(self, state: int) -> tuple[int, int]:
        """(row, col) of a 0-based state index."""
        return divmod(state, self.cols)

    def state_at(self, row: int, col: int) -> int:
        return row * self.cols + col

    def is_terminal(self, state: int) -> bool:
        """True for a target cell when the user ticked 'episode ends at target'."""
        return self.target_terminal and state in self.targets

    def start_states(self) -> list[int]:
        """States an episode may start from: every cell but terminal targets."""
        return [s for s in range(self.n_states) if not self.is_terminal(s)]

    def with_changes(self, **changes) -> World:
        """A validated copy with some fields changed (reward keys go in ``rewards=``)."""
        return replace(self, **changes)


def default_world() -> World:
    """The tutorial's 3x3 world."""
    return World()

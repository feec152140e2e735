"""The gridworld's immutable, validated specification (the tutorial's conventions).

States are indexed from 0 in code and named s1..sN (row-major from the top-left
cell) wherever a user sees them. Actions are, in this order: a1 up, a2 right,
a3 down, a4 left, a5 stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace

from gridsim import limits
from gridsim.limits import LimitError, short_repr

ACTIONS: tuple[str, ...] = ("a1", "a2", "a3", "a4", "a5")
ACTION_WORDS: tuple[str, ...] = ("up", "right", "down", "left", "stay")
# (row delta, column delta) for each action, in ACTIONS order.
ACTION_DELTAS: tuple[tuple[int, int], ...] = ((-1, 0), (0, 1), (1, 0), (0, -1), (0, 0))
N_ACTIONS = len(ACTIONS)

FORBIDDEN_MODES = ("enter", "wall")
MAX_SIDE = int(limits.GRID_SIDE.high)
MAX_HORIZON = int(limits.HORIZON.high)
TUTORIAL_FORBIDDEN = frozenset({5, 6})
"""s6 and s7: the tutorial's forbidden cells (3x3 worlds only)."""

_STATE_NAME = re.compile(r"^s([1-9][0-9]*)$")


class WorldError(ValueError):
    """An invalid world: the message names the offending field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.reason = message


def state_name(index: int) -> str:
    """The user-facing name of 0-based state ``index`` (0 -> 's1')."""
    return f"s{index + 1}"


def parse_state(name: str | int, n_states: int, field_name: str = "state") -> int:
    """A 0-based index from a user-facing name such as 's5' (ints are taken as 0-based)."""
    if isinstance(name, bool):
        raise WorldError(field_name, f"expected a state name like 's1', got {short_repr(name)}")
    if isinstance(name, int):
        index = name
    elif isinstance(name, str) and len(name) < 16 and (m := _STATE_NAME.match(name)):
        index = int(m.group(1)) - 1
    else:
        raise WorldError(field_name, f"expected a state name like 's1', got {short_repr(name)}")
    if not 0 <= index < n_states:
        raise WorldError(
            field_name, f"{state_name(index)} is outside the grid (s1..{state_name(n_states - 1)})"
        )
    return index


def action_index(name: str) -> int:
    """The 0-based index of an action name 'a1'..'a5'."""
    try:
        return ACTIONS.index(name)
    except (ValueError, AttributeError):
        raise WorldError(
            "action", f"expected one of {', '.join(ACTIONS)}, got {short_repr(name)}"
        ) from None


@dataclass(frozen=True)
class Rewards:
    """The tutorial's four rewards: r_boundary, r_forbidden, r_target, r_other, each within
    ``limits.REWARD`` (so every value and return stays finite; see gridsim.limits)."""

    boundary: float = -1.0
    forbidden: float = -1.0
    target: float = 1.0
    other: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            name = f"rewards.{f.name}"
            object.__setattr__(self, f.name, _checked(limits.REWARD, getattr(self, f.name), name))


@dataclass(frozen=True)
class World:
    """A rows x cols gridworld; cell sets hold 0-based state indices.

    Defaults are the tutorial's 3x3 world: forbidden s6 and s7, target s9,
    start s1, rewards -1/-1/+1/0, gamma 0.9. For any other size, a cell set left out
    (None) defaults to: no forbidden cell, the last cell as the target. Construction
    validates every field (numbers against ``gridsim.limits``) and raises ``WorldError``
    naming the first bad one.
    """

    rows: int = 3
    cols: int = 3
    forbidden: frozenset[int] | None = None
    """None: s6, s7 on the tutorial's 3x3 grid (less any target), none on any other size."""
    targets: frozenset[int] | None = None
    """None: the last cell (s9 on the 3x3 grid)."""
    start: int = 0
    rewards: Rewards = field(default_factory=Rewards)
    gamma: float = 0.9
    forbidden_mode: str = "enter"
    target_terminal: bool = False
    horizon: int = 20

    def __post_init__(self) -> None:
        for name in ("rows", "cols"):
            object.__setattr__(self, name, _checked(limits.GRID_SIDE, getattr(self, name), name))
        n = self.rows * self.cols
        tutorial = (self.rows, self.cols) == (3, 3)
        if self.targets is None:
            object.__setattr__(self, "targets", frozenset({n - 1}))
        object.__setattr__(self, "targets", self._cells("targets", self.targets, n))
        if self.forbidden is None:  # the default never clashes with a target the user chose
            default = TUTORIAL_FORBIDDEN - self.targets if tutorial else frozenset()
            object.__setattr__(self, "forbidden", default)
        object.__setattr__(self, "forbidden", self._cells("forbidden", self.forbidden, n))
        if not self.targets:
            raise WorldError("targets", "the world needs at least one target cell")
        if both := self.forbidden & self.targets:
            names = ", ".join(state_name(s) for s in sorted(both))
            raise WorldError("targets", f"{names} cannot be both forbidden and a target")
        object.__setattr__(self, "start", parse_state(self.start, n, "start"))
        if not isinstance(self.rewards, Rewards):
            raise WorldError("rewards", f"must be a Rewards, got {short_repr(self.rewards)}")
        object.__setattr__(self, "gamma", _checked(limits.GAMMA, self.gamma, "gamma"))
        if not isinstance(self.forbidden_mode, str) or self.forbidden_mode not in FORBIDDEN_MODES:
            raise WorldError(
                "forbidden_mode",
                f"must be 'enter' or 'wall', got {short_repr(self.forbidden_mode)}",
            )
        if not isinstance(self.target_terminal, bool):
            raise WorldError(
                "target_terminal", f"must be true or false, got {short_repr(self.target_terminal)}"
            )
        if isinstance(self.horizon, float):  # 20.0 is a whole number, 20.5 is not
            raise WorldError("horizon", f"must be a whole number, got {short_repr(self.horizon)}")
        object.__setattr__(self, "horizon", _checked(limits.HORIZON, self.horizon, "horizon"))
        if not self.start_states():
            raise WorldError(
                "targets",
                "every cell is a target that ends the episode: no state for an episode to "
                "start in (leave a cell free, or untick target_terminal)",
            )

    @staticmethod
    def _cells(field_name: str, cells, n_states: int) -> frozenset[int]:
        if isinstance(cells, str | bytes | dict) or not hasattr(cells, "__iter__"):
            raise WorldError(field_name, f"must be a list of states, got {short_repr(cells)}")
        out: set[int] = set()
        for c in cells:
            state = parse_state(c, n_states, field_name)
            if state in out and not isinstance(cells, set | frozenset):
                raise WorldError(field_name, f"{state_name(state)} is listed twice")
            out.add(state)
        return frozenset(out)

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


def _checked(limit: limits.Limit, value, field_name: str):
    """``limits.check`` with its LimitError as a WorldError naming the same field."""
    try:
        return limits.check(limit, value, field_name)
    except LimitError as e:
        raise WorldError(field_name, e.reason) from None


def default_world() -> World:
    """The tutorial's 3x3 world."""
    return World()

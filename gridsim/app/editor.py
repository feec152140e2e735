"""Editing a world and a hand policy without pixels: tools on cells, sizes, numeric fields.

Every function returns a new, validated ``World`` (or raises ``EditError`` with a
one-line message for the user); the caller keeps the old world on error, so an
edit is either applied whole or not at all.
"""

from __future__ import annotations

import numpy as np

from gridsim import limits
from gridsim.world import N_ACTIONS, Rewards, World, WorldError

TOOLS: tuple[str, ...] = ("forbidden", "target", "start", "clear")
MIN_SIDE, MAX_EDIT_SIDE = int(limits.EDIT_SIDE.low), int(limits.EDIT_SIDE.high)

# Numeric fields the user can type: name -> (world attribute, reward attribute or None).
NUMBER_FIELDS: dict[str, tuple[str, str | None]] = {
    "r_boundary": ("rewards", "boundary"),
    "r_forbidden": ("rewards", "forbidden"),
    "r_target": ("rewards", "target"),
    "r_other": ("rewards", "other"),
    "gamma": ("gamma", None),
    "horizon": ("horizon", None),
}


# The documented range of each box (gridsim.limits: the same as layout files and flags).
FIELD_LIMITS: dict[str, limits.Limit] = {
    "r_boundary": limits.REWARD,
    "r_forbidden": limits.REWARD,
    "r_target": limits.REWARD,
    "r_other": limits.REWARD,
    "gamma": limits.GAMMA,
    "horizon": limits.HORIZON,
}


class EditError(ValueError):
    """An edit that was refused; str() is the message in English.

    A refused box keeps its old value: ``field``, ``reason`` and ``kept`` say which box,
    why (English, one of gridsim.limits' phrasings) and the value it keeps, so the app can
    show the message in the user's language (``gridsim.app.i18n.translate_message``).
    """

    def __init__(self, message: str, *, field: str = "", reason: str = "", kept: str = ""):
        super().__init__(message)
        self.field, self.reason, self.kept = field, reason, kept


def refused(field: str, reason: str, kept: str) -> EditError:
    """The EditError of a box whose value was refused: 'gamma: must be ...; kept 0.9'."""
    return EditError(f"{field}: {reason}; kept {kept}", field=field, reason=reason, kept=kept)


def apply_tool(world: World, tool: str, state: int) -> World:
    """The world after clicking cell ``state`` (0-based) with ``tool``.

    forbidden / target toggle the cell (a cell is never both); start moves the start;
    clear makes the cell ordinary. Removing the last target is refused.
    """
    forbidden, targets = set(world.forbidden), set(world.targets)
    if tool == "forbidden":
        if state in forbidden:
            forbidden.discard(state)
        else:
            forbidden.add(state)
            targets.discard(state)
    elif tool == "target":
        if state in targets:
            targets.discard(state)
        else:
            targets.add(state)
            forbidden.discard(state)
    elif tool == "start":
        return _changed(world, start=state)
    elif tool == "clear":
        forbidden.discard(state)
        targets.discard(state)
    else:
        raise EditError(f"unknown tool {tool!r}")
    return _changed(world, forbidden=frozenset(forbidden), targets=frozenset(targets))


def resize(world: World, rows: int, cols: int) -> World:
    """The world on a rows x cols grid: cells keep their (row, col); what falls off is dropped.

    If no target survives, the bottom-right cell becomes the target; the start is
    clamped into the grid.
    """
    if not (MIN_SIDE <= rows <= MAX_EDIT_SIDE and MIN_SIDE <= cols <= MAX_EDIT_SIDE):
        raise EditError(
            f"grid size must be from {MIN_SIDE}x{MIN_SIDE} to {MAX_EDIT_SIDE}x{MAX_EDIT_SIDE}"
        )

    def moved(cells):
        out = set()
        for s in cells:
            r, c = world.cell(s)
            if r < rows and c < cols:
                out.add(r * cols + c)
        return out

    forbidden, targets = moved(world.forbidden), moved(world.targets)
    if not targets:
        corner = rows * cols - 1
        targets = {corner}
        forbidden.discard(corner)
    r, c = world.cell(world.start)
    start = min(r, rows - 1) * cols + min(c, cols - 1)
    return _changed(
        world,
        rows=rows,
        cols=cols,
        forbidden=frozenset(forbidden),
        targets=frozenset(targets),
        start=start,
    )


def field_text(world: World, name: str) -> str:
    """The current value of a numeric field as the user sees it in its text box."""
    attr, reward = NUMBER_FIELDS[name]
    value = getattr(world.rewards, reward) if reward else getattr(world, attr)
    return f"{value:g}" if isinstance(value, float) else str(value)


def apply_field(world: World, name: str, text: str) -> World:
    """The world with numeric field ``name`` set from the user's ``text``, or EditError
    (naming the box, the range from gridsim.limits and the value kept)."""
    if name not in NUMBER_FIELDS:
        raise EditError(f"unknown field {name!r}")
    attr, reward = NUMBER_FIELDS[name]
    kept = field_text(world, name)
    try:
        number = limits.parse(FIELD_LIMITS[name], text, name)
    except limits.LimitError as e:
        raise refused(name, e.reason, kept) from None
    try:
        if reward:
            r = world.rewards
            values = {k: getattr(r, k) for k in ("boundary", "forbidden", "target", "other")}
            values[reward] = number
            return world.with_changes(rewards=Rewards(**values))
        return world.with_changes(**{attr: number})
    except WorldError as e:
        raise refused(name, e.reason, kept) from None


def _changed(world: World, label: str | None = None, **changes) -> World:
    try:
        return world.with_changes(**changes)
    except WorldError as e:
        field = label or e.field
        raise EditError(f"{field}: {e.reason}", field=field, reason=e.reason) from None


def same_shape(a: World, b: World) -> bool:
    """True when a policy for ``a`` fits ``b`` (same number of rows and columns)."""
    return a.shape == b.shape


# --- hand policy ----------------------------------------------------------------------


def action_at(dx: float, dy: float, stay_radius: float = 0.18) -> int:
    """The action whose part of a cell holds the point (dx, dy), relative to the cell's
    centre in cell widths (-0.5..0.5, y down): the middle is a5 stay, else the nearest side."""
    if max(abs(dx), abs(dy)) < stay_radius:
        return 4
    if abs(dy) >= abs(dx):
        return 0 if dy < 0 else 2
    return 1 if dx > 0 else 3


def hand_policy(actions) -> np.ndarray:
    """The deterministic pi[S, A] of a hand-set action per state."""
    actions = np.asarray(actions, dtype=np.int64)
    pi = np.zeros((actions.size, N_ACTIONS))
    pi[np.arange(actions.size), actions] = 1.0
    return pi


def with_hand_action(actions: tuple[int, ...], state: int, action: int) -> tuple[int, ...]:
    """The hand policy with ``state``'s action set to ``action``."""
    if not 0 <= action < N_ACTIONS:
        raise EditError(f"no action a{action + 1}")
    out = list(actions)
    out[state] = action
    return tuple(out)


def set_options(world: World, **changes) -> World:
    """The world with options changed (forbidden_mode=..., target_terminal=...), or EditError."""
    return _changed(world, **changes)

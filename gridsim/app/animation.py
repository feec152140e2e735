"""How far a trajectory's drawing has got: it grows step by step, holds, then starts over."""

from __future__ import annotations


class Animation:
    """``steps`` (fractional) revealed of a ``length``-step trajectory, growing at
    ``steps_per_second``, then held for ``hold_seconds`` before it starts over."""

    def __init__(self, length: int, steps_per_second: float, hold_seconds: float):
        self.length = length
        self.steps_per_second = steps_per_second
        self.hold_seconds = hold_seconds
        self.steps = 0.0
        self.hold = 0.0

    def update(self, dt: float) -> bool:
        """Advance by ``dt`` seconds; True when it has just started over."""
        if self.steps < self.length:
            self.steps = min(self.length, self.steps + dt * self.steps_per_second)
            return False
        self.hold += dt
        if self.hold >= self.hold_seconds:
            self.steps, self.hold = 0.0, 0.0
            return True
        return False

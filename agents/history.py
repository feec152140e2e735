"""The per-update mean returns of a run of any length, in bounded memory, for plotting.

The app's gridworld trains for as long as the window is open (hundreds of updates a
second), and every snapshot carries the curve: a list that grew by one float per update
made each snapshot, its copy and its pickle slower and larger without end. Here every
point is the mean over ``stride`` consecutive updates; when the points reach twice the
capacity, neighbours are merged in pairs and the stride doubles, so the curve always
spans the whole run in at most ``2 * capacity`` points.
"""

from __future__ import annotations

import math


class ReturnHistory:
    """Mean return per update, downsampled by averaging; ``last`` is the newest update's."""

    def __init__(self, capacity: int = 1000):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.stride = 1
        """Updates per point (a power of two)."""
        self.updates = 0
        self.last = math.nan
        # Per point: the sum and the number of finite values (an update in which no episode
        # ended has a nan mean and does not count), so merging two points stays exact.
        self._sums: list[float] = []
        self._counts: list[int] = []
        self._pending_sum = 0.0
        self._pending_count = 0
        self._pending_updates = 0

    def append(self, mean_return: float) -> None:
        """Record one update's mean return (nan when no episode ended in it)."""
        self.updates += 1
        self.last = float(mean_return)
        if math.isfinite(self.last):
            self._pending_sum += self.last
            self._pending_count += 1
        self._pending_updates += 1
        if self._pending_updates == self.stride:
            self._sums.append(self._pending_sum)
            self._counts.append(self._pending_count)
            self._pending_sum, self._pending_count, self._pending_updates = 0.0, 0, 0
            if len(self._sums) == 2 * self.capacity:
                self._merge_pairs()

    def values(self) -> tuple[float, ...]:
        """One mean per ``stride`` updates, oldest first; the last point may cover fewer
        updates (those since the last full point). nan where no episode ended."""
        out = [s / c if c else math.nan for s, c in zip(self._sums, self._counts, strict=True)]
        if self._pending_updates:
            c = self._pending_count
            out.append(self._pending_sum / c if c else math.nan)
        return tuple(out)

    def _merge_pairs(self) -> None:
        s, c = self._sums, self._counts
        self._sums = [s[i] + s[i + 1] for i in range(0, len(s), 2)]
        self._counts = [c[i] + c[i + 1] for i in range(0, len(c), 2)]
        self.stride *= 2

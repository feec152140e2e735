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

    # ----- files (agents.checkpoint saves a run's curve with its agent) -----
    def state(self) -> dict:
        """Plain values that ``from_state`` turns back into this history."""
        return {
            "capacity": self.capacity,
            "stride": self.stride,
            "updates": self.updates,
            "last": self.last,
            "sums": list(self._sums),
            "counts": list(self._counts),
            "pending": [self._pending_sum, self._pending_count, self._pending_updates],
        }

    @classmethod
    def from_state(cls, state: dict) -> ReturnHistory:
        """The history ``state()`` described; ValueError when it does not hold together."""
        try:
            history = cls(int(state["capacity"]))
            history.stride = int(state["stride"])
            history.updates = int(state["updates"])
            history.last = float(state["last"])
            history._sums = [float(x) for x in state["sums"]]
            history._counts = [int(x) for x in state["counts"]]
            pending_sum, pending_count, pending_updates = state["pending"]
            history._pending_sum = float(pending_sum)
            history._pending_count = int(pending_count)
            history._pending_updates = int(pending_updates)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"bad returns history ({e})") from None
        points = len(history._sums)
        if (
            history.stride < 1
            or history.stride & (history.stride - 1)
            or points != len(history._counts)
            or points >= 2 * history.capacity
            or not 0 <= history._pending_updates < history.stride
            or history.updates != points * history.stride + history._pending_updates
        ):
            raise ValueError("bad returns history (its counts do not add up)")
        return history


class MetricHistory:
    """Several per-update metrics downsampled together, by ReturnHistory's rule (each point
    the mean over ``stride`` updates of the finite values; pairs merge when the points
    reach twice the capacity), with the env steps at the end of every point: the curves
    of the app's plot selector, in bounded memory whatever the run's length."""

    def __init__(self, names: tuple[str, ...], capacity: int = 500):
        import numpy as np

        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.names = tuple(names)
        self.capacity = capacity
        self.stride = 1
        self.updates = 0
        k = len(self.names)
        self._sums = np.zeros((2 * capacity + 1, k))
        self._counts = np.zeros((2 * capacity + 1, k), dtype=np.int64)
        self._steps = np.zeros(2 * capacity + 1, dtype=np.int64)
        self._points = 0  # full points; row ``_points`` is the one filling up
        self._pending_updates = 0

    def append(self, env_steps: int, values: dict[str, float]) -> None:
        """Record one update's metrics (missing or nan ones do not count) and env steps."""
        self.updates += 1
        row = self._points
        for k, name in enumerate(self.names):
            x = values.get(name)
            if x is not None and math.isfinite(x):
                self._sums[row, k] += x
                self._counts[row, k] += 1
        self._steps[row] = env_steps
        self._pending_updates += 1
        if self._pending_updates == self.stride:
            self._points += 1
            self._pending_updates = 0
            if self._points == 2 * self.capacity:
                self._merge_pairs()

    def series(self):
        """A frozen gridsim.inspection.MetricSeries of every point so far (values float32)."""
        import numpy as np

        from gridsim.inspection import MetricSeries

        n = self._points + (1 if self._pending_updates else 0)
        s, c = self._sums[:n], self._counts[:n]
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(c > 0, s / np.maximum(c, 1), np.nan).T.astype(np.float32)
        env_steps = self._steps[:n].copy()
        values.setflags(write=False)
        env_steps.setflags(write=False)
        return MetricSeries(self.names, values, env_steps, self.stride, self.updates)

    def _merge_pairs(self) -> None:
        n, k = self._points, len(self.names)
        half = n // 2
        self._sums[:half] = self._sums[:n].reshape(half, 2, k).sum(axis=1)
        self._counts[:half] = self._counts[:n].reshape(half, 2, k).sum(axis=1)
        self._steps[:half] = self._steps[1:n:2]
        self._sums[half:] = 0.0
        self._counts[half:] = 0
        self._steps[half:] = 0
        self._points = half
        self.stride *= 2

    # ----- files (agents.checkpoint saves a run's metric curves with its agent) -----
    def state(self) -> dict:
        """Plain values and numpy arrays that ``from_state`` turns back into this history."""
        n = self._points + 1
        return {
            "names": list(self.names),
            "capacity": self.capacity,
            "stride": self.stride,
            "updates": self.updates,
            "points": self._points,
            "pending_updates": self._pending_updates,
            "sums": self._sums[:n].copy(),
            "counts": self._counts[:n].copy(),
            "steps": self._steps[:n].copy(),
        }

    @classmethod
    def from_state(cls, state: dict) -> MetricHistory:
        """The history ``state()`` described; ValueError when it does not hold together."""
        import numpy as np

        try:
            history = cls(tuple(str(x) for x in state["names"]), int(state["capacity"]))
            stride, points = int(state["stride"]), int(state["points"])
            pending, updates = int(state["pending_updates"]), int(state["updates"])
            sums = np.asarray(state["sums"], dtype=np.float64)
            counts = np.asarray(state["counts"], dtype=np.int64)
            steps = np.asarray(state["steps"], dtype=np.int64)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"bad metric history ({e})") from None
        k = len(history.names)
        if (
            stride < 1
            or stride & (stride - 1)
            or not 0 <= points < 2 * history.capacity
            or not 0 <= pending < stride
            or updates != points * stride + pending
            or sums.shape != (points + 1, k)
            or counts.shape != sums.shape
            or steps.shape != (points + 1,)
        ):
            raise ValueError("bad metric history (its counts do not add up)")
        history.stride, history.updates = stride, updates
        history._points, history._pending_updates = points, pending
        history._sums[: points + 1] = sums
        history._counts[: points + 1] = counts
        history._steps[: points + 1] = steps
        return history

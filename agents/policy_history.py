"""The policy as it was at past updates, in bounded memory: what the timeline scrubs through.

Early updates are where a policy changes most (the arrows of a 3x3 world settle within a
few dozen updates), so the first ``early`` updates are all kept. After them, the same idea
as the returns curve (agents.history): update u is kept when u is a multiple of
``stride``; when more than ``late`` such entries pile up the stride doubles and every
other one goes, so a run of any length is covered evenly in at most ``early + late``
entries. Both numbers shrink when one entry is big (a wide CartPole MLP), so the whole
history never holds more than ``max_bytes``.

An entry is the policy's arrays as float32: on the gridworld (pi[S, A],), on CartPole the
MLP's (W0, b0, W1, b1, ...) in agents.numpy_policy's layout. Torch-free: the snapshot's
``timeline`` field (``Timeline``) crosses the process boundary with one entry in it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

EARLY = 32
"""Updates 1..EARLY are all kept (fewer when entries are big; see ``max_bytes``)."""
LATE = 96
"""At most this many evenly spaced entries after the early ones."""
MAX_BYTES = 4 << 20
"""The whole history's arrays stay under 4 MiB (about 230 entries of a 64x64 CartPole MLP)."""
MIN_ENTRIES = 16


@dataclass(frozen=True, eq=False)
class PolicyAt:
    """The policy after update ``update``: ``pi`` [S, A] (gridworld) or ``weights`` (CartPole),
    read-only float32 arrays."""

    update: int
    pi: np.ndarray | None = None
    weights: tuple[np.ndarray, ...] | None = None


@dataclass(frozen=True, eq=False)
class Timeline:
    """What the UI needs to scrub: the updates kept (oldest first) and the entry it asked for.

    ``shown`` is None while the UI shows the live policy (``Trainer.show_update(None)``).
    """

    updates: tuple[int, ...]
    shown: PolicyAt | None = None

    @property
    def first(self) -> int:
        return self.updates[0] if self.updates else 0


class PolicyHistory:
    """Kept policies by update. ``append`` from the training thread, ``at`` from any thread."""

    def __init__(self, early: int = EARLY, late: int = LATE, max_bytes: int = MAX_BYTES):
        if early < 0 or late < 2:
            raise ValueError(f"need early >= 0 and late >= 2, got {early}, {late}")
        self.early = early
        self.late = late
        self.max_bytes = max_bytes
        self.stride = 1
        """Later entries are kept at updates that are multiples of this (a power of two)."""
        self._entries: dict[int, tuple[np.ndarray, ...]] = {}
        self._updates: tuple[int, ...] = ()
        self._sized = False
        self._lock = threading.Lock()

    # ----- recording -----
    def append(self, update: int, arrays) -> None:
        """Record the policy after ``update`` (arrays are copied as float32), if it is kept."""
        update = int(update)
        if not self._sized:
            self._fit_to_size(arrays)
        if update <= self.early or update % self.stride == 0:
            frozen = tuple(_frozen(a) for a in arrays)
            with self._lock:
                self._entries[update] = frozen
                if self._late_count() > self.late:
                    self.stride *= 2
                    for u in [u for u in self._entries if u > self.early and u % self.stride]:
                        del self._entries[u]
                self._updates = tuple(sorted(self._entries))

    def _fit_to_size(self, arrays) -> None:
        """Shrink early/late so that early + late entries of this size fit in max_bytes."""
        self._sized = True
        entry = sum(np.asarray(a).size for a in arrays) * 4
        most = max(MIN_ENTRIES, self.max_bytes // max(entry, 1))
        if self.early + self.late > most:
            scale = most / (self.early + self.late)
            self.early = int(self.early * scale)
            self.late = max(2, most - self.early)

    def _late_count(self) -> int:
        return sum(1 for u in self._entries if u > self.early)

    # ----- reading -----
    @property
    def updates(self) -> tuple[int, ...]:
        """The updates kept, oldest first."""
        return self._updates

    def __len__(self) -> int:
        return len(self._updates)

    def at(self, update: int) -> PolicyAt | None:
        """The kept entry nearest to ``update`` (the earlier one on a tie); None when empty."""
        with self._lock:
            kept = self._updates
            if not kept:
                return None
            i = int(np.searchsorted(kept, update))
            candidates = [kept[j] for j in (i - 1, i) if 0 <= j < len(kept)]
            u = min(candidates, key=lambda k: (abs(k - update), k))
            arrays = self._entries[u]
        if len(arrays) == 1:  # a pi table; an MLP has (W0, b0, ...), an even count
            return PolicyAt(u, pi=arrays[0])
        return PolicyAt(u, weights=arrays)

    def timeline(self, shown: int | None = None) -> Timeline:
        """The Timeline to publish: the kept updates, and the entry nearest ``shown``."""
        return Timeline(self._updates, None if shown is None else self.at(shown))

    # ----- files (agents.checkpoint turns these numpy arrays into tensors) -----
    def state(self) -> dict:
        """Plain values: {"early", "late", "stride", "updates": [...], "layers": [array[K, ...]]}
        with one stacked array per policy array (pi, or each W and b)."""
        with self._lock:
            kept = self._updates
            width = len(self._entries[kept[0]]) if kept else 0
            layers = [np.stack([self._entries[u][i] for u in kept]) for i in range(width)]
        return {
            "early": self.early,
            "late": self.late,
            "stride": self.stride,
            "updates": list(kept),
            "layers": layers,
        }

    @classmethod
    def from_state(cls, state: dict, max_bytes: int = MAX_BYTES) -> PolicyHistory:
        """The history ``state()`` described; ValueError when it does not hold together."""
        try:
            early, late, stride = int(state["early"]), int(state["late"]), int(state["stride"])
            updates = [int(u) for u in state["updates"]]
            layers = [np.asarray(layer, dtype=np.float32) for layer in state["layers"]]
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"bad policy history ({e})") from None
        if stride < 1 or stride & (stride - 1) or early < 0 or late < 2:
            raise ValueError("bad policy history (early, late or stride)")
        if updates != sorted(set(updates)) or any(u < 1 for u in updates):
            raise ValueError("bad policy history (updates must increase)")
        if updates and (not layers or any(layer.shape[0] != len(updates) for layer in layers)):
            raise ValueError("bad policy history (one entry per update)")
        if len(updates) > early + late + 1 or sum(layer.nbytes for layer in layers) > max_bytes:
            raise ValueError("bad policy history (more entries than its limits allow)")
        history = cls(early, late, max_bytes)
        history.stride = stride
        history._sized = True
        history._entries = {
            u: tuple(_frozen(layer[k]) for layer in layers) for k, u in enumerate(updates)
        }
        history._updates = tuple(updates)
        return history


def _frozen(array) -> np.ndarray:
    out = np.array(array, dtype=np.float32, copy=True)
    out.setflags(write=False)
    return out

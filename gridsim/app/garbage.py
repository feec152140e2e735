"""Full garbage collections after user input, at most one every ``min_interval`` seconds.

pygame_gui's text layouts and many of its widgets are reference cycles, and they hold
surfaces whose pixels are C memory the garbage collector does not count. The old layout
of a relabelled box, a closed file dialog or drop-down list therefore waited minutes for
a full collection (60 s of soak left 868 text layouts, 70 buttons and 27 containers as
cyclic garbage): a 5-minute soak of random input grew by 66 MB, by 8 MB with a full
collection every 10 s (bench/soak_app.py --seed 1). Input is what rebuilds widgets, so
after input the app collects, rate-limited, since a full collection takes 20-50 ms.
"""

from __future__ import annotations

import gc
import time


class Collector:
    """``note_input()`` when the user acts; ``maybe_collect()`` once a frame."""

    def __init__(self, min_interval: float = 2.0, clock=time.perf_counter):
        self.min_interval = min_interval
        self.clock = clock
        self.due = False
        self.last = clock()
        self.collections = 0

    def note_input(self) -> None:
        self.due = True

    def maybe_collect(self) -> bool:
        """Collect if input came since the last collection and ``min_interval`` has passed."""
        now = self.clock()
        if not self.due or now - self.last < self.min_interval:
            return False
        gc.collect()
        self.due, self.last = False, self.clock()
        self.collections += 1
        return True

"""A comparison as the window shows it: status, the return plot with IQM bands, the fraction
solved, and the table — filled in live while the runs train in worker processes.

Used by the Compare tab and by the chapter-3 learning-curves demo. The runs and the
statistics happen elsewhere (``gridsim.compare.live``: worker processes and a monitor
thread); each frame this panel reads the latest ``LiveView`` and redraws its plots only
when the numbers changed. A click on a curve (or its legend entry) shows that algorithm's
runs as thin lines.

The panel keeps its worker pool from one comparison to the next, and the Compare tab warms
it (``warm()``) as soon as it is shown: the workers' start-up is paid while the user picks,
not after Run, so a comparison of 3x3 runs (0.1-0.6 s each) takes about its runs' time
over the cores.
"""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pygame

from gridsim.app.draw import style
from gridsim.app.draw.bands import draw_returns, draw_solved, draw_table, shown_points, table_height
from gridsim.app.i18n import language, t, translate_message
from gridsim.compare.live import LiveComparison, LiveView
from gridsim.compare.pool import LocalPool, available_cores

POOL_VARIABLE = "GRIDSIM_COMPARE_POOL"
"""Set to "fake" (the tests do), comparisons run on ``gridsim.compare.testing.FakeRunPool``."""
CLICK_PIXELS = 14
"""A click this close (vertically) to an algorithm's line picks it."""
STATUS_HEIGHT = 40
WORKER_NICE = 10
"""The workers' niceness: the window keeps its frame rate while they train."""
CLOSE_WAIT_S = 5.0
"""Closing waits at most this long for a pool still being made (only when the window is
closed within seconds of opening the Compare tab: the fork server's first import)."""


class CompareController:
    """What the App asks of every scene's ``panel.controller``: ``pause`` on a tab switch (the
    runs go on in their niced workers) and ``request_stop`` when the window closes."""

    trainer = None

    def __init__(self, panel: ComparisonPanel):
        self.panel = panel

    def status(self) -> str:
        live = self.panel.live
        return "running" if live is not None and live.latest().status == "running" else "idle"

    def pause(self) -> None:
        pass

    def request_stop(self):
        """The comparison to stop (it has ``stop(timeout)``), or None."""
        return self.panel.live

    def close(self, timeout: float = 0.5) -> None:
        self.panel.stop()


class ComparisonPanel:
    """Status line, plots and table in ``rect``; ``start(settings)`` runs a comparison."""

    def __init__(self, pool_factory=None, workers: int | None = None):
        self.pool_factory = pool_factory
        self.workers = workers
        self.live: LiveComparison | None = None
        self.pool = None
        """The worker pool, kept from one comparison to the next (None: not made yet, or
        killed by Stop)."""
        self.controller = CompareController(self)
        self.chosen: str | None = None
        self.rect = pygame.Rect(0, 0, 400, 300)
        self.error = ""
        self.status_text_rect: pygame.Rect | None = None  # no tooltip covers it (App)
        self._key = None
        self._surface: pygame.Surface | None = None
        self._axes = None
        self._legend: dict[str, pygame.Rect] = {}

    # --- running ------------------------------------------------------------------------
    def warm(self) -> None:
        """Start the worker processes now, if none are (they warm up in the background)."""
        if self.pool is not None:
            return
        factory = self.pool_factory
        if factory is None and os.environ.get(POOL_VARIABLE) == "fake":
            from gridsim.compare.testing import FakeRunPool as factory
        workers = self.workers or available_cores()
        try:
            if factory is None:  # made on a thread: the window never waits for the fork server
                self.pool = LocalPool(workers, nice=WORKER_NICE, wait=False)
            else:
                self.pool = factory(workers, nice=WORKER_NICE)
        except OSError as e:  # no processes to be had
            self.error = t("could not start the runs: {e}", e=str(e))

    def start(self, settings, root=None) -> None:
        """Stop what runs, then train every (algorithm, seed) of ``settings``. The pool is
        reused only after a comparison that finished (a failed one stopped its pool)."""
        self.stop()
        if self.live is not None and self.live.latest().status != "finished":
            self._drop_pool()
        self.warm()
        if self.pool is None:
            return
        self.live = LiveComparison(settings, self.pool, root)
        self.chosen = None
        try:
            self.live.start()
        except OSError as e:  # the folder could not be made
            self.error = t("could not start the runs: {e}", e=str(e))
            self.live = None
            return
        self.error = ""

    def stop(self, timeout: float = 1.0) -> None:
        """Kill the runs in flight; their workers go with them (a pool cannot cancel a run),
        so the next ``warm()`` or ``start()`` makes new ones."""
        if self.live is not None and self.live.active:
            self.live.stop(timeout)
            self.pool = None

    @property
    def view(self) -> LiveView | None:
        return None if self.live is None else self.live.latest()

    def running(self) -> bool:
        return self.controller.status() == "running"

    def relabel(self) -> None:
        self._key = None

    def close(self) -> None:
        """The window closes (or the demo is left): stop the runs and end the workers."""
        self.stop()
        self._drop_pool(wait_s=CLOSE_WAIT_S)

    def _drop_pool(self, wait_s: float = 0.0) -> None:
        """Kill the pool's workers; with ``wait_s``, first give a pool still being made
        that long to be made, so none of its workers starts after the window has gone."""
        pool, self.pool = self.pool, None
        if pool is None:
            return
        pool.stop()
        if wait_s and hasattr(pool, "wait_made"):
            pool.wait_made(wait_s)

    # --- layout and input ---------------------------------------------------------------------
    def layout(self, rect: pygame.Rect) -> None:
        self.rect = pygame.Rect(rect)
        self._key = None

    def _rects(self, n_algos: int):
        r = self.rect
        table_h = table_height(max(n_algos, 1))
        plots_h = max(120, r.height - STATUS_HEIGHT - table_h - 8)
        top = r.y + STATUS_HEIGHT
        returns_w = int(r.width * 0.68)
        returns = pygame.Rect(r.x, top, returns_w, plots_h)
        solved = pygame.Rect(r.x + returns_w + 8, top, r.width - returns_w - 8, plots_h)
        table = pygame.Rect(r.x, returns.bottom + 8, r.width, table_h)
        return returns, solved, table

    def handle_click(self, pos) -> bool:
        """Pick the algorithm whose line (or legend entry) is under ``pos``; a click on the
        chosen one, or away from every line, shows all algorithms again."""
        view = self.view
        if view is None or not view.bands:
            return False
        returns, _, _ = self._rects(len(view.bands))
        if not returns.collidepoint(pos):
            return False
        picked = next((a for a, box in self._legend.items() if box.collidepoint(pos)), None)
        if picked is None and self._axes is not None and self._axes.plot.collidepoint(pos):
            picked = self._nearest_line(view, pos)
        self.chosen = None if picked == self.chosen else picked
        self._key = None
        return True

    def _nearest_line(self, view: LiveView, pos) -> str | None:
        axes = self._axes
        count = shown_points(view.grid, view.x_max)
        if not count:
            return None
        x = (pos[0] - axes.plot.x) / axes.plot.width * axes.x_hi
        i = int(np.clip(np.searchsorted(view.grid[:count], x), 0, count - 1))
        best, best_d = None, CLICK_PIXELS
        for b in view.bands:
            if np.isfinite(b.line[i]):
                d = abs(float(axes.sy(b.line[i])) - pos[1])
                if d <= best_d:
                    best, best_d = b.algo, d
        return best

    # --- drawing -------------------------------------------------------------------------------
    def status_line(self) -> tuple[str, tuple]:
        view = self.view
        if self.error:
            return self.error, style.ERROR
        if view is None:
            return t("Pick algorithms, the world, seeds and a budget, then press Run."), style.MUTED
        if view.status == "failed":
            return translate_message(view.message), style.ERROR
        seconds = f"{view.elapsed_s:.0f}"
        if view.status == "running":
            if view.message and not view.done and not view.running:
                return t("starting {n} worker processes…", n=self.live.workers), style.MUTED
            if view.message:
                return translate_message(view.message), style.MUTED
            return (
                t(
                    "running: {done}/{total} runs done, {running} training · {s} s",
                    done=view.done,
                    total=view.total,
                    running=view.running,
                    s=seconds,
                ),
                style.TEXT,
            )
        if view.status == "stopped":
            return t("stopped: {done}/{total} runs done", done=view.done, total=view.total), (
                style.MUTED
            )
        return (
            t("finished: {done} runs in {s} s", done=view.done, s=seconds)
            + (" · " + t("{n} failed", n=view.failed) if view.failed else ""),
            style.OK if not view.failed else style.ERROR,
        )

    def draw(self, surface: pygame.Surface) -> None:
        r = self.rect
        text, color = self.status_line()
        self.status_text_rect = style.blit_text(surface, text, (r.x, r.y + 2), 14, color, bold=True)
        view = self.view
        if view is not None:
            where = t("results: {path}", path=str(view.root))
            style.blit_text(surface, where, (r.x, r.y + 21), 11, style.MUTED)
        n = len(view.bands) if view is not None and view.bands else 0
        returns, solved, table = self._rects(n)
        area = returns.union(solved).union(table)
        key = (
            None if view is None else view.version,
            self.chosen,
            area.size,
            language(),
        )
        if key != self._key or self._surface is None:
            self._key = key
            self._surface = style.canvas(self._surface, area.size)
            self._surface.fill(style.BACKGROUND)
            shift = (-area.x, -area.y)
            grid = view.grid if view is not None else np.array([1.0])
            bands = view.bands if view is not None else ()
            x_max = view.x_max if view is not None else 0.0
            reference, label = (None, "") if view is None else (view.reference, "")
            if reference is not None:
                name = "optimal policy: {x}" if view.settings.env == "gridworld" else "solved: {x}"
                label = t(name, x=f"{reference:.4g}")
            # n = the runs the curve is made of (finished ones, and those in flight)
            runs = {b.algo: int(b.n.max(initial=0)) for b in bands}
            self._axes, legend = draw_returns(
                self._surface,
                returns.move(shift),
                grid,
                bands,
                x_max,
                reference,
                label,
                self.chosen,
                runs,
            )
            if self._axes is not None:  # drawn on the cache: back to window coordinates
                self._axes = replace(self._axes, plot=self._axes.plot.move(area.topleft))
            self._legend = {a: box.move(area.topleft) for a, box in legend.items()}
            draw_solved(self._surface, solved.move(shift), grid, bands, x_max, self.chosen)
            summaries = view.summaries if view is not None else ()
            draw_table(self._surface, table.move(shift), summaries, self.chosen)
        surface.blit(self._surface, area.topleft)

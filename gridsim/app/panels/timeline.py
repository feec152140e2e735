"""The timeline under the returns plot: drag it back to see the policy as it was at a past
update; let go and the view is live again.

The trainer keeps the policy of past updates (agents.policy_history: every update early
on, evenly thinned later); the timeline asks it for the one nearest the mouse
(``TrainingController.show_update``) and the answer comes back in the snapshot
(``Snapshot.timeline.shown``). The scene then draws that policy instead of the live one:
the arrows, V^π and a trajectory on the gridworld, the display pole on CartPole.

The track lines up with the plot's x axis (update 1 at its left edge, the newest update at
its right), so the marker drawn on the plot stands above the point of the curve that
belongs to the policy shown. Drawn by hand rather than with a pygame_gui slider: it must
share the plot's axis, show which updates are kept, and know when the mouse is released.
"""

from __future__ import annotations

import pygame

from gridsim.app.draw import style
from gridsim.app.i18n import t

HEIGHT = 36
"""Pixels below the plot: the track and one line of text."""
TRACK = (196, 202, 214)
KEPT = (150, 158, 176)
HANDLE = style.START


class Timeline:
    """Press on the track to scrub; ``shown(snapshot)`` is the past policy to draw, if any."""

    def __init__(self, controller):
        self.controller = controller
        self.rect = pygame.Rect(0, 0, 0, 0)
        """Where the timeline is drawn (track and text)."""
        self.axis = (0, 1)
        """The track's x range: the plot's x axis, from update 1 to the newest."""
        self.scrubbing = False
        self.asked: int | None = None
        self._latest = 0

    # --- geometry ------------------------------------------------------------------------
    def place(self, rect: pygame.Rect, axis: tuple[int, int]) -> None:
        self.rect = pygame.Rect(rect)
        self.axis = axis

    def x_of(self, update: int, latest: int) -> float:
        """The x of ``update`` on a run of ``latest`` updates (1 at the left end)."""
        x0, x1 = self.axis
        return x0 + (update - 1) / max(1, latest - 1) * (x1 - x0)

    def update_at(self, x: float, latest: int) -> int:
        """The update under pixel column ``x`` (1..latest)."""
        x0, x1 = self.axis
        frac = min(1.0, max(0.0, (x - x0) / max(1, x1 - x0)))
        return 1 + round(frac * max(0, latest - 1))

    # --- events --------------------------------------------------------------------------
    def handle_event(self, event, snapshot) -> bool:
        """Press / drag / release on the track; True when the event was the timeline's."""
        latest = getattr(snapshot, "update", 0) if snapshot is not None else 0
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if latest < 2 or not self.rect.collidepoint(event.pos):
                return False
            self.scrubbing = True
            self._latest = latest
            self._ask(self.update_at(event.pos[0], latest))
            return True
        if event.type == pygame.MOUSEMOTION and self.scrubbing:
            self._ask(self.update_at(event.pos[0], self._latest))
            return True
        if event.type == pygame.MOUSEBUTTONUP and event.button == 1 and self.scrubbing:
            self.release()
            return True
        return False

    def _ask(self, update: int) -> None:
        if update != self.asked:
            self.asked = update
            self.controller.show_update(update)

    def release(self) -> None:
        """Back to the live policy."""
        self.scrubbing = False
        self.asked = None
        self.controller.show_update(None)

    # --- reading -------------------------------------------------------------------------
    def shown(self, snapshot):
        """The past policy (agents.policy_history.PolicyAt) to draw while scrubbing, else None."""
        if not self.scrubbing or snapshot is None:
            return None
        timeline = getattr(snapshot, "timeline", None)
        return timeline.shown if timeline is not None else None

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface, snapshot) -> None:
        r = self.rect
        if r.height < HEIGHT - 4 or snapshot is None:
            return
        latest = snapshot.update
        timeline = getattr(snapshot, "timeline", None)
        kept = timeline.updates if timeline is not None else ()
        y = r.y + 8
        x0, x1 = self.axis
        pygame.draw.line(surface, TRACK, (x0, y), (x1, y), 4)
        if latest >= 2:
            if self.scrubbing:
                latest = self._latest
            for u in kept:  # which updates can be shown: light ticks
                if u <= latest:
                    x = round(self.x_of(u, latest))
                    pygame.draw.line(surface, KEPT, (x, y - 4), (x, y + 4))
        shown = self.shown(snapshot)
        if shown is not None:
            x = self.x_of(shown.update, latest)
            text = t(
                "update {u} of {n}: the policy as it was then (let go: live)",
                u=shown.update,
                n=latest,
            )
            color = HANDLE
        else:
            x = x1
            text = (
                t("live · drag back along the timeline to see a past update")
                if latest >= 2 and kept
                else t("timeline: the past updates appear here as training goes on")
            )
            color = style.MUTED
        pygame.draw.circle(surface, color if shown is not None else KEPT, (round(x), y), 7)
        pygame.draw.circle(surface, style.CELL, (round(x), y), 3)
        line = style.wrap(text, 12, r.width)[0]
        style.blit_text(surface, line, (r.x, y + 10), 12, color)

    def draw_marker(self, surface: pygame.Surface, plot: pygame.Rect, snapshot) -> None:
        """A vertical line on the plot at the update shown (while scrubbing)."""
        shown = self.shown(snapshot)
        if shown is None:
            return
        x = round(self.x_of(shown.update, self._latest))
        pygame.draw.line(surface, HANDLE, (x, plot.y + 22), (x, plot.bottom - 20), 2)

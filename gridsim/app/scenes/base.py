"""What every scene offers the App: events in, time passes, draw, and clean up."""

from __future__ import annotations

import pygame

TOP_BAR = 44


class Scene:
    """A tab of the app. Widgets are created once in ``__init__``; ``show``/``hide`` on tab
    switches; ``layout(size)`` after a resize."""

    title = "Scene"

    def handle_event(self, event: pygame.event.Event) -> None:  # pragma: no cover - interface
        pass

    def update(self, dt: float) -> None:  # pragma: no cover - interface
        pass

    def draw(self, surface: pygame.Surface) -> None:  # pragma: no cover - interface
        pass

    def layout(self, size: tuple[int, int]) -> None:  # pragma: no cover - interface
        pass

    def show(self) -> None:  # pragma: no cover - interface
        pass

    def hide(self) -> None:  # pragma: no cover - interface
        pass

    def close(self) -> None:  # pragma: no cover - interface
        pass

    def keep_clear(self) -> list[pygame.Rect]:
        """Screen rectangles of messages no tooltip may cover (see widgets.keep_tooltips_off):
        the scene's own message and its training panel's status lines."""
        rects = [getattr(self, "message_rect", None)]
        panel = getattr(self, "panel", None)
        rects.append(getattr(panel, "status_text_rect", None))
        return [r for r in rects if r is not None]

    def record_rects(self, with_plot: bool) -> list[pygame.Rect]:
        """The parts of the window a recording shows, side by side: the central view (and,
        when asked and there is one, the returns plot)."""
        return [self.center_rect]


class ColumnsScene(Scene):
    """A scene with a left column of widgets (``self.left``) and a training panel."""

    def show(self) -> None:
        self.left.container.show()
        self.panel.show()

    def hide(self) -> None:
        self.left.container.hide()
        self.panel.hide()

    def record_rects(self, with_plot: bool) -> list[pygame.Rect]:
        plot = getattr(self.panel, "plot_rect", None)
        return [self.center_rect] + ([plot] if with_plot and plot is not None else [])

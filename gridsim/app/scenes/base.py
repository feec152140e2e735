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


class ColumnsScene(Scene):
    """A scene with a left column of widgets (``self.left``) and a training panel."""

    def show(self) -> None:
        self.left.container.show()
        self.panel.show()

    def hide(self) -> None:
        self.left.container.hide()
        self.panel.hide()

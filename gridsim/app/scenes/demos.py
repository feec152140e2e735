"""The Demos scene: the tutorial's demos listed by chapter; a click loads one, starts it and
shows its caption (what to look at, which formula it illustrates) above its view."""

from __future__ import annotations

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UILabel

from gridsim.app.demos import preferences as preference_demos
from gridsim.app.demos.concepts import (
    CompareView,
    DiscountView,
    StatesActionsView,
    StochasticView,
    TrajectoryView,
)
from gridsim.app.demos.curves import LearningCurvesView
from gridsim.app.demos.training import CartPoleTrainingView, GridTrainingView, GrpoView
from gridsim.app.demos.values import RewardsView, ValuesView
from gridsim.app.demos.variance import VarianceView
from gridsim.app.demos.view import DemoView
from gridsim.app.draw import style
from gridsim.app.i18n import t
from gridsim.app.scenes.base import TOP_BAR, Scene
from gridsim.demos import CHAPTERS, DEMOS, Demo, demo_by_key, demos_by_chapter

LIST_WIDTH = 270
CAPTION_HEIGHT = 112
VIEWS: dict[str, type[DemoView]] = {
    "states_actions": StatesActionsView,
    "trajectory": TrajectoryView,
    "stochastic": StochasticView,
    "compare": CompareView,
    "discount": DiscountView,
    "values": ValuesView,
    "grid_training": GridTrainingView,
    "variance": VarianceView,
    "curves": LearningCurvesView,
    "cartpole_training": CartPoleTrainingView,
    "grpo": GrpoView,
    "rewards": RewardsView,
    **preference_demos.VIEWS,
}


def button_text(demo: Demo) -> str:
    """The list entry of a demo, in English (the catalog has its translation)."""
    return f"{demo.number}. {demo.title}"


class DemosScene(Scene):
    """A tab of the app. ``factory`` builds trainers (tests pass a fake one)."""

    title = "Demos"

    def __init__(self, manager, size, factory=None, demo: str | None = None):
        self.manager = manager
        self.factory = factory
        self.view: DemoView | None = None
        self.demo: Demo | None = None
        self.visible = True
        self.headings: list[UILabel] = []
        self.buttons: dict[str, UIButton] = {}
        for chapter, demos in demos_by_chapter().items():
            self.headings.append(
                UILabel(
                    pygame.Rect(10, 0, LIST_WIDTH - 20, 22),
                    CHAPTERS[chapter],
                    manager,
                    object_id="#heading",
                )
            )
            for d in demos:
                self.buttons[d.key] = UIButton(
                    pygame.Rect(10, 0, LIST_WIDTH - 20, 30),
                    button_text(d),
                    manager,
                    tool_tip_text=d.title,
                    object_id="#demo_item",
                )
        self.layout(size)
        self.load(demo or DEMOS[0].key)

    # --- the App's interface ------------------------------------------------------------
    @property
    def panel(self):
        """The current demo's training panel (an idle stand-in when it trains nothing)."""
        return self.view.panel if self.view is not None else DemoView.panel

    def _place_list(self, height: int) -> None:
        """Chapter headings and demo buttons top to bottom, rows as tall as fit in ``height``
        (32 pixels a row, down to 26 when a short window would otherwise cut the list)."""
        chapters = demos_by_chapter()
        n_demos = sum(len(d) for d in chapters.values())
        room = height - 8 - len(chapters) * 30
        row = max(26, min(32, room // max(1, n_demos)))
        y = TOP_BAR + 8
        for heading, demos in zip(self.headings, chapters.values(), strict=True):
            heading.set_relative_position((10, y))
            y += 24
            for d in demos:
                self.buttons[d.key].set_relative_position((10, y))
                self.buttons[d.key].set_dimensions((LIST_WIDTH - 20, row - 2))
                y += row
            y += 6

    def layout(self, size) -> None:
        w, h = size
        self.size = (w, h)
        self._place_list(h - TOP_BAR)
        self.list_rect = pygame.Rect(0, TOP_BAR, LIST_WIDTH, h - TOP_BAR)
        self.center_rect = pygame.Rect(LIST_WIDTH, TOP_BAR, w - LIST_WIDTH, h - TOP_BAR)
        self.caption_rect = pygame.Rect(
            LIST_WIDTH + 16, TOP_BAR + 8, w - LIST_WIDTH - 32, CAPTION_HEIGHT
        )
        self.view_rect = pygame.Rect(
            LIST_WIDTH + 10,
            TOP_BAR + CAPTION_HEIGHT + 12,
            w - LIST_WIDTH - 20,
            h - TOP_BAR - CAPTION_HEIGHT - 20,
        )
        if self.view is not None:
            self.view.layout(self.view_rect)

    def show(self) -> None:
        self.visible = True
        for e in (*self.headings, *self.buttons.values()):
            e.show()
        if self.view is not None:
            self.view.show()

    def hide(self) -> None:
        self.visible = False
        for e in (*self.headings, *self.buttons.values()):
            e.hide()
        if self.view is not None:
            self.view.hide()

    def close(self) -> None:
        if self.view is not None:
            self.view.close()
            self.view = None

    # --- demos ---------------------------------------------------------------------------
    def load(self, key: str) -> DemoView:
        """Stop the current demo and start ``key`` (a name or a number such as '10a')."""
        demo = demo_by_key(key)
        if self.view is not None:
            self.view.close()
        if self.demo is not None:
            self.buttons[self.demo.key].unselect()
        self.demo = demo
        self.buttons[demo.key].select()
        self.view = VIEWS[demo.view](demo, self.manager, self.factory)
        self.view.layout(self.view_rect)
        if not self.visible:
            self.view.hide()
        return self.view

    def handle_event(self, event) -> None:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            for key, button in self.buttons.items():
                if event.ui_element is button:
                    self.load(key)
                    return
        if self.view is not None:
            self.view.handle_event(event)

    def update(self, dt: float) -> None:
        if self.view is not None:
            self.view.update(dt)

    def caption_lines(self) -> list[str]:
        """The current demo's caption in the current language, wrapped to the caption box."""
        return [
            line
            for part in t(self.demo.caption).split("\n")
            for line in style.wrap(part, 15, self.caption_rect.width)
        ]

    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(style.BACKGROUND, self.center_rect)
        surface.fill(style.PANEL, self.list_rect)
        pygame.draw.line(
            surface, style.PANEL_EDGE, self.list_rect.topright, self.list_rect.bottomright
        )
        r = self.caption_rect
        box = r.inflate(12, 4)
        surface.fill((255, 252, 235), box)
        pygame.draw.rect(surface, (230, 200, 120), box, 1, border_radius=4)
        head = f"{self.demo.number}. {t(self.demo.title)}"
        style.blit_text(surface, head, (r.x, r.y + 2), 19, style.TEXT, bold=True)
        style.blit_lines(surface, self.caption_lines()[:4], (r.x, r.y + 30), 15, style.TEXT, gap=5)
        if self.view is not None:
            self.view.draw(surface)

    def readout(self) -> dict:
        """What the current demo shows, as numbers and text (for tests and --headless)."""
        return self.view.readout() if self.view is not None else {}

"""Demo 8b: what the gradient variance of demo 8 does to learning — simple_pg (weights R(τ)),
rtg_pg (reward-to-go) and vpg (reward-to-go minus a learned baseline), 10 seeds each on the
tutorial's world, their learning curves filled in live as the runs train in worker processes."""

from __future__ import annotations

import pygame
import pygame_gui

from gridsim.app.demos.view import DemoView, demo_world
from gridsim.app.panels.comparison import ComparisonPanel
from gridsim.compare.runs import CompareSettings

ALGOS = ("simple_pg", "rtg_pg", "vpg")
SEEDS = 10
BUDGET = 2_000_000  # train's default on the gridworld; runs stop when solved


class LearningCurvesView(DemoView):
    """The Compare tab's panel, preset with the chapter-3 question; starts on load."""

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.world = demo_world(demo)
        self.panel = ComparisonPanel()
        self.toggle = None
        self.start()

    def settings(self) -> CompareSettings:
        return CompareSettings(
            env="gridworld", max_steps=BUDGET, world=self.world, algos=ALGOS, seeds=SEEDS
        )

    def start(self) -> None:
        self.panel.start(self.settings())

    def layout(self, rect):
        super().layout(rect)
        button = pygame.Rect(rect.right - 130, rect.y, 130, 30)
        if self.toggle is None:
            self.toggle = self.button("Stop", button, tip="stop the runs, or run them again")
        else:
            self.toggle.set_relative_position(button.topleft)
        self.panel.layout(pygame.Rect(rect.x, rect.y, rect.width, rect.height))

    def update(self, dt):
        text = "Stop" if self.panel.running() else "Run again"
        if self.toggle.text != text:
            self.toggle.set_text(text)

    def handle_event(self, event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.toggle:
            self.panel.stop() if self.panel.running() else self.start()
            return True
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            return self.panel.handle_click(event.pos)
        return False

    def draw(self, surface):
        self.panel.draw(surface)

    def readout(self) -> dict:
        view = self.panel.view
        if view is None:
            return {}
        return {
            "status": view.status,
            "done": view.done,
            "total": view.total,
            "algos": [b.algo for b in view.bands],
        }

    def close(self) -> None:
        self.panel.close()
        super().close()

"""The Compare tab: several algorithms x many seeds on the gridworld or CartPole, their
learning curves filled in live (IQM line, 95% bootstrap band), the fraction solved, and
summary.md's table — ``python main.py compare`` in the window.

The runs train in worker processes (the same pool as the CLI's, niced so the window keeps
its frame rate); this scene only picks what to compare and arranges the panel.
"""

from __future__ import annotations

from dataclasses import replace

import pygame
import pygame_gui

from gridsim import limits
from gridsim.app.draw import style
from gridsim.app.i18n import t, translate_message
from gridsim.app.panels.comparison import ComparisonPanel
from gridsim.app.scenes.base import TOP_BAR, Scene
from gridsim.app.trainer_link import algorithms
from gridsim.app.widgets import Column, is_checked, labelled_entry
from gridsim.compare.palette import algo_color
from gridsim.compare.runs import CompareSettings

LEFT_WIDTH = 270
DEFAULT_ALGOS = ("simple_pg", "rtg_pg", "vpg")
DEFAULT_SEEDS = 10
DEFAULT_BUDGET = {"cartpole": 500_000, "gridworld": 2_000_000}  # train's defaults
MAX_SEEDS = min(100, int(limits.SEEDS_PER_ALGORITHM.high))
"""The tab's cap on seeds: gridsim.limits' range, narrowed to what a live plot can show."""
MAX_BUDGET = min(100_000_000, int(limits.MAX_STEPS.high))
"""The tab's cap on the step budget: gridsim.limits' range, narrowed to a session's worth."""


class CompareScene(Scene):
    """Left: what to compare and Run / Stop. Right: the ``ComparisonPanel``.

    ``world_source()`` gives the Gridworld tab's current world (read when Run is pressed);
    ``pool_factory`` replaces the worker pool (tests).
    """

    title = "Compare"

    def __init__(self, manager, size, world_source=None, pool_factory=None):
        from gridsim.world import default_world

        self.manager = manager
        self.world_source = world_source or default_world
        self.env = "gridworld"
        self.message = ""
        self.message_rect: pygame.Rect | None = None
        self.panel = ComparisonPanel(pool_factory)
        self._build_left()
        self.layout(size)

    def _build_left(self) -> None:
        col = Column(self.manager, pygame.Rect(0, TOP_BAR, LEFT_WIDTH, 640))
        self.left = col
        col.heading("Algorithms")
        self.algo_boxes = {}
        for algo in algorithms():
            self.algo_boxes[algo] = col.checkbox(algo, checked=algo in DEFAULT_ALGOS)
            col.next_row(25)
        col.skip(6)
        col.heading("World")
        half = (col.width - 4) // 2
        self.world_buttons = {
            "gridworld": col.button(
                "Gridworld", 0, half, tip="the world of the Gridworld tab, as it is now"
            ),
            "cartpole": col.button("CartPole", half + 4, half, tip="CartPole-v1"),
        }
        self.world_buttons[self.env].select()
        col.next_row(34)
        self.world_note_y = TOP_BAR + col.y
        col.skip(22)
        self.seeds = labelled_entry(
            col, "seeds", 0, 92, 70, str(DEFAULT_SEEDS), tip="runs per algorithm (1 to 100)"
        )
        col.next_row()
        self.budget = labelled_entry(
            col,
            "env steps",
            0,
            92,
            col.width - 94,
            "",
            tip="env-step budget of each run (empty: train's default); runs stop when solved",
            placeholder="(default)",
        )
        col.next_row(38)
        self.run = col.button("Run", 0, half, tip="train every algorithm with every seed · Space")
        self.pause = col.button(
            "Stop", half + 4, half, tip="stop the runs (finished ones are kept) · Space"
        )
        col.next_row(40)
        self.help_y = TOP_BAR + col.y
        self.pause.disable()  # nothing runs yet
        # the App's Space key presses panel.run / panel.pause, as on the other tabs
        self.panel.run, self.panel.pause = self.run, self.pause

    # --- the App's interface ------------------------------------------------------------------
    def layout(self, size) -> None:
        w, h = size
        self.size = (w, h)
        self.left_rect = pygame.Rect(0, TOP_BAR, LEFT_WIDTH, h - TOP_BAR)
        self.center_rect = pygame.Rect(LEFT_WIDTH, TOP_BAR, w - LEFT_WIDTH, h - TOP_BAR)
        self.panel.layout(self.center_rect.inflate(-24, -20))

    def show(self) -> None:
        self.left.container.show()
        self.panel.warm()  # the workers start while the user picks what to compare

    def hide(self) -> None:
        self.left.container.hide()

    def close(self) -> None:
        self.panel.close()

    # --- events -------------------------------------------------------------------------------
    def handle_event(self, event) -> None:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.run:
                self.start()
            elif event.ui_element is self.pause:
                self.panel.stop()
            for env, button in self.world_buttons.items():
                if event.ui_element is button:
                    self.choose_env(env)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.panel.handle_click(event.pos)

    def choose_env(self, env: str) -> None:
        self.env = env
        for name, button in self.world_buttons.items():
            button.select() if name == env else button.unselect()

    def settings(self) -> CompareSettings:
        """What the boxes say, checked; ValueError with a one-line message otherwise."""
        algos = tuple(a for a, box in self.algo_boxes.items() if is_checked(box))
        if not algos:
            raise ValueError(t("pick at least one algorithm"))
        seeds = _whole(self.seeds.get_text(), t("seeds"), 1, MAX_SEEDS)
        text = self.budget.get_text().strip().replace(",", "").replace("_", "")
        budget = _whole(text, t("env steps"), 1, MAX_BUDGET) if text else DEFAULT_BUDGET[self.env]
        world = self.world_source() if self.env == "gridworld" else None
        return CompareSettings(
            env=self.env, max_steps=budget, world=world, algos=algos, seeds=seeds
        )

    def start(self) -> None:
        try:
            settings = self.settings()
        except ValueError as e:
            self.message = str(e)
            return
        self.message = ""
        self.panel.start(settings)

    def update(self, dt: float) -> None:
        running = self.panel.running()
        if running == self.run.is_enabled:  # Run while idle, Stop while running
            (self.run.disable if running else self.run.enable)()
            (self.pause.enable if running else self.pause.disable)()

    # --- drawing ------------------------------------------------------------------------------
    def draw(self, surface) -> None:
        surface.fill(style.BACKGROUND, self.center_rect)
        surface.fill(style.PANEL, self.left_rect)
        pygame.draw.line(
            surface, style.PANEL_EDGE, self.left_rect.topright, self.left_rect.bottomright
        )
        for algo, box in self.algo_boxes.items():  # each algorithm's colour in the plots
            y = box.rect.centery
            pygame.draw.line(
                surface, algo_color(algo), (LEFT_WIDTH - 40, y), (LEFT_WIDTH - 14, y), 4
            )
        if self.env == "gridworld":
            w = self.world_source()
            note = t("{r}x{c} world from the Gridworld tab", r=w.rows, c=w.cols)
        else:
            note = t("CartPole-v1: solved at a mean return of 475")
        style.blit_text(surface, note, (12, self.world_note_y), 12, style.MUTED)
        y = self.help_y
        self.message_rect = None  # no tooltip covers it (App)
        if self.message:
            for line in style.wrap(self.message, 13, LEFT_WIDTH - 24):
                box = style.blit_text(surface, line, (12, y), 13, style.ERROR)
                self.message_rect = box.union(self.message_rect or box)
                y += 18
            y += 6
        help_text = t(
            "Each run trains exactly as `python main.py train` does, in a worker process, "
            "seeds 0 to N-1. The thick line is the IQM (mean of the middle half of the runs), "
            "the band its 95% bootstrap interval. Click a curve to see its runs."
        )
        for line in style.wrap(help_text, 12, LEFT_WIDTH - 24):
            style.blit_text(surface, line, (12, y), 12, style.MUTED)
            y += 17
        self.panel.draw(surface)


def _whole(text: str, name: str, low: int, high: int) -> int:
    """A whole number in [low, high] typed in a box (checked and worded like every number,
    by gridsim.limits); ValueError with the line in the user's language."""
    limit = replace(limits.COUNT, low=low, high=high)
    try:
        return limits.parse(limit, text, name)
    except limits.LimitError as e:
        raise ValueError(
            t("{field}: {reason!s}", field=name, reason=translate_message(e.reason))
        ) from None

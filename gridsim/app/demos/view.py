"""What every demo view offers the Demos scene, and the small helpers they share.

A view owns the part of the window below the caption: it creates its widgets (with
English text, so pygame_gui re-labels them when the language changes), draws every
frame, and kills its widgets in ``close``. ``readout()`` returns the numbers it shows,
so tests can check a demo "shows what it claims" without reading pixels.
"""

from __future__ import annotations

import numpy as np
import pygame
from pygame_gui.elements import UIButton

from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import style
from gridsim.demos import Demo
from gridsim.layout import load_layout, shipped_layout
from gridsim.world import N_ACTIONS, World


class IdleController:
    """Stands in for a TrainingController when a demo trains nothing (the App pauses and
    stops ``scene.panel.controller`` on tab switches and on close)."""

    trainer = None

    def pause(self) -> None:
        pass

    def request_stop(self):
        return None

    def close(self, timeout: float = 0.5) -> None:
        pass


class IdlePanel:
    controller = IdleController()

    def relabel(self) -> None:
        pass


class DemoView:
    """Base class: no widgets, nothing drawn."""

    panel = IdlePanel()

    def __init__(self, demo: Demo, manager, factory=None, seed: int = 0):
        self.demo = demo
        self.manager = manager
        self.factory = factory
        self.rng = np.random.default_rng(seed)
        self.widgets: list = []
        self.rect = pygame.Rect(0, 0, 100, 100)

    def button(self, text: str, rect: pygame.Rect, tip: str | None = None) -> UIButton:
        """A button labelled in English (pygame_gui translates it), killed on close."""
        b = UIButton(rect, text, self.manager, tool_tip_text=tip)
        self.widgets.append(b)
        return b

    def layout(self, rect: pygame.Rect) -> None:
        self.rect = pygame.Rect(rect)

    def handle_event(self, event) -> bool:
        return False

    def update(self, dt: float) -> None:
        pass

    def draw(self, surface: pygame.Surface) -> None:
        pass

    def readout(self) -> dict:
        return {}

    def show(self) -> None:
        for w in self.widgets:
            w.show()

    def hide(self) -> None:
        for w in self.widgets:
            w.hide()

    def close(self) -> None:
        for w in self.widgets:
            w.kill()
        self.widgets.clear()


def demo_world(demo: Demo) -> World:
    """The demo's layout, loaded from the shipped layouts."""
    return load_layout(shipped_layout(demo.layout or "tutorial_3x3"))


def deterministic(actions) -> np.ndarray:
    """pi[S, A] with probability 1 on each state's action."""
    pi = np.zeros((len(actions), N_ACTIONS))
    pi[np.arange(len(actions)), list(actions)] = 1.0
    return pi


def with_rows(pi: np.ndarray, rows) -> np.ndarray:
    """A copy of pi[S, A] with some rows replaced: rows = ((state, (p1..p5)), ...)."""
    pi = np.array(pi, dtype=np.float64)
    for s, probs in rows:
        pi[s] = probs
    return pi


def fit_grid(area: pygame.Rect, world: World, max_cell: int = 150) -> draw_grid.GridGeometry:
    """The grid's geometry centred in ``area``, cells at most ``max_cell`` pixels."""
    geo = draw_grid.GridGeometry.fit(area, world.rows, world.cols)
    if geo.cell > max_cell:
        w, h = max_cell * world.cols, max_cell * world.rows
        geo = draw_grid.GridGeometry(
            area.x + (area.width - w) // 2, area.y + (area.height - h) // 2, max_cell, *world.shape
        )
    return geo


def draw_board(surface, geo, world: World, pi=None, optimal=None, values=None) -> None:
    """The world as the tutorial draws it, with the policy's arrows, optional optimal arrows
    (``optimal``: tuple of action tuples) and optional V numbers ((v[S], prefix, colour))."""
    draw_grid.draw_fills(surface, geo, world)
    draw_grid.draw_marks(surface, geo, world)
    if optimal is not None:
        draw_grid.draw_optimal(surface, geo, world, optimal)
    if pi is not None:
        draw_grid.draw_policy(surface, geo, world, pi)
    if values is not None:
        v, prefix, color = values
        draw_grid.draw_values(surface, geo, world, v, prefix, color, "left")


def panel_box(surface, rect: pygame.Rect) -> None:
    """A white box with a thin frame, behind a plot or a readout."""
    surface.fill(style.CELL, rect)
    pygame.draw.rect(surface, style.PANEL_EDGE, rect, 1)

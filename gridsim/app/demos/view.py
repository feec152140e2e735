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

from gridsim.app.draw import board as paint
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import style
from gridsim.app.i18n import language
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


_PICTURES = paint.PictureCache(12)
_TAGS = paint.PictureCache(12)


def draw_board(
    surface,
    geo,
    world: World,
    pi=None,
    optimal=None,
    values=None,
    *,
    action_values=None,
    traj=None,
    steps=None,
    faint=(),
) -> paint.BoardPicture:
    """The world as the tutorial draws it, with the policy's arrows, optional optimal arrows
    (``optimal``: tuple of action tuples), optional V numbers ((v[S], name, colour)), an
    optional action-value table ``action_values[S, A]``, optionally a trajectory ``traj``
    walked up to ``steps`` (default: all of it) with its reward tags and the agent, and
    earlier trajectories ``faint`` as pale paths. Pictures and tags are cached: drawing the
    same board again costs two blits."""
    v, prefix, color = values if values is not None else (None, "", None)
    optimal = None if optimal is None else tuple(tuple(int(a) for a in acts) for acts in optimal)
    key = (
        geo.cell,
        geo.rows,
        geo.cols,
        world,
        paint.array_key(pi),
        optimal,
        paint.array_key(v),
        prefix,
        color,
        paint.array_key(action_values),
        language(),
    )

    def make(previous):
        return paint.paint_board(
            geo,
            world,
            pi=pi,
            best=optimal,
            v_pi=v,
            action_values=action_values,
            previous=previous,
            v_label=(prefix, color),
        )

    picture = _PICTURES.get(key, make)
    surface.blit(picture.base, geo.rect.topleft)
    for old in faint:
        draw_grid.draw_path(surface, geo, old, len(old), faint=True)
    if traj is not None:
        draw_grid.draw_path(surface, geo, traj, len(traj) if steps is None else steps)
    surface.blit(picture.text, geo.rect.topleft)
    if traj is not None:
        draw_trajectory_marks(surface, picture, geo, traj, steps)
    return picture


def draw_trajectory_marks(surface, picture, geo, traj, steps=None) -> list:
    """``traj``'s reward tags (placed around ``picture``'s labels) and the agent; the tags'
    boxes on screen."""
    steps = len(traj) if steps is None else steps
    tags = _TAGS.get(
        (id(traj), id(picture)), lambda _: (traj, picture, paint.place_tags(picture, traj))
    )[2]
    boxes = paint.draw_tags(surface, tags, traj, steps, geo.rect.topleft)
    draw_grid.draw_agent(surface, geo, traj, steps)
    return boxes


def panel_box(surface, rect: pygame.Rect) -> None:
    """A white box with a thin frame, behind a plot or a readout."""
    surface.fill(style.CELL, rect)
    pygame.draw.rect(surface, style.PANEL_EDGE, rect, 1)

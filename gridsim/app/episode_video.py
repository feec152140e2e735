"""One episode of a saved agent drawn frame by frame into a GIF or MP4 (``eval --render-gif``).

Off screen: the frames are drawn onto a plain surface with the app's own drawing helpers
(the board as the tutorial draws it; the cart and pole) and written by the recorder's
VideoWriter, under a temporary name until complete.
"""

from __future__ import annotations

import os

import numpy as np

STEPS_PER_SECOND = 3
"""Gridworld: steps shown per second (each step is one frame, a person can follow it)."""
CARTPOLE_FPS = 25
"""CartPole runs at 50 steps a second; every second step is a frame: real speed at 25 fps."""
HOLD_FRAMES = 6
"""Frames the first and the last picture are held, so a looping GIF has a visible start."""


def _pygame():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    pygame.font.init()
    return pygame


def _saved(writer) -> str:
    from gridsim.app.recorder import size_text

    w, h = writer.size
    return (
        f"saved {writer.path} ({writer.frames} frames, {w}x{h}, "
        f"{size_text(writer.path.stat().st_size)})"
    )


def write_grid_episode(path, world, pi: np.ndarray, traj, cell: int | None = None) -> str:
    """The board with the policy's arrows, the episode's path growing step by step, each
    step's reward, and the return so far underneath; one line saying what was written.
    Cells are 100 px, smaller on big worlds (the board stays within about 640 px)."""
    cell = cell or max(40, min(100, 640 // max(world.rows, world.cols)))
    pygame = _pygame()
    from gridsim.app.demos.view import draw_board
    from gridsim.app.draw import grid as draw_grid
    from gridsim.app.draw import style
    from gridsim.app.draw.formulas import prefix, return_equation
    from gridsim.app.recorder import VideoWriter

    pad, text_h = 12, 34
    geo = draw_grid.GridGeometry(pad, pad, cell, world.rows, world.cols)
    width = (world.cols * cell + 2 * pad) // 2 * 2
    height = (world.rows * cell + 2 * pad + text_h) // 2 * 2
    surface = pygame.Surface((width, height))
    writer = VideoWriter(path, STEPS_PER_SECOND)
    try:
        for k in range(len(traj) + 1):
            surface.fill(style.CELL)
            draw_board(surface, geo, world, pi, traj=traj, steps=k)
            line = return_equation(prefix(traj, k))
            style.blit_text(surface, line, (pad, geo.rect.bottom + 8), 15, style.TEXT)
            frame = pygame.surfarray.array3d(surface).swapaxes(0, 1)
            hold = HOLD_FRAMES if k in (0, len(traj)) else 1
            writer.append(np.ascontiguousarray(frame), hold)
        writer.finish()
    except BaseException:
        writer.cancel()
        raise
    return _saved(writer)


def write_cartpole_episode(path, observations: np.ndarray) -> str:
    """The cart and pole at each (second) step of one episode, with the step count."""
    pygame = _pygame()
    from gridsim.app.draw import style
    from gridsim.app.draw.cartpole import draw_cartpole
    from gridsim.app.recorder import VideoWriter

    surface = pygame.Surface((600, 300))
    rect = pygame.Rect(10, 40, 580, 250)
    writer = VideoWriter(path, CARTPOLE_FPS)
    last = len(observations) - 1
    try:
        for k in range(0, len(observations), 2):
            surface.fill(style.CELL)
            draw_cartpole(surface, rect, observations[k], 2.4, 0.5)
            style.blit_text(surface, f"step {k} / {last}", (14, 10), 16, style.TEXT, bold=True)
            frame = pygame.surfarray.array3d(surface).swapaxes(0, 1)
            hold = HOLD_FRAMES if k in (0, last - last % 2) else 1
            writer.append(np.ascontiguousarray(frame), hold)
        writer.finish()
    except BaseException:
        writer.cancel()
        raise
    return _saved(writer)

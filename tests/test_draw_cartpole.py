"""CartPole as drawn by the app: the pole at its angle, with anti-aliased edges."""

import math

import numpy as np
import pygame

from gridsim.app.draw import style
from gridsim.app.draw.cartpole import draw_cartpole, pole_corners


def test_the_pole_leans_right_for_a_positive_angle():
    corners = pole_corners((100, 200), 80, 10, math.radians(20))
    top = (corners[1][0] + corners[2][0]) / 2
    assert top > 100 + 80 * math.sin(math.radians(20)) - 1


def test_the_tilted_pole_has_smooth_edges():
    pygame.display.init()
    surface = pygame.Surface((400, 300))
    rect = surface.get_rect()
    draw_cartpole(surface, rect, np.array([0.0, 0.0, 0.15, 0.0]), 2.4, 0.5)
    pixels = pygame.surfarray.array3d(surface).reshape(-1, 3).astype(int)
    pole, white = np.array(style.POLE), np.array(style.CELL)
    # edge pixels: blends between the pole's colour and the white background
    t = (pixels - white) @ (pole - white) / float((pole - white) @ (pole - white))
    on_segment = np.linalg.norm(pixels - (white + np.outer(t, pole - white)), axis=1) < 6
    blends = on_segment & (t > 0.15) & (t < 0.85)
    assert blends.sum() >= 20  # a jagged (aliased) pole has none

"""Drawing CartPole ourselves (never Gymnasium's pygame renderer): track, cart, pole, and
the pi(left)/pi(right) bar."""

from __future__ import annotations

import math

import pygame

from gridsim.app.draw import style
from gridsim.app.i18n import t


def draw_cartpole(surface, rect: pygame.Rect, obs, x_threshold: float, half_length: float) -> None:
    """The cart at obs[0] metres, the pole at obs[2] radians from vertical, in ``rect``."""
    surface.fill(style.CELL, rect)
    pygame.draw.rect(surface, style.PANEL_EDGE, rect, 1)
    world_width = 2 * x_threshold * 1.15
    scale = rect.width / world_width
    track_y = rect.y + rect.height * 0.72
    cx = rect.centerx + float(obs[0]) * scale
    # track and its limits
    pygame.draw.line(surface, style.TRACK, (rect.x + 10, track_y), (rect.right - 10, track_y), 3)
    for side in (-1, 1):
        x = rect.centerx + side * x_threshold * scale
        pygame.draw.line(surface, style.ERROR, (x, track_y - 14), (x, track_y + 14), 3)
    pygame.draw.line(
        surface, style.MUTED, (rect.centerx, track_y + 6), (rect.centerx, track_y + 16), 1
    )
    cart_w, cart_h = max(40, 0.5 * scale), max(24, 0.3 * scale)
    cart = pygame.Rect(0, 0, cart_w, cart_h)
    cart.midbottom = (cx, track_y - 4)
    pygame.draw.rect(surface, style.CART, cart, border_radius=5)
    for wx in (cart.x + cart_w * 0.22, cart.right - cart_w * 0.22):
        pygame.draw.circle(surface, style.TEXT, (wx, track_y - 4), max(4, cart_h * 0.22))
    pivot = (cx, cart.y + cart_h * 0.25)
    length = 2 * half_length * scale
    theta = float(obs[2])
    width = max(6, int(0.1 * scale))
    draw_pole(surface, pivot, length, width, theta)
    pygame.draw.circle(surface, style.TEXT, pivot, max(4, width // 2 + 1))


def pole_corners(pivot, length: float, width: float, theta: float) -> list[tuple[float, float]]:
    """The pole's four corners: ``length`` up from ``pivot``, tilted ``theta`` radians to
    the right of vertical (theta > 0: leaning right, as in Gymnasium's CartPole)."""
    ux, uy = math.sin(theta), -math.cos(theta)  # along the pole, upwards on screen
    nx, ny = -uy * width / 2, ux * width / 2  # across it
    x0, y0 = pivot
    x1, y1 = x0 + ux * length, y0 + uy * length
    return [(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)]


SUPERSAMPLE = 4
"""The pole is drawn this many times larger, then scaled down smoothly: every edge pixel
gets the share of the pole that covers it (anti-aliasing at any angle)."""


def draw_pole(surface, pivot, length: float, width: float, theta: float) -> None:
    """The pole, anti-aliased: a polygon drawn SUPERSAMPLE times larger on a transparent
    surface and scaled down with smoothscale."""
    corners = pole_corners(pivot, length, width, theta)
    left = math.floor(min(x for x, _ in corners)) - 1
    top = math.floor(min(y for _, y in corners)) - 1
    w = math.ceil(max(x for x, _ in corners)) + 2 - left
    h = math.ceil(max(y for _, y in corners)) + 2 - top
    k = SUPERSAMPLE
    big = pygame.Surface((w * k, h * k), pygame.SRCALPHA)
    big.fill((*style.POLE, 0))  # transparent, but blending towards the pole's own colour
    pygame.draw.polygon(big, style.POLE, [((x - left) * k, (y - top) * k) for x, y in corners])
    surface.blit(pygame.transform.smoothscale(big, (w, h)), (left, top))


def draw_action_bar(surface, rect: pygame.Rect, probs) -> None:
    """A bar split into pi(left) (blue, from the left) and pi(right) (orange), titled
    "the policy now:" between the two numbers."""
    left = float(probs[0])
    split = rect.x + int(rect.width * left)
    surface.fill(style.LEFT_BAR, (rect.x, rect.y, split - rect.x, rect.height))
    surface.fill(style.RIGHT_BAR, (split, rect.y, rect.right - split, rect.height))
    pygame.draw.rect(surface, style.TEXT, rect, 1)
    pygame.draw.line(
        surface, style.TEXT, (rect.centerx, rect.y - 3), (rect.centerx, rect.bottom + 3), 1
    )
    size = 13
    style.blit_text(
        surface,
        t("the policy now:"),
        (rect.centerx, rect.y - 3),
        size,
        style.MUTED,
        anchor="midbottom",
    )
    # the numbers sit above the bar's ends, in their bar's colour, readable at any split
    style.blit_text(
        surface,
        t("π(left) {p:.2f}", p=left),
        (rect.x, rect.y - 3),
        size,
        style.LEFT_BAR,
        True,
        "bottomleft",
    )
    style.blit_text(
        surface,
        t("π(right) {p:.2f}", p=1 - left),
        (rect.right, rect.y - 3),
        size,
        style.RIGHT_BAR,
        True,
        "bottomright",
    )


def draw_display(surface, rect: pygame.Rect, display) -> None:
    """The display env's cart and pole in ``rect``, with its episode and return at the top."""
    draw_cartpole(surface, rect, display.obs, display.x_threshold, display.pole_half_length)
    style.blit_text(
        surface,
        t("episode {n} · return {r}", n=display.episode, r=f"{display.ret:.0f}"),
        (rect.x + 10, rect.y + 8),
        16,
        style.TEXT,
        bold=True,
    )

"""The CartPole scene: the latest policy balancing a pole in real time, training controls,
the returns plot with CartPole's 475 line, and "play yourself" with the arrow keys."""

from __future__ import annotations

import numpy as np
import pygame
import pygame_gui

from gridsim.app.cartpole_display import DisplayCartPole, policy_probs
from gridsim.app.draw import style
from gridsim.app.draw.cartpole import draw_action_bar, draw_display
from gridsim.app.i18n import t
from gridsim.app.panels.training import WIDTH, TrainingPanel, status_rect
from gridsim.app.scenes.base import TOP_BAR, ColumnsScene
from gridsim.app.trainer_link import Settings, TrainingController, algorithms
from gridsim.app.widgets import Column, is_checked

LEFT_WIDTH = 280
SOLVED_RETURN = 475.0


class CartPoleScene(ColumnsScene):
    title = "CartPole"

    def __init__(self, manager, size, factory=None, seed: int = 0):
        self.manager = manager
        self.display = DisplayCartPole(seed)
        self.rng = np.random.default_rng(seed)
        self.play = False
        self.greedy = False
        self.keys = {"left": False, "right": False}
        self._alternate = 0
        self.probs = np.array([0.5, 0.5])
        self.controller = TrainingController("cartpole", Settings(algo="ppo"), factory)
        self.panel = TrainingPanel(
            manager,
            "cartpole",
            algorithms(),
            self.controller,
            uses_hidden=True,
            agent_files=True,
            timeline=True,
        )
        self.panel.agent_files.on_opened = self._agent_opened
        self.panel.reference = (SOLVED_RETURN, "solved")
        col = Column(manager, pygame.Rect(0, TOP_BAR, LEFT_WIDTH, 300))
        self.left = col
        col.heading("The display pole")
        self.play_box = col.checkbox(
            "play yourself (arrow keys)", tip="push the cart with the arrow keys"
        )
        col.next_row(28)
        self.greedy_box = col.checkbox("most likely action (no sampling)")
        col.next_row(32)
        self.new_button = col.button("New episode", 0, 130)
        col.next_row(40)
        self.info_y = TOP_BAR + col.y
        self.layout(size)

    def layout(self, size) -> None:
        w, h = size
        self.size = (w, h)
        self.panel.place(w - WIDTH, TOP_BAR)
        self.left_rect = pygame.Rect(0, TOP_BAR, LEFT_WIDTH, h - TOP_BAR)
        self.right_rect = pygame.Rect(w - WIDTH, TOP_BAR, WIDTH, h - TOP_BAR)
        center = pygame.Rect(LEFT_WIDTH, TOP_BAR, max(100, w - LEFT_WIDTH - WIDTH), h - TOP_BAR)
        self.center_rect = center
        self.pole_rect = pygame.Rect(
            center.x + 14, center.y + 50, center.width - 28, min(440, center.height - 230)
        )
        self.bar_rect = pygame.Rect(
            self.pole_rect.x, self.pole_rect.bottom + 40, self.pole_rect.width, 28
        )
        self.caption_y = center.y + 12
        self.status_rect = status_rect((w, h))

    # --- events --------------------------------------------------------------------
    def handle_event(self, event) -> None:
        if self.panel.handle_event(event):
            return
        et = event.type
        if et in (pygame_gui.UI_CHECK_BOX_CHECKED, pygame_gui.UI_CHECK_BOX_UNCHECKED):
            on = et == pygame_gui.UI_CHECK_BOX_CHECKED
            if event.ui_element is self.play_box:
                self.set_play(on)
            elif event.ui_element is self.greedy_box:
                self.greedy = on
        elif et == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.new_button:
            self.display.new_episode()
        elif et in (pygame.KEYDOWN, pygame.KEYUP):
            side = {pygame.K_LEFT: "left", pygame.K_RIGHT: "right"}.get(event.key)
            if side:
                self.keys[side] = et == pygame.KEYDOWN
                if et == pygame.KEYDOWN and not self.play:
                    self.set_play(True)

    def _agent_opened(self, snapshot) -> None:
        """An agent file was opened: its settings in the panel, a fresh episode for its policy."""
        self.panel.adopt(snapshot)
        self.set_play(False)
        self.display.new_episode()

    def set_play(self, on: bool) -> None:
        """Switch "play yourself" on or off; each switch starts a fresh episode."""
        if on != self.play:
            self.play = on
            self.play_box.set_state(on)
            self.display.new_episode()

    # --- per frame -----------------------------------------------------------------
    def choose(self, obs) -> int:
        if self.play:
            if self.keys["left"] != self.keys["right"]:
                return 0 if self.keys["left"] else 1
            self._alternate ^= 1  # no key: alternate, a net push of zero
            return self._alternate
        self.probs = policy_probs(self.weights(), obs)
        if self.greedy:
            return int(np.argmax(self.probs))
        return int(self.rng.random() >= self.probs[0])

    def weights(self):
        """The policy the display pole runs: of the update the timeline is held at, else the
        latest (None before training)."""
        past = self.panel.shown_past()
        if past is not None and past.weights is not None:
            return past.weights
        snap = self.panel.snapshot
        return getattr(snap, "policy_weights", None) if snap is not None else None

    def update(self, dt: float) -> None:
        self.panel.update()
        self.display.advance(dt, self.choose)
        if not self.play:
            self.probs = policy_probs(self.weights(), self.display.obs)

    # --- drawing -------------------------------------------------------------------
    def draw(self, surface) -> None:
        surface.fill(style.BACKGROUND, self.center_rect)
        surface.fill(style.PANEL, self.left_rect)
        surface.fill(style.PANEL, self.right_rect)
        pygame.draw.line(
            surface, style.PANEL_EDGE, self.left_rect.topright, self.left_rect.bottomright
        )
        pygame.draw.line(
            surface, style.PANEL_EDGE, self.right_rect.topleft, self.right_rect.bottomleft
        )
        d = self.display
        past = self.panel.shown_past()
        if self.play:
            captions = (
                t("You are playing: the left and right arrow keys push the cart"),
                t("Playing: the arrow keys push the cart"),
            )
        elif past is not None:
            captions = (
                t("The policy after update {u}, at real time (let go: live)", u=past.update),
                t("Update {u}'s policy (let go: live)", u=past.update),
            )
        else:
            captions = (t("The latest policy, at real time (50 steps/s)"),)
        who = fitting(captions, 15, self.pole_rect.width)
        style.blit_text(surface, who, (self.pole_rect.x, self.caption_y), 15, style.TEXT, bold=True)
        draw_display(surface, self.pole_rect, d)
        if not self.play:
            draw_action_bar(surface, self.bar_rect, self.probs)
        else:
            push = {(True, False): t("left"), (False, True): t("right")}.get(
                (self.keys["left"], self.keys["right"]), t("none (alternating left/right)")
            )
            style.blit_text(
                surface, t("push: {p}", p=push), (self.bar_rect.x, self.bar_rect.y), 15, style.TEXT
            )
        x, v, theta, omega = (float(u) for u in d.obs)
        readout = t(
            "observation: cart x = {x} m, velocity {v} m/s, "
            "pole angle {a}°, angular velocity {w}°/s",
            x=f"{x:+.2f}",
            v=f"{v:+.2f}",
            a=f"{np.degrees(theta):+.1f}",
            w=f"{np.degrees(omega):+.0f}",
        )
        y = self.bar_rect.bottom + 16
        for part in style.wrap(readout, 14, self.bar_rect.width):
            style.blit_text(surface, part, (self.bar_rect.x, y), 14, style.TEXT)
            y += 19
        y = self.info_y
        lines = [
            (t("episode: {n}", n=d.episode), style.TEXT),
            (
                (t("your return: {r}") if self.play else t("return so far: {r}")).format(
                    r=f"{d.ret:.0f}"
                ),
                style.TEXT,
            ),
            (
                t("last episode: {r}", r="-" if d.last_return is None else f"{d.last_return:.0f}"),
                style.TEXT,
            ),
            (t("best episode: {r}", r=f"{d.best_return:.0f}"), style.MUTED),
            (
                t(
                    "an episode ends when the pole leans over 12° or the cart leaves "
                    "the track (red marks), or at 500 steps"
                ),
                style.MUTED,
            ),
        ]
        for line, color in lines:
            for part in style.wrap(line, 14, LEFT_WIDTH - 20):
                style.blit_text(surface, part, (10, y), 14, color)
                y += 19
        self.panel.draw(surface, self.status_rect)

    def close(self) -> None:
        self.panel.close()


__all__ = ["CartPoleScene", "is_checked"]


def fitting(captions, size: int, width: int) -> str:
    """The first caption no wider than ``width`` in bold at ``size`` (the last one if none
    is): the long one where the column has room, the short one in a 1024-px window."""
    for caption in captions:
        if style.text(caption, size, bold=True).get_width() <= width:
            return caption
    return captions[-1]

"""Demo 8: the tutorial's chapter-3 claim, measured. For one fixed policy, the variance of
the policy-gradient estimate with weights R(τ), reward-to-go, and reward-to-go minus V^π."""

from __future__ import annotations

import numpy as np
import pygame
import pygame_gui

from gridsim.app.demos.view import DemoView, demo_world, draw_board, fit_grid, panel_box
from gridsim.app.draw import style
from gridsim.app.i18n import t
from gridsim.pg_variance import ESTIMATORS, measure_variance
from gridsim.world import N_ACTIONS

BATCHES = 300
BATCH_SIZE = 10
LABELS = {
    "R(tau)": "R(τ)",
    "reward-to-go": "reward-to-go",
    "reward-to-go - V": "reward-to-go - V^π(s_t)",
}
COLORS = {
    "R(tau)": (220, 110, 90),
    "reward-to-go": (240, 180, 60),
    "reward-to-go - V": (80, 170, 100),
}


class VarianceView(DemoView):
    """Bars of the measured variance per estimator; "Measure again" draws fresh batches."""

    def __init__(self, demo, manager, factory=None, seed=0):
        super().__init__(demo, manager, factory, seed)
        self.world = demo_world(demo)
        self.pi = np.full((self.world.n_states, N_ACTIONS), 1.0 / N_ACTIONS)
        self.again = None
        self.measure()

    def measure(self) -> None:
        self.report = measure_variance(
            self.world, self.pi, batches=BATCHES, batch_size=BATCH_SIZE, rng=self.rng
        )

    def layout(self, rect):
        super().layout(rect)
        self.geo = fit_grid(
            pygame.Rect(rect.x, rect.y + 30, rect.width * 0.32, rect.height * 0.5), self.world, 90
        )
        self.bars_rect = pygame.Rect(
            rect.x + rect.width * 0.36, rect.y + 10, rect.width * 0.62, rect.height - 70
        )
        br = pygame.Rect(self.bars_rect.x, self.bars_rect.bottom + 12, 180, 32)
        if self.again is None:
            self.again = self.button("Measure again", br)
        else:
            self.again.set_relative_position(br.topleft)

    def handle_event(self, event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.again:
            self.measure()
            return True
        return False

    def draw(self, surface):
        style.blit_text(
            surface,
            t("the fixed policy: uniform random"),
            (self.geo.rect.x, self.geo.rect.y - 6),
            14,
            bold=True,
            anchor="bottomleft",
        )
        draw_board(surface, self.geo, self.world, self.pi)
        x, y = self.rect.x + 10, self.geo.rect.bottom + 16
        w = max(self.geo.rect.right - x + 40, self.bars_rect.x - x - 12)
        lines = [
            t("horizon T = {T} steps from s1", T=self.world.horizon),
            t("{b} batches of {n} episodes", b=self.report.batches, n=self.report.batch_size),
            t("variance = total over the 45 entries of the gradient [S, A]"),
        ]
        for line in lines:
            y = style.blit_lines(surface, style.wrap(line, 13, w), (x, y), 13, style.MUTED)
        self._draw_bars(surface)

    def _draw_bars(self, surface):
        r = self.bars_rect
        panel_box(surface, r)
        style.blit_text(
            surface,
            t("variance of the gradient estimate (lower is better)"),
            (r.x + 12, r.y + 8),
            15,
            bold=True,
        )
        variances = self.report.variances
        top = max(variances.values()) * 1.15
        plot = pygame.Rect(r.x + 30, r.y + 60, r.width - 60, r.height - 160)
        slot = plot.width // len(ESTIMATORS)
        for i, name in enumerate(ESTIMATORS):
            h = int(plot.height * variances[name] / top)
            bar = pygame.Rect(plot.x + i * slot + slot * 0.2, plot.bottom - h, slot * 0.6, h)
            pygame.draw.rect(surface, COLORS[name], bar)
            style.blit_text(
                surface,
                f"{variances[name]:.3g}",
                (bar.centerx, bar.y - 4),
                16,
                bold=True,
                anchor="midbottom",
            )
            style.blit_text(
                surface,
                LABELS[name],
                (bar.centerx, plot.bottom + 8),
                14,
                bold=True,
                anchor="midtop",
            )
            error = float(np.abs(self.report.means[name] - self.report.exact).sum())
            style.blit_text(
                surface,
                t("error of the mean: {e}", e=f"{error:.2f}"),
                (bar.centerx, plot.bottom + 30),
                12,
                style.MUTED,
                anchor="midtop",
            )
        pygame.draw.line(surface, style.MUTED, plot.bottomleft, plot.bottomright)
        v = [variances[n] for n in ESTIMATORS]
        note = t(
            "reward-to-go: {a}x less variance; with the baseline V^π: {b}x less.",
            a=f"{v[0] / v[1]:.1f}",
            b=f"{v[0] / v[2]:.1f}",
        )
        style.blit_lines(
            surface,
            style.wrap(note, 14, r.width - 24, bold=True),
            (r.x + 12, r.bottom - 44),
            14,
            style.OK,
            True,
        )

    def readout(self):
        return {"variances": dict(self.report.variances)}

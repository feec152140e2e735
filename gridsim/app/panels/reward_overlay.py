"""DPO's implicit reward, cell by cell: "your policy is secretly a reward model".

DPO never fits a reward; its loss only compares trajectories through the log-ratio
r_theta(tau) = sum_t log pi_theta(a_t|s_t) - log pi_ref(a_t|s_t). Scaled by beta, each
term is the reward the policy implies for one action,

    r_hat(s, a) = beta * log( pi_theta(a|s) / pi_ref(a|s) ),

positive (green) where the policy took to an action more than the reference did, negative
(red) where it dropped it. Drawn as triangles (as Q is) on a board next to the world's true
reward r(s, a), and, for ``rlhf``, next to the reward model r_phi(s, a) that the RLHF
pipeline fits first. Only sums along whole trajectories from one start are pinned down by
the labels, so the numbers need not equal r(s, a) cell by cell; the pattern is what to read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from gridsim.app.draw import board as draw_board
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import preferences as draw_prefs
from gridsim.app.draw import style
from gridsim.app.i18n import t
from gridsim.tables import build_tables
from gridsim.world import N_ACTIONS, World

DEFAULT_BETA = 0.1
"""beta before a run has published its own (the issue's default for dpo, kto and rlhf)."""
TITLE = 24  # room for the caption above each board (a Chinese line is 22 pixels tall)


def implicit_reward(pi: np.ndarray, pi_ref: np.ndarray, beta: float) -> np.ndarray:
    """beta * (log pi[S, A] - log pi_ref[S, A]), elementwise; a probability that underflowed
    to 0 counts as the smallest positive float (a very negative number, not -inf)."""
    tiny = np.finfo(np.float64).tiny
    log_pi = np.log(np.maximum(np.asarray(pi, np.float64), tiny))
    return beta * (log_pi - np.log(np.maximum(np.asarray(pi_ref, np.float64), tiny)))


@dataclass(frozen=True, eq=False)
class RewardTables:
    """What the overlay draws: implicit[S, A] (None when the run has no reference policy),
    reward[S, A] = r(s, a), r_phi[S, A] (rlhf's reward model, else None), beta."""

    implicit: np.ndarray | None
    reward: np.ndarray
    r_phi: np.ndarray | None
    beta: float


def reward_tables(world: World, pi: np.ndarray | None, prefs, algo: str) -> RewardTables:
    """The tables for ``world`` from the latest snapshot's pi and ``preferences`` field
    (``prefs``; None before a preference run has published one). Before the first update of
    a dpo/kto/rlhf run pi = pi_ref = uniform, so the implicit reward is 0 everywhere."""
    shape = (world.n_states, N_ACTIONS)
    reward = np.asarray(build_tables(world).reward, dtype=np.float64)
    pi_ref = getattr(prefs, "pi_ref", None)
    beta = float(getattr(prefs, "beta", DEFAULT_BETA) or DEFAULT_BETA)
    uniform = np.full(shape, 1.0 / N_ACTIONS)
    if pi_ref is None or np.shape(pi_ref) != shape:
        pi_ref = uniform if algo in ("dpo", "kto", "rlhf") else None
    if pi is None or np.shape(pi) != shape:
        pi = uniform
    implicit = None if pi_ref is None else implicit_reward(pi, pi_ref, beta)
    r_phi = getattr(prefs, "reward_model", None)
    if r_phi is not None and np.shape(r_phi) != shape:
        r_phi = None
    return RewardTables(implicit, reward, r_phi, beta)


def boards(algo: str) -> tuple[str, ...]:
    """Which boards the overlay shows, left to right: the implicit reward and r(s, a), and
    rlhf's learned r_phi(s, a)."""
    return ("implicit", "reward", "r_phi") if algo == "rlhf" else ("implicit", "reward")


BOARD_TITLES = {
    "implicit": "β·log π/π_ref (the implicit reward)",
    "reward": "r(s,a) (the world's reward)",
    "r_phi": "r_φ(s,a) (RLHF's reward model)",
}


def place(area: pygame.Rect, world: World, algo: str) -> list[draw_grid.GridGeometry]:
    """One board per entry of ``boards(algo)``, as large as the area allows."""
    return draw_prefs.tile_boards(area, len(boards(algo)), *world.shape, title=TITLE, gap=14)


def table_for(tables: RewardTables, key: str) -> np.ndarray | None:
    return {"implicit": tables.implicit, "reward": tables.reward, "r_phi": tables.r_phi}[key]


def paint_reward_board(geo: draw_grid.GridGeometry, world: World, table) -> draw_board.BoardPicture:
    """One board: the world and the table's triangles (sign colours: green > 0 > red), with
    its numbers where cells are big enough (draw.board lays them out)."""
    return draw_board.paint_board(geo, world, action_values=table, action_centre=False)


SHORT_TITLES = {"implicit": "β·log π/π_ref", "reward": "r(s,a)", "r_phi": "r_φ(s,a)"}


def title_for(key: str, tables: RewardTables) -> str:
    """A board's full title, in the current language."""
    if table_for(tables, key) is None:
        if key == "r_phi":
            return t("r_φ(s,a): appears after rlhf's first update")
        return t("{title}: needs dpo, kto or rlhf", title=t(BOARD_TITLES[key]))
    if key == "implicit":
        return t("β·log π/π_ref (β = {b})", b=f"{tables.beta:g}")
    return t(BOARD_TITLES[key])


def draw_title(surface, geo: draw_grid.GridGeometry, key: str, tables: RewardTables) -> pygame.Rect:
    """The board's title just above it, no wider than the board (the short name when the
    full title does not fit); the rectangle drawn."""
    width = geo.rect.width
    title = title_for(key, tables)
    if style.font(13, bold=True).size(title)[0] > width:
        title = style.wrap(SHORT_TITLES[key], 13, width, bold=True)[0]
    pos = (geo.rect.x, geo.rect.y - 1)
    return style.blit_text(surface, title, pos, 13, style.TEXT, bold=True, anchor="bottomleft")


def hover_line(tables: RewardTables, s: int) -> str:
    """The numbers of state ``s`` on every board, for the line under the mouse."""
    parts = []
    for key, name in (("implicit", "β·log π/π_ref"), ("reward", "r"), ("r_phi", "r_φ")):
        table = table_for(tables, key)
        if table is None:
            continue
        values = " ".join(_signed(v) for v in table[s])
        parts.append(f"{name}: {values}")
    return " · ".join(parts)


def _signed(x: float) -> str:
    if not np.isfinite(x):
        return "-∞" if x < 0 else "∞"
    if abs(x) < 0.005:
        return "0"
    return f"{x:+.2f}"

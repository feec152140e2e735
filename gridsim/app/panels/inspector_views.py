"""The update inspector's views, drawn: one idea each, on the board and in words.

batch     the batch's trajectories, one step at a time: s_t, a_t, r_t, log pi(a_t|s_t), Phi_t,
          and that step's own push Phi_t * (onehot(a_t) - pi(s_t)) in its cell;
change    Delta pi(a|s) of every arrow, from before to after the update;
gradient  this batch's estimate g_hat beside the exact gradient of J (gridsim.pg_variance);
critic    V_phi(s) against the exact V^pi(s), and the batch's advantages against A^pi(s, a);
ratios    PPO / GRPO: the ratios rho = pi/pi_old after the update, the clip band, approx KL;
groups    GRPO: each group's returns and advantages, and what a tie means.

Every function draws through a ``Writer``, which remembers where each piece of text went,
so a test can check that no text lands on other text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pygame

from gridsim.app.draw import board as draw_board
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import inspection as draw_ins
from gridsim.app.draw import style
from gridsim.app.draw.plot import draw_returns_plot
from gridsim.app.i18n import t
from gridsim.inspection import WEIGHT_NAMES, UpdateInspection, cosine
from gridsim.solvers import policy_advantage, policy_value
from gridsim.trajectory import Trajectory
from gridsim.world import ACTION_WORDS, ACTIONS, N_ACTIONS, World, WorldError, state_name

FAINT_ARROW = (176, 186, 206)


class Writer:
    """Text on a surface, each piece's rectangle remembered in ``rects``."""

    def __init__(self, surface: pygame.Surface):
        self.surface = surface
        self.rects: list[pygame.Rect] = []

    def line(self, message: str, pos, size: int, color=style.TEXT, bold=False, anchor="topleft"):
        rect = style.blit_text(self.surface, message, pos, size, color, bold, anchor)
        self.rects.append(rect)
        return rect

    def block(
        self, message: str, rect: pygame.Rect, y: int, size: int, color=style.TEXT, bold=False
    ):
        """``message`` wrapped to ``rect``'s width from ``y`` down; lines that would cross
        ``rect.bottom`` are left out. Returns the y below the last line drawn."""
        step = max(size + 5, style.font(size, bold).get_linesize())
        for part in style.wrap(message, size, rect.width, bold):
            if y + step > rect.bottom:
                break
            box = self.line(part, (rect.x, y), size, color, bold)
            y = max(y + step, box.bottom)
        return y


@dataclass(frozen=True, eq=False)
class Exact:
    """The exact answers an update is compared with (computed once per update)."""

    gradient: np.ndarray
    v: np.ndarray | None
    """V^pi_old[S] with the algorithm's gamma (None when gamma = 1: no finite value)."""
    adv: np.ndarray | None
    """A^pi_old[S, A]."""


def exact_for(ins: UpdateInspection, world: World) -> Exact:
    gradient = ins.exact(world)
    v = adv = None
    if ins.value_after is not None:
        try:
            discounted = world.with_changes(gamma=ins.gamma)
        except WorldError:
            discounted = None
        if discounted is not None:
            v = policy_value(discounted, ins.pi_before)
            adv = policy_advantage(discounted, ins.pi_before)
    return Exact(gradient, v, adv)


def num(x: float, digits: int = 3) -> str:
    """A number for the reader: 3 significant digits, a real minus sign."""
    if not math.isfinite(x):
        return "–"
    text = f"{x:.{digits}g}" if abs(x) >= 1e-4 or x == 0 else f"{x:.1e}"
    return text.replace("-", "−")


def action_text(a: int) -> str:
    return f"{ACTIONS[a]} ({t(ACTION_WORDS[a])})"


def as_trajectory(traj) -> Trajectory:
    return Trajectory(traj.states, traj.actions, traj.rewards)


def trajectory_label(k: int, traj) -> str:
    """One line of the batch list: 'τ3: s4→s9, 6 steps, R=1' (GRPO: 'τ3 (g2): ...')."""
    fields = dict(
        k=k + 1,
        a=("…" if traj.cut_start else "") + state_name(int(traj.states[0])),
        b=state_name(int(traj.states[-1])) + ("…" if traj.cut_end else ""),
        n=len(traj),
        r=num(traj.ret),
    )
    if traj.group >= 0:
        return t("τ{k} (g{g}): {a}→{b}, {n} steps, R={r}", g=traj.group + 1, **fields)
    return t("τ{k}: {a}→{b}, {n} steps, R={r}", **fields)


# ----- the board of each view --------------------------------------------------------------
def board_picture(geo, world: World, ins: UpdateInspection, view: str, sel, exact: Exact, previous):
    """The board of ``view`` (draw.board's picture: cells and arrows below, every label above,
    placed by its one layout step). The batch view's path, tags and agent go on per frame."""
    local = draw_grid.GridGeometry(0, 0, geo.cell, geo.rows, geo.cols)
    extra = ()
    if view == "critic" and exact.v is not None:
        extra = tuple(
            draw_board.value_labels(
                local, world, ins.value_after, "V_φ", style.VALUE_PI, "left", draw_board.V_PI
            )
            + draw_board.value_labels(
                local, world, exact.v, "V^π", style.OPTIMAL, "right", draw_board.V_STAR
            )
        )
    picture = draw_board.paint_board(geo, world, extra=extra, previous=previous)
    base = picture.base
    if view == "batch":
        draw_grid.draw_policy(base, local, world, ins.pi_before, color=FAINT_ARROW)
    elif view == "change":
        delta = ins.delta_pi
        draw_ins.draw_signed_arrows(base, local, world, delta, draw_ins.signed_scale(delta))
    elif view == "gradient":
        est, ex = ins.estimate, exact.gradient
        draw_ins.draw_signed_arrows(base, local, world, est, draw_ins.signed_scale(est))
        draw_ins.draw_signed_arrows(base, local, world, ex, draw_ins.signed_scale(ex), outline=True)
    elif view == "critic" and exact.v is not None and critic_arrows(geo):
        adv_scale = draw_ins.signed_scale(ins.advantage_mean, exact.adv)
        draw_ins.draw_signed_arrows(base, local, world, ins.advantage_mean, adv_scale, reach=0.28)
        draw_ins.draw_signed_arrows(
            base, local, world, exact.adv, adv_scale, outline=True, reach=0.28
        )
    return picture


CRITIC_ARROWS_FROM = 90
"""Cells narrower than this show the critic's numbers only (the advantages: point at a cell)."""


def critic_arrows(geo) -> bool:
    return geo.cell >= CRITIC_ARROWS_FROM


def draw_push(surface, geo, world: World, ins: UpdateInspection, sel) -> None:
    """The shown step's own term of the gradient, Phi_t * (onehot(a_t) - pi(s_t)), as arrows
    in its cell s_t (drawn over the path, clear of the agent's dot)."""
    traj = sel.trajectory(ins)
    if traj is None or not len(traj):
        return
    s, a = int(traj.states[sel.step]), int(traj.actions[sel.step])
    push = np.zeros((world.n_states, N_ACTIONS))
    push[s] = float(traj.weights[sel.step]) * (np.eye(N_ACTIONS)[a] - ins.pi_before[s])
    draw_ins.draw_signed_arrows(
        surface, geo, world, push, draw_ins.signed_scale(push), only=s, base=0.14, reach=0.3
    )


# ----- words: the caption above the board, the summary below it, the sidebar ---------------
def caption(ins: UpdateInspection, view: str, exact: Exact, geo=None) -> tuple[str, str]:
    """(title, legend) over the board (drawn at ``geo``)."""
    if ins.weight_name:
        title = t(
            "Update {u} of {algo}: Φ_t = {phi}",
            u=ins.update,
            algo=ins.algo,
            phi=t(WEIGHT_NAMES.get(ins.weight_name, ins.weight_name)),
        )
    else:  # a preference learner: no per-step weights, but the change of pi all the same
        title = t("Update {u} of {algo}", u=ins.update, algo=ins.algo)
    legend = {
        "batch": t(
            "grey: π before the update · orange: the trajectory · arrows in s_t: this step's push"
        ),
        "change": t(
            "Δπ(a|s) of every arrow: green went up, red went down (longest: {m})",
            m=num(float(np.max(np.abs(ins.delta_pi)))),
        ),
        "gradient": t(
            "filled: this batch's estimate ĝ · outline: the exact ∇J · green: push up, red: down"
        ),
        "critic": t(
            "numbers: V_φ (left), exact V^π (right) · arrows: advantages, "
            "filled = the batch's mean Â, outline = exact A^π"
        ),
        "ratios": t("ρ = π_new(a_t|s_t) / π_old(a_t|s_t) of every step after the update"),
        "critic_small": t(
            "numbers: V_φ (left), exact V^π (right) · point at a cell for its advantages"
        ),
        "groups": t("each bar: one rollout's advantage A_i = (R_i − mean) / std of its group"),
    }["critic_small" if view == "critic" and geo is not None and not critic_arrows(geo) else view]
    return title, legend


def summary(ins: UpdateInspection, view: str, sel, exact: Exact) -> list[str]:
    """The lines under the board."""
    if view == "batch":
        return _step_lines(ins, sel)
    if view == "change":
        return [
            t(
                "KL(π_old ‖ π_new) = {kl}, averaged over the batch's {n} steps.",
                kl=num(ins.kl_prev),
                n=f"{ins.n_steps:,}",
            ),
            t(
                "The optimizer stepped the logits along this batch's estimate ĝ (Gradient); "
                "softmax turns that step into these Δπ."
            ),
        ]
    if view == "gradient":
        c = cosine(ins.estimate, exact.gradient)
        return [
            t("cos(ĝ, ∇J) = {c}: 1 is the same direction, 0 unrelated.", c=num(c, 2)),
            t(
                "ĝ = 1/N Σ_t Φ_t ∇log π(a_t|s_t), N = {n} steps; "
                "∇J: J = E[Σ_{{t<T}} γ^t r_t], T = {T}.",
                n=f"{ins.n_steps:,}",
                T=ins.horizon,
            ),
        ]
    if view == "critic":
        if exact.v is None:
            return [t("The exact values need γ < 1.")]
        err = ins.value_after - exact.v
        return [
            t(
                "mean |V_φ − V^π| = {e} after this update (largest {m}).",
                e=num(float(np.mean(np.abs(err)))),
                m=num(float(np.max(np.abs(err)))),
            ),
            t("GAE mixes the critic into the advantages: its errors become theirs."),
        ]
    if view == "ratios":
        lo, hi = 1 - ins.clip, 1 + ins.clip
        return [
            t(
                "{f} of {n} steps left [{lo}, {hi}] (the clip fraction): the clip stops "
                "pushing them further.",
                f=f"{ins.clip_fraction:.0%}",
                n=f"{ins.n_steps:,}",
                lo=num(lo, 2),
                hi=num(hi, 2),
            ),
            t(
                "approx KL = {k} · KL(π_old ‖ π_new) = {kl}",
                k=num(ins.approx_kl),
                kl=num(ins.kl_prev),
            ),
        ]
    return group_summary(ins.groups)


def group_summary(groups) -> list[str]:
    """What GRPO's groups say, in words: how many tied, and what a tie means."""
    n = len(groups)
    tied = sum(g.tied for g in groups)
    if n and tied == n:
        return [
            t("Every group tied: all rollouts of a group got the same return."),
            t("Every advantage is 0, so this update learned nothing from its groups."),
        ]
    return [
        t("{k} of {n} groups tied (equal returns, advantage 0, no signal).", k=tied, n=n),
        t("Rollouts above their group's mean are reinforced, those below discouraged."),
    ]


def _step_lines(ins: UpdateInspection, sel) -> list[str]:
    traj = sel.trajectory(ins)
    if traj is None or not len(traj):
        return [t("This batch has no trajectory to show.")]
    k = sel.step
    s, a = int(traj.states[k]), int(traj.actions[k])
    w = float(traj.weights[k])
    if w > 0:
        push = t(
            "Φ_t = {w} > 0: this step pushes π({a}|{s}) up, the other actions of {s} down.",
            w=num(w),
            a=ACTIONS[a],
            s=state_name(s),
        )
    elif w < 0:
        push = t(
            "Φ_t = {w} < 0: this step pushes π({a}|{s}) down, the other actions of {s} up.",
            w=num(w),
            a=ACTIONS[a],
            s=state_name(s),
        )
    else:
        push = t("Φ_t = 0: this step does not move π.")
    lines = [
        t(
            "t = {t}: {s} —{a}→ {s2}, r_t = {r}, log π(a_t|s_t) = {lp}",
            t=k,
            s=state_name(s),
            a=ACTIONS[a],
            s2=state_name(int(traj.states[k + 1])),
            r=num(float(traj.rewards[k])),
            lp=num(float(traj.logp[k])),
        ),
        push,
    ]
    if traj.ratios is not None:
        lines.append(
            t(
                "ρ_t = {rho} after the update; its clipped term min(ρΦ, clip(ρ)Φ) = {c}",
                rho=num(float(traj.ratios[k])),
                c=num(float(traj.clipped[k])),
            )
        )
    return lines


def sidebar(ins: UpdateInspection, view: str, sel, exact: Exact, cell: int | None) -> list:
    """(text, colour, bold) lines for the left column under its widgets."""
    out: list = []
    if view == "batch":
        traj = sel.trajectory(ins)
        if traj is None or not len(traj):
            return out
        k = sel.step
        s, a = int(traj.states[k]), int(traj.actions[k])
        out += [
            (t("t = {t} (step {k} of {n})", t=k, k=k + 1, n=len(traj)), style.TEXT, True),
            (f"s_t = {state_name(s)}", style.TEXT, False),
            (f"a_t = {action_text(a)}", style.TEXT, False),
            (f"r_t = {num(float(traj.rewards[k]))}", style.TEXT, False),
            (f"log π(a_t|s_t) = {num(float(traj.logp[k]))}", style.TEXT, False),
            (f"Φ_t = {num(float(traj.weights[k]))}", style.VALUE_PI, True),
        ]
        if traj.ratios is not None:
            out += [
                (f"ρ_t = {num(float(traj.ratios[k]))}", style.TEXT, False),
                (t("clipped term = {c}", c=num(float(traj.clipped[k]))), style.TEXT, False),
            ]
        if traj.cut_start or traj.cut_end:
            out.append((t("… : the episode goes on outside this batch"), style.MUTED, False))
        return out
    if view == "ratios":
        return [
            (t("PPO's clipped objective"), style.TEXT, True),
            ("min(ρ_t Φ_t, clip(ρ_t, 1−ε, 1+ε) Φ_t)", style.TEXT, False),
            (
                t(
                    "Once a step's ratio leaves the band in the direction its advantage wants, "
                    "the min picks the clipped term, whose gradient is 0: no update moves π "
                    "far from the π_old that collected the batch."
                ),
                style.MUTED,
                False,
            ),
            (t("ε = {e}", e=num(ins.clip, 2)), style.TEXT, False),
        ]
    if view == "groups":
        return [
            (t("GRPO: no critic"), style.TEXT, True),
            (
                t(
                    "The {G} rollouts of a group start in the same cell; each one's advantage "
                    "is its return against its group's: A_i = (R_i − mean) / std.",
                    G=len(ins.groups[0].returns),
                ),
                style.MUTED,
                False,
            ),
        ]
    if cell is None:
        return [(t("Point at a cell for its numbers."), style.MUTED, False)]
    out.append((t("{s} (point at a cell for its numbers)", s=state_name(cell)), style.TEXT, True))
    for a in range(N_ACTIONS):
        if view == "change":
            p0, p1 = ins.pi_before[cell, a], ins.pi_after[cell, a]
            text = f"{ACTIONS[a]}: {p0:.3f} → {p1:.3f} ({num(p1 - p0, 2)})"
        elif view == "gradient":
            text = t(
                "{a}: ĝ {g} · ∇J {j}",
                a=ACTIONS[a],
                g=num(ins.estimate[cell, a], 2),
                j=num(exact.gradient[cell, a], 2),
            )
        else:  # critic
            if exact.adv is None:
                break
            text = t(
                "{a}: Â {e} (n = {n}) · A^π {x}",
                a=ACTIONS[a],
                e=num(ins.advantage_mean[cell, a], 2),
                n=int(ins.advantage_count[cell, a]),
                x=num(exact.adv[cell, a], 2),
            )
        out.append((text, style.TEXT, False))
    if view == "critic" and exact.v is not None:
        out.append(
            (
                t(
                    "V_φ {v} · V^π {x} · error {e}",
                    v=num(ins.value_after[cell], 3),
                    x=num(exact.v[cell], 3),
                    e=num(ins.value_after[cell] - exact.v[cell], 2),
                ),
                style.TEXT,
                False,
            )
        )
    return out


def center_panel(surface, rect: pygame.Rect, ins: UpdateInspection, view: str, metrics) -> list:
    """The ratios or groups view, drawn in place of the board; returns text rects."""
    writer = Writer(surface)
    if view == "ratios":
        top = pygame.Rect(rect.x, rect.y, rect.width, int(rect.height * 0.55))
        writer.rects += draw_ins.draw_ratio_histogram(
            surface, top, ins.ratio_counts, ins.ratio_edges, ins.clip
        )
        curve = pygame.Rect(rect.x, top.bottom + 8, rect.width, rect.bottom - top.bottom - 8)
        if curve.height >= 80 and metrics is not None and "approx_kl" in metrics.names:
            draw_returns_plot(
                surface,
                curve,
                metrics.series("approx_kl"),
                stride=metrics.stride,
                updates=metrics.updates,
                title=t("approx KL per update"),
            )
    elif view == "groups":
        shown = max(1, min(len(ins.groups), rect.width // 110))
        head = t("groups 1–{k} of this update's {n}", k=shown, n=ins.n_groups)
        writer.line(head, (rect.x + 6, rect.y + 4), 12, style.MUTED)
        body = pygame.Rect(rect.x, rect.y + 24, rect.width, rect.height - 24)
        writer.rects += draw_ins.draw_groups(surface, body, ins.groups, shown)
    return writer.rects

"""The training controls shared by both scenes: algorithm, hyper-parameters, Run / Pause /
Step / Reset, the speed control, the status lines and the returns plot."""

from __future__ import annotations

import math
import time

import numpy as np
import pygame
import pygame_gui

from gridsim import limits
from gridsim.app.draw import style
from gridsim.app.draw.plot import draw_returns_plot, draw_series_plot, plot_area
from gridsim.app.i18n import language, t, translate_message
from gridsim.app.panels.agent_files import AgentFiles
from gridsim.app.panels.timeline import HEIGHT as TIMELINE_HEIGHT
from gridsim.app.panels.timeline import Timeline
from gridsim.app.scenes.base import TOP_BAR
from gridsim.app.trainer_link import (
    BATCH_FIELDS,
    PREFERENCE_ALGORITHMS,
    Settings,
    TrainingController,
)
from gridsim.app.widgets import Column, labelled_entry, select_option

WIDTH = 380
ALGO_WIDTH = 170
LABELLER_OPTIONS = (("labeller: synthetic", "synthetic"), ("labeller: you", "human"))
CONTROLS_HEIGHT = 248
PLOT_INTERVAL = 0.25  # seconds between redraws of the plot for new points
# the plot's dashed line: TrainingPanel.reference = (value, one of these keys)
REFERENCE_LABELS = {"optimal": "optimal policy: {x}", "solved": "solved: {x}"}
PACES = (2.0, 1.0, 0.5, 1 / 3, 0.2, 0.1, 0.05, 0.0)
"""Seconds per update the speed slider offers, slowest first; 0 is full speed."""
WATCH_PACE = PACES[3]
"""The gridworld's default: three updates a second, each one visible in the arrows."""
FULL_SPEED = 0.0
# the plot selector: (shown text, metric) and the x axis (shown text, key)
METRIC_OPTIONS = (
    ("mean return", "mean_return"),
    ("entropy", "entropy"),
    ("KL to the previous π", "kl_prev"),
    ("approx KL (from ratios)", "approx_kl"),
    ("clip fraction", "clip_fraction"),
    ("policy loss", "loss_policy"),
    ("value loss", "loss_value"),
    ("KL loss (to reference)", "loss_kl"),
)
METRIC_MENU = "#metric_menu"
"""Theme id of the metric and x-axis menus (theme.json: they open upwards)."""
# what the plot can show for dpo / kto / rlhf: the returns, or TRL's preference metrics
PLOT_OPTIONS = (
    ("plot: return", "return"),
    ("β·rθ: chosen, rejected", "rewards"),
    ("accuracy", "accuracy"),
    ("KL(πθ‖πref)", "kl"),
    ("log π: chosen, rejected", "logps"),
    ("loss", "loss"),
    ("true return", "true_return"),
)
PLOT_SERIES = {
    "rewards": (
        "β·r_θ(τ), mean per update",
        (
            ("chosen", "rewards/chosen"),
            ("rejected", "rewards/rejected"),
            ("margin", "rewards/margins"),
        ),
        0.0,
    ),
    "accuracy": ("accuracy per update", (("accuracy", "rewards/accuracies"),), None),
    "kl": ("KL(π_θ‖π_ref) per trajectory", (("KL", "kl"),), 0.0),
    "logps": (
        "Σ_t log π_θ(a_t|s_t), mean",
        (("chosen", "logps/chosen"), ("rejected", "logps/rejected")),
        None,
    ),
    "loss": ("preference loss per update", (("loss", "loss"),), None),
    "true_return": ("the policy's true return", (("true return", "true_return"),), None),
}
RLHF_REWARDS_TITLE = "Σ_t γ^t r_φ(s_t,a_t), mean per update"
PLOT_MENU_WIDTH = 150
X_OPTIONS = (("x: updates", "updates"), ("x: env steps", "env_steps"))
PLOT_TITLES = {
    "mean_return": "mean return per update",
    "entropy": "entropy of π(·|s), batch mean",
    "kl_prev": "KL(π_old ‖ π_new) per update",
    "approx_kl": "approx KL: mean (ρ − 1) − log ρ",
    "clip_fraction": "share of steps with ρ outside [1−ε, 1+ε]",
    "loss_policy": "policy loss",
    "loss_value": "value loss",
    "loss_kl": "KL loss to the reference policy",
}


def pace_index(delay: float) -> int:
    """The slider position of the pace nearest to ``delay`` seconds per update."""
    return min(range(len(PACES)), key=lambda i: abs(PACES[i] - delay))


def delay_from_slider(value: float) -> float:
    """Slider position 0..len(PACES)-1 -> seconds per update (the last is full speed)."""
    return PACES[max(0, min(len(PACES) - 1, int(value)))]


def delay_text(delay: float) -> str:
    if delay <= 0:
        return t("pace: full speed")
    return t("pace: {n} updates/s", n=f"{round(1 / delay, 1):g}")


def status_rect(size) -> pygame.Rect:
    """Where a scene's panel draws its status and plot: the right column below the widgets."""
    w, h = size
    return pygame.Rect(
        w - WIDTH + 10, TOP_BAR + CONTROLS_HEIGHT, WIDTH - 20, h - TOP_BAR - CONTROLS_HEIGHT - 10
    )


class TrainingPanel:
    """Widgets in the right column plus the status and plot drawn below them."""

    def __init__(
        self,
        manager,
        env: str,
        algos,
        controller: TrainingController,
        *,
        uses_hidden: bool,
        agent_files: bool = False,
        timeline: bool = False,
        inspectable: bool = False,
    ):
        self.manager = manager
        self.env = env
        self.controller = controller
        self.uses_hidden = uses_hidden
        self.snapshot = None
        self.field_error = ""
        self.reference: tuple[float, str] | None = None  # (value, key of REFERENCE_LABELS)
        self.base_overrides: dict = {}
        """Hyper-parameters of an opened agent that have no box (kept when a box changes)."""
        self._plot_key = None
        self._plot_data = None
        self._plot_time = 0.0
        self._plot_surface: pygame.Surface | None = None
        self.plot_rect: pygame.Rect | None = None
        """Where the plot was last drawn (a recording may show it beside the view)."""
        self.timeline = Timeline(controller) if timeline else None
        self.plot_kind = "return"
        self.visible = True
        # the choice of plot for the preference learners, in the plot's title row (placed
        # when the plot is drawn; shown only while the run has preference metrics)
        self.plot_menu = pygame_gui.elements.UIDropDownMenu(
            list(PLOT_OPTIONS), PLOT_OPTIONS[0], pygame.Rect(0, 0, PLOT_MENU_WIDTH, 24), manager
        )
        self.plot_menu.set_tooltip("the returns, or the preference metrics TRL logs")
        self.plot_menu.hide()

        col = Column(manager, pygame.Rect(0, 0, WIDTH, CONTROLS_HEIGHT))
        self.column = col
        col.heading("Training")
        self.agent_files = (
            AgentFiles(manager, col.container, env, controller, col.width) if agent_files else None
        )
        algo = controller.settings.algo
        self.algo = col.dropdown(list(algos), algo if algo in algos else algos[0], 0, ALGO_WIDTH)
        self.algo.set_tooltip("the policy-gradient algorithm (changing it starts over)")
        labeller = _option(LABELLER_OPTIONS, controller.settings.labeller)
        self.labeller = col.dropdown(
            list(LABELLER_OPTIONS), labeller, ALGO_WIDTH + 4, col.width - ALGO_WIDTH - 4
        )
        self._labeller_enabled()
        col.next_row()
        self.lr = labelled_entry(
            col,
            "lr",
            0,
            50,
            100,
            "",
            tip="learning rate (empty: the algorithm's default)",
            placeholder="(default)",
        )
        self.batch_label = col.label("", 156, 124, object_id="#field_label")
        self.batch = col.entry(282, col.width - 282, "", placeholder="(default)")
        col.next_row()
        self.hidden = labelled_entry(
            col,
            "hidden",
            0,
            50,
            100,
            "",
            tip="hidden layer sizes, e.g. 64,64",
            placeholder="(default)",
        )
        self.seed = labelled_entry(
            col, "seed", 156, 124, col.width - 282, str(controller.settings.seed)
        )
        if not uses_hidden:
            self.hidden.set_text("")
            self.hidden.disable()
            self.hidden.set_tooltip("the gridworld uses a table of logits, no hidden layers")
        col.next_row(36)
        n = 5 if inspectable else 4
        w = (col.width - 4 * (n - 1)) // n
        self.run = col.button(
            "Run", 0, w, tip="train in the background (resumes after Pause) · Space"
        )
        self.pause = col.button("Pause", w + 4, w, tip="pause after the current update · Space")
        self.step = col.button("Step", 2 * (w + 4), w, tip="one update, then pause · S")
        self.reset = col.button(
            "Reset", 3 * (w + 4), w, tip="start over with a fresh policy · Ctrl+R"
        )
        self.inspect = None
        """The update inspector's button (the gridworld), or None."""
        if inspectable:
            self.inspect = col.button(
                "Inspect",
                4 * (w + 4),
                col.width - 4 * (w + 4),
                tip="open the last update: what it did to every arrow, and why · I",
            )
        col.next_row(36)
        delay = controller.settings.delay
        self.speed_label = col.label(delay_text(delay), 0, 132)
        self.speed = col.slider(134, col.width - 134 - 96, pace_index(delay), 0, len(PACES) - 1)
        self.speed.set_tooltip("how many updates a second: arrows and track move one step")
        self.full_speed = col.button(
            "Full speed",
            col.width - 92,
            92,
            tip="train as fast as possible; click again to go back to watching",
        )
        self._watch_delay = delay if delay > 0 else WATCH_PACE
        self._show_pace(delay)
        col.next_row(34)
        # the last row of the column: its options open upwards, over the buttons (the column
        # ends here, and a list opening downwards would be cut to one row)
        self.metric_menu = col.dropdown(
            list(METRIC_OPTIONS), METRIC_OPTIONS[0], 0, 230, object_id=METRIC_MENU
        )
        self.metric_menu.set_tooltip("what the plot below shows (the columns of metrics.csv)")
        self.x_menu = col.dropdown(
            list(X_OPTIONS), X_OPTIONS[0], 234, col.width - 234, object_id=METRIC_MENU
        )
        self.x_menu.set_tooltip("the plot's x axis: updates or env steps")
        self.plot_metric, self.plot_x = "mean_return", "updates"
        self._batch_placeholder()
        self._entries = {
            "lr": self.lr,
            "batch": self.batch,
            "hidden": self.hidden,
            "seed": self.seed,
        }
        self._applied = {name: e.get_text() for name, e in self._entries.items()}
        self._focused = None

    # --- layout --------------------------------------------------------------------
    def place(self, x: int, y: int) -> None:
        self.column.container.set_relative_position((x, y))
        self.origin = (x, y)

    def show(self) -> None:
        self.visible = True
        self.column.container.show()

    def hide(self) -> None:
        self.visible = False
        self.column.container.hide()
        self.plot_menu.hide()

    def _batch_placeholder(self) -> None:
        _, label = BATCH_FIELDS.get(self.controller.settings.algo, ("batch_steps", "batch"))
        self.batch_label.set_text(label)  # English: pygame_gui translates it

    def choose_algo(self, algo: str) -> None:
        """Switch algorithm (from the drop-down, a demo or --algo): widgets and trainer agree.
        Choosing the algorithm already chosen keeps the run."""
        select_option(self.algo, (algo, algo))
        if algo == self.controller.settings.algo and self.controller.trainer is not None:
            return
        self.base_overrides = {}
        self.controller.configure(algo=algo)
        self._batch_placeholder()
        self._labeller_enabled()
        self.batch.set_text("")
        self._applied["batch"] = ""
        self._apply_entries(force=True)

    def adopt(self, snapshot) -> None:
        """Show an opened agent's algorithm, hyper-parameters and seed in the widgets, and make
        them the settings, keeping the trainer that opened it (no start-over)."""
        hyper = dict(snapshot.hyperparameters)
        algo = snapshot.algo
        seed = snapshot.agent_file.seed if snapshot.agent_file is not None else 0
        select_option(self.algo, (algo, algo))
        self.controller.adopt(algo=algo, seed=seed, overrides=hyper, world=snapshot.world)
        self._batch_placeholder()
        batch, _ = BATCH_FIELDS.get(algo, ("batch_steps", "batch"))
        texts = {
            "lr": _number_text(hyper.get("lr")),
            "batch": _number_text(hyper.get(batch)),
            "hidden": ",".join(str(h) for h in hyper.get("hidden", ())) if self.uses_hidden else "",
            "seed": str(seed),
        }
        for name, entry in self._entries.items():
            if entry.get_text() != texts[name]:
                entry.set_text(texts[name])
        self._applied = dict(texts)
        self.base_overrides = hyper
        self.field_error = ""

    def choose_labeller(self, labeller: str) -> None:
        """ "synthetic" (the world's return labels the pairs) or "human" (you, at the labelling
        panel): a new run, which keeps the labels given so far."""
        select_option(self.labeller, _option(LABELLER_OPTIONS, labeller))
        self.controller.configure(labeller=labeller)

    @property
    def labels_from_you(self) -> bool:
        """Whether this run learns from the labelling panel (dpo/kto/rlhf, labeller "you")."""
        s = self.controller.settings
        return s.algo in PREFERENCE_ALGORITHMS and s.labeller == "human"

    def _labeller_enabled(self) -> None:
        """The labeller choice is for dpo, kto and rlhf; on CartPole only the synthetic one."""
        if self.env != "gridworld":
            self.labeller.disable()
            self.labeller.set_tooltip(
                "CartPole is labelled by the synthetic labeller (the longer episode wins): "
                "its preference learners need thousands of labels, each a pair of 500-step "
                "episodes to watch, far more than a person can give"
            )
        elif self.controller.settings.algo in PREFERENCE_ALGORITHMS:
            self.labeller.enable()
            self.labeller.set_tooltip(
                "who labels dpo, kto and rlhf: the world's return (synthetic) or you, "
                "in the labelling panel (1 / 2 / 0, Y / N)"
            )
        else:
            self.labeller.disable()
            self.labeller.set_tooltip("only dpo, kto and rlhf learn from labels")

    def relabel(self) -> None:
        """After a language switch: the one label whose text has numbers in it."""
        self.speed_label.set_text(delay_text(self.controller.settings.delay))

    def set_pace(self, delay: float) -> None:
        """Train at one update per ``delay`` seconds (0: full speed), as the slider does."""
        self.controller.set_delay(delay)
        if delay > 0:
            self._watch_delay = delay
        self._show_pace(delay)

    def _show_pace(self, delay: float) -> None:
        self.speed_label.set_text(delay_text(delay))
        if int(self.speed.get_current_value()) != pace_index(delay):
            self.speed.set_current_value(pace_index(delay), warn=False)
        self.full_speed.select() if delay <= 0 else self.full_speed.unselect()

    # --- events --------------------------------------------------------------------
    def handle_event(self, event) -> bool:
        """True when the event was one of this panel's widgets."""
        if self.agent_files is not None and self.agent_files.handle_event(event):
            return True
        if self.timeline is not None and self.timeline.handle_event(event, self.snapshot):
            return True
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            c = self.controller
            actions = {self.run: c.run, self.pause: c.pause, self.step: c.step, self.reset: c.reset}
            if event.ui_element in actions:
                if event.ui_element in (self.run, self.step):
                    self._apply_entries()
                if event.ui_element is self.reset and self.agent_files is not None:
                    self.agent_files.forget()  # "opened agent.pt, update 68" is no longer true
                actions[event.ui_element]()
                return True
            if event.ui_element is self.full_speed:
                full = self.controller.settings.delay <= 0
                self.set_pace(self._watch_delay if full else FULL_SPEED)
                return True
        elif event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED and event.ui_element is self.algo:
            self.choose_algo(event.text)
            return True
        elif (
            event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED
            and event.ui_element in self._entries.values()
        ):
            self._apply_entries()
            return True
        elif event.type == pygame_gui.UI_HORIZONTAL_SLIDER_MOVED and event.ui_element is self.speed:
            self.set_pace(delay_from_slider(event.value))
            return True
        elif (
            event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED
            and event.ui_element is self.plot_menu
        ):
            self.plot_kind = event.selected_option_id
            return True
        elif (
            event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED and event.ui_element is self.labeller
        ):
            self.choose_labeller(event.selected_option_id)
            return True
        elif event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED and event.ui_element in (
            self.metric_menu,
            self.x_menu,
        ):
            if event.ui_element is self.metric_menu:
                self.plot_metric = event.selected_option_id
            else:
                self.plot_x = event.selected_option_id
            return True
        return False

    def _apply_entries(self, force: bool = False) -> None:
        """Validate the hyper-parameter boxes; on success new settings (training starts over)."""
        texts = {name: e.get_text().strip() for name, e in self._entries.items()}
        if not force and texts == {k: v.strip() for k, v in self._applied.items()}:
            return
        try:
            overrides, seed = parse_hyper(self.controller.settings.algo, texts, self.uses_hidden)
        except ValueError as e:
            self.field_error = str(e)
            for name, entry in self._entries.items():
                entry.set_text(self._applied[name])
            return
        self.field_error = ""
        self._applied = dict(texts)
        self.controller.configure(seed=seed, overrides={**self.base_overrides, **overrides})

    # --- per frame -----------------------------------------------------------------
    def update(self) -> None:
        self.snapshot = self.controller.latest()
        if self.agent_files is not None:
            self.agent_files.update(self.snapshot)
        if self.timeline is not None and self.timeline.scrubbing and self.snapshot is None:
            self.timeline.release()  # the run it scrubbed through is gone
        focused = next((e for e in self._entries.values() if e.is_focused), None)
        if self._focused is not None and focused is not self._focused:
            self._apply_entries()  # leaving a box applies it, like pressing Enter
        self._focused = focused

    def status_lines(self) -> list[tuple[str, tuple]]:
        snap = self.snapshot
        lines = []
        if snap is None:
            lines.append(
                (
                    t("idle: press Run to train ({algo})", algo=self.controller.settings.algo),
                    style.MUTED,
                )
            )
        else:
            status = t("starting") if snap.message == "loading" else t(snap.status)
            fields = dict(status=status, u=snap.update, n=f"{snap.env_steps:,}")
            if snap.status == "running":  # the real rate at this pace; nothing while paused
                rate = f"{snap.steps_per_s:,.0f}" if math.isfinite(snap.steps_per_s) else "-"
                text = t("{status} · update {u}\n{n} env steps · {r} steps/s", r=rate, **fields)
            else:
                text = t("{status} · update {u}\n{n} env steps", **fields)
            lines.append((text, style.TEXT))
            if snap.progress is not None:
                lines.append(progress_line(snap.progress))
            report = snap.agent_file if self.agent_files is not None else None
            said = report is not None and snap.message == report.message  # in the panel's words
            if snap.message and snap.message not in (snap.status, "ready", "loading") and not said:
                color = (
                    style.ERROR
                    if snap.status == "failed"
                    else style.OK
                    if snap.solved
                    else style.MUTED
                )
                lines.append((translate_message(snap.message), color))
            if snap.status == "finished":
                lines.append((t("press Run to keep training"), style.MUTED))
        files = self.agent_files.status_line() if self.agent_files is not None else None
        if files is not None:
            lines.append(files)
        if self.controller.error:
            lines.append((self.controller.error, style.ERROR))
        if self.field_error:
            lines.append((self.field_error, style.ERROR))
        return lines

    def draw(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """Status lines, then the plot, inside ``rect`` (below the widgets)."""
        y = rect.y
        for line, color in self.status_lines():
            for part in style.wrap(line, 13, rect.width)[:2]:
                style.blit_text(surface, part, (rect.x, y), 13, color)
                y += 18
        self.status_text_rect = pygame.Rect(rect.x, rect.y, rect.width, y - rect.y)
        plot = pygame.Rect(rect.x, max(y + 6, rect.y + 62), rect.width, 0)
        below = TIMELINE_HEIGHT if self.timeline is not None else 0
        plot.height = rect.bottom - plot.y - below
        if plot.height < 80:
            self.plot_rect = None
            return
        self.plot_rect = plot
        snap = self.snapshot
        series = self.plot_series()
        returns = series["values"]
        prefs = getattr(snap, "preferences", None) if snap is not None else None
        self._place_plot_menu(plot, prefs is not None)
        kind = self.plot_kind if prefs is not None else "return"
        # the layout or the run changed: redraw now; only new points: at most 4 times a second
        layout = (
            kind,
            plot.size,
            self.reference,
            language(),
            id(self.controller.trainer),
            len(returns) == 0,
            self.plot_metric,
            self.plot_x,
        )
        data = (id(snap), len(returns))
        now = time.perf_counter()
        # while training runs, new points redraw the plot at most 4 times a second; once it
        # stops, at once (the plot must show the update the status line names)
        running = snap is not None and snap.status == "running"
        stale = data != self._plot_data and (now - self._plot_time >= PLOT_INTERVAL or not running)
        if layout != self._plot_key or stale or self._plot_surface is None:
            self._plot_key, self._plot_data, self._plot_time = layout, data, now
            self._plot_surface = style.canvas(self._plot_surface, plot.size)
            if kind != "return":
                self._draw_preference_plot(kind, prefs, snap.update)
            else:
                self._draw_metric_plot(series, snap)
        surface.blit(self._plot_surface, plot)
        if self.timeline is not None:
            area = plot_area(plot)
            self.timeline.place(
                pygame.Rect(plot.x, plot.bottom, plot.width, below), (area.x, area.right)
            )
            self.timeline.draw_marker(surface, plot, snap)
            self.timeline.draw(surface, snap)

    def _draw_metric_plot(self, series: dict, snap) -> None:
        """The metric chosen (the returns by default) against updates or env steps."""
        returns = series["values"]
        ref, label = self.reference if self.reference else (None, "")
        if label:
            label = t(REFERENCE_LABELS[label], x=f"{ref:.3g}")
        if self.plot_metric != "mean_return":
            ref, label = None, ""
        area = self._plot_surface.get_rect()
        draw_returns_plot(
            self._plot_surface,
            area,
            returns,
            ref,
            label,
            stride=series["stride"],
            updates=snap.update if snap is not None else 0,
            title=t(PLOT_TITLES[self.plot_metric]),
            x_values=series["x"],
        )
        if snap is not None and snap.update and not np.isfinite(returns).any():
            note = t("{algo} does not report this", algo=self.controller.settings.algo)
            style.blit_text(self._plot_surface, note, area.center, 12, style.MUTED, anchor="center")

    def shown_past(self):
        """The past policy the timeline is held at (agents.policy_history.PolicyAt), or None
        when the live policy is shown."""
        return self.timeline.shown(self.snapshot) if self.timeline is not None else None

    def _place_plot_menu(self, plot: pygame.Rect, wanted: bool) -> None:
        """The plot choice in the plot's title row, while there are preference metrics."""
        if not (wanted and self.visible):
            if self.plot_menu.visible:
                self.plot_menu.hide()
            return
        pos = (plot.right - PLOT_MENU_WIDTH - 2, plot.y + 2)
        if tuple(self.plot_menu.relative_rect.topleft) != pos:
            self.plot_menu.set_relative_position(pos)
        if not self.plot_menu.visible:
            self.plot_menu.show()

    def _draw_preference_plot(self, kind: str, prefs, updates: int) -> None:
        title, names, reference = PLOT_SERIES[kind]
        if kind == "rewards" and prefs.algo == "rlhf":
            title = RLHF_REWARDS_TITLE  # rlhf's rewards are its reward model's returns
        series = [(t(label), prefs.series(name)) for label, name in names]
        draw_series_plot(
            self._plot_surface,
            self._plot_surface.get_rect(),
            t(title),
            series,
            stride=prefs.history_stride,
            updates=updates,
            reference=reference,
        )

    def plot_series(self) -> dict:
        """What the plot shows: {"values", "stride", "x"} of the chosen metric and x axis."""
        snap = self.snapshot
        if snap is None:
            return {"values": (), "stride": 1, "x": None}
        metrics = snap.inspection.metrics if snap.inspection is not None else None
        if self.plot_metric == "mean_return" and (self.plot_x == "updates" or metrics is None):
            return {"values": snap.mean_returns, "stride": snap.returns_stride, "x": None}
        if metrics is None or self.plot_metric not in metrics.names:
            return {"values": (), "stride": 1, "x": None}
        return {
            "values": metrics.series(self.plot_metric),
            "stride": metrics.stride,
            "x": metrics.env_steps if self.plot_x == "env_steps" else None,
        }

    def close(self) -> None:
        if self.agent_files is not None:
            self.agent_files.close()
        self.plot_menu.kill()
        self.controller.close()


def progress_line(progress) -> tuple[str, tuple]:
    """ "optimal in 87 / 100 states · value gap 3.2": the greedy policy against the exact
    optimum (gridsim.progress); green once every state is optimal."""
    if progress.solved:
        return (
            t("optimal in {k} / {n} states", k=progress.n_states, n=progress.n_states),
            style.OK,
        )
    return (
        t(
            "optimal in {k} / {n} states · value gap {gap}",
            k=progress.optimal_states,
            n=progress.n_states,
            gap=f"{progress.value_gap:.3g}",
        ),
        style.TEXT,
    )


# The documented range of the hyper-parameter behind each box (gridsim.limits: the same as
# `train --set` and `--seed`).
BATCH_LIMITS: dict[str, limits.Limit] = {
    "batch_steps": limits.STEPS_PER_UPDATE,
    "n_steps": limits.STEPS_PER_UPDATE,
    "num_envs": limits.NUM_ENVS,
}


def parse_hyper(algo: str, texts: dict[str, str], uses_hidden: bool) -> tuple[dict, int]:
    """(overrides, seed) from the boxes' texts; empty boxes keep the algorithm's defaults.

    Every number is checked against its range in gridsim.limits. Raises ValueError with a
    one-line message in the user's language naming the box and the range. (The memory of
    one update, which also depends on the defaults held by the trainer, is checked there:
    a too-big combination comes back as the trainer's failed status.)
    """
    overrides: dict = {}
    if texts.get("lr"):
        overrides["lr"] = _checked(limits.LR, texts["lr"], "lr")
    if texts.get("batch"):
        name, label = BATCH_FIELDS.get(algo, ("batch_steps", "batch"))
        overrides[name] = _checked(BATCH_LIMITS.get(name, limits.COUNT), texts["batch"], label)
    if uses_hidden and texts.get("hidden"):
        parts = [p for p in texts["hidden"].replace(" ", "").split(",") if p]
        if not parts or len(parts) > limits.HIDDEN_LAYERS.high:
            raise ValueError(
                t(
                    "hidden: write 1 to {n} layer sizes like 64,64",
                    n=limits.number_text(limits.HIDDEN_LAYERS.high),
                )
            )
        overrides["hidden"] = tuple(_checked(limits.HIDDEN_WIDTH, p, "hidden") for p in parts)
    seed = 0
    if texts.get("seed"):
        seed = _checked(limits.SEED, texts["seed"], "seed")
    return overrides, seed


def _number_text(value) -> str:
    """A hyper-parameter as a box shows it: 0.05, 32 (empty when missing)."""
    if value is None or isinstance(value, bool):
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _checked(limit: limits.Limit, text: str, label: str):
    """``limits.parse``, its refusal as a ValueError in the user's language."""
    try:
        return limits.parse(limit, text, label)
    except limits.LimitError as e:
        raise ValueError(
            t("{field}: {reason!s}", field=t(label), reason=translate_message(e.reason))
        ) from None


__all__ = [
    "TrainingPanel",
    "Settings",
    "parse_hyper",
    "delay_from_slider",
    "WIDTH",
    "CONTROLS_HEIGHT",
    "REFERENCE_LABELS",
]


def _option(options, value):
    for text, ident in options:
        if ident == value:
            return (text, ident)
    return options[0]

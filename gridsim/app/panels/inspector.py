"""The update inspector: open the last update and see what it did to every arrow, and why.

Opened with its button or the I key (training pauses: the update stays put while it is
read; Step makes the next one and the inspector follows). It takes the left column of
the gridworld scene and draws over the board: one view at a time (inspector_views), the
batch's trajectories listed, ←/→ stepping through the chosen one. Everything it shows
comes from the snapshot's ``inspection`` (gridsim.inspection): numbers copied out of the
trainer process; the exact answers it compares them with are computed here, in numpy.
"""

from __future__ import annotations

import pygame
import pygame_gui
from pygame_gui.elements import UISelectionList

from gridsim.app.draw import board as draw_board
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import style
from gridsim.app.i18n import language, t
from gridsim.app.language import BATCH_LIST
from gridsim.app.panels import inspector_views as views
from gridsim.app.scenes.base import TOP_BAR
from gridsim.app.widgets import Column

VIEWS = (
    ("batch", "Batch"),
    ("change", "Δπ"),
    ("gradient", "Gradient"),
    ("critic", "Critic"),
    ("ratios", "Ratios"),
    ("groups", "Groups"),
)
VIEW_TIPS = {
    "batch": "the trajectories this update learned from, step by step (← →)",
    "change": "how much every arrow π(a|s) changed in this update",
    "gradient": "this batch's gradient estimate beside the exact policy gradient",
    "critic": "the critic's values and the batch's advantages beside the exact ones (VPG, PPO)",
    "ratios": "each step's ratio new π / old π after the update, and PPO's clip (PPO, GRPO)",
    "groups": "GRPO's groups: returns and group-relative advantages",
}
LIST_HEIGHT = 150
PLAY_SECONDS = 0.7
"""A played trajectory advances one step this often."""


class Selection:
    """Which trajectory of the batch, and which step of it, is shown."""

    def __init__(self):
        self.index = 0
        self.step = 0

    def trajectory(self, ins):
        if ins is None or not ins.trajectories:
            return None
        return ins.trajectories[min(self.index, len(ins.trajectories) - 1)]


class Inspector:
    """The inspector's widgets (a column in place of the world editor) and its state."""

    def __init__(self, manager, width: int):
        self.manager = manager
        self.width = width
        self.is_open = False
        self.view = "batch"
        self.snapshot = None
        self._scene_world = None
        self.ins = None
        self.world = None
        self.sel = Selection()
        self.playing = False
        self.cell: int | None = None
        self.hover: int | None = None
        self.text_rects: list[pygame.Rect] = []
        self._clock = 0.0
        self._exact: tuple | None = None  # (inspection, world, Exact)
        self._listed = None
        self._board_key = None
        self._board = None  # draw.board.BoardPicture of the view shown
        self._tags = None  # the batch view's reward tags, placed once per picture
        self._build()

    def _build(self) -> None:
        col = Column(self.manager, pygame.Rect(0, TOP_BAR, self.width, 640))
        self.column = col
        col.label("Update inspector", 0, 150, 24, object_id="#heading")
        self.close_button = col.button(
            "Close (I)", 156, col.width - 156, tip="back to the world editor · I"
        )
        col.next_row(32)
        third = (col.width - 8) // 3
        self.view_buttons = {}
        for i, (key, text) in enumerate(VIEWS):
            self.view_buttons[key] = col.button(
                text, (i % 3) * (third + 4), third, tip=VIEW_TIPS[key]
            )
            if i % 3 == 2:
                col.next_row(30)
        col.skip(4)
        self.list_y = col.y
        self.trajectory_list = UISelectionList(
            pygame.Rect(col.pad, col.y, col.width, LIST_HEIGHT),
            [],
            self.manager,
            container=col.container,
            allow_double_clicks=False,
            object_id=BATCH_LIST,  # its rows in Noto Sans SC 12 pt (language.zh_font_theme)
        )
        col.skip(LIST_HEIGHT + 6)
        self.prev_button = col.button("◀", 0, third, tip="previous step · ←")
        self.play_button = col.button("Play", third + 4, third, tip="play the steps one by one")
        self.next_button = col.button("▶", 2 * (third + 4), third, tip="next step · →")
        col.next_row(34)
        self.text_y = col.y
        self.batch_widgets = (
            self.trajectory_list,
            self.prev_button,
            self.play_button,
            self.next_button,
        )
        col.container.hide()

    # --- opening and closing ---------------------------------------------------------------
    def open(self) -> None:
        self.is_open = True
        self.column.container.show()
        self._show_view_widgets()
        if self.snapshot is not None:
            self.update(self.snapshot, self._scene_world, 0.0)  # the update to show, at once

    def close(self) -> None:
        self.is_open = False
        self.playing = False
        self.column.container.hide()

    def show(self) -> None:
        if self.is_open:
            self.column.container.show()
            self._show_view_widgets()

    def hide(self) -> None:
        self.column.container.hide()

    def kill(self) -> None:
        self.column.container.kill()

    # --- following the trainer -------------------------------------------------------------
    def update(self, snapshot, world, dt: float) -> None:
        """Take the latest snapshot's inspection (a new update resets the step shown); nothing
        to do while closed. The exact answers use the world the update was learned on (the
        snapshot's), which an edit since then does not change."""
        self.snapshot, self._scene_world = snapshot, world
        if not self.is_open:
            return
        ins = getattr(getattr(snapshot, "inspection", None), "last", None)
        if ins is not None and ins.pi_before is None:
            ins = None  # CartPole: nothing tabular to show
        if ins is not self.ins:
            if ins is not None and (self.ins is None or ins.update != self.ins.update):
                self.sel.step = 0
            self.ins = ins
            learned_on = getattr(snapshot, "world", None) or world
            fits = ins is not None and learned_on.n_states == len(ins.pi_before)
            self.world = learned_on if fits else None
            self._show_view_widgets()
        self._refresh_list()  # a new update, or the same one in another language
        self._enable_views()
        if self.playing:
            self._clock += dt
            if self._clock >= PLAY_SECONDS:
                self._clock = 0.0
                if not self.move(1):
                    self.playing = False
                    self.play_button.set_text("Play")

    def exact(self):
        """The exact answers for the update shown (cached per update and world)."""
        if self.ins is None or self.world is None:
            return None
        if self._exact is None or self._exact[0] is not self.ins or self._exact[1] != self.world:
            self._exact = (self.ins, self.world, views.exact_for(self.ins, self.world))
        return self._exact[2]

    def available(self) -> dict[str, bool]:
        """The views this update has: every one shows Δπ; Batch and Gradient need the weights
        Φ_t of a policy-gradient loss (the preference learners have none); Critic compares a
        critic of the true rewards (VPG, PPO: not RLHF's, which learns a reward of its own)."""
        ins = self.ins
        ok = ins is not None and self.world is not None
        weighted = ok and bool(ins.weight_name)
        return {
            "batch": weighted,
            "change": ok,
            "gradient": weighted,
            "critic": weighted and ins.value_after is not None,
            "ratios": ok and ins.ratio_counts is not None,
            "groups": ok and bool(ins.groups),
        }

    def _enable_views(self) -> None:
        available = self.available()
        for key, button in self.view_buttons.items():
            if available[key] and not button.is_enabled:
                button.enable()
            elif not available[key] and button.is_enabled:
                button.disable()
            if (key == self.view) != button.is_selected:
                button.select() if key == self.view else button.unselect()
        if not available.get(self.view, False):
            first = next((key for key, ok in available.items() if ok), None)
            if first is not None:
                self.set_view(first)

    def _refresh_list(self) -> None:
        ins = self.ins
        labels = (
            [views.trajectory_label(k, tr) for k, tr in enumerate(ins.trajectories)] if ins else []
        )
        key = (tuple(labels), language())
        if key == self._listed:
            return
        self._listed = key
        if ins is not None and self.sel.index >= len(labels):
            self.sel.index = 0
        self.trajectory_list.set_item_list(labels)
        if labels:
            self.trajectory_list.item_list[self.sel.index]["selected"] = True

    # --- the user ----------------------------------------------------------------------------
    def set_view(self, view: str) -> None:
        self.view = view
        self.playing = False
        self.play_button.set_text("Play")
        self._show_view_widgets()

    def _show_view_widgets(self) -> None:
        """The batch list and its buttons: in the batch view of an update (not before one)."""
        wanted = self.is_open and self.view == "batch" and self.ins is not None
        for w in self.batch_widgets:
            if wanted and not w.visible:
                w.show()
            elif not wanted and w.visible:
                w.hide()

    def move(self, steps: int) -> bool:
        """Step through the chosen trajectory; False at either end."""
        traj = self.sel.trajectory(self.ins)
        if traj is None:
            return False
        new = max(0, min(len(traj) - 1, self.sel.step + steps))
        moved = new != self.sel.step
        self.sel.step = new
        return moved

    def choose(self, index: int) -> None:
        """Show trajectory ``index`` of the batch from its first step."""
        self.sel.index, self.sel.step = index, 0

    def handle_event(self, event) -> bool:
        """True when the event was the inspector's."""
        if not self.is_open:
            return False
        et = event.type
        if et == pygame_gui.UI_BUTTON_PRESSED:
            element = event.ui_element
            for key, button in self.view_buttons.items():
                if element is button:
                    self.set_view(key)
                    return True
            if element is self.prev_button:
                self.move(-1)
                return True
            if element is self.next_button:
                self.move(1)
                return True
            if element is self.play_button:
                self.playing = not self.playing
                if self.playing:
                    traj = self.sel.trajectory(self.ins)
                    if traj is not None and self.sel.step >= len(traj) - 1:
                        self.sel.step = 0
                self._clock = 0.0
                self.play_button.set_text("Pause" if self.playing else "Play")
                return True
        elif (
            et == pygame_gui.UI_SELECTION_LIST_NEW_SELECTION
            and event.ui_element is self.trajectory_list
        ):
            for k, item in enumerate(self.trajectory_list.item_list):
                if item["selected"]:
                    self.choose(k)
            return True
        elif et == pygame.KEYDOWN and event.key in (pygame.K_LEFT, pygame.K_RIGHT):
            if self.view != "batch":
                self.set_view("batch")
            self.move(-1 if event.key == pygame.K_LEFT else 1)
            return True
        return False

    def select_cell(self, state: int | None) -> None:
        """A click on the board: that cell's numbers stay in the sidebar."""
        self.cell = state

    def shown_cell(self) -> int | None:
        """The cell whose numbers the sidebar lists: under the mouse, else the one clicked,
        else the start cell."""
        for cell in (self.hover, self.cell, getattr(self.world, "start", None)):
            if cell is not None and self.world is not None and cell < self.world.n_states:
                return cell
        return None

    # --- drawing -----------------------------------------------------------------------------
    def draw(self, surface, geo, area, hint_rect, text_rect, left_rect) -> None:
        """The inspector's words (above and below the board, in the left column) and the
        board of its view at ``geo`` (ratios and groups take the whole ``area`` instead)."""
        writer = views.Writer(surface)
        ins, exact = self.ins, self.exact()
        if ins is None or exact is None:
            writer.block(
                t("No update to inspect yet: press Step (S) to make one."),
                hint_rect,
                hint_rect.y,
                14,
                style.TEXT,
                bold=True,
            )
            self.text_rects = writer.rects
            return
        title, legend = views.caption(ins, self.view, exact, geo)
        y = writer.block(title, hint_rect, hint_rect.y, 14, style.TEXT, bold=True)
        writer.block(legend, hint_rect, y, 12, style.MUTED)
        if self.view in ("ratios", "groups"):
            surface.fill(style.CELL, area)
            metrics = getattr(self.snapshot.inspection, "metrics", None)
            writer.rects += views.center_panel(surface, area, ins, self.view, metrics)
        else:
            writer.rects += self._draw_board(surface, geo, ins, exact)
        y = text_rect.y
        for line in views.summary(ins, self.view, self.sel, exact):
            y = writer.block(line, text_rect, y, 13, style.TEXT)
        top = TOP_BAR + (self.text_y if self.view == "batch" else self.list_y)
        side = pygame.Rect(left_rect.x + 10, top, left_rect.width - 20, left_rect.bottom - top - 6)
        y = side.y
        cell = self.shown_cell()
        for text, color, bold in views.sidebar(ins, self.view, self.sel, exact, cell):
            y = writer.block(text, side, y, 13, color, bold)
        self.text_rects = writer.rects

    def _draw_board(self, surface, geo, ins, exact) -> list[pygame.Rect]:
        """The view's board picture (repainted when what it shows changes), and in the batch
        view the trajectory up to the step shown; the screen boxes of its text."""
        batch = self.view == "batch"
        traj = self.sel.trajectory(ins) if batch else None
        step_key = (self.sel.index, self.sel.step) if batch else None
        key = (id(ins), self.view, step_key, geo, self.world, language())
        if key != self._board_key or self._board is None:
            self._board_key = key
            self._board = views.board_picture(
                geo, self.world, ins, self.view, self.sel, exact, self._board
            )
            self._tags = None
        picture, pos = self._board, geo.rect.topleft
        surface.blit(picture.base, pos)
        path = views.as_trajectory(traj) if traj is not None and len(traj) else None
        if path is not None:
            draw_grid.draw_path(surface, geo, path, self.sel.step + 1)
            views.draw_push(surface, geo, self.world, ins, self.sel)
        surface.blit(picture.text, pos)
        boxes = [box.move(pos) for box in picture.boxes]
        if path is not None:
            if self._tags is None:
                self._tags = draw_board.place_tags(picture, path)
            boxes += draw_board.draw_tags(surface, self._tags, path, self.sel.step + 1, pos)
            draw_grid.draw_agent(surface, geo, path, self.sel.step)
        return boxes

    def readout(self) -> dict:
        """What the inspector shows, as numbers (tests, --headless)."""
        ins, exact = self.ins, self.exact()
        out = {"open": self.is_open, "view": self.view, "update": getattr(ins, "update", None)}
        if ins is None or exact is None:
            return out
        traj = self.sel.trajectory(ins)
        cell = self.shown_cell()
        out.update(
            views=[k for k, ok in self.available().items() if ok],
            trajectories=len(ins.trajectories),
            trajectory=self.sel.index,
            step=self.sel.step,
            weight=None if traj is None else float(traj.weights[self.sel.step]),
            cosine=views.cosine(ins.estimate, exact.gradient),
            kl_prev=ins.kl_prev,
            sidebar=[text for text, _, _ in views.sidebar(ins, self.view, self.sel, exact, cell)],
            summary=views.summary(ins, self.view, self.sel, exact),
        )
        return out

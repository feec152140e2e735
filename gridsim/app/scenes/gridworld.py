"""The Gridworld scene: edit the world and its rewards, watch the policy, values and a
trajectory, set a policy by hand, and train with any algorithm."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygame
import pygame_gui

from gridsim.app import editor
from gridsim.app.animation import Animation
from gridsim.app.draw import board as draw_board
from gridsim.app.draw import grid as draw_grid
from gridsim.app.draw import style
from gridsim.app.draw.formulas import discounted_equation, prefix, return_equation
from gridsim.app.editor import EditError
from gridsim.app.exact import ExactCache
from gridsim.app.file_dialog import LayoutFileDialog, layouts_folder
from gridsim.app.i18n import language, t, translate_message
from gridsim.app.panels import reward_overlay
from gridsim.app.panels.inspector import Inspector
from gridsim.app.panels.labelling import MIN_SIDE_CELL, LabellingPanel, label_kind
from gridsim.app.panels.training import WATCH_PACE, WIDTH, TrainingPanel, status_rect
from gridsim.app.scenes.base import TOP_BAR, ColumnsScene
from gridsim.app.trainer_link import Settings, TrainingController, algorithms
from gridsim.app.widgets import Column, labelled_entry, select_option
from gridsim.files import UserFileError
from gridsim.layout import LayoutError, load_layout, save_layout
from gridsim.trajectory import sample_trajectory
from gridsim.world import ACTION_WORDS, ACTIONS, N_ACTIONS, World, default_world, state_name

LEFT_WIDTH = 280
MESSAGE_LINES, MESSAGE_LINE_HEIGHT = 3, 16  # the red/green line under the world's options
STEPS_PER_SECOND = 3.0
HOLD_SECONDS = 1.5
MAX_ANIMATION_SECONDS = 5.0  # a long trajectory is drawn faster, so it never lags the arrows
STALE_FACTOR = 0.25
"""A drawn trajectory is replaced once one of its actions has lost this share of the
probability it had when it was sampled (the trainer moved on while it was drawn)."""
MAX_SHOWN_STEPS = 40

TOOL_TIPS = {
    "forbidden": "Click a cell to make it forbidden (red); click again to clear it",
    "target": "Click a cell to make it a target (green); click again to clear it",
    "start": "Click a cell to start trajectories there",
    "clear": "Click a cell to make it an ordinary white cell",
}
TOOL_NAMES = {"forbidden": "Forbidden", "target": "Target", "start": "Start", "clear": "Clear"}
TABLE_NAMES = {"q_pi": "Q^π", "a_pi": "A^π", "q_star": "Q*"}  # typeset where we draw them
# widgets cannot typeset: Unicode forms (formulas.plain), e.g. "Qπ"
ACTION_VALUE_OPTIONS = (
    ("off", "off"),
    ("Qπ", "q_pi"),
    ("Aπ", "a_pi"),
    ("Q*", "q_star"),
    ("β·log π/πref", "implicit"),
)
LABELLING_SHARE = 0.56  # of the board's height, for the labelling panel when it is shown
MODE_OPTIONS = (("forbidden cells: enter", "enter"), ("forbidden cells: walls", "wall"))


@dataclass
class Overlays:
    """What is drawn over the grid besides the policy."""

    v_pi: bool = True
    v_star: bool = False
    action_values: str = "off"  # off | q_pi | a_pi | q_star | implicit (see reward_overlay)


class GridworldScene(ColumnsScene):
    title = "Gridworld"

    def __init__(self, manager, size, world: World | None = None, factory=None, seed: int = 0):
        self.manager = manager
        self.world = world or default_world()
        self.tool = "forbidden"
        self.hand_mode = False
        self.hand_actions: tuple[int, ...] = (4,) * self.world.n_states
        self.overlays = Overlays()
        self.exact = ExactCache()
        self.message, self.message_color = "", style.MUTED
        self.rng = np.random.default_rng(seed)
        self.traj = None
        self.anim: Animation | None = None
        self.traj_source = ""  # the policy ("hand", "trainer", "uniform") it was sampled from
        self.traj_probs: np.ndarray | None = None  # pi(a_t|s_t) of its steps when sampled
        self.hover: int | None = None
        self._board_key = None
        self._board: draw_board.BoardPicture | None = None
        self._tags: tuple[draw_board.RewardTag, ...] = ()
        self._tags_for = None  # (trajectory, board picture) the tags were placed for
        self.drawn_text: list[pygame.Rect] = []  # screen boxes of the board's text, last frame
        self.hint_boxes: list[pygame.Rect] = []  # and of the hint lines above the board
        self.hint_lines: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self._past = None  # (pi, key) of the past update last shown
        self._past_marks = None  # ((world, key), its non-optimal states, ProgressTracker)
        self._dialog = None
        self._dialog_kind = ""
        self._dialog_folder: Path | None = None  # where the last layout was opened or saved
        self.controller = TrainingController(
            "gridworld", Settings(algo="reinforce", delay=WATCH_PACE), factory
        )
        self.controller.set_world(self.world, keep_policy=False)
        self.panel = TrainingPanel(
            manager,
            "gridworld",
            algorithms(),
            self.controller,
            uses_hidden=False,
            agent_files=True,
            timeline=True,
            inspectable=True,
        )
        self.panel.agent_files.on_opened = self._agent_opened
        self.labelling = LabellingPanel(manager, self.controller, seed)
        self.labelling_shown = False
        self.reward_geos: list = []  # the boards beside the implicit reward (see reward_overlay)
        self._reward_boards: list = []
        self.inspector = Inspector(manager, LEFT_WIDTH)
        self._build_left()
        self.layout(size)

    # --- widgets -------------------------------------------------------------------
    def _build_left(self) -> None:
        col = Column(self.manager, pygame.Rect(0, TOP_BAR, LEFT_WIDTH, 600))
        self.left = col
        col.heading("World: click a cell to edit it")
        half = (col.width - 4) // 2
        self.tool_buttons = {}
        for i, tool in enumerate(editor.TOOLS):
            self.tool_buttons[tool] = col.button(
                TOOL_NAMES[tool], (i % 2) * (half + 4), half, tip=TOOL_TIPS[tool]
            )
            if i % 2:
                col.next_row(30)
        self.tool_buttons[self.tool].select()
        col.skip(4)
        col.label("size", 0, 40, object_id="#field_label")
        sides = [str(n) for n in range(editor.MIN_SIDE, editor.MAX_EDIT_SIDE + 1)]
        self.rows_menu = col.dropdown(sides, str(self.world.rows), 44, 70)
        col.label("×", 116, 20)
        self.cols_menu = col.dropdown(sides, str(self.world.cols), 138, 70)
        self.rows_menu.set_tooltip("rows (a new size starts training over)")
        self.cols_menu.set_tooltip("columns (a new size starts training over)")
        col.next_row()
        self.tutorial_button = col.button("Tutorial world", 0, 112, tip="the tutorial's 3x3 world")
        self.open_button = col.button("Open…", 116, 70, tip="load a layout file (JSON) · Ctrl+O")
        self.save_button = col.button(
            "Save…", 190, col.width - 190, tip="save this world as a layout file · Ctrl+S"
        )
        col.next_row(40)
        col.heading("Rewards and options")
        self.fields = {}
        names = list(editor.NUMBER_FIELDS)
        for i, name in enumerate(names):
            x = (i % 2) * (half + 4)
            self.fields[name] = labelled_entry(
                col, name, x, 80, half - 82, editor.field_text(self.world, name)
            )
            if i % 2:
                col.next_row()
        self.fields["gamma"].set_tooltip("discount factor, 0 <= gamma < 1")
        self.fields["horizon"].set_tooltip("training episodes are cut after this many steps")
        self._field_text = {name: e.get_text() for name, e in self.fields.items()}
        self._focused = None
        self.mode_menu = col.dropdown(
            list(MODE_OPTIONS),
            _option(MODE_OPTIONS, self.world.forbidden_mode),
            0,
            col.width,
        )
        col.next_row()
        self.terminal_box = col.checkbox(
            "episode ends at target", checked=self.world.target_terminal
        )
        col.next_row(30)
        self.message_y = TOP_BAR + col.y
        col.skip(MESSAGE_LINES * MESSAGE_LINE_HEIGHT + 6)  # the message's lines, then a gap
        col.heading("Show")
        self.v_pi_box = col.checkbox("Vπ values (bottom left)", checked=True)
        col.next_row(26)
        self.v_star_box = col.checkbox("V* and optimal arrows (purple)")
        col.next_row(28)
        col.label("per action", 0, 80, object_id="#field_label")
        self.action_menu = col.dropdown(
            list(ACTION_VALUE_OPTIONS), ACTION_VALUE_OPTIONS[0], 84, 150
        )
        self.action_menu.set_tooltip(
            "Q or advantage of each action, as coloured triangles; β·log π/πref: the reward "
            "a dpo, kto or rlhf policy implies, beside the world's r(s,a)"
        )
        col.next_row(34)
        self.hand_box = col.checkbox(
            "hand policy: click a cell's side",
            tip="set a deterministic action per cell (middle = a5 stay)",
        )
        col.next_row()

    def layout(self, size) -> None:
        w, h = size
        self.size = (w, h)
        self._laid_out = self._layout_key()
        self.panel.place(w - WIDTH, TOP_BAR)
        center = pygame.Rect(LEFT_WIDTH, TOP_BAR, max(100, w - LEFT_WIDTH - WIDTH), h - TOP_BAR)
        self.center = self.center_rect = center
        self.hint_rect = pygame.Rect(center.x + 12, center.y + 6, center.width - 24, 58)
        self.text_rect = pygame.Rect(center.x + 12, center.bottom - 100, center.width - 24, 96)
        grid_area = pygame.Rect(
            center.x + 12, center.y + 66, center.width - 24, center.height - 66 - 104
        )
        shared = None
        if self.labelling_shown:
            # the pair on boards of its own below the board, or, when those would be too small
            # to read, in two colours on the board itself
            avail = center.height - 66
            below = int(avail * LABELLING_SHARE)
            split = pygame.Rect(grid_area.x, center.bottom - below, grid_area.width, below - 6)
            if self.labelling.side_cell(split, self.world) >= MIN_SIDE_CELL:
                grid_area.height = avail - below - 8
                self.labelling.layout(split)
            else:
                top, bottom = self.labelling.margins()
                whole = pygame.Rect(grid_area.x, grid_area.y, grid_area.width, avail - 6)
                grid_area = pygame.Rect(
                    whole.x, whole.y + top, whole.width, whole.height - top - bottom - 4
                )
                shared = whole
        self.reward_geos = []
        if self.overlays.action_values == "implicit":
            algo = self.controller.settings.algo
            geos = reward_overlay.place(grid_area, self.world, algo)
            self.geo, self.reward_geos = (
                geos[0],
                list(zip(reward_overlay.boards(algo), geos, strict=True)),
            )
        else:
            self.geo = draw_grid.GridGeometry.fit(grid_area, self.world.rows, self.world.cols)
        if shared is not None:
            self.labelling.layout(shared, shared=self.geo)
        self.left_rect = pygame.Rect(0, TOP_BAR, LEFT_WIDTH, h - TOP_BAR)
        self.right_rect = pygame.Rect(w - WIDTH, TOP_BAR, WIDTH, h - TOP_BAR)
        self.status_rect = status_rect((w, h))
        # the inspector's layout: more room for words above and below a smaller board
        x, width = center.x + 12, center.width - 24
        self.inspect_hint = pygame.Rect(x, center.y + 6, width, 92)
        self.inspect_text = pygame.Rect(x, center.bottom - 112, width, 106)
        self.inspect_area = pygame.Rect(
            x,
            self.inspect_hint.bottom + 4,
            width,
            self.inspect_text.y - self.inspect_hint.bottom - 10,
        )
        self.inspect_geo = draw_grid.GridGeometry.fit(
            self.inspect_area, self.world.rows, self.world.cols
        )

    def keep_clear(self) -> list[pygame.Rect]:
        """Also the labelling panel's message (a label file's error, under its buttons)."""
        rects = super().keep_clear()
        if self.labelling_shown and self.labelling.message_rect is not None:
            rects.append(self.labelling.message_rect)
        return rects

    def _layout_key(self):
        """What the centre's arrangement depends on besides the window size."""
        return (self.labelling_shown, self.overlays.action_values, self.controller.settings.algo)

    # --- presets (for code, demos and tests) ---------------------------------------------
    def preset(self, *, world=None, hand_actions=None, algo=None, overlays: Overlays | None = None):
        """Put the scene in a given state as if the user had clicked there."""
        if world is not None:
            self.set_world(world, keep_policy=False)
        if hand_actions is not None:
            self.hand_actions = tuple(int(a) for a in hand_actions)
            self._set_hand_mode(True)
        if algo is not None:
            self.panel.choose_algo(algo)
        if overlays is not None:
            self.overlays = overlays
            self.v_pi_box.set_state(overlays.v_pi)
            self.v_star_box.set_state(overlays.v_star)
            select_option(self.action_menu, _option(ACTION_VALUE_OPTIONS, overlays.action_values))

    # --- the world -----------------------------------------------------------------------
    def set_world(self, world: World, *, keep_policy: bool) -> None:
        """Make ``world`` the world: widgets, trainer (next update), overlays, all at once."""
        reshaped = world.shape != self.world.shape
        self.world = world
        if reshaped:
            keep_policy = False
            self.hand_actions = (4,) * world.n_states
            n = len(self.controller.pairs) + len(self.controller.judgements)
            if n:
                self.controller.forget_preferences()
                self._say(t("a new grid size: the {n} labels of the old one are dropped", n=n))
            self.layout(self.size)
        self.controller.set_world(world, keep_policy=keep_policy)
        self._sync_widgets()
        self.traj = None

    def _sync_widgets(self) -> None:
        self._reset_size_menus()
        for name, entry in self.fields.items():
            text = editor.field_text(self.world, name)
            if entry.get_text() != text:  # set_text rebuilds the box's text layout
                entry.set_text(text)
            self._field_text[name] = text
        self.terminal_box.set_state(self.world.target_terminal)
        mode = _option(MODE_OPTIONS, self.world.forbidden_mode)
        if self.mode_menu.selected_option[1] != mode[1]:
            select_option(self.mode_menu, mode)

    def _agent_opened(self, snapshot) -> None:
        """An agent file was opened: its world and settings become the scene's (the trainer
        already trains on them, so nothing is sent back to it)."""
        self.panel.adopt(snapshot)
        world = snapshot.world
        if world is not None and world != self.world:
            if world.shape != self.world.shape:
                self.hand_actions = (4,) * world.n_states
                self.world = world
                self.layout(self.size)
            self.world = world
            self._sync_widgets()
        if self.hand_mode:
            self._set_hand_mode(False)
        self.traj = None
        self.message = ""

    def _edit(self, make) -> None:
        try:
            world = make()
        except EditError as e:
            self._say(refusal_text(e), error=True)
            return
        self.set_world(world, keep_policy=True)

    def _say(self, message: str, error: bool = False) -> None:
        self.message, self.message_color = message, (style.ERROR if error else style.OK)

    def _apply_field(self, name: str) -> None:
        entry = self.fields[name]
        text = entry.get_text()
        if text.strip() == self._field_text[name].strip():
            return
        try:
            world = editor.apply_field(self.world, name, text)
        except EditError as e:
            self._say(refusal_text(e), error=True)
            entry.set_text(self._field_text[name])
            return
        self._say(
            t("{name} = {value}: applied from the next update", name=name, value=text.strip())
        )
        self.set_world(world, keep_policy=True)

    def _set_hand_mode(self, on: bool) -> None:
        if on and not self.hand_mode:
            pi, _ = self._trained_policy()
            if pi is not None:
                self.hand_actions = tuple(int(a) for a in np.argmax(pi, axis=1))
            self.controller.pause()
        self.hand_mode = on
        self.hand_box.set_state(on)
        self.traj = None

    # --- events --------------------------------------------------------------------------
    # --- the update inspector ----------------------------------------------------------------
    def toggle_inspector(self) -> None:
        """Open the last update in the inspector (training pauses), or close it."""
        if self.inspector.is_open:
            self.inspector.close()
            self.left.container.show()
            return
        self.controller.pause()
        self.left.container.hide()
        self.inspector.open()

    def show(self) -> None:
        super().show()
        if self.labelling_shown:
            self.labelling.show()
        if self.inspector.is_open:
            self.left.container.hide()
            self.inspector.show()

    def hide(self) -> None:
        super().hide()
        self.labelling.hide()
        self.inspector.hide()

    def handle_event(self, event) -> None:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in (
            self.panel.inspect,
            self.inspector.close_button,
        ):
            self.toggle_inspector()
            return
        if self.inspector.is_open:
            if self.inspector.handle_event(event):
                return
            if event.type == pygame.MOUSEMOTION:
                self.hover = self.inspector.hover = self.inspect_geo.state_at(event.pos)
                return
            if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                state = self.inspect_geo.state_at(event.pos)
                if state is not None:
                    self.inspector.select_cell(state)
                    return
        if self.panel.handle_event(event):
            if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in (
                self.panel.run,
                self.panel.step,
            ):
                if self.hand_mode:
                    self._set_hand_mode(False)
            return
        if self.labelling_shown and self.labelling.handle_event(event):
            return
        et = event.type
        if et == pygame_gui.UI_BUTTON_PRESSED:
            self._on_button(event.ui_element)
        elif et == pygame_gui.UI_DROP_DOWN_MENU_CHANGED:
            self._on_menu(event)
        elif et == pygame_gui.UI_TEXT_ENTRY_FINISHED:
            for name, entry in self.fields.items():
                if event.ui_element is entry:
                    self._apply_field(name)
        elif et in (pygame_gui.UI_CHECK_BOX_CHECKED, pygame_gui.UI_CHECK_BOX_UNCHECKED):
            on = et == pygame_gui.UI_CHECK_BOX_CHECKED
            if event.ui_element is self.terminal_box:
                self._edit(lambda: editor.set_options(self.world, target_terminal=on))
            elif event.ui_element is self.v_pi_box:
                self.overlays.v_pi = on
            elif event.ui_element is self.v_star_box:
                self.overlays.v_star = on
            elif event.ui_element is self.hand_box:
                self._set_hand_mode(on)
        elif et == pygame_gui.UI_FILE_DIALOG_PATH_PICKED and event.ui_element is self._dialog:
            self._on_path(event.text)
        elif et == pygame_gui.UI_WINDOW_CLOSE and event.ui_element is self._dialog:
            self._dialog = None
        elif et == pygame.MOUSEMOTION:
            self.hover = self.state_under(event.pos)
        elif et == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.click(event.pos)

    def click(self, pos) -> None:
        """A left click on the board: set a hand action, or apply the current tool."""
        s = self.geo.state_at(pos)
        if s is None:
            return
        if self.hand_mode:
            if self.world.is_terminal(s):
                return
            a = editor.action_at(*self.geo.offset_in_cell(pos, s))
            self.hand_actions = editor.with_hand_action(self.hand_actions, s, a)
            self._say(t("{s}: {a} {word}", s=state_name(s), a=ACTIONS[a], word=t(ACTION_WORDS[a])))
            self.traj = None
            return
        before = self.world
        self._edit(lambda: editor.apply_tool(self.world, self.tool, s))
        if self.world is not before:
            self._say(
                t(
                    "{tool} {s}: applied from the next update",
                    tool=t(TOOL_NAMES[self.tool]),
                    s=state_name(s),
                )
            )

    def _on_button(self, element) -> None:
        for tool, button in self.tool_buttons.items():
            if element is button:
                self.tool_buttons[self.tool].unselect()
                self.tool = tool
                button.select()
                if self.hand_mode:
                    self._set_hand_mode(False)
                return
        if element is self.tutorial_button:
            self.set_world(default_world(), keep_policy=False)
            self._reset_size_menus()
            self.controller.reset()
            self._say(t("the tutorial's world; training starts over"))
        elif element in (self.open_button, self.save_button):
            self._open_dialog("open" if element is self.open_button else "save")

    def _open_dialog(self, kind: str) -> None:
        """The modal layout dialog, where the last one was used (else the shipped layouts)."""
        if self._dialog is not None:
            self._dialog.kill()
        w, h = self.size
        rect = pygame.Rect(0, 0, min(640, w - 40), min(500, h - 80))
        rect.center = (w // 2, h // 2)
        folder = self._dialog_folder or layouts_folder()
        start = folder / "my_layout.json" if kind == "save" else folder
        self._dialog = LayoutFileDialog(
            rect,
            self.manager,
            title=t("Open a layout (*.json)")
            if kind == "open"
            else t("Save the layout as (*.json)"),
            start=start,
            save=kind == "save",
        )
        self._dialog_kind = kind

    def _on_path(self, path: str) -> None:
        kind, self._dialog = self._dialog_kind, None
        self._dialog_folder = Path(path).parent
        if kind == "open":
            self.open_layout(path)
        else:
            self.save_layout(path)

    def open_layout(self, path) -> bool:
        try:
            world = load_layout(path)
        except LayoutError as e:  # the file's name, not its whole path: 3 lines at most
            where = [os.path.basename(str(e.source)) or str(e.source)]
            if e.line is not None and e.column is not None:
                where.append(t("line {n!s}, column {c!s}", n=e.line, c=e.column))
            elif e.line is not None:
                where.append(t("line {n!s}", n=e.line))
            line = ": ".join([*where, *([e.field] if e.field else []), translate_message(e.reason)])
            self._say(t("could not open: {e}", e=line), error=True)
            return False
        self.set_world(world, keep_policy=False)
        self._reset_size_menus()
        self._say(t("opened {name}", name=os.path.basename(str(path))))
        return True

    def save_layout(self, path) -> bool:
        try:
            save_layout(self.world, path)
        except UserFileError as e:  # a FIFO or a folder in the way, an empty name
            self._say(t("could not save: {e}", e=str(e)), error=True)
            return False
        except OSError as e:
            self._say(t("could not save: {e}", e=e.strerror or str(e)), error=True)
            return False
        self._say(t("saved {name}", name=os.path.basename(str(path))))
        return True

    def _reset_size_menus(self) -> None:
        for menu, value in ((self.rows_menu, self.world.rows), (self.cols_menu, self.world.cols)):
            text = str(value)
            if menu.selected_option[0] != text and text in [o[0] for o in menu.options_list]:
                select_option(menu, (text, text))

    def _on_menu(self, event) -> None:
        element = event.ui_element
        if element in (self.rows_menu, self.cols_menu):
            rows = int(self.rows_menu.selected_option[0])
            cols = int(self.cols_menu.selected_option[0])
            try:
                world = editor.resize(self.world, rows, cols)
            except EditError as e:
                self._say(refusal_text(e), error=True)
                return
            self.set_world(world, keep_policy=False)
            self._say(t("{r}x{c} grid: training starts over", r=rows, c=cols))
        elif element is self.mode_menu:
            mode = event.selected_option_id
            self._edit(lambda: editor.set_options(self.world, forbidden_mode=mode))
        elif element is self.action_menu:
            self.overlays.action_values = event.selected_option_id
            self.layout(self.size)

    # --- per frame -----------------------------------------------------------------------
    def _trained_policy(self):
        """(pi[S, A], key) of the latest snapshot if it fits this world, else (None, None)."""
        snap = self.panel.snapshot
        pi = getattr(snap, "pi", None) if snap is not None else None
        if pi is None or np.shape(pi) != (self.world.n_states, N_ACTIONS):
            return None, None
        return pi, ("trainer", id(self.controller.trainer), snap.update, snap.env_steps)

    def _past_policy(self):
        """(pi[S, A], key) of the update the timeline is held at, if it fits this world."""
        past = self.panel.shown_past()
        if past is None or past.pi is None or past.pi.shape != (self.world.n_states, N_ACTIONS):
            return None, None
        key = ("past", id(self.controller.trainer), past.update)
        if self._past is None or self._past[1] != key:
            pi = past.pi.astype(np.float64)  # kept as float32: renormalise for the solvers
            self._past = (pi / pi.sum(axis=1, keepdims=True), key)
        return self._past

    def shown_policy(self):
        """(pi[S, A], key, source): the hand policy, the one of a past update (while the
        timeline is held), the trainer's latest, or the uniform one."""
        if self.hand_mode:
            return editor.hand_policy(self.hand_actions), ("hand", self.hand_actions), "hand"
        pi, key = self._past_policy()
        if pi is not None:
            return pi, key, "past"
        pi, key = self._trained_policy()
        if pi is not None:
            return pi, key, "trainer"
        n = self.world.n_states
        return np.full((n, N_ACTIONS), 1.0 / N_ACTIONS), ("uniform", n), "uniform"

    def state_under(self, pos) -> int | None:
        """The state under ``pos`` on the board or on any board beside it."""
        for geo in (self.geo, *(g for _, g in self.reward_geos)):
            s = geo.state_at(pos)
            if s is not None:
                return s
        return None

    def update(self, dt: float) -> None:
        self.panel.update()
        shown = self.panel.labels_from_you
        if shown != self.labelling_shown:
            self.labelling_shown = shown
            self.labelling.show() if shown else self.labelling.hide()
        if self._layout_key() != self._laid_out:
            self.layout(self.size)
        if shown:
            pi, _ = self._trained_policy()
            kind = label_kind(self.controller.settings.algo)
            prefs = getattr(self.panel.snapshot, "preferences", None)
            updates = getattr(self.panel.snapshot, "update", None)
            self.labelling.update(dt, self.world, pi, kind, prefs, updates)
        focused = next((name for name, e in self.fields.items() if e.is_focused), None)
        if self._focused is not None and focused != self._focused:
            self._apply_field(self._focused)
        self._focused = focused
        self.inspector.update(self.panel.snapshot, self.world, dt)
        optimal = self.exact.optimal(self.world)
        self.panel.reference = (
            (optimal.episode_return, "optimal") if optimal.episode_return is not None else None
        )
        self._advance_trajectory(dt)

    def _advance_trajectory(self, dt: float) -> None:
        pi, _, source = self.shown_policy()
        if self.traj is not None and (
            source != self.traj_source or not still_likely(self.traj, self.traj_probs, pi)
        ):
            self.traj = None  # e.g. training began: a random walk would contradict the arrows
        if self.traj is None:
            horizon = min(self.world.horizon, MAX_SHOWN_STEPS)
            self.traj = sample_trajectory(self.world, pi, self.world.start, horizon, self.rng)
            rate = max(STEPS_PER_SECOND, len(self.traj) / MAX_ANIMATION_SECONDS)
            self.anim = Animation(len(self.traj), rate, HOLD_SECONDS)
            self.traj_source = source
            self.traj_probs = step_probs(self.traj, pi)
        elif self.anim.update(dt):
            self.traj = None

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(style.BACKGROUND, self.center_rect)
        surface.fill(style.PANEL, self.left_rect)
        surface.fill(style.PANEL, self.right_rect)
        pygame.draw.line(
            surface, style.PANEL_EDGE, self.left_rect.topright, self.left_rect.bottomright
        )
        pygame.draw.line(
            surface, style.PANEL_EDGE, self.right_rect.topleft, self.right_rect.bottomleft
        )
        if self.inspector.is_open:
            self.inspector.draw(
                surface,
                self.inspect_geo,
                self.inspect_area,
                self.inspect_hint,
                self.inspect_text,
                self.left_rect,
            )
            self.panel.draw(surface, self.status_rect)
            return
        self._draw_message(surface)
        self._draw_hint(surface)
        board = self.board_picture()
        pos = self.geo.rect.topleft
        # the labelling panel's pair takes the place of the sampled trajectory
        traj = None if self.labelling_shown else self.traj
        surface.blit(board.base, pos)
        if traj is not None:
            draw_grid.draw_path(surface, self.geo, traj, self.anim.steps)
        if self.labelling_shown:
            self.labelling.draw_under_text(surface)  # the pair, when it is drawn on the board
        surface.blit(board.text, pos)
        self.drawn_text = [box.move(pos) for box in board.boxes]
        if self.reward_geos:
            self._draw_reward_boards(surface)
        if traj is not None:
            tags = self.reward_tags()
            self.drawn_text += draw_board.draw_tags(surface, tags, traj, self.anim.steps, pos)
            draw_grid.draw_agent(surface, self.geo, traj, self.anim.steps)
            self._draw_equations(surface)
        if self.labelling_shown:
            self.drawn_text += self.labelling.draw(surface)
        self.panel.draw(surface, self.status_rect)

    def board_picture(self) -> draw_board.BoardPicture:
        """The board (cells, arrows, labels), repainted only when what it shows changed."""
        pi, key, source = self.shown_policy()
        if source == "trainer":
            not_optimal = self.not_optimal_states()
        elif source == "past":  # the marks of that update, measured on its policy
            not_optimal = self._past_progress(pi, key)
        else:
            not_optimal = ()
        board_key = (
            self.world,
            self.geo,
            key,
            not_optimal,
            self.overlays.v_pi,
            self.overlays.v_star,
            self.overlays.action_values,
            language(),  # the board's labels ("start") are in it
            self.controller.settings.algo,  # the implicit reward needs a preference learner
            tuple(self.reward_geos),
        )
        if board_key != self._board_key:
            self._board_key = board_key
            self._board = self._render_board(pi, key, not_optimal)
            self._reward_boards = self._render_reward_boards()
        return self._board

    def reward_tags(self) -> tuple[draw_board.RewardTag, ...]:
        """The reward tags of the trajectory on show, placed once per (trajectory, board)."""
        board = self.board_picture()
        if self.traj is None:
            return ()
        if (
            self._tags_for is None
            or self._tags_for[0] is not self.traj
            or self._tags_for[1] is not board
        ):
            self._tags = draw_board.place_tags(board, self.traj)
            self._tags_for = (self.traj, board)
        return self._tags

    def text_boxes(self) -> list[pygame.Rect]:
        """Screen rectangles of all text on the board: its labels and the reward tags (the
        tags' full size, whether or not the trajectory has reached them yet)."""
        board = self.board_picture()
        boxes = [b.move(self.geo.rect.topleft) for b in board.boxes]
        return boxes + [tag.box.move(self.geo.rect.topleft) for tag in self.reward_tags()]

    def not_optimal_states(self) -> tuple[int, ...]:
        """The trained policy's states whose greedy action is not optimal yet (from the
        snapshot's progress; () when it was measured on another world, e.g. mid-edit)."""
        snap = self.panel.snapshot
        progress = getattr(snap, "progress", None) if snap is not None else None
        if progress is None or snap.world != self.world:
            return ()
        return progress.non_optimal

    def _past_progress(self, pi, key) -> tuple[int, ...]:
        """The states whose greedy action was not optimal yet at the past update shown."""
        from gridsim.progress import ProgressTracker

        if self._past_marks is None or self._past_marks[0] != (self.world, key):
            tracker = self._past_marks[2] if self._past_marks else None
            if tracker is None or tracker.world != self.world:
                tracker = ProgressTracker(self.world)
            self._past_marks = ((self.world, key), tracker.measure(pi).non_optimal, tracker)
        return self._past_marks[1]

    def reward_tables(self) -> reward_overlay.RewardTables:
        """The implicit reward beta*log(pi/pi_ref), r(s,a) and rlhf's r_phi, from the latest
        snapshot (its ``preferences`` field carries pi_ref, beta and r_phi)."""
        pi, _ = self._trained_policy()
        prefs = getattr(self.panel.snapshot, "preferences", None)
        return reward_overlay.reward_tables(self.world, pi, prefs, self.controller.settings.algo)

    def _render_reward_boards(self) -> list[tuple[pygame.Rect, draw_board.BoardPicture]]:
        """The boards beside the implicit reward (r(s,a), and r_phi for rlhf), painted once
        per update like the board itself."""
        tables = self.reward_tables()
        out = []
        for key, geo in self.reward_geos[1:]:
            table = reward_overlay.table_for(tables, key)
            out.append((geo.rect, reward_overlay.paint_reward_board(geo, self.world, table)))
        return out

    def _draw_reward_boards(self, surface) -> None:
        for rect, picture in self._reward_boards:
            surface.blit(picture.base, rect)
            surface.blit(picture.text, rect)
            self.drawn_text += [box.move(rect.topleft) for box in picture.boxes]
        tables = self.reward_tables()
        for key, geo in self.reward_geos:
            self.drawn_text.append(reward_overlay.draw_title(surface, geo, key, tables))

    def _render_board(self, pi, key, not_optimal=()) -> draw_board.BoardPicture:
        """The grid with its overlays, policy arrows and labels (see draw.board)."""
        world, ov = self.world, self.overlays
        optimal = self.exact.optimal(world)
        values = self.exact.policy(world, key, pi)
        table = None
        if ov.action_values == "implicit":
            table = self.reward_tables().implicit
        elif ov.action_values != "off":
            table = {"q_pi": values.q, "a_pi": values.adv, "q_star": optimal.q}[ov.action_values]
        return draw_board.paint_board(
            self.geo,
            world,
            pi=pi,
            best=optimal.best if ov.v_star else None,
            v_pi=values.v if ov.v_pi else None,
            v_star=optimal.v if ov.v_star else None,
            action_values=table,
            action_centre=ov.action_values != "implicit",  # a reward: coloured by its sign
            previous=self._board,
            not_optimal=not_optimal,
        )

    def _draw_message(self, surface) -> None:
        self.message_rect = None
        if not self.message:
            return
        x, y = 10, self.message_y
        for line in style.wrap(self.message, 13, LEFT_WIDTH - 20)[:MESSAGE_LINES]:
            style.blit_text(surface, line, (x, y), 13, self.message_color)
            y += MESSAGE_LINE_HEIGHT
        self.message_rect = pygame.Rect(0, self.message_y, LEFT_WIDTH, y - self.message_y)

    def _draw_hint(self, surface) -> None:
        r = self.hint_rect
        if self.hand_mode:
            hint = t("Hand policy: click the side of a cell to choose its action (middle: a5 stay)")
        else:
            tool = t(TOOL_NAMES[self.tool])
            hint = t("Tool: {tool}. {tip}", tool=tool, tip=t(TOOL_TIPS[self.tool]))
        hint_lines, hint_size = style.fit_lines(hint, 14, r.width, 2, smallest=12, bold=True)
        s = self.hover
        pi, key, source = self.shown_policy()
        if s is not None and s < self.world.n_states:
            line = self.cell_readout(s)
        else:
            line = {
                "hand": t("Showing your hand policy."),
                "trainer": t("Showing the trainer's latest policy."),
                "uniform": t("Showing the uniform random policy (press Run to train)."),
                "past": t("Showing update {u}'s policy (let go of the timeline: live).", u=key[-1]),
            }[source]

        # the line under the hint, whole: smaller type, a second line, or (a hovered cell's
        # numbers matter more than the tool's tip while the pointer is on the board) the
        # hint's place - never a line cut off at the window's edge
        def height(lines, size, bold=False) -> int:
            return sum(style.text(part, size, style.TEXT, bold).get_height() for part in lines)

        top = height(hint_lines, hint_size, True)
        for most in (1, 2):
            lines, size = style.fit_lines(line, 13, r.width, most)
            if len(lines) <= most and top + height(lines, size) <= r.height:
                break
        else:
            hint_lines = ()
            lines, size = style.fit_lines(line, 13, r.width, 3)
        self.hint_boxes = []
        y = r.y
        for part in hint_lines:
            box = style.blit_text(surface, part, (r.x, y), hint_size, style.TEXT, bold=True)
            self.hint_boxes.append(box)
            y = box.bottom
        for part in lines:
            box = style.blit_text(surface, part, (r.x, y), size, style.MUTED)
            self.hint_boxes.append(box)
            y = box.bottom
        self.hint_lines = (tuple(hint_lines), tuple(lines))

    def cell_readout(self, s: int) -> str:
        """The hint line for a hovered cell: V^π and either pi(.|s) or, with an action-value
        overlay on, each action's value (the numbers a small cell has no room for); with the
        implicit reward, its values beside r(s,a) (and r_phi) for the cell."""
        if self.reward_geos:
            return f"{state_name(s)}: " + reward_overlay.hover_line(self.reward_tables(), s)
        pi, key, _ = self.shown_policy()
        values = self.exact.policy(self.world, key, pi)
        v = draw_grid.short_number(values.v[s], 3)
        table_name = self.overlays.action_values
        if table_name == "off" or not draw_grid.has_actions(self.world, s):
            probs = "  ".join(f"{ACTIONS[a]} {pi[s, a]:.2f}" for a in range(N_ACTIONS))
            return t("{s}: V^π = {v} · π: {probs}", s=state_name(s), v=v, probs=probs)
        table = {
            "q_pi": values.q,
            "a_pi": values.adv,
            "q_star": self.exact.optimal(self.world).q,
        }[table_name]
        numbers = "  ".join(
            f"{ACTIONS[a]} {draw_grid.short_number(table[s, a], 3)}" for a in range(N_ACTIONS)
        )
        name = TABLE_NAMES[table_name]
        return t(
            "{s}: V^π = {v} · {name}: {numbers}", s=state_name(s), v=v, name=name, numbers=numbers
        )

    def _draw_equations(self, surface) -> None:
        r = self.text_rect
        shown = prefix(self.traj, int(self.anim.steps))
        head = t(
            "Trajectory from {s}, {n} steps:",
            s=state_name(int(self.traj.states[0])),
            n=len(self.traj),
        )
        style.blit_text(surface, head, (r.x, r.y), 13, style.MUTED)
        lines = (
            fit_sum(return_equation(shown), 14, r.width),
            fit_sum(discounted_equation(shown, self.world.gamma), 14, r.width),
        )
        for k, line in enumerate(lines):
            style.blit_text(surface, line, (r.x, r.y + 18 + 20 * k), 14, style.TEXT)

    def close(self) -> None:
        self.labelling.close()
        self.panel.close()
        self.inspector.kill()


def step_probs(traj, pi: np.ndarray) -> np.ndarray:
    """pi(a_t | s_t) of each step of ``traj`` under ``pi[S, A]``."""
    return pi[traj.states[:-1], traj.actions]


def still_likely(traj, probs_then: np.ndarray, pi_now: np.ndarray) -> bool:
    """Whether ``pi_now`` would still take ``traj``'s actions: none has fallen below
    STALE_FACTOR times the probability ``probs_then`` it had when ``traj`` was sampled."""
    return bool(np.all(step_probs(traj, pi_now) >= STALE_FACTOR * probs_then))


def fit_sum(equation: str, size: int, width: int) -> str:
    """One line of 'name = a + b + ... = total   (note)' no wider than ``width`` pixels:
    the note goes first, then terms from the end (shown as '…'); the total always stays."""
    f = style.font(size)
    note = ""
    if "   (" in equation:
        equation, rest = equation.split("   (", 1)
        note = "   (" + rest
    for candidate in (equation + note, equation):
        if f.size(candidate)[0] <= width:
            return candidate
    body, _, total = equation.rpartition(" = ")
    tokens = body.split(" ")
    if tokens[-2:] == ["+", "…"]:
        tokens = tokens[:-2]
    start = tokens.index("=") + 2  # keep at least the first term
    for keep in range(len(tokens) - 2, start - 1, -2):
        head = " ".join(tokens[:keep])
        for suffix in (note, ""):
            candidate = f"{head} + … = {total}{suffix}"
            if f.size(candidate)[0] <= width:
                return candidate
    return f"{' '.join(tokens[:start])} + … = {total}"


def _option(options, value):
    for text, ident in options:
        if ident == value:
            return (text, ident)
    return options[0]


def refusal_text(e: EditError) -> str:
    """A refused edit in the user's language: the box, why (gridsim.limits' phrasing,
    translated through the catalog's templates) and the value kept."""
    if not e.field:
        return translate_message(str(e))
    field, reason = translate_message(e.field), translate_message(e.reason)
    if e.kept:
        return t("{field}: {reason!s}; kept {kept}", field=field, reason=reason, kept=e.kept)
    return t("{field}: {reason!s}", field=field, reason=reason)

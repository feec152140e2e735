"""No text is drawn over text on the board: every shipped layout and generated 10x10 worlds,
every overlay, three window sizes, both languages, with a long random trajectory on show.

The board reports the rectangle of every text it drew (``GridworldScene.drawn_text``: cell
names, start / end, V^π, V*, each action's value, the trajectory's reward tags); no two may
intersect and all lie on the board.
"""

import itertools
from pathlib import Path

import numpy as np
import pygame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridsim.app.app import App
from gridsim.app.draw import board as paint
from gridsim.app.draw import grid, style
from gridsim.app.draw.labels import Label, Layout, Spot
from gridsim.app.scenes.gridworld import Overlays
from gridsim.app.testing import fake_factory
from gridsim.layout import load_layout
from gridsim.trajectory import follow_actions
from gridsim.world import World, default_world

LAYOUTS = sorted((Path(__file__).resolve().parent.parent / "assets" / "layouts").glob("*.json"))
WINDOWS = ((1024, 700), (1280, 800), (1680, 1050))
OVERLAYS = (
    Overlays(True, True, "q_pi"),
    Overlays(True, True, "a_pi"),
    Overlays(True, True, "q_star"),
    Overlays(True, False, "off"),
    Overlays(False, True, "off"),
    Overlays(False, False, "q_pi"),
)


def generated_10x10(seed: int) -> World:
    """A random 10x10 world: a fifth of the cells forbidden, one to three targets."""
    rng = np.random.default_rng(seed)
    cells = rng.permutation(100)
    n_targets = int(rng.integers(1, 4))
    return World(
        rows=10,
        cols=10,
        targets=frozenset(int(c) for c in cells[:n_targets]),
        forbidden=frozenset(int(c) for c in cells[n_targets : n_targets + 20]),
        start=int(cells[-1]),
        forbidden_mode=("enter", "wall")[seed % 2],
        target_terminal=bool(seed % 3 == 0),
        horizon=40,
    )


WORLDS = [load_layout(p).with_changes(horizon=40) for p in LAYOUTS] + [
    generated_10x10(seed) for seed in (1, 2)
]


@pytest.fixture(scope="module")
def app():
    a = App(factory=fake_factory([]), lang="en", remember=False)
    a.frame()
    yield a
    a.close()


def assert_apart(boxes, bounds: pygame.Rect, where: str) -> None:
    for box in boxes:
        assert bounds.contains(box), f"{where}: text {box} leaves the board {bounds}"
    for a, b in itertools.combinations(boxes, 2):
        assert not a.colliderect(b), f"{where}: text {a} overlaps text {b}"


def assert_clear_of_agent(scene, where: str) -> None:
    """No reward tag under the agent's dot wherever it stops (the cells of its trajectory)."""
    dots = [
        grid.agent_box(scene.board_picture().geo, int(s)).move(scene.geo.rect.topleft)
        for s in set(scene.traj.states)
    ]
    for tag in scene.reward_tags():
        box = tag.box.move(scene.geo.rect.topleft)
        assert box.collidelist(dots) < 0, f"{where}: the agent covers the tag {box}"


def assert_arrows_clear(scene, overlays, where: str) -> None:
    """The arrows of the surest policy (pi = 1 on each action in turn) and the optimal
    arrows end before any text: the shapes' boxes meet no label's box (in cells under
    SMALL_CELL pixels the names excepted: the arrows' roots reach the corners there, under
    the names' halos)."""
    board = scene.board_picture()
    geo = board.geo
    blockers = paint.arrow_blockers(board.layout, geo.cell)
    world = scene.world
    numbers = overlays.action_values != "off" and geo.cell >= paint.ACTION_NUMBERS_FROM
    reach = paint.REACH_UNDER_NUMBERS if numbers else 0.33
    room = grid.arrow_room(geo, world, blockers)
    shapes = grid.optimal_arrows(geo, world, ((0, 1, 2, 3, 4),) * world.n_states, reach + 0.1, room)
    for a in range(5):
        pi = np.zeros((world.n_states, 5))
        pi[:, a] = 1.0
        shapes += grid.policy_arrows(geo, world, pi, reach, room)
    for shape in shapes:
        box = grid.shape_box(shape)
        hit = box.collidelist(blockers)
        assert hit < 0, f"{where}: an arrow {box} runs under text {blockers[hit]}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_overlaps_text_on_any_board(app, lang):
    app.set_language(lang)
    scene = app.scenes["gridworld"]
    checked = 0
    for size, world in itertools.product(WINDOWS, WORLDS):
        app.resize(size)
        for overlays in OVERLAYS:
            scene.preset(world=world, overlays=Overlays(**vars(overlays)))
            scene.update(0.0)  # samples a trajectory (up to 40 steps of the uniform policy)
            scene.anim.steps = len(scene.traj)  # every step walked: every reward tag drawn
            scene.draw(app.screen)
            where = f"{lang} {size} {world.shape} {overlays}"
            assert_apart(scene.drawn_text, scene.geo.rect, where)
            assert_clear_of_agent(scene, where)
            assert_arrows_clear(scene, overlays, where)
            assert len(scene.drawn_text) >= world.n_states  # at least the cell names
            checked += 1
    assert checked == len(WINDOWS) * len(WORLDS) * len(OVERLAYS)
    app.set_language("en")


def test_a_long_trajectory_gets_one_tag_per_edge_with_a_count():
    world = default_world()
    geo = grid.GridGeometry(0, 0, 180, 3, 3)
    picture = paint.paint_board(geo, world, pi=np.full((9, 5), 0.2))
    # s1 -a2-> s2 -a4-> s1 -a2-> s2 -a4-> s1 -a5-> s1: two edges walked twice, one stay
    traj = follow_actions(world, 0, [1, 3, 1, 3, 4])
    tags = paint.place_tags(picture, traj)
    assert sorted(tag.edge for tag in tags) == [(0, 0), (0, 1), (1, 0)]
    texts = {tag.edge: paint.reward_text([traj.rewards[k] for k in tag.steps]) for tag in tags}
    assert texts[(0, 1)] == "r=0 ×2" and texts[(1, 0)] == "r=0 ×2"
    assert texts[(0, 0)] == "r=0"  # a5 "stay" at s1: r_other
    assert_apart([t.box for t in tags] + picture.boxes, geo.rect, "tags")


def test_steps_back_and_forth_run_in_two_lanes_and_older_steps_fade():
    geo = grid.GridGeometry(0, 0, 100, 3, 3)
    there, back = grid.step_line(geo, 0, 1), grid.step_line(geo, 1, 0)
    assert there[0][1] != back[0][1]  # s1 -> s2 and s2 -> s1 on different horizontal lanes
    assert grid.step_color(0) == style.PATH
    faded = [sum(grid.step_color(age)) for age in range(30)]
    assert faded == sorted(faded) and faded[-1] > faded[0]  # older: paler (closer to white)


def test_every_action_value_is_labelled_with_the_digits_of_v(app):
    scene = app.scenes["gridworld"]
    app.resize((1280, 800))
    scene.preset(world=default_world(), overlays=Overlays(True, False, "q_pi"))
    scene.draw(app.screen)
    picture = scene.board_picture()
    actions = [p for p in picture.layout.placed if p.label.priority in (paint.ACTIONS, paint.STAY)]
    assert len(actions) == 9 * 5  # a1..a5, stay included, in every cell of the tutorial world
    digits = grid.value_digits(scene.geo.cell)
    pi, key, _ = scene.shown_policy()
    q = scene.exact.policy(scene.world, key, pi).q
    shown = sorted(p.text for p in actions)
    assert shown == sorted(grid.short_number(x, digits) for x in q.ravel())
    v_texts = [p.text for p in picture.layout.placed if p.label.priority == paint.V_PI]
    assert all(t.split("=")[1].lstrip("-").replace(".", "").isdigit() for t in v_texts)
    assert {len(t.split("=")[1].lstrip("-").replace(".", "").lstrip("0")) for t in v_texts} <= {
        1,
        2,
        digits,
    }


def test_walls_have_no_arrows_and_no_numbers():
    world = load_layout(LAYOUTS[[p.stem for p in LAYOUTS].index("walls_3x3")])
    walls = [s for s in range(world.n_states) if grid.is_wall(world, s)]
    assert walls
    geo = grid.GridGeometry(0, 0, 150, 3, 3)
    q = np.arange(45, dtype=float).reshape(9, 5)
    picture = paint.paint_board(
        geo, world, pi=np.full((9, 5), 0.2), best=((1,),) * 9, v_pi=np.ones(9), action_values=q
    )
    for s in walls:
        cell = geo.cell_rect(s)
        inside = [p for p in picture.layout.placed if cell.contains(p.box)]
        assert [p.text for p in inside] == [f"s{s + 1}"]  # its name, nothing else
        pixels = pygame.surfarray.array3d(picture.base.subsurface(cell.inflate(-6, -6)))
        colours = {tuple(int(c) for c in rgb) for rgb in pixels.reshape(-1, 3)}
        assert style.ARROW not in colours and style.OPTIMAL not in colours
        assert style.WALL in colours


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 300),
            st.integers(0, 200),
            st.sampled_from(["-3.14", "s12", "V^π=2.7", "起点", "r=-1 ×3"]),
            st.integers(0, 6),
        ),
        max_size=40,
    )
)
def test_placed_labels_never_overlap_and_stay_inside(specs):
    pygame.font.init()
    bounds = pygame.Rect(0, 0, 320, 220)
    layout = Layout(bounds)
    labels = [
        Label((text,), (Spot(x, y), Spot(x + 20, y + 10, "topleft")), (14, 11, 9), priority=p)
        for x, y, text, p in specs
    ]
    placed = layout.place_all(labels)
    assert_apart([p.box for p in placed], bounds, "random labels")
    # placed in order of priority: a label can only lose its spot to a more important one
    priorities = [p.label.priority for p in layout.placed]
    assert priorities == sorted(priorities)


@pytest.mark.parametrize("world", WORLDS[:1] + WORLDS[-1:], ids=["tutorial", "generated"])
def test_the_non_optimal_marks_add_no_text_and_move_none(world):
    """i14's light marks on cells whose greedy action is not optimal yet: marks, not labels."""
    pygame.font.init()
    geo = grid.GridGeometry(0, 0, 90 if world.rows > 3 else 180, world.rows, world.cols)
    n = world.n_states
    rng = np.random.default_rng(0)
    kwargs = dict(
        pi=rng.dirichlet(np.ones(5), n),
        best=((1,),) * n,
        v_pi=rng.normal(size=n),
        v_star=rng.normal(size=n),
        action_values=rng.normal(size=(n, 5)),
    )
    plain = paint.paint_board(geo, world, **kwargs)
    marked = paint.paint_board(geo, world, not_optimal=tuple(range(n)), **kwargs)
    assert [tuple(b) for b in marked.boxes] == [tuple(b) for b in plain.boxes]
    assert_apart(marked.boxes, geo.rect, "marked")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_overlaps_text_with_the_preference_views(app, lang):
    """The implicit reward beside r(s,a) and r_phi (rlhf), and the labelling panel's pair on
    boards of its own or on the board itself: all their text apart, inside the centre."""
    app.set_language(lang)
    scene = app.scenes["gridworld"]
    for size, world, algo in itertools.product(WINDOWS, WORLDS, ("dpo", "rlhf")):
        app.resize(size)
        scene.panel.choose_algo(algo)
        scene.panel.choose_labeller("human")
        scene.preset(world=world, overlays=Overlays(True, False, "implicit"))
        scene.update(0.0)
        scene.labelling.anim.steps = 1e9  # the agents at the ends of their paths
        scene.draw(app.screen)
        where = f"{lang} {size} {world.shape} {algo}"
        assert scene.labelling_shown and scene.reward_geos
        assert_apart(scene.drawn_text, scene.center_rect, where)
    scene.panel.choose_algo("reinforce")
    scene.preset(overlays=Overlays())
    app.set_language("en")


@pytest.mark.parametrize("cell", [60, 64, 90])
def test_arrows_end_short_of_the_numbers_on_small_boards(cell):
    """The boards beside the implicit reward (demos 13/14): a sure policy's arrows and the
    optimal arrows stop before the action values, V and "start" (which has a halo)."""
    pygame.font.init()
    world = default_world()
    geo = grid.GridGeometry(0, 0, cell, 3, 3)
    q = np.random.default_rng(0).integers(-1, 2, size=(9, 5)).astype(float)  # r(s, a)
    for a in range(5):
        pi = np.zeros((9, 5))
        pi[:, a] = 1.0
        picture = paint.paint_board(geo, world, pi=pi, best=((a,),) * 9, action_values=q)
        blockers = paint.arrow_blockers(picture.layout, cell)
        numbers = cell >= paint.ACTION_NUMBERS_FROM
        # the names, "start" and (in cells big enough) a1..a4 values (a5 is left out at 64 px)
        assert len(blockers) == len(picture.boxes) >= 10 + (30 if numbers else 0)
        room = grid.arrow_room(geo, world, blockers)
        reach = paint.REACH_UNDER_NUMBERS if numbers else 0.33
        shapes = grid.policy_arrows(geo, world, pi, reach, room)
        shapes += grid.optimal_arrows(geo, world, ((a,),) * 9, reach + 0.1, room)
        assert shapes  # the policy is still drawn
        for shape in shapes:
            assert grid.shape_box(shape).collidelist(blockers) < 0, (cell, a, shape)
        start = [p for p in picture.layout.placed if p.label.priority == paint.MARKS]
        assert start and all(p.label.halo for p in start)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_hovered_cells_readout_is_never_cut_off(app, lang):
    """The line naming a hovered cell's numbers ('s5: V^π ... a5 ...') is shown whole at
    1024 px, in smaller type, on two lines, or in the tool hint's place."""
    app.set_language(lang)
    scene = app.scenes["gridworld"]
    app.resize((1024, 700))
    for overlays in (Overlays(True, False, "q_pi"), Overlays(True, False, "off")):
        scene.preset(world=default_world(), overlays=overlays)
        for s in (0, 4, 8):
            scene.hover = s
            scene.draw(app.screen)
            hint, readout = scene.hint_lines
            assert "".join(readout).replace(" ", "") == scene.cell_readout(s).replace(" ", "")
            assert_apart(scene.hint_boxes, scene.hint_rect, f"{lang} s{s + 1}")
    scene.hover = None
    app.set_language("en")

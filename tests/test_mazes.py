"""The maze generator: seeded, solvable, the target in the far corner."""

import pytest

from gridsim.mazes import MazeError, all_free_cells_reach, maze, maze_name, maze_suite
from gridsim.solvers import optimal_values


def test_the_same_seed_gives_the_same_maze_and_another_seed_another():
    assert maze(10, seed=3) == maze(10, seed=3)
    assert maze(10, seed=3).forbidden != maze(10, seed=4).forbidden


def test_a_10x10_maze_has_16_forbidden_cells_at_minus_10_start_s1_target_s100():
    world = maze(10, seed=0)
    assert (world.rows, world.cols) == (10, 10)
    assert len(world.forbidden) == 16
    assert world.rewards.forbidden == -10
    assert world.start == 0 and world.targets == {99}
    assert (world.gamma, world.horizon) == (0.95, 60)


def test_an_8x8_maze_has_10_forbidden_cells():
    assert len(maze(8, seed=1).forbidden) == 10


@pytest.mark.parametrize("seed", range(20))
def test_every_free_cell_of_every_maze_reaches_the_target(seed):
    for size in (8, 10):
        world = maze(size, seed=seed)
        assert all_free_cells_reach(size, size, world.forbidden, size * size - 1)


def test_a_wall_cutting_off_a_corner_is_seen():
    # s1's neighbours s2 and s4 (0-based 1 and 3) walled off on a 3x3: s1 cannot reach s9
    assert not all_free_cells_reach(3, 3, {1, 3}, 8)
    assert all_free_cells_reach(3, 3, {1}, 8)


def test_modes_and_terminal_targets_keep_the_walls_of_the_seed():
    walls = maze(10, seed=2).forbidden
    variant = maze(10, seed=2, forbidden_mode="wall", target_terminal=True)
    assert variant.forbidden == walls
    assert (variant.forbidden_mode, variant.target_terminal) == ("wall", True)


def test_in_a_wall_maze_the_start_is_worth_more_than_bumping_forever():
    world = maze(10, seed=1, forbidden_mode="wall")
    v_star, _ = optimal_values(world)
    # -0.1 per step forever is worth -2; the target's +1 per step is worth +20
    assert v_star[world.start] > 0


def test_impossible_counts_are_refused_in_one_line():
    with pytest.raises(MazeError, match="0 to 7"):
        maze(3, n_forbidden=8)


def test_the_suite_covers_sizes_seeds_modes_and_target_kinds():
    suite = maze_suite(sizes=(8, 10), seeds=(0, 1), modes=("enter", "wall"), terminal=(False, True))
    assert len(suite) == 2 * 2 * 2 * 2
    names = [name for name, _ in suite]
    assert len(set(names)) == len(names)
    assert maze_name(maze(10, seed=1, forbidden_mode="wall"), 1) == "10x10 s1 wall cont"


def test_the_shipped_10x10_maze_is_the_generators_seed_0():
    from gridsim.layout import load_layout, shipped_layout

    assert load_layout(shipped_layout("maze_10x10")) == maze(10, seed=0)

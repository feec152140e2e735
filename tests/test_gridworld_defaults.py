"""Gridworld defaults that scale with the world: more walkers for more states, the 3x3 unchanged."""

import json

import pytest

from agents.config import between, walkers_for, world_size
from agents.learner import Run, build_config, default_config
from agents.registry import ALGORITHMS
from gridsim.layout import save_layout
from gridsim.mazes import maze
from gridsim.world import default_world


def test_world_size_is_0_up_to_the_5x5_and_1_from_the_10x10():
    assert world_size(9) == world_size(25) == 0.0
    assert world_size(100) == world_size(144) == 1.0
    assert 0.6 < world_size(64) < 0.75


def test_between_interpolates_geometrically_and_linearly_from_zero():
    assert between(25, 0.3, 0.1) == pytest.approx(0.3)
    assert between(100, 0.3, 0.1) == pytest.approx(0.1)
    assert between(50, 0.3, 0.1) == pytest.approx((0.3 * 0.1) ** 0.5)
    assert between(50, 0.0, 0.04) == pytest.approx(0.02)


def test_walkers_grow_with_states_times_horizon():
    assert walkers_for(9, 20) == walkers_for(25, 30) == 64  # the 3x3 and the 5x5 maze
    assert walkers_for(100, 60) == 512  # a 10x10 maze: 8 x (25 x 30)
    assert walkers_for(144, 100_000) == 2048  # capped


@pytest.mark.parametrize("algo", ALGORITHMS)
def test_without_a_world_the_defaults_are_the_tutorial_worlds(algo):
    assert default_config(algo, "gridworld") == default_config(algo, "gridworld", default_world())


def test_a_10x10_maze_gives_grpo_a_group_for_every_start_cell():
    world = maze(10, seed=0)
    assert default_config("grpo", "gridworld", world).num_envs == 8 * 100
    terminal = maze(10, seed=0, target_terminal=True)  # the target is no start cell
    assert default_config("grpo", "gridworld", terminal).num_envs == 8 * 99


@pytest.mark.parametrize("algo", ALGORITHMS)
def test_a_bigger_world_never_gets_less_data_per_update(algo):
    small = default_config(algo, "gridworld")
    big = default_config(algo, "gridworld", maze(10, seed=0))
    assert big.num_envs >= small.num_envs


def test_overrides_still_win_over_the_worlds_defaults():
    cfg = build_config("ppo", "gridworld", {"num_envs": "8"}, maze(10, seed=0))
    assert (
        cfg.num_envs == 8 and cfg.ent_coef == default_config("ppo", "gridworld", maze(10)).ent_coef
    )


def test_a_run_on_a_maze_uses_the_mazes_defaults():
    world = maze(8, seed=0)
    run = Run("gridworld", "ppo", world=world)
    assert run.config == default_config("ppo", "gridworld", world)
    assert run.env.num_envs == walkers_for(64, 60)


def test_train_on_a_maze_layout_records_the_scaled_hyperparameters(tmp_path, cli_train):
    layout = tmp_path / "maze.json"
    save_layout(maze(10, seed=0), layout)
    out = tmp_path / "run"
    assert cli_train(["--algo", "ppo", "--layout", str(layout), "--max-steps", "1"], out) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["hyperparameters"]["num_envs"] == 512
    assert summary["n_states"] == 100 and 0 <= summary["optimal_states"] <= 100


@pytest.fixture
def cli_train():
    from main import main

    def train(args, out):
        return main(["train", "--env", "gridworld", *args, "--out", str(out), "--quiet"])

    return train

"""GridWorld-v0 follows the Gymnasium API, the core's tables, and trains a standard client."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gridsim  # noqa: F401  (registers the env)
from gridsim.layout import shipped_layout
from gridsim.solvers import deterministic_policy, is_optimal
from gridsim.tables import build_tables
from gridsim.world import default_world


@pytest.mark.parametrize("one_hot", [False, True])
def test_env_passes_gymnasiums_checker(one_hot):
    env = gym.make("gridsim/GridWorld-v0", one_hot=one_hot)
    check_env(env.unwrapped)


def test_env_from_a_layout_path_uses_the_core_tables():
    env = gym.make("gridsim/GridWorld-v0", layout=str(shipped_layout("walls_3x3")))
    tables = build_tables(env.unwrapped.world)
    obs, _ = env.reset(seed=0, options={"state": 2})
    assert obs == 2
    obs, reward, terminated, truncated, _ = env.step(2)  # a3 down into forbidden s6: a wall
    assert (obs, reward) == (tables.next_state[2, 2], tables.reward[2, 2]) == (2, -1)
    assert not terminated and not truncated


def test_tutorial_trajectory_through_the_env():
    env = gym.make("gridsim/GridWorld-v0")
    obs, info = env.reset(seed=1)
    assert obs == 0 and info["state_name"] == "s1"
    rewards = [env.step(a)[1] for a in (1, 2, 2, 1)]
    assert rewards == [0, 0, 0, 1]


def test_truncation_at_horizon_and_termination_only_when_asked():
    env = gym.make("gridsim/GridWorld-v0", layout=default_world().with_changes(horizon=3))
    env.reset(seed=0)
    flags = [env.step(4)[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    env = gym.make(
        "gridsim/GridWorld-v0", layout=default_world().with_changes(target_terminal=True)
    )
    env.reset(options={"state": 7})
    _, reward, terminated, truncated, _ = env.step(1)
    assert (reward, terminated, truncated) == (1, True, False)


def test_bad_reset_state_is_refused():
    env = gym.make("gridsim/GridWorld-v0")
    with pytest.raises(ValueError, match="0..8"):
        env.reset(options={"state": 9})


def test_a_standard_q_learning_client_finds_the_optimal_policy():
    """Tabular Q-learning that knows only the Gymnasium API, through a sync vector env."""
    n_envs = 8
    envs = gym.make_vec("gridsim/GridWorld-v0", num_envs=n_envs, vectorization_mode="sync")
    rng = np.random.default_rng(0)
    q = np.zeros((9, 5))
    obs, _ = envs.reset(seed=0)
    resetting = np.zeros(n_envs, dtype=bool)  # next-step autoreset: that step is not a transition
    for _ in range(4000):
        explore = rng.random(n_envs) < 0.3
        actions = np.where(explore, rng.integers(0, 5, n_envs), q[obs].argmax(axis=1))
        nxt, rewards, terminated, truncated, _ = envs.step(actions)
        target = rewards + 0.9 * q[nxt].max(axis=1) * ~terminated
        for s, a, y in zip(obs[~resetting], actions[~resetting], target[~resetting], strict=True):
            q[s, a] += 0.2 * (y - q[s, a])
        obs, resetting = nxt, terminated | truncated
    envs.close()
    assert is_optimal(default_world(), deterministic_policy(q.argmax(axis=1)))


def test_stable_baselines3_trains_on_it_unchanged():
    sb3 = pytest.importorskip("stable_baselines3")
    env = gym.make("gridsim/GridWorld-v0", one_hot=True)
    model = sb3.PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=128)
    action, _ = model.predict(np.eye(9, dtype=np.float32)[0], deterministic=True)
    assert 0 <= int(action) < 5


@pytest.mark.parametrize("action", [True, False, np.bool_(True), 5, -1, 1.0, "a1", None])
def test_an_action_that_is_not_an_index_is_a_clear_error(action):
    env = gym.make("gridsim/GridWorld-v0").unwrapped
    env.reset()
    with pytest.raises(ValueError, match=r"action must be an integer in 0\.\.4 \(a1\.\.a5\)"):
        env.step(action)


@pytest.mark.parametrize("options", ["x", 3, ["state"]])
def test_reset_options_that_are_not_a_dict_are_a_clear_error(options):
    env = gym.make("gridsim/GridWorld-v0").unwrapped
    with pytest.raises(TypeError, match=r"options must be a dict like \{'state': 0\} or None"):
        env.reset(options=options)
    with pytest.raises(ValueError, match="unknown key 'start'"):
        env.reset(options={"start": 0})


def test_a_deeply_nested_layout_dict_is_a_layout_error_not_a_recursion_error():
    from gridsim.layout import LayoutError

    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(LayoutError, match="nested more than 32 levels deep"):
        gym.make("gridsim/GridWorld-v0", layout={"rows": 3, "cols": 3, "forbidden": deep})


def test_a_deeply_nested_layout_file_is_a_layout_error(tmp_path):
    from gridsim.layout import LayoutError

    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    with pytest.raises(LayoutError, match="deep.json: line 1: nested more than 32 levels deep"):
        gym.make("gridsim/GridWorld-v0", layout=str(path))

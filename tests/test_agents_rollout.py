"""Vectorized envs (next-step autoreset) and the rollout collector's masks and episode counting."""

import numpy as np

from agents.envs import CartPoleVecEnv, GridVecEnv
from agents.rollout import Collector
from gridsim.world import World, default_world


def always(action):
    return lambda obs: np.full(len(obs), action, dtype=np.int64)


def test_grid_env_autoresets_on_the_next_step_like_gymnasium():
    world = World(horizon=2)
    env = GridVecEnv(world, num_envs=1, starts="start")
    assert env.reset().tolist() == [0]
    obs, r, term, trunc = env.step(np.array([1]))  # s1 -a2-> s2
    assert (obs[0], r[0], term[0], trunc[0]) == (1, 0.0, False, False)
    obs, r, term, trunc = env.step(np.array([2]))  # s2 -a3-> s5, horizon reached
    assert (obs[0], trunc[0]) == (4, True)  # the final observation is returned
    obs, r, term, trunc = env.step(np.array([2]))  # the reset step: action ignored
    assert (obs[0], r[0], term[0], trunc[0]) == (0, 0.0, False, False)


def test_grid_env_terminates_when_entering_a_terminal_target():
    world = World(target_terminal=True, start=7)  # s8, next to the target s9
    env = GridVecEnv(world, num_envs=1, starts="start")
    env.reset()
    obs, r, term, trunc = env.step(np.array([1]))
    assert (obs[0], r[0], term[0], trunc[0]) == (8, 1.0, True, False)


def test_collector_masks_the_autoreset_step_and_counts_returns():
    world = World(horizon=3)
    env = GridVecEnv(world, num_envs=2, starts="start")
    batch = Collector(env).collect_steps(always(4), n_steps=8)  # stay at s1: reward 0
    # steps 0-2 episode 1, step 3 reset, steps 4-6 episode 2, step 7 reset
    assert batch.valid[:, 0].tolist() == [1, 1, 1, 0, 1, 1, 1, 0]
    assert batch.truncated[:, 0].tolist() == [0, 0, 1, 0, 0, 0, 1, 0]
    assert batch.n_steps == 12
    assert batch.episode_returns == (0.0, 0.0, 0.0, 0.0)


def test_collector_counts_the_return_of_an_episode_that_spans_two_batches():
    world = World(horizon=4)
    env = GridVecEnv(world, num_envs=1, starts="start")
    collector = Collector(env)
    b1 = collector.collect_steps(always(0), n_steps=2)  # up from s1: boundary, -1 each
    b2 = collector.collect_steps(always(0), n_steps=3)
    assert b1.episode_returns == ()
    assert b2.episode_returns == (-4.0,)
    assert collector.total_steps == 4


def test_collect_episodes_returns_whole_episodes_only():
    env = GridVecEnv(default_world(), num_envs=4)
    rng = np.random.default_rng(0)
    batch = Collector(env).collect_episodes(lambda o: rng.integers(5, size=len(o)), min_steps=50)
    assert batch.fresh and batch.n_steps >= 50
    for i in range(4):
        v, ends = batch.valid[:, i], batch.ends[:, i]
        last = np.flatnonzero(v)[-1]
        assert ends[last], "every env's last real step ends an episode"
        assert not v[last + 1 :].any()
    assert len(batch.episode_returns) == batch.ends.sum()


def test_collect_episodes_with_zero_min_steps_plays_one_episode_per_env():
    env = GridVecEnv(default_world(), num_envs=6)
    batch = Collector(env, group_size=3).collect_episodes(always(4), min_steps=0)
    assert batch.ends.sum(axis=0).tolist() == [1] * 6
    starts = batch.obs[0]
    assert starts[0] == starts[1] == starts[2] and starts[3] == starts[4] == starts[5]


def test_uniform_starts_cover_every_non_terminal_cell():
    world = World(target_terminal=True)
    env = GridVecEnv(world, num_envs=8)
    assert sorted(env.reset().tolist()) == [0, 1, 2, 3, 4, 5, 6, 7]  # s9 is terminal


def test_cartpole_autoreset_step_is_masked_and_returns_equal_episode_lengths():
    env = CartPoleVecEnv(num_envs=4, seed=0)
    batch = Collector(env).collect_steps(always(1), n_steps=60)  # always push right: falls fast
    assert len(batch.episode_returns) >= 4
    for i in range(4):
        ends = np.flatnonzero(batch.ends[:, i])
        assert not batch.valid[ends[0] + 1, i]
        assert batch.rewards[ends[0] + 1, i] == 0.0
        assert batch.valid[: ends[0] + 1, i].all()
        # the first episode's return is its length: reward 1 per real step
        assert batch.episode_returns.count(float(ends[0] + 1)) >= 1
    assert batch.rewards[batch.valid].min() == 1.0
    assert batch.terminated.sum() == len(batch.episode_returns)


def test_cartpole_groups_share_their_start_state():
    env = CartPoleVecEnv(num_envs=6, seed=1)
    obs = env.reset(group_size=3)
    np.testing.assert_array_equal(obs[0], obs[2])
    np.testing.assert_array_equal(obs[3], obs[5])
    assert not np.array_equal(obs[0], obs[3])

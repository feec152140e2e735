"""Every number GridSim accepts has one documented range (gridsim.limits), and the ranges of
rewards, gamma and horizon keep every value and return finite and printable."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

from gridsim import limits
from gridsim.limits import (
    GAMMA,
    HORIZON,
    LIMITS,
    LR,
    REWARD,
    SEED,
    LimitError,
    check,
    check_update_size,
    parse,
)
from gridsim.solvers import is_optimal, optimal_values
from gridsim.trajectory import format_number
from gridsim.world import Rewards, World

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_limit_says_why():
    for name, limit in LIMITS.items():
        assert limit.low <= limit.high, name
        assert len(limit.why) > 20 and limit.why.endswith("."), name


def test_the_largest_value_and_return_are_finite_and_printable():
    r, g, t = max(abs(REWARD.low), REWARD.high), GAMMA.high, HORIZON.high
    largest_value = r / (1 - g)  # sum_t gamma^t r
    largest_return = t * r  # an undiscounted episode of T steps
    for x in (largest_value, largest_return, -largest_value, -largest_return):
        assert math.isfinite(x) and math.isfinite(np.float32(x))
        assert len(format_number(x)) <= 12
    assert largest_value**2 < np.finfo(np.float32).max  # a squared advantage in a loss


def test_the_most_extreme_world_solves_exactly_and_finitely():
    world = World(
        rows=3,
        cols=3,
        rewards=Rewards(REWARD.low, REWARD.low, REWARD.high, REWARD.low),
        gamma=GAMMA.high,
        horizon=int(HORIZON.high),
    )
    v, q = optimal_values(world)
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(q))
    assert np.max(np.abs(v)) <= REWARD.high / (1 - GAMMA.high) + 1e-6
    pi = np.zeros((world.n_states, 5))
    pi[np.arange(world.n_states), q.argmax(axis=1)] = 1.0
    assert is_optimal(world, pi)  # the 1e-6 optimality test still means something


def test_check_names_the_field_and_the_range():
    with pytest.raises(
        LimitError, match=r"^rewards\.target: must be from -1000 to 1000, got 1e\+308$"
    ):
        check(REWARD, 1e308, "rewards.target")
    assert check(REWARD, -3, "r") == -3.0
    assert check(SEED, 1e3, "--seed") == 1000


@pytest.mark.parametrize(
    "limit, text, message",
    [
        (SEED, "99999999999999999999", "must be from 0 to 2^64 - 1, got 99999999999999999999"),
        (SEED, "1e30", "got 1e30"),
        (SEED, "-1", "got -1"),
        (SEED, "2.5", "must be a whole number, got 2.5"),
        (LR, "1e300", "must be greater than 0 and at most 10, got 1e300"),
        (LR, "0", "greater than 0"),
        (LR, "nan", "got nan"),
        (GAMMA, "inf", "got inf"),
        (REWARD, "one", "expected a number, got 'one'"),
        (SEED, "9" * 5000, "too long for a number (at most 64 characters)"),
    ],
)
def test_parse_refuses_with_one_line(limit, text, message):
    with pytest.raises(LimitError) as e:
        parse(limit, text, "box")
    assert message in str(e.value)
    assert str(e.value).startswith("box: ") and "\n" not in str(e.value)
    assert len(str(e.value)) < 160


def test_parse_accepts_what_a_person_writes():
    assert parse(SEED, " 42 ", "s") == 42
    assert parse(SEED, str(2**64 - 1), "s") == 2**64 - 1
    assert parse(limits.NUM_ENVS, "1e3", "n") == 1000
    assert parse(GAMMA, "0.9", "g") == 0.9


def test_a_deeply_nested_value_is_shown_short():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(LimitError, match=r"got \[\[\[\.\.\.\]\]\]"):
        check(REWARD, deep, "rewards.target")


def test_an_update_too_big_for_memory_is_refused_before_allocating():
    check_update_size(64 * 32, 4, (32,), 2, "num_envs and n_steps")  # cartpole ppo: fine
    too_big = r"^update size: .*GiB; the limit is 4 GiB \(lower num_envs and n_steps\)$"
    with pytest.raises(LimitError, match=too_big):
        check_update_size(10**9, 4, (32,), 2, "num_envs and n_steps")
    with pytest.raises(LimitError, match="hidden: .*parameters; the limit is 50,000,000"):
        check_update_size(100, 4, (100_000, 100_000), 2, "batch_steps")


def test_readme_limits_table_matches_the_code():
    text = README.read_text(encoding="utf-8")
    table = re.search(r"\| What \| Accepted \| Why \|\n(?:\|.*\|\n?)+", text)
    assert table, "README has no Limits table"
    assert table.group(0).strip() == limits.markdown_table()

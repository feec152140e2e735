"""`python main.py eval`: a saved agent's mean return without training, the exact verdict on
the gridworld, a video of its first episode, and one clear line for a bad file."""

import json

import imageio.v3 as iio
import numpy as np
import pytest
import torch

from agents.checkpoint import save_agent
from agents.learner import Run
from gridsim.solvers import optimal_values
from main import main


@pytest.fixture
def optimal_agent(tmp_path):
    """A reinforce agent whose logits put almost all mass on an optimal action everywhere."""
    run = Run("gridworld", "reinforce", seed=0)
    _, q = optimal_values(run.world)
    with torch.no_grad():
        run.agent.policy.logits.zero_()
        run.agent.policy.logits[np.arange(9), q.argmax(axis=1)] = 12.0
    save_agent(run, tmp_path / "agent.pt")
    return tmp_path / "agent.pt"


def evaluate(capsys, *argv):
    code = main(["eval", *map(str, argv), "--json"])
    return code, json.loads(capsys.readouterr().out.splitlines()[0])


def test_an_optimal_agent_is_reported_optimal_with_the_exact_values(capsys, optimal_agent):
    code, r = evaluate(capsys, "--agent", optimal_agent, "--greedy", "--episodes", 5)
    assert code == 0 and r["optimal"] and r["optimal_states"] == 9
    assert r["v_pi_start"] == pytest.approx(r["v_star_start"]) == pytest.approx(7.29)
    # greedy from s1: three steps of 0 to s9, then +1 on each of the other 17 steps
    assert r["mean_return"] == 17.0 and r["std_return"] == 0.0
    assert r["expected_return"] == pytest.approx(17.0, abs=1e-3)
    # 0.9^3 + ... + 0.9^19: below V* = 0.9^3 / 0.1 = 7.29, the rewards after step 20 cut off
    cut = sum(0.9**t for t in range(3, 20))
    assert r["expected_discounted_return"] == pytest.approx(cut, abs=1e-3)
    assert r["mean_discounted_return"] == pytest.approx(cut)


def test_the_sampled_means_agree_with_the_exact_ones_for_the_horizon(capsys, tmp_path):
    """An untrained agent's 2,000 sampled episodes against the backward induction."""
    save_agent(Run("gridworld", "vpg", seed=0), tmp_path / "a.pt")
    code, r = evaluate(capsys, "--agent", tmp_path / "a.pt", "--episodes", 2000)
    assert code == 0
    standard_error = r["std_return"] / np.sqrt(2000)
    assert abs(r["mean_return"] - r["expected_return"]) < 4 * standard_error
    assert abs(r["mean_discounted_return"] - r["expected_discounted_return"]) < 4 * standard_error


def test_an_untrained_agent_is_not_optimal(capsys, tmp_path):
    save_agent(Run("gridworld", "vpg", seed=0), tmp_path / "a.pt")
    code, r = evaluate(capsys, "--agent", tmp_path / "a.pt", "--episodes", 50)
    assert code == 0 and not r["optimal"] and r["optimal_states"] < 9
    assert r["v_pi_start"] < r["v_star_start"]


def test_render_gif_draws_the_first_episode_step_by_step(capsys, optimal_agent, tmp_path):
    from gridsim.app.episode_video import HOLD_FRAMES

    gif = tmp_path / "episode.gif"
    assert main(["eval", "--agent", str(optimal_agent), "--greedy", "--render-gif", str(gif)]) == 0
    assert "saved" in capsys.readouterr().out
    frames = iio.imread(gif, index=None)
    steps = 20  # the horizon
    assert frames.shape[0] == steps + 1 + 2 * (HOLD_FRAMES - 1)
    assert frames.shape[1:] == (3 * 100 + 24 + 34, 3 * 100 + 24, 3)


def test_a_cartpole_agent_reports_its_mean_return(capsys, tmp_path):
    run = Run("cartpole", "rtg_pg", seed=0)
    save_agent(run, tmp_path / "cart.pt")
    code, r = evaluate(capsys, "--agent", tmp_path / "cart.pt", "--episodes", 4)
    assert code == 0 and r["env"] == "cartpole" and 8 <= r["mean_return"] <= 500
    assert r["solved"] == (r["mean_return"] >= 475)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--agent", "missing.pt"], "no such file"),
        (["--agent", "{bad}", "--episodes", "0"], "--episodes: must be from 1 to 100,000"),
        (["--agent", "{bad}", "--seed", "1e30"], "--seed: must be from 0 to 2^64 - 1, got 1e30"),
        (["--agent", "{folder}"], "is a folder, not an agent file"),
        (["--agent", "{bad}"], "not a readable agent file"),
        (["--agent", "{good}", "--render-gif", "out.avi"], "--render-gif"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, optimal_agent, argv, message):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x80\x04not a pickle at all")
    argv = [a.format(bad=bad, good=optimal_agent, folder=tmp_path) for a in argv]
    assert main(["eval", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and len(err.splitlines()) == 1

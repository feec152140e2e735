"""`python main.py train`: output files, and one-line errors with exit code 2 for bad input."""

import argparse
import csv
import json

import pytest

from gridsim.commands import train


def cli(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py")
    train.add_parser(parser.add_subparsers(dest="command", required=True))
    return train.run(parser.parse_args(["train", *args]))


def test_train_writes_metrics_summary_and_agent(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        cli(["--env", "gridworld", "--algo", "grpo", "--seed", "1", "--out", str(out), "--quiet"])
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "algo",
        "env",
        "seed",
        "steps",
        "wall_s",
        "solved",
        "solved_at_steps",
        "solved_at_s",
        "final_mean_return",
        "optimal",
        "greedy_actions",
        "optimal_states",
        "n_states",
        "value_gap",
    ):
        assert key in summary
    assert summary["solved"] and summary["optimal"] and summary["seed"] == 1
    assert len(summary["greedy_actions"]) == 9 and summary["greedy_actions"][8] == "a5"
    assert (summary["optimal_states"], summary["n_states"]) == (9, 9)
    assert summary["value_gap"] <= 1e-6
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert len(rows) == summary["updates"] and rows[-1]["solved"] == "1"
    # how far each update moved pi, and GRPO's clip: the plot selector's extra curves
    assert all(float(r["kl_prev"]) >= 0 and 0 <= float(r["clip_fraction"]) <= 1 for r in rows)
    assert all(float(r["approx_kl"]) >= -1e-6 for r in rows)
    assert rows[-1]["optimal_states"] == "9" and rows[-1]["n_states"] == "9"
    # the count of optimal states is per update, and only reaches 9 of 9 when solved
    assert all(row["optimal_states"] != "9" or row["solved"] == "1" for row in rows)
    assert (out / "agent.pt").stat().st_size > 0
    from agents.checkpoint import load_agent

    assert load_agent(out / "agent.pt").algo == "grpo"
    assert "solved at" in capsys.readouterr().out


def test_train_stops_at_the_step_budget_on_cartpole(tmp_path):
    out = tmp_path / "cp"
    assert (
        cli(
            [
                "--env",
                "cartpole",
                "--algo",
                "ppo",
                "--max-steps",
                "2000",
                "--out",
                str(out),
                "--quiet",
                "--set",
                "num_envs=4",
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert not summary["solved"] and 2000 <= summary["steps"] < 2200
    assert "optimal" not in summary


@pytest.mark.parametrize(
    "args, message",
    [
        (["--algo", "dqn"], "unknown algorithm 'dqn'"),
        (["--algo", "ppo", "--env", "mountaincar"], "unknown env 'mountaincar'"),
        (["--algo", "ppo", "--set", "lr=abc"], "--set lr: expected a number"),
        (["--algo", "ppo", "--set", "warp=9"], "unknown hyper-parameter 'warp'"),
        (["--algo", "simple_pg", "--set", "batch_steps=0"], "batch_steps must be > 0"),
        (["--algo", "ppo", "--set", "lr"], "--set expects KEY=VALUE"),
        (["--algo", "ppo", "--seed", "x"], "--seed: expected a whole number"),
        (["--algo", "ppo", "--max-steps", "0"], "--max-steps: must be from 1"),
        (["--algo", "ppo", "--layout", "/no/such/layout.json"], "no such file"),
        (["--algo", "ppo", "--env", "cartpole", "--layout", "x.json"], "--layout only applies"),
    ],
)
def test_bad_input_gives_a_one_line_error_and_exit_code_2(args, message, capsys, tmp_path):
    assert cli([*args, "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_bad_layout_file_is_a_one_line_error(tmp_path, capsys):
    layout = tmp_path / "bad.json"
    layout.write_text('{"rows": 3, "cols": 3, "gamma": 2}')
    assert cli(["--algo", "ppo", "--layout", str(layout), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "gamma" in err and err.count("\n") == 1


def test_metrics_are_streamed_row_by_row_and_summary_comes_last(tmp_path):
    out = tmp_path / "run"
    job = train.TrainJob(env="gridworld", algo="ppo", seed=0, max_steps=3000, out=out)
    seen = []

    def progress(run_):
        part = out / "metrics.csv.part"
        seen.append((run_.updates, len(part.read_text().splitlines()) - 1))
        assert not (out / "summary.json").exists()

    summary, interrupted = train.train_run(job, progress)
    assert not interrupted and summary["error"] is None
    assert seen == [(n, n) for n in range(1, summary["updates"] + 1)]  # each row on disk at once
    assert not (out / "metrics.csv.part").exists()
    assert len((out / "metrics.csv").read_text().splitlines()) == summary["updates"] + 1

"""`python main.py compare`: every (algorithm, seed) run as `train` does it, on a process pool;
the table, the CSV and the figure; adding seeds, resuming, Ctrl+C; one-line errors."""

import argparse
import csv
import json
import os
import shutil
import stat
import sys

import pytest

from gridsim.commands import compare, train
from gridsim.compare.runs import run_folder

BUDGET = "3000"  # a few updates per run: the machinery, not the learning, is under test


def cli(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py")
    compare.add_parser(parser.add_subparsers(dest="command", required=True))
    return compare.run(parser.parse_args(["compare", *args]))


def numbers(folder) -> list[dict]:
    """A run's metrics without the wall-clock column (the one thing that may differ)."""
    rows = list(csv.DictReader((folder / "metrics.csv").open()))
    return [{k: v for k, v in row.items() if k != "wall_s"} for row in rows]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """vpg and ppo, 2 seeds each, on the pool; ppo's runs fail as they start: one update of
    60,000 walkers x 10,000 steps is beyond gridsim.limits' memory budget (the ranges leave no
    value that makes a loss infinite, which is how these runs used to fail)."""
    out = tmp_path_factory.mktemp("cmp") / "out"
    code = cli(
        [
            "--env", "gridworld", "--algos", "vpg,ppo", "--seeds", "2", "--max-steps", BUDGET,
            "--set", "ppo.num_envs=60000", "--set", "ppo.n_steps=10000",
            "--workers", "2", "--out", str(out), "--quiet",
        ]
    )  # fmt: skip
    return out, code


def test_every_run_has_its_folder_and_a_failed_run_does_not_sink_the_others(compared):
    out, code = compared
    assert code == 0
    for algo in ("vpg", "ppo"):
        for seed in (0, 1):
            folder = run_folder(out, algo, seed)
            assert (folder / "metrics.csv").is_file() and (folder / "summary.json").is_file()
            assert not (folder / "metrics.csv.part").exists()
    rows = list(csv.DictReader((out / "compare.csv").open()))
    assert [(r["algo"], r["seed"], r["status"]) for r in rows] == [
        ("vpg", "0", "finished"),
        ("vpg", "1", "finished"),
        ("ppo", "0", "failed"),
        ("ppo", "1", "failed"),
    ]
    assert "update size" in rows[2]["error"] and rows[0]["error"] == ""
    assert int(rows[0]["steps"]) >= int(BUDGET) and rows[0]["solved"] == "False"


def test_summary_md_has_one_row_per_algorithm_and_lists_the_failures(compared):
    text = (compared[0] / "summary.md").read_text()
    assert "| vpg | 0/2 |" in text
    assert "| ppo | 0/2 (2 failed) |" in text
    assert "- ppo seed 0: update size: one update of 600,000,000 steps" in text
    assert "Incomplete" not in text
    assert "Return of the optimal policy: 18.78" in text


def test_the_figure_is_a_png(compared):
    data = (compared[0] / "compare.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_every_file_written_honours_the_umask(compared):
    """Written through gridsim.files: 0666 minus the umask, like any program's, not 0600."""
    umask = os.umask(0o022)
    os.umask(umask)
    for path in [*compared[0].glob("*.*"), *run_folder(compared[0], "vpg", 0).iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name


def test_a_pair_gives_the_same_numbers_alone_as_in_the_pool(compared, tmp_path):
    alone = tmp_path / "alone"
    job = train.TrainJob(env="gridworld", algo="vpg", seed=1, max_steps=int(BUDGET), out=alone)
    summary, _ = train.train_run(job)
    pooled = run_folder(compared[0], "vpg", 1)
    assert numbers(alone) == numbers(pooled)
    pooled_summary = json.loads((pooled / "summary.json").read_text())
    for key in ("steps", "updates", "solved", "final_mean_return", "greedy_actions"):
        assert summary[key] == pooled_summary[key]


class InProcessPool:
    """Runs each job here, one by one (the real pool is the fixture's)."""

    def __init__(self):
        self.ran = []

    def submit(self, jobs):
        self.jobs = list(jobs)

    @property
    def pending(self):
        return len(self.jobs)

    def done(self, timeout=0.0):
        from gridsim.compare.pool import JobResult, run_job

        job = self.jobs.pop(0)
        self.ran.append((job.algo, job.seed))
        return [JobResult(job, run_job(job))]

    def close(self):
        pass


def test_more_seeds_on_the_same_folder_run_only_the_new_ones(
    compared, tmp_path, monkeypatch, capsys
):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(compared[0], out)
    pool = InProcessPool()
    monkeypatch.setattr(compare, "_start_pool", lambda args, workers: pool)
    kept = (run_folder(out, "vpg", 0) / "summary.json").stat().st_mtime_ns
    assert cli(["--resume", str(out), "--seeds", "3", "--quiet"]) == 0
    assert pool.ran == [("vpg", 2), ("ppo", 2)]  # failed runs stay failed: they are done
    assert (run_folder(out, "vpg", 0) / "summary.json").stat().st_mtime_ns == kept
    rows = list(csv.DictReader((out / "compare.csv").open()))
    assert [(r["algo"], r["seed"]) for r in rows][-1] == ("ppo", "2") and len(rows) == 6
    assert "| vpg | 0/3 |" in (out / "summary.md").read_text()
    # the same command again: nothing left to do, it only redraws
    assert cli(["--resume", str(out), "--quiet"]) == 0
    assert "nothing to run" in capsys.readouterr().out


class InterruptedPool:
    """Finishes the first run in this process, then Ctrl+C arrives."""

    def __init__(self):
        self.pending = 0
        self.stopped = False

    def submit(self, jobs):
        self.jobs = list(jobs)
        self.pending = len(self.jobs)

    def done(self, timeout=0.0):
        from gridsim.compare.pool import JobResult, run_job

        if self.pending == len(self.jobs):
            self.pending -= 1
            return [JobResult(self.jobs[0], run_job(self.jobs[0]))]
        raise KeyboardInterrupt

    def stop(self):
        self.stopped = True


def test_ctrl_c_keeps_the_finished_runs_and_says_the_results_are_incomplete(
    tmp_path, monkeypatch, capsys
):
    pool = InterruptedPool()
    monkeypatch.setattr(compare, "_start_pool", lambda args, workers: pool)
    out = tmp_path / "out"
    args = ["--env", "gridworld", "--algos", "vpg", "--seeds", "3", "--max-steps", BUDGET]
    assert cli([*args, "--out", str(out), "--quiet"]) == 130
    assert pool.stopped
    assert "--resume" in capsys.readouterr().err
    assert (run_folder(out, "vpg", 0) / "summary.json").is_file()
    text = (out / "summary.md").read_text()
    assert "Incomplete: 1 of 3 runs done" in text and "Not run yet: vpg seed 1, vpg seed 2" in text
    statuses = [r["status"] for r in csv.DictReader((out / "compare.csv").open())]
    assert statuses == ["finished", "not run", "not run"]


@pytest.mark.parametrize("after_s", [0.5, 1.5])
def test_ctrl_c_while_the_workers_start_is_one_line_and_leaves_no_process(tmp_path, after_s):
    """Ctrl+C (to the terminal's whole process group) while `compare` starts: its checks
    import torch, the fork server imports torch, the pool waits for its workers. One line,
    exit 130, no traceback from any process, nothing left running."""
    import signal
    import subprocess
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    flags = ["--env", "cartpole", "--algos", "ppo", "--seeds", "2", "--out", str(tmp_path / "o")]
    command = [sys.executable, "main.py", "compare", *flags]  # runs of 10+ s: still starting
    p = subprocess.Popen(
        [*command, "--quiet"],
        cwd=root,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(after_s)
    os.killpg(p.pid, signal.SIGINT)
    output, _ = p.communicate(timeout=60)  # EOF: every process holding the pipe has ended
    assert p.returncode == 130, output
    assert "Traceback" not in output and output.strip().splitlines()[-1].startswith("interrupted")


GOOD = ["--env", "gridworld", "--algos", "ppo,vpg", "--seeds", "2"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--env", "gridworld", "--algos", "ppo,dqn"], "unknown algorithm 'dqn'"),
        (["--env", "gridworld", "--algos", ","], "--algos is empty"),
        (["--algos", "ppo"], "--env is required"),
        ([*GOOD, "--seeds", "0"], "--seeds: must be from 1 to 1000, got 0"),
        ([*GOOD, "--seeds", "two"], "--seeds: expected a whole number, got 'two'"),
        ([*GOOD, "--max-steps", "0"], "--max-steps: must be from 1 to"),
        ([*GOOD, "--workers", "0"], "--workers: must be from 1 to 256, got 0"),
        ([*GOOD, "--set", "batch_steps=100"], "ppo: unknown hyper-parameter 'batch_steps'"),
        ([*GOOD, "--set", "grpo.lr=1"], "'grpo' is not one of --algos"),
        ([*GOOD, "--set", "lr=x"], "--set lr: expected a number"),
        (
            [*GOOD, "--set", "ppo.lr=1e300"],
            "ppo: lr: must be greater than 0 and at most 10, got 1e+300\n",
        ),
        (["--env", "cartpole", "--algos", "ppo", "--layout", "x.json"], "--layout only applies"),
        ([*GOOD, "--ray", "127.0.0.1:9"], "cannot reach the Ray cluster at 127.0.0.1:9"),
        ([*GOOD, "--ray", "nowhere"], "expected HOST:PORT"),
    ],
)
def test_bad_input_is_one_error_line_exit_2_and_writes_nothing(args, message, tmp_path, capsys):
    out = tmp_path / "o"
    assert cli([*args, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert not out.exists()


def test_an_algorithm_that_does_not_run_on_the_env_is_refused(monkeypatch, tmp_path, capsys):
    import agents.grpo

    monkeypatch.setitem(agents.grpo.DEFAULTS, "cartpole", None)
    monkeypatch.delitem(agents.grpo.DEFAULTS, "cartpole")
    args = ["--env", "cartpole", "--algos", "ppo,grpo", "--out", str(tmp_path / "o")]
    assert cli(args) == 2
    assert capsys.readouterr().err == "error: grpo does not run on cartpole\n"


def test_ray_without_ray_installed_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    assert cli([*GOOD, "--ray", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --ray needs Ray") and 'pip install -e ".[cluster]"' in err
    assert err.count("\n") == 1


def test_an_unwritable_out_is_refused_before_any_run(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli([*GOOD, "--out", str(blocker / "sub")]) == 2
    assert "cannot write there" in capsys.readouterr().err


def test_a_folder_of_another_comparison_is_refused(compared, capsys):
    args = ["--env", "gridworld", "--algos", "vpg,ppo", "--set", "ppo.num_envs=60000"]
    args += ["--set", "ppo.n_steps=10000", "--out"]
    assert cli([*args, str(compared[0]), "--max-steps", "999"]) == 2
    assert "other settings (--max-steps)" in capsys.readouterr().err


def test_resume_needs_a_comparison_folder_and_keeps_its_settings(tmp_path, compared, capsys):
    assert cli(["--resume", str(tmp_path)]) == 2
    assert "no comparison there" in capsys.readouterr().err
    assert cli(["--resume", str(compared[0]), "--max-steps", "5"]) == 2
    assert "drop --max-steps" in capsys.readouterr().err


def edited(compared, tmp_path, change) -> str:
    """A copy of the comparison folder with compare.json changed by ``change(data)``."""
    folder = tmp_path / "copy"
    shutil.copytree(compared[0], folder)
    path = folder / "compare.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps(change(data)))
    return str(folder)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: {**d, "seeds": 10**9}, "seeds: must be from 1 to 1000, got 1000000000"),
        (lambda d: {**d, "max_steps": -5}, "max_steps: must be from 1 to"),
        (lambda d: {**d, "algos": ["ppo", "dqn"]}, "algos: expected a list of algorithm names"),
        (lambda d: {**d, "overrides": [["lr"]]}, "overrides: expected"),
        (lambda d: {**d, "world": {**d["world"], "horizon": 10**9}}, "horizon: must be from 1"),
        (lambda d: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[d]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "nested"),
    ],
    ids=["a-billion-seeds", "negative-budget", "unknown-algo", "bad-override", "horizon", "deep"],
)
def test_a_hand_edited_compare_json_is_held_to_the_flags_ranges(
    compared, tmp_path, capsys, change, message
):
    """--resume DIR reads compare.json through gridsim.files and gridsim.limits: a file edited
    to ask for a billion runs is one line, not a hang (nor a RecursionError traceback)."""
    folder = edited(compared, tmp_path, change)
    assert cli(["--resume", folder, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1


def test_a_fifo_or_a_hostile_summary_in_a_comparison_is_one_line(compared, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(compared[0], folder)
    (run_folder(folder, "vpg", 0) / "summary.json").write_text("[" * 100_000)
    (run_folder(folder, "vpg", 1) / "metrics.csv").unlink()
    os.mkfifo(run_folder(folder, "vpg", 1) / "metrics.csv")  # not waited on: no curve
    assert cli(["--resume", str(folder), "--quiet"]) == 0  # that run counts as failed
    rows = list(csv.DictReader((folder / "compare.csv").open()))
    assert rows[0]["status"] == "failed" and "nested more than" in rows[0]["error"]
    (folder / "compare.json").unlink()
    os.mkfifo(folder / "compare.json")
    assert cli(["--resume", str(folder), "--quiet"]) == 2  # refused without waiting on it
    assert "is a FIFO (named pipe), not a comparison file" in capsys.readouterr().err


def test_a_metrics_file_is_read_in_bounded_chunks_to_its_last_row(tmp_path, monkeypatch):
    """CurveReader reads READ_CHUNK bytes at a time (memory stays bounded on any file) and
    its close() still reaches the last row."""
    from gridsim.compare import runs

    monkeypatch.setattr(runs, "READ_CHUNK", 64)
    rows = "".join(f"{n},{100 * n},0.1,{n / 10},0\n" for n in range(1, 51))
    (tmp_path / "metrics.csv").write_text("update,env_steps,wall_s,mean_return_100,solved\n" + rows)
    reader = runs.CurveReader(tmp_path, runs.step_grid(5000, points=50))
    assert reader.poll() and reader.curve.rows < 50  # one chunk: a few rows
    reader.close()
    assert reader.curve.rows == 50 and reader.curve.values[-1] == 5.0

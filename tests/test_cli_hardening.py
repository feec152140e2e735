"""Every way into the command line refuses bad input up front with one `error:` line and exit
code 2, and never loses a run: the cases of issue 11, through the real entry point."""

import json
import os
import subprocess
import sys

import pytest

import main
from tests.conftest import ROOT


def run_cli(argv, capsys):
    """(exit code, stdout, stderr) of `python main.py ARGV`, in-process."""
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(argv, capsys) -> str:
    """The one error line of a refused command (asserting exit 2 and nothing else said)."""
    code, out, err = run_cli(argv, capsys)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def layout(tmp_path, data, name="layout.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


# --- train: numbers and paths checked before any training -----------------------------------


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--seed", "99999999999999999999"], "--seed: must be from 0 to 2^64 - 1"),
        (["--seed", "1e30"], "--seed: must be from 0 to 2^64 - 1, got 1e30"),
        (["--max-steps", "0"], "--max-steps: must be from 1"),
        (["--set", "lr=1e300"], "lr: must be greater than 0 and at most 10, got 1e+300"),
        (["--set", "batch_steps=1e9"], "batch_steps: must be from 1 to 10,000,000"),
        (["--set", "num_envs=1e7"], "num_envs: must be from 1 to 65,536"),
        (["--set", "hidden=100000,100000"], "hidden: must be from 1 to 4096, got 100000"),
        (["--set", "lr=" + "9" * 5000], "too long (at most 64 characters)"),
        (["--out", ""], "--out is empty"),
        (["--layout", ""], "--layout is empty"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_train_refuses_bad_numbers_and_empty_paths_up_front(flags, message, tmp_path, capsys):
    args = ["train", "--algo", "simple_pg", "--out", tmp_path / "run", "--quiet", *flags]
    assert message in refused(args, capsys)
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").iterdir())


def test_an_update_too_big_for_memory_is_refused_with_the_limit(tmp_path, capsys):
    args = ["train", "--algo", "ppo", "--out", tmp_path / "r", "--quiet"]
    args += ["--set", "num_envs=60000", "--set", "n_steps=10000"]
    line = refused(args, capsys)
    assert "GiB; the limit is 4 GiB (lower num_envs or n_steps)" in line


def test_a_64_bit_seed_trains(tmp_path, capsys):
    args = ["train", "--algo", "grpo", "--seed", 2**64 - 1, "--max-steps", "1"]
    code, out, err = run_cli([*args, "--out", tmp_path / "r", "--quiet"], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["seed"] == 2**64 - 1


def test_an_unwritable_out_is_refused_before_training(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    line = refused(["train", "--algo", "ppo", "--out", blocker / "run", "--quiet"], capsys)
    assert line.startswith(f"error: --out {blocker / 'run'}: cannot write there")
    assert blocker.read_text() == "not a folder"


def test_max_steps_is_a_budget_and_the_stop_is_said(tmp_path, capsys):
    args = ["train", "--algo", "reinforce", "--max-steps", "1000", "--out", tmp_path / "r"]
    code, out, err = run_cli([*args, "--quiet"], capsys)
    assert code == 0, err
    steps = json.loads((tmp_path / "r" / "summary.json").read_text())["steps"]
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["updates"] == 1
    assert f"stopped after {steps} steps, at the first update that reached the --max-steps " in out


def test_no_finished_episode_is_said_not_crashed_on(tmp_path, capsys):
    args = ["train", "--algo", "ppo", "--max-steps", "1", "--set", "n_steps=4"]
    code, out, err = run_cli([*args, "--out", tmp_path / "r", "--quiet"], capsys)
    assert code == 0, err
    assert "no episode finished" in out
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["final_mean_return"] is None


# --- a world with no start state: refused the same way by solve, train and gui --------------


@pytest.mark.parametrize(
    "world",
    [
        {"rows": 1, "cols": 1, "target_terminal": True},
        {"rows": 2, "cols": 2, "targets": ["s1", "s2", "s3", "s4"], "target_terminal": True},
    ],
    ids=["1x1", "all-target-2x2"],
)
@pytest.mark.parametrize("command", ["solve", "train", "gui"])
def test_a_world_without_a_start_state_is_refused_everywhere(world, command, tmp_path, capsys):
    path = layout(tmp_path, world)
    extra = {"train": ["--algo", "ppo", "--out", tmp_path / "r"], "gui": ["--headless"]}
    line = refused([command, "--layout", path, *extra.get(command, [])], capsys)
    assert "no state for an episode to start in" in line


# --- layouts ---------------------------------------------------------------------------------


def test_defaults_for_sizes_other_than_3x3(tmp_path, capsys):
    code, out, err = run_cli(
        ["solve", "--json", "--layout", layout(tmp_path, {"rows": 5, "cols": 5})], capsys
    )
    assert code == 0, err
    code, out, err = run_cli(
        ["solve", "--layout", layout(tmp_path, {"rows": 5, "cols": 5})], capsys
    )
    assert "World 5x5: forbidden none, target s25, start s1" in out
    two = layout(tmp_path, {"rows": 2, "cols": 2, "targets": ["s4"]})
    code, out, err = run_cli(["solve", "--layout", two], capsys)
    assert code == 0 and "World 2x2: forbidden none, target s4, start s1" in out


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '{"rows": 3,\n "cols": 3,\n "rows": 4}',
            "layout.json: line 3: rows: the key appears twice",
        ),
        ('{"rows": 3, "cols": 3, "targets": ["s9", "s9"]}', "targets: s9 is listed twice"),
        ('{"rows": 3, "cols": 3, "start": " s1"}', "start: expected a state name like 's1'"),
        (
            '{"rows": 3, "cols": 3,\n "rewards": {"target": 1e308}}',
            "line 2: rewards.target: must be from -1000 to 1000",
        ),
        (
            '{"rows": 3, "cols": 3, "rewards": {"other": 1e300}, "gamma": 0.99}',
            "rewards.other: must be",
        ),
        ('{"rows": 3, "cols": 3, "horizon": 1' + "0" * 5000 + "}", "a number of 5,001 characters"),
        ("[" * 100_000, "nested more than 32 levels deep"),
        ('{"rows": 3, "cols": "three"}', "cols: must be a whole number from 1 to 12"),
        ('{"rows": 3, "cols": 3, "gamma": 1}', "gamma: must be from 0 to 0.999, got 1"),
    ],
    ids=[
        "dup-key",
        "dup-cell",
        "spaced-name",
        "huge-reward",
        "huge-return",
        "digits",
        "deep",
        "type",
        "gamma",
    ],
)
def test_bad_layouts_are_one_line_naming_file_line_and_field(text, message, tmp_path, capsys):
    path = layout(tmp_path, text)
    before = path.read_bytes()
    for command in (
        ["solve"],
        ["gui", "--headless"],
        ["train", "--algo", "ppo", "--out", tmp_path / "r"],
    ):
        assert message in refused([*command, "--layout", path], capsys)
    assert path.read_bytes() == before
    assert not (tmp_path / "r").exists()


def test_a_fifo_as_layout_is_refused_without_blocking(tmp_path, capsys):
    import os

    fifo = tmp_path / "layout.json"
    os.mkfifo(fifo)
    assert "is a FIFO (named pipe), not a layout file" in refused(
        ["solve", "--layout", fifo], capsys
    )


def test_solve_gamma_flag_is_held_to_the_same_range(capsys):
    assert "--gamma: must be from 0 to 0.999, got 1" in refused(["solve", "--gamma", "1"], capsys)
    assert "--gamma: expected a number, got 'x'" in refused(["solve", "--gamma", "x"], capsys)
    assert "--layout is empty" in refused(["solve", "--layout", ""], capsys)


def test_a_usage_error_is_one_line_too(capsys):
    line = refused(["train"], capsys)
    assert (
        line
        == "error: the following arguments are required: --algo (see python main.py train --help)"
    )


# --- the app's commands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["gui", "--headless", "--size", "800x600"], "--size width: must be from 1024 to 7680 px"),
        (["gui", "--headless", "--size", "1280x480"], "--size height: must be from 700"),
        (["demo", "--headless", "--size", "640x480"], "--size width: must be from 1024"),
        (["gui", "--headless", "--frames", "0"], "--frames: must be from 1"),
        (["gui", "--headless", "--layout", ""], "--layout is empty"),
        (["demo", ""], "the demo name is empty"),
        (["gui", "--headless", "--agent", ""], "--agent: is empty"),
        (["gui", "--headless", "--agent", "{tmp}"], "is a folder, not an agent file"),
        (["gui", "--headless", "--agent", "{fifo}"], "is a FIFO (named pipe), not an agent file"),
    ],
)
def test_window_options_are_checked_before_the_window_opens(argv, message, tmp_path, capsys):
    os.mkfifo(tmp_path / "agent.pt")
    argv = [a.format(tmp=tmp_path, fifo=tmp_path / "agent.pt") for a in argv]
    assert message in refused(argv, capsys)


def test_a_screenshot_path_is_checked_before_the_run(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for command in (["gui"], ["demo", "2"]):
        argv = [*command, "--headless", "--frames", "1", "--screenshot", blocker / "shot.png"]
        line = refused(argv, capsys)
        assert (
            line == f"error: --screenshot {blocker / 'shot.png'}: {blocker} is a file, not a folder"
        )
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("argv", [[], ["gui"], ["demo"], ["demo", "2"]], ids=repr)
def test_no_display_exits_2_naming_headless(argv, monkeypatch, capsys):
    for name in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    line = refused(argv, capsys)
    assert "--headless" in line and "no display" in line


@pytest.mark.parametrize("argv", [["solve"], ["demo", "--list"]], ids=" ".join)
def test_output_piped_into_a_reader_that_stops_early_ends_quietly(argv):
    """`python main.py solve | head -1`, `python main.py demo --list | head -1`."""
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    child.stdout.close()  # like `| head` exiting before solve writes
    err = child.stderr.read().decode()
    child.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err


@pytest.mark.parametrize("kind", ["fifo", "deep", "digits"])
def test_a_hostile_preference_file_is_one_line_not_a_hang_or_a_traceback(kind, tmp_path, capsys):
    import os

    path = tmp_path / "pairs.jsonl"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_text("[" * 100_000 if kind == "deep" else '{"prompt": ' + "9" * 5000 + "}")
    line = refused(["train", "--algo", "dpo", "--prefs", path, "--out", tmp_path / "r"], capsys)
    expected = {
        "fifo": "is a FIFO (named pipe), not a preference file",
        "deep": "line 1: nested more than 32 levels deep",
        "digits": "line 1: a number of 5,000 characters",
    }[kind]
    assert expected in line

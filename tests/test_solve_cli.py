"""`python main.py solve` prints checkable numbers, JSON on request, and one-line errors."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run_main(*args):
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_help_lists_the_sub_commands():
    out = run_main("--help")
    assert out.returncode == 0
    assert "solve" in out.stdout


def test_solve_prints_the_tutorials_values_and_arrows():
    out = run_main("solve")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    row = next(line for line in lines if line.startswith("s1 "))
    assert "7.29" in row and "a2 right, a3 down" in row
    assert any(line.startswith("s9") and "a5 stay" in line for line in lines)
    assert "○" in out.stdout and "↓" in out.stdout


def test_solve_json_has_states_values_q_and_optimal_actions():
    out = run_main("solve", "--json", "--gamma", "0.5")
    data = json.loads(out.stdout)
    assert data["states"][0] == "s1" and len(data["Q"]) == 9 and len(data["Q"][0]) == 5
    assert data["V"][8] == pytest.approx(2.0)  # 1 / (1 - 0.5)
    assert data["optimal_actions"][8] == ["a5"]


@pytest.mark.parametrize("args", [("--layout", "no/such/file.json"), ("--gamma", "1.2")])
def test_bad_input_prints_one_line_and_exits_2(args):
    out = run_main("solve", *args)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("error:")
    assert "Traceback" not in out.stderr

"""`python main.py prefs` and `train --prefs/--ref`: datasets, offline runs, one-line errors."""

import csv
import json

import pytest

from gridsim.preferences import read_judgements, read_pairs
from gridsim.world import default_world
from main import main


def test_prefs_writes_labelled_pairs_of_the_uniform_policy(tmp_path, capsys):
    out = tmp_path / "pairs.jsonl"
    assert main(["prefs", "--pairs", "30", "--seed", "3", "--out", str(out)]) == 0
    pairs = read_pairs(out, default_world())
    assert len(pairs) == 30 and all(p.chosen != p.rejected for p in pairs)
    assert "wrote 30 pairs" in capsys.readouterr().out


def test_prefs_writes_kto_judgements_from_the_layout_start(tmp_path):
    out = tmp_path / "kto.jsonl"
    assert (
        main(["prefs", "--kind", "kto", "--pairs", "16", "--starts", "start", "--out", str(out)])
        == 0
    )
    judgements = read_judgements(out, default_world())
    assert len(judgements) == 16 and {j.prompt for j in judgements} == {0}
    assert 0 < sum(j.desirable for j in judgements) < 16  # above / below the median


def test_train_learns_offline_from_a_preference_file(tmp_path):
    prefs = tmp_path / "p.jsonl"
    prefs.write_text('{"prompt": "s1", "chosen": ["a3", "a2"], "rejected": ["a2", "a3"]}\n')
    out = tmp_path / "run"
    args = ["train", "--algo", "dpo", "--prefs", str(prefs), "--max-steps", "400"]
    assert main([*args, "--set", "num_envs=8", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["preferences"]["labeller"] == "human" and summary["preferences"]["pairs"] == 1
    assert summary["preferences"]["final_metrics"]["rewards/margins"] > 0
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert rows[-1]["labels"] == "1" and float(rows[-1]["rewards/accuracies"]) == 1.0
    assert summary["greedy_actions"][0] == "a3"  # from s1, down (the chosen first step)


def test_train_with_a_reference_starts_from_it(tmp_path):
    ref = tmp_path / "ppo"
    assert main(["train", "--algo", "ppo", "--out", str(ref), "--quiet"]) == 0
    out = tmp_path / "dpo"
    assert (
        main(
            ["train", "--algo", "dpo", "--ref", str(ref / "agent.pt"), "--out", str(out), "--quiet"]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["hyperparameters"]["ref"] == str(ref / "agent.pt")
    assert summary["optimal"] and summary["updates"] == 1  # PPO's optimal policy from the start


@pytest.mark.parametrize(
    "args, words",
    [
        (["prefs", "--pairs", "0", "--out", "X"], "--pairs: must be from 1 to 100,000, got 0"),
        (["prefs", "--kind", "ipo", "--out", "X"], "--kind must be one of dpo, kto"),
        (["prefs", "--labeller", "you", "--out", "X"], "--labeller must be one of return"),
        (["prefs", "--temperature", "-1", "--out", "X"], "--temperature: must be from 0 to"),
        (["prefs", "--ref", "nope.pt", "--out", "X"], "nope.pt: no such file"),
        (["train", "--algo", "dpo", "--prefs", "nope.jsonl"], "nope.jsonl: no such file"),
        (["train", "--algo", "ppo", "--prefs", "p.jsonl"], "--prefs is for dpo, kto, rlhf"),
        (["train", "--algo", "dpo", "--ref", "nope.pt"], "--ref nope.pt: no such file"),
        (["train", "--algo", "dpo", "--set", "beta=0"], "beta must be > 0"),
        (["train", "--algo", "dpo", "--set", "labeller=human"], "pass them with --prefs"),
        (["train", "--env", "cartpole", "--algo", "dpo", "--prefs", "p.jsonl"], "gridworld"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, monkeypatch, capsys, args, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.jsonl").write_text('{"prompt": "s1", "chosen": ["a3"], "rejected": ["a2"]}\n')
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and words in err and "\n" not in err
    assert not (tmp_path / "X").exists()


def test_a_bad_row_in_the_file_stops_train_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.jsonl").write_text(
        '{"prompt": "s1", "chosen": ["a3"], "rejected": ["a2"]}\n'
        '{"prompt": "s1", "chosen": ["a3"], "rejected": ["a3"]}\n'
    )
    assert main(["train", "--algo", "dpo", "--prefs", "p.jsonl", "--out", "run"]) == 2
    assert "p.jsonl: line 2: rejected: identical to chosen" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()

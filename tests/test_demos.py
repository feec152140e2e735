"""The demos as data and on the command line: every demo is listed, named and runnable."""

import argparse

import pytest

from gridsim.commands import demo as demo_command
from gridsim.demos import CHAPTERS, DEMOS, demo_by_key, demos_by_chapter


def parse(*argv):
    parser = argparse.ArgumentParser()
    demo_command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["demo", *argv])


def test_every_demo_has_a_unique_key_and_number_and_a_known_chapter():
    assert len({d.key for d in DEMOS}) == len({d.number for d in DEMOS}) == len(DEMOS) >= 12
    assert all(d.chapter in CHAPTERS for d in DEMOS)


def test_captions_are_two_to_four_lines():
    for d in DEMOS:
        assert 2 <= len(d.caption.split("\n")) <= 4, d.key


def test_a_demo_is_found_by_name_or_number():
    assert demo_by_key("2") is demo_by_key("trajectory")
    assert demo_by_key("10a").algo == "ppo"
    with pytest.raises(KeyError):
        demo_by_key("nope")


def test_chapters_group_all_demos_in_order():
    grouped = demos_by_chapter()
    assert list(grouped) == sorted(grouped)
    assert sum(len(v) for v in grouped.values()) == len(DEMOS)


def test_cartpole_demo_uses_the_tutorials_configuration():
    d = demo_by_key("cartpole-simple-pg")
    assert d.algo == "simple_pg"
    assert dict(d.overrides) == {"hidden": (32,), "lr": 1e-2, "batch_steps": 5000}


def test_demo_list_prints_every_demo_in_english_and_chinese(capsys):
    assert demo_command.run(parse("--list", "--lang", "en")) == 0
    out = capsys.readouterr().out
    assert all(d.key in out for d in DEMOS) and "States and actions" in out
    assert demo_command.run(parse("--list", "--lang", "zh")) == 0
    assert "状态和动作" in capsys.readouterr().out


def test_an_unknown_demo_is_an_error(capsys):
    assert demo_command.run(parse("nope", "--headless", "--frames", "1")) == 2
    assert "no demo" in capsys.readouterr().err


def test_headless_demo_saves_a_screenshot(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GRIDSIM_CONFIG", str(tmp_path / "settings.json"))
    shot = tmp_path / "trajectory.png"
    args = parse("2", "--headless", "--frames", "5", "--screenshot", str(shot), "--lang", "en")
    assert demo_command.run(args) == 0
    assert shot.stat().st_size > 1000
    assert "return_text: return = 0 + 0 + 0 + 1 = 1" in capsys.readouterr().out

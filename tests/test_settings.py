"""Settings survive a restart, and bad files fall back to defaults instead of crashing."""

import json
import os
import stat

import pytest

from gridsim.settings import Settings, load_settings, update_settings


def test_language_choice_is_remembered(tmp_path):
    path = tmp_path / "cfg" / "settings.json"
    assert load_settings(path) == Settings(language="en")
    update_settings(path, language="zh")
    assert load_settings(path).language == "zh"


def test_corrupt_or_strange_settings_give_defaults(tmp_path):
    path = tmp_path / "settings.json"
    for text in ("{not json", "[1, 2]", '{"language": "klingon", "extra": 1}'):
        path.write_text(text)
        assert load_settings(path) == Settings()


def test_a_language_switch_keeps_keys_it_does_not_know(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"language": "en", "theme": "dark", "recent": ["a.json"]}')
    update_settings(path, language="zh")
    assert json.loads(path.read_text()) == {
        "language": "zh",
        "theme": "dark",
        "recent": ["a.json"],
    }


def test_a_symlinked_settings_file_is_written_through(tmp_path):
    real = tmp_path / "dotfiles" / "gridsim.json"
    real.parent.mkdir()
    real.write_text('{"language": "en"}')
    os.chmod(real, 0o644)
    link = tmp_path / "settings.json"
    link.symlink_to(real)
    update_settings(link, language="zh")
    assert link.is_symlink()
    assert json.loads(real.read_text())["language"] == "zh"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o644


def test_an_unreadable_file_is_moved_aside_and_said_once(tmp_path, capsys):
    path = tmp_path / "settings.json"
    path.write_text('{"language": "zh", oops}')
    update_settings(path, language="zh")
    update_settings(path, language="en")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"warning: could not read {path}")
    assert err[0].endswith(f"kept it as {path}.bad")
    assert (tmp_path / "settings.json.bad").read_text() == '{"language": "zh", oops}'
    assert load_settings(path).language == "en"


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '{"language": ' + "1" * 5000 + "}", '{"language": "zh", "language": "en"}'],
    ids=["deep", "huge-int", "duplicate-key"],
)
def test_hostile_settings_give_defaults_and_the_app_still_starts(tmp_path, text):
    path = tmp_path / "settings.json"
    path.write_text(text)
    assert load_settings(path) == Settings()


def test_a_fifo_as_settings_is_not_waited_on_nor_replaced(tmp_path):
    path = tmp_path / "settings.json"
    os.mkfifo(path)
    assert load_settings(path) == Settings()  # returns at once instead of blocking
    update_settings(path, language="zh")  # not saved, not replaced
    assert stat.S_ISFIFO(os.stat(path).st_mode)

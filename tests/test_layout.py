"""Layout files: strict loading with messages naming file and field; atomic saving."""

import json
import os

import pytest

from gridsim.layout import (
    LayoutError,
    load_layout,
    save_layout,
    shipped_layout,
    world_from_dict,
    world_to_dict,
)
from gridsim.world import default_world


def test_shipped_tutorial_layout_is_the_default_world():
    assert load_layout(shipped_layout("tutorial_3x3")) == default_world()


@pytest.mark.parametrize("name", ["tutorial_3x3", "walls_3x3", "zhao_5x5"])
def test_every_shipped_layout_loads_and_roundtrips(name, tmp_path):
    world = load_layout(shipped_layout(name))
    save_layout(world, tmp_path / "copy.json")
    assert load_layout(tmp_path / "copy.json") == world


def test_walls_layout_uses_wall_mode():
    assert load_layout(shipped_layout("walls_3x3")).forbidden_mode == "wall"


def test_missing_optional_keys_take_defaults():
    world = world_from_dict({"rows": 3, "cols": 3, "forbidden": ["s6", "s7"], "targets": ["s9"]})
    assert world == default_world()


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"colour": "red"}, "colour"),
        ({"gamma": 1.5}, "gamma"),
        ({"gamma": "0.9"}, "gamma"),
        ({"rewards": {"target": "lots"}}, "rewards.target"),
        ({"rewards": {"bonus": 1}}, "rewards.bonus"),
        ({"targets": ["s6"]}, "targets"),
        ({"forbidden": ["s42"]}, "forbidden"),
        ({"forbidden": "s6"}, "forbidden"),
        ({"start": 1}, "start"),
        ({"rows": 2.5}, "rows"),
    ],
)
def test_bad_layout_is_rejected_with_file_and_field(tmp_path, patch, field):
    data = world_to_dict(default_world()) | patch
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    assert info.value.field == field
    assert str(path) in str(info.value) and field in str(info.value)


def test_malformed_json_and_missing_file_give_clear_errors(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"rows": 3,')
    with pytest.raises(LayoutError, match="broken.json.*line 1"):
        load_layout(path)
    with pytest.raises(LayoutError, match="(?i)no such file"):
        load_layout(tmp_path / "absent.json")


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "world.json"
    save_layout(default_world(), path)
    before = path.read_text()

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        save_layout(default_world().with_changes(gamma=0.5), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["world.json"]

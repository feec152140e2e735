"""The app's ways in (boxes, Open…, Save…) refuse bad input with a red line and keep the old
value: issue 11's cases, driven like a user."""

import os
import stat

import pytest

from gridsim.app.draw import style
from gridsim.world import default_world
from tests.test_app_gui import type_into


@pytest.mark.parametrize("text", ["1e308", "-1e300", "9" * 5000], ids=["1e308", "-1e300", "digits"])
def test_a_huge_reward_typed_in_a_box_is_refused_and_the_old_value_kept(app, text):  # noqa: F811
    scene = app.scene
    type_into(app, scene.fields["r_target"], text)
    assert scene.world == default_world()
    assert scene.fields["r_target"].get_text() == "1"
    assert scene.message_color == style.ERROR
    assert scene.message.startswith("r_target: ") and scene.message.endswith("; kept 1")
    assert len(scene.fields["r_target"].get_text()) <= 64  # a long paste is cut at the box


def test_a_huge_batch_typed_in_the_training_panel_is_refused(app, made):  # noqa: F811
    panel = app.scene.panel
    type_into(app, panel.batch, "1e9")
    assert panel.field_error == "steps/update: must be from 1 to 10,000,000, got 1e9"
    assert panel.batch.get_text() == "" and not made


def test_opening_a_hostile_file_is_a_message_not_a_hang_or_a_crash(app, tmp_path):  # noqa: F811
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "digits.json").write_text('{"rows": ' + "9" * 5000 + "}")
    for name in ("fifo.json", "deep.json", "digits.json"):
        app.scene.message = ""
        assert not app.scene.open_layout(tmp_path / name)
        assert app.scene.world == default_world() and app.scene.message_color == style.ERROR
        assert "could not open" in app.scene.message and name in app.scene.message
        assert str(tmp_path) not in app.scene.message  # the name, not the whole path


def test_a_file_that_could_not_be_opened_is_said_in_chinese_too(app, tmp_path):  # noqa: F811
    from gridsim.app import language

    (tmp_path / "deep.json").write_text("[" * 100_000)
    try:
        language.set_language("zh", remember=False)
        assert not app.scene.open_layout(tmp_path / "deep.json")
        assert app.scene.message == (
            "无法打开：deep.json: 第 1 行: 嵌套超过 32 层（GridSim 的文件只需 3 层）"
        )
    finally:
        language.set_language("en", remember=False)


def test_saving_over_a_fifo_is_a_message_and_the_fifo_is_left(app, tmp_path):  # noqa: F811
    fifo = tmp_path / "layout.json"
    os.mkfifo(fifo)
    assert not app.scene.save_layout(fifo)
    assert app.scene.message_color == style.ERROR and "is a FIFO" in app.scene.message
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_saving_through_a_symlink_keeps_the_link_and_the_mode(app, tmp_path):  # noqa: F811
    real = tmp_path / "layouts" / "mine.json"
    real.parent.mkdir()
    real.write_text("{}")
    os.chmod(real, 0o640)
    link = tmp_path / "mine.json"
    link.symlink_to(real)
    assert app.scene.save_layout(link)
    assert link.is_symlink() and stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert '"rows": 3' in real.read_text()

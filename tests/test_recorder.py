"""Recording the app into a GIF or MP4: frame count and size decoded back, the plot beside the
view, the R key, the command line, and bad input (a wrong extension, a path that cannot be
written, a window closed mid-recording) leaving no half-written file."""

import os
import re

import imageio.v2 as imageio_v2
import imageio.v3 as iio
import numpy as np
import pygame
import pytest

from gridsim.app.app import App
from gridsim.app.recorder import (
    RecordingError,
    VideoWriter,
    check_output,
    default_path,
    frame_size,
    recordings_folder,
)
from gridsim.app.testing import fake_factory
from tests.test_app_gui import key

FRAME = 1 / 30  # App(fixed_dt=FRAME): every frame advances the app by 1/30 s


@pytest.fixture
def app():
    a = App(size=(1024, 700), factory=fake_factory(), fixed_dt=FRAME, lang="en", remember=False)
    a.frame()
    yield a
    a.close()


def gif_frames(path):
    return iio.imread(path, index=None)


def test_a_gif_of_30_app_frames_has_15_frames_of_the_view_scaled_to_fit(app, tmp_path):
    assert app.start_recording(tmp_path / "board.gif")
    app.run(app.frames + 30)  # one second of app time
    result = app.finish_recording()
    assert result.ok and result.frames == 15  # 15 frames per second
    frames = gif_frames(tmp_path / "board.gif")
    view = app.scene.center_rect.size
    assert frames.shape == (15, *frame_size(view, "gif")[::-1], 3)
    assert os.listdir(tmp_path) == ["board.gif"]  # no temporary file left


def test_the_plot_can_be_recorded_beside_the_view(app, tmp_path):
    app.recording.choose("gif+plot")
    assert app.start_recording(tmp_path / "both.gif")
    app.run(app.frames + 4)
    result = app.finish_recording()
    plot = app.scene.panel.plot_rect
    view = app.scene.center_rect
    assert result.size == frame_size((view.width + plot.width, view.height), "gif")


def test_an_mp4_has_30_frames_a_second(app, tmp_path):
    app.recording.choose("mp4")
    assert app.start_recording(tmp_path / "board.mp4")
    app.run(app.frames + 20)
    result = app.finish_recording()
    assert result.ok and result.frames == 20
    reader = imageio_v2.get_reader(tmp_path / "board.mp4", format="FFMPEG")
    try:
        assert reader.count_frames() == 20
        assert reader.get_meta_data()["fps"] == 30
    finally:
        reader.close()


def test_r_starts_and_stops_a_recording_into_the_recordings_folder(app):
    key(app, pygame.K_r)
    assert app.recording.recorder.recording
    app.run(app.frames + 6)
    key(app, pygame.K_r)
    result = app.recording.recorder.stop(wait=True)
    app.frame()
    assert result.ok and result.path.parent == recordings_folder()
    assert result.path.name.startswith("gridsim-gridworld-en-") and result.path.suffix == ".gif"
    assert "saved" in app.recording.notice and result.path.name in app.recording.notice


def test_closing_the_window_mid_recording_cancels_it_and_leaves_nothing(tmp_path, capsys):
    a = App(size=(1024, 700), factory=fake_factory(), fixed_dt=FRAME)
    a.start_recording(tmp_path / "half.gif")
    a.run(a.frames + 10)
    a.close()
    assert os.listdir(tmp_path) == []
    assert "recording cancelled" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name, message",
    [
        ("clip.avi", "'.avi' is not a video format"),
        ("clip", "has no extension"),
        ("", "no file name given"),
        (".", "is a folder"),
    ],
)
def test_an_unknown_extension_or_no_name_is_refused(tmp_path, monkeypatch, name, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RecordingError, match=message):
        check_output(name)
    assert os.listdir(tmp_path) == []


def test_a_place_that_cannot_be_written_is_refused_before_recording(app, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    assert not app.start_recording(tmp_path / "file" / "x.gif")
    assert "file is a file, not a folder" in app.recording.notice
    assert not app.recording.recorder.recording


def test_the_refusal_reads_in_chinese_path_and_all(tmp_path):
    """The path is kept as given; the problem and the OS's reason are translated apart."""
    from gridsim.app import language
    from gridsim.app.panels.recording import error_text

    (tmp_path / "file").write_text("not a folder")
    cases = [tmp_path / "file" / "x.gif", tmp_path / "x.avi", tmp_path / "x", ""]
    cases += ["/proc/x.gif", tmp_path]  # /proc: read-only to root too, the OS's reason in zh
    try:
        language.set_language("zh", remember=False)
        for path in cases:
            with pytest.raises(RecordingError) as refused:
                check_output(path)
            text = error_text(refused.value)
            english = re.sub(r"\{\w+\}", "", refused.value.problem).split("(")[0].strip()
            assert english not in text and str(path) in text, text
            assert not re.search(r"[a-z]{4} [a-z]{4}", text.replace(str(path), "")), text
        assert error_text(refused.value).endswith(
            "是一个文件夹；请给出以 .gif 或 .mp4 结尾的文件名"
        )
    finally:
        language.set_language("en", remember=False)


@pytest.mark.parametrize("fmt", ["gif", "mp4"])
def test_a_video_replacing_a_file_keeps_its_mode_and_writes_through_a_symlink(tmp_path, fmt):
    """What eval --render-gif and the recorder write goes through gridsim.files: the user's
    0640 stays 0640, a link stays a link (its target gets the video), a new file is not
    0600 like a temporary one, and nothing else is left in the folder."""
    shared, mine = tmp_path / "shared", tmp_path / "mine"
    shared.mkdir(), mine.mkdir()
    kept = mine / f"kept.{fmt}"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    target = shared / f"real.{fmt}"
    target.write_bytes(b"old")
    (mine / f"link.{fmt}").symlink_to(target)
    frame = np.zeros((40, 60, 3), np.uint8)
    for name in (f"kept.{fmt}", f"link.{fmt}", f"new.{fmt}"):
        writer = VideoWriter(mine / name, 15)
        for shade in (0, 120, 240):
            writer.append(frame + shade, repeat=2)
        writer.finish()
    assert oct(kept.stat().st_mode & 0o777) == oct(0o640)
    assert (mine / f"link.{fmt}").is_symlink() and target.stat().st_size > 100
    assert (mine / f"new.{fmt}").stat().st_mode & 0o044  # readable by others, like any file
    assert len(iio.imread(target, index=None)) == 6
    assert sorted(os.listdir(mine)) == [f"kept.{fmt}", f"link.{fmt}", f"new.{fmt}"]
    assert os.listdir(shared) == [f"real.{fmt}"]


def test_the_default_name_says_what_and_in_which_language(monkeypatch, tmp_path):
    monkeypatch.setenv("GRIDSIM_RECORDINGS", str(tmp_path))
    path = default_path("demo-trajectory", "zh", "mp4")
    assert path.parent == tmp_path and path.name.startswith("gridsim-demo-trajectory-zh-")


def test_the_demo_command_records_headless(tmp_path, capsys):
    from main import main

    out = tmp_path / "demo.gif"
    argv = ["demo", "trajectory", "--headless", "--frames", "40", "--record", str(out)]
    assert main([*argv, "--lang", "zh", "--size", "1024x700"]) == 0
    assert "saved" in capsys.readouterr().out
    frames = gif_frames(out)
    assert frames.shape[0] == 20 and frames.shape[3] == 3


def test_the_command_line_refuses_a_bad_record_path(tmp_path, capsys):
    from main import main

    assert (
        main(["demo", "2", "--headless", "--frames", "2", "--record", str(tmp_path / "x.avi")]) == 2
    )
    assert "error: --record" in capsys.readouterr().err


def test_switching_tabs_mid_recording_keeps_the_frame_size(app, tmp_path):
    assert app.start_recording(tmp_path / "tabs.gif")
    app.run(app.frames + 4)
    app.switch("demos")  # a wider view: letterboxed into the same frame
    app.run(app.frames + 4)
    result = app.finish_recording()
    assert result.ok and result.frames == 4
    assert gif_frames(tmp_path / "tabs.gif").shape[0] == 4

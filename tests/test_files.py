"""The user's files are read with limits and written without loss (gridsim.files)."""

import json
import os
import stat
import threading

import pytest

from gridsim.files import (
    UserFileError,
    check_json_value,
    check_output_path,
    install_file,
    load_user_json,
    open_atomically,
    parse_user_json,
    read_user_text,
    write_atomically,
)


def read(path, max_bytes=1000):
    return read_user_text(path, what="layout file", max_bytes=max_bytes)


# --- reading --------------------------------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "layout.json"
    os.mkfifo(fifo)
    result = []
    reader = threading.Thread(target=lambda: result.append(_error(read, fifo)), daemon=True)
    reader.start()
    reader.join(timeout=5)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert result == [f"{fifo}: is a FIFO (named pipe), not a layout file"]


def _error(fn, *args):
    try:
        fn(*args)
    except UserFileError as e:
        return str(e)
    return None


@pytest.mark.parametrize(
    "path, message",
    [("/dev/zero", "is a character device"), ("/", "is a folder"), ("", "no layout file given")],
)
def test_non_regular_or_empty_paths_are_refused(path, message):
    assert message in _error(read, path)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 5000)
    assert (
        _error(read, big) == f"{big}: 5,000 bytes is too big for a layout file (the limit is 1000)"
    )


def test_utf8_with_or_without_bom_reads_and_other_encodings_say_what_is_wrong(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b"\xef\xbb\xbf{}")
    assert read(path) == "{}"
    path.write_bytes("{}".encode("utf-16"))
    assert "UTF-16 text; save it as UTF-8" in _error(read, path)
    path.write_bytes(b'{\n"a": "\xe9"}')
    assert _error(read, path) == f"{path}: line 2: not UTF-8 text (byte 0xe9 cannot be read)"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[" * 100_000, "line 1: nested more than 32 levels deep (a GridSim file needs 3)"),
        ('{"rows": 3,\n "rows": 4}', "line 2: rows: the key appears twice"),
        ("1" * 5000, "line 1: a number of 5,000 characters (at most 100)"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": "open', "line 1, column 7: a string is not closed"),
        ('{"a" 1}', "line 1, column 6: expected ':' delimiter"),
        ("{} {}", "line 1, column 4: unexpected text after the JSON value"),
    ],
    ids=["deep", "duplicate", "digits", "nan", "open-string", "delimiter", "extra"],
)
def test_bad_json_is_one_line_naming_file_and_line(text, message):
    with pytest.raises(UserFileError) as e:
        parse_user_json(text, "f.json")
    assert str(e.value) == f"f.json: {message}"


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert parse_user_json('{"a": "' + "[" * 1000 + '"}', "f") == {"a": "[" * 1000}


def test_load_user_json_reads_a_good_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"rows": 3}')
    assert load_user_json(path, what="layout file", max_bytes=100) == {"rows": 3}


def test_an_already_parsed_deep_value_is_refused_without_recursion():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(UserFileError, match="nested more than 32 levels deep"):
        check_json_value({"forbidden": deep}, "layout")


# --- writing --------------------------------------------------------------------------------


def test_a_new_file_honours_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode) == 0o640


def test_an_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "layout.json"
    path.write_text("old")
    os.chmod(path, 0o604)
    write_atomically(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604


def test_a_symlink_is_written_through_not_replaced(tmp_path):
    real = tmp_path / "dotfiles" / "settings.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "settings.json"
    link.symlink_to(real)
    write_atomically(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    path = tmp_path / "agent.pt"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), open_atomically(path) as f:
        f.write(b"half")
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent.pt"]


def test_a_fifo_or_folder_is_never_replaced(tmp_path):
    fifo = tmp_path / "settings.json"
    os.mkfifo(fifo)
    with pytest.raises(UserFileError, match="is a FIFO"):
        write_atomically(fifo, "{}")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_file_finished_elsewhere_is_installed_like_a_written_one(tmp_path):
    """install_file (ffmpeg's videos, train's streamed metrics.csv): the old mode kept, a
    symlink written through (into another folder too), the temporary name gone."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    (there / "clip.gif").write_bytes(b"old")
    os.chmod(there / "clip.gif", 0o640)
    (here / "clip.gif").symlink_to(there / "clip.gif")
    (here / "metrics.csv").write_text("old")
    os.chmod(here / "metrics.csv", 0o604)
    for name in ("clip.gif", "metrics.csv"):
        (here / f".{name}.part").write_text("new")
        install_file(here / f".{name}.part", here / name)
    assert (here / "clip.gif").is_symlink() and (there / "clip.gif").read_text() == "new"
    assert stat.S_IMODE(os.stat(there / "clip.gif").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(here / "metrics.csv").st_mode) == 0o604
    assert sorted(p.name for p in here.iterdir()) == ["clip.gif", "metrics.csv"]


def test_text_is_written_as_utf8(tmp_path):
    write_atomically(tmp_path / "x.json", json.dumps({"名": 1}, ensure_ascii=False))
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8")) == {"名": 1}


# --- output locations -----------------------------------------------------------------------


def test_an_output_folder_is_created_and_probed(tmp_path):
    out = tmp_path / "runs" / "a"
    assert check_output_path(out, "folder", what="--out") == out
    assert out.is_dir() and list(out.iterdir()) == []


def test_a_folder_that_cannot_be_made_is_refused_before_work(tmp_path):
    # /proc takes no new folders, even from root (who may write into a 0500 folder)
    with pytest.raises(UserFileError, match=r"^--out /proc/gridsim/run: cannot write there \("):
        check_output_path("/proc/gridsim/run", "folder", what="--out")


@pytest.mark.parametrize("kind, given", [("folder", "/proc"), ("file", "/proc/shot.png")])
def test_a_folder_that_takes_no_files_is_named_not_the_probe(kind, given):
    """/proc exists but refuses a new file with 'no such file': the message says where the
    user asked to write, not the name of the probe file tried there."""
    with pytest.raises(UserFileError) as caught:
        check_output_path(given, kind, what="--out")
    message = str(caught.value)
    place = "it" if kind == "folder" else "/proc"
    assert message.startswith(f"--out {given}: cannot create a file in {place} (")
    assert "gridsim-probe" not in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_refused_before_work(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        with pytest.raises(UserFileError, match=r"--out .*: cannot write there \(permission"):
            check_output_path(ro / "run", "folder", what="--out")
    finally:
        os.chmod(ro, 0o700)


def test_impossible_output_paths_are_refused(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(UserFileError, match="is a file, not a folder"):
        check_output_path(afile, "folder", what="--out")
    with pytest.raises(UserFileError, match="cannot write there"):
        check_output_path(afile / "sub", "folder", what="--out")
    with pytest.raises(UserFileError, match="is a folder, not a file"):
        check_output_path(tmp_path, "file", what="--screenshot")
    for blank in ("", "  "):
        with pytest.raises(UserFileError, match="^--out: is empty"):
            check_output_path(blank, "folder", what="--out")
    assert check_output_path(tmp_path / "new" / "shot.png", "file") == tmp_path / "new" / "shot.png"

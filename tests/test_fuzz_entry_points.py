"""The standing guard of issue 11: random and mutated layout files, settings files and
command lines go through the real entry point (``main.main(argv)``, in-process), and every
one ends cleanly or with exactly one ``error:`` line and exit code 2 — never a traceback,
never a hang, never a changed file that the command was not asked to write.

Kept fast for CI: a few dozen examples per source, no example database, training bounded by
a small --max-steps and a vocabulary of --set values that are either cheap or refused.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import main

HANG_S = 60
"""A command still running after this long is a hang (a healthy one takes well under 5 s;
the margin is for a loaded CI machine)."""

FUZZ = settings(
    # a deeper local run: GRIDSIM_FUZZ_EXAMPLES=500 python -m pytest tests/test_fuzz_entry_points.py
    max_examples=int(os.environ.get("GRIDSIM_FUZZ_EXAMPLES", "20")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

VALID_LAYOUT = {
    "rows": 3,
    "cols": 3,
    "forbidden": ["s6", "s7"],
    "targets": ["s9"],
    "start": "s1",
    "rewards": {"boundary": -1, "forbidden": -1, "target": 1, "other": 0},
    "gamma": 0.9,
    "forbidden_mode": "enter",
    "target_terminal": False,
    "horizon": 20,
}

# --- what the user's files may hold ----------------------------------------------------------

hostile_numbers = st.sampled_from(
    [0, -1, 1, 2, 3, 12, 13, 1e308, -1e308, 1e300, 0.999, 0.9999, 1.0, 1e-320, 2**64, 10**40]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    hostile_numbers,
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["s1", "s9", " s1", "s0", "s99", "S1", "a1", "", "enter", "wall", "名"]),
    st.text(max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def layout_texts(draw) -> str:
    """A layout file's text: the tutorial's world with some keys changed, dropped or added,
    then perhaps mangled as text (cut, spliced, nested, duplicated keys, huge numbers)."""
    data = dict(VALID_LAYOUT)
    for key in draw(st.lists(st.sampled_from([*VALID_LAYOUT, "extra"]), max_size=4)):
        if draw(st.booleans()):
            data.pop(key, None)
        else:
            data[key] = draw(json_values)
    if draw(st.booleans()):
        data["rewards"] = draw(
            st.dictionaries(
                st.sampled_from(["boundary", "forbidden", "target", "other", "bonus"]),
                st.one_of(hostile_numbers, json_values),
                max_size=4,
            )
        )
    text = json.dumps(data)
    mangle = draw(st.sampled_from(["none", "cut", "splice", "deep", "dup", "digits", "bom"]))
    if mangle == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif mangle == "splice":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=6)) + text[at:]
    elif mangle == "deep":
        depth = draw(st.sampled_from([33, 1000, 100_000]))
        text = text[:-1] + ', "horizon": ' + "[" * depth + "]" * depth + "}"
    elif mangle == "dup":
        text = text[:-1] + ', "rows": 4}'
    elif mangle == "digits":
        text = text[:-1] + ', "horizon": ' + "9" * draw(st.sampled_from([101, 4301, 10_000])) + "}"
    elif mangle == "bom":
        text = "\ufeff" + text
    return text


settings_texts = st.one_of(
    st.builds(json.dumps, st.dictionaries(st.sampled_from(["language", "x", ""]), json_values)),
    st.builds(json.dumps, json_values),
    st.text(max_size=40),
    st.sampled_from(["[" * 100_000, '{"language": ' + "1" * 5000 + "}", '{"language": "zh"']).map(
        str
    ),
)

# --- what a command line may hold --------------------------------------------------------------

values = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1",
        "64",
        "1e3",
        "1e30",
        "1e308",
        "nan",
        "inf",
        "2.5",
        "99999999999999999999",
        "9" * 5000,
        "x",
        "名",
        "1280x800",
        "800x600",
        "0x0",
        "LAYOUT",
        "FIFO",
        "FOLDER",
        "MISSING",
        "BLOCKED",
    ]
)
set_values = st.sampled_from(
    [
        "lr=1e300",
        "lr=0",
        "lr=0.5",
        "lr=nan",
        "num_envs=1e7",
        "num_envs=0",
        "num_envs=8",
        "n_steps=4",
        "n_steps=1e9",
        "batch_steps=1e9",
        "batch_steps=64",
        "hidden=100000,100000",
        "hidden=8",
        "hidden=",
        "group_size=3",
        "epochs=0",
        "gamma=2",
        "bogus=1",
        "=",
        "lr",
        "lr=" + "9" * 5000,
    ]
)
COMMANDS = {
    "solve": ["--layout", "--gamma", "--json"],
    "train": ["--env", "--algo", "--layout", "--seed", "--set", "--out", "--keep-going"]
    + ["--prefs", "--ref"],
    "gui": ["--headless", "--scene", "--lang", "--layout", "--frames", "--screenshot", "--size"]
    + ["--agent", "--record", "--algo", "--pause-after", "--inspect"],
    "demo": ["--list", "--headless", "--frames", "--screenshot", "--lang", "--size"],
    "prefs": ["--layout", "--pairs", "--kind", "--temperature", "--ref", "--starts", "--out"],
    "eval": ["--agent", "--episodes", "--seed", "--greedy", "--json"],
}
CHOICES = {
    "--env": ["gridworld", "cartpole", "", "mujoco"],
    "--algo": ["ppo", "grpo", "reinforce", "vpg", "simple_pg", "rtg_pg", "dqn", "dpo", ""],
    "--inspect": ["batch", "critic", "ratios", "groups", "x"],
    "--scene": ["gridworld", "cartpole", "demos", "x"],
    "--lang": ["en", "zh", "fr"],
    "--kind": ["dpo", "kto", "x"],
    "--starts": ["uniform", "start", "x"],
}
FLAGS = {"--json", "--keep-going", "--headless", "--list", "--greedy"}


@st.composite
def command_lines(draw) -> list[str]:
    """A command and a handful of its options with hostile values. Training is bounded by
    --max-steps 64 (appended last, so it wins); the app runs headless for at most 2 frames."""
    command = draw(st.sampled_from([*COMMANDS, "bogus", "--help"]))
    argv = [command]
    for option in draw(st.lists(st.sampled_from(COMMANDS.get(command, ["--x"])), max_size=5)):
        argv.append(option)
        if option in FLAGS:
            continue
        if option in CHOICES:
            argv.append(draw(st.one_of(st.sampled_from(CHOICES[option]), values)))
        elif option == "--set":
            argv.append(draw(set_values))
        else:
            argv.append(draw(values))
    if command == "demo" and draw(st.booleans()):
        argv.insert(1, draw(st.one_of(st.sampled_from(["2", "trajectory", "99"]), values)))
    if command == "train":
        argv += ["--max-steps", "64"]
        if "--algo" not in argv:
            argv += ["--algo", "grpo"]
    if command == "prefs" and "--pairs" not in argv:
        argv += ["--pairs", "16"]  # the default 100 rows are fine too, only slower
    if command in ("gui", "demo") and "--list" not in argv:
        argv += ["--headless", "--frames", "2"]
    return argv


# --- running one, and what must hold ---------------------------------------------------------


@contextlib.contextmanager
def hang_guard(seconds: int = HANG_S):
    """Fail (not wait forever) if the block runs longer than ``seconds``."""

    def hung(signum, frame):
        raise AssertionError(f"hung for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def files_in(folder: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every entry under ``folder``: regular files by content and mode, others by kind."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st_ = path.lstat()
        if path.is_symlink() or not path.is_file():
            out[str(path)] = ("folder" if path.is_dir() else "special", st_.st_mode)
        else:
            out[str(path)] = (path.read_bytes(), st_.st_mode)
    return out


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``main.main(argv)``; an exception escaping it fails."""
    out, err = io.StringIO(), io.StringIO()
    with hang_guard(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main.main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_clean_or_one_error(code: int, err: str, argv) -> None:
    assert "Traceback" not in err, (argv, err)
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    if code == 0:
        assert not errors, (argv, err)
    else:
        assert code == 2, (argv, code, err)
        assert len(errors) == 1 and errors[0] == lines[-1], (argv, err)
        assert len(errors[0]) < 400, (argv, errors[0][:200])


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A folder to run in (so a default runs/ lands here), a settings file of its own, and
    the special paths the command lines name: a layout, a FIFO, a folder, a missing file and
    a path blocked by a file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRIDSIM_CONFIG", str(tmp_path / "cfg" / "settings.json"))
    (tmp_path / "cfg").mkdir()
    (tmp_path / "layout.json").write_text(json.dumps(VALID_LAYOUT))
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    (tmp_path / "blocker").write_text("a file, not a folder")
    return tmp_path


def concrete(argv: list[str], root: Path) -> list[str]:
    names = {
        "LAYOUT": root / "layout.json",
        "FIFO": root / "fifo",
        "FOLDER": root / "folder",
        "MISSING": root / "missing.json",
        "BLOCKED": root / "blocker" / "inside",
    }
    return [str(names[a]) if a in names else a for a in argv]


def written_by(argv: list[str], root: Path) -> list[str]:
    """The paths ``argv`` asks to write: --out (or train's default runs/), --screenshot,
    --record."""
    paths = []
    for flag in ("--out", "--screenshot", "--record"):
        for i, a in enumerate(argv[:-1]):
            if a == flag:
                paths.append(str(Path(argv[i + 1]).resolve()) if argv[i + 1].strip() else "")
    if argv and argv[0] == "train":
        paths.append(str(root / "runs"))
    return [p for p in paths if p]


# --- the guard -----------------------------------------------------------------------------


@FUZZ
@given(text=layout_texts(), command=st.sampled_from(["solve"] * 6 + ["train", "gui"]))
def test_any_layout_file_is_solved_trained_and_shown_or_refused_in_one_line(sandbox, text, command):
    path = sandbox / "fuzzed.json"
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    extra = {
        "train": ["--algo", "grpo", "--max-steps", "64", "--out", str(sandbox / "run")],
        "gui": ["--headless", "--frames", "1"],
    }
    code, _, err = run_main([command, "--layout", str(path), *extra.get(command, [])])
    assert_clean_or_one_error(code, err, text[:200])
    assert path.read_bytes() == before


@FUZZ
@given(
    text=settings_texts,
    argv=st.sampled_from([["demo", "--list"]] * 4 + [["gui", "--headless", "--frames", "1"]]),
)
def test_any_settings_file_lets_the_app_start_and_is_left_alone(sandbox, text, argv):
    path = sandbox / "cfg" / "settings.json"
    path.write_text(text, encoding="utf-8")
    before = files_in(sandbox)
    code, _, err = run_main(argv)
    assert code == 0 and "error" not in err, (text[:200], err)
    assert files_in(sandbox) == before


@FUZZ
@given(argv=command_lines())
def test_any_command_line_runs_or_is_refused_in_one_line_changing_nothing_else(sandbox, argv):
    argv = concrete(argv, sandbox)
    before = files_in(sandbox)
    code, _, err = run_main(argv)
    assert_clean_or_one_error(code, err, argv)
    allowed = written_by(argv, sandbox)
    changed = {
        path
        for path in set(before) | set(files_in(sandbox))
        if before.get(path) != files_in(sandbox).get(path)
    }
    unexpected = [p for p in changed if not any(p.startswith(a) for a in allowed)]
    assert not unexpected, (argv, unexpected)


VALID_COMPARISON = {
    "format": "gridsim-compare",
    "version": 1,
    "env": "gridworld",
    "max_steps": 3000,
    "world": VALID_LAYOUT,
    "overrides": [["lr", "0.1"]],
    "keep_going": False,
    "algos": ["ppo", "vpg"],
    "seeds": 2,
}


@st.composite
def comparison_texts(draw) -> str:
    """A compare.json as `compare --resume` finds it: the valid one with keys changed or
    dropped, perhaps cut or nested deep."""
    data = dict(VALID_COMPARISON)
    for key in draw(st.lists(st.sampled_from([*VALID_COMPARISON, "extra"]), max_size=3)):
        if draw(st.booleans()):
            data.pop(key, None)
        else:
            data[key] = draw(json_values)
    text = json.dumps(data)
    mangle = draw(st.sampled_from(["none", "none", "cut", "deep", "dup"]))
    if mangle == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif mangle == "deep":
        text = text[:-1] + ', "seeds": ' + "[" * 100_000 + "]" * 100_000 + "}"
    elif mangle == "dup":
        text = text[:-1] + ', "seeds": 3}'
    return text


@FUZZ
@given(text=comparison_texts())
def test_any_compare_json_is_taken_within_the_limits_or_refused_in_one_line(sandbox, text):
    """What `compare --resume DIR` reads first (in-process, no run is started): settings
    within the flags' ranges, or a CompareError of one line — never another exception."""
    from gridsim import limits
    from gridsim.compare.runs import CompareError, load_settings

    (sandbox / "compare.json").write_text(text, encoding="utf-8")
    try:
        with hang_guard():
            settings_ = load_settings(sandbox)
    except CompareError as e:
        assert "\n" not in str(e) and len(str(e)) < 400, text[:200]
        return
    assert limits.SEEDS_PER_ALGORITHM.contains(settings_.seeds), text[:200]
    assert limits.MAX_STEPS.contains(settings_.max_steps), text[:200]

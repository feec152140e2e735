"""Open agent… / Save agent… in the app: the scene takes over an opened agent's world and
settings, a file for the other env opens in the other tab, bad files are refused with a
message. A fake trainer stands in (its agent files are JSON); one test opens a real
agent.pt written by `python main.py train` through the real child-process trainer."""

import json

import numpy as np
import pygame
import pytest

from gridsim.app.draw import style
from gridsim.app.testing import frames
from gridsim.layout import world_to_dict
from gridsim.world import World, default_world
from tests.test_app_gui import key


def fake_agent_file(path, env="gridworld", algo="ppo", world=None, update=12):
    """What FakeTrainer.save_agent writes: a JSON stand-in for an agent.pt."""
    world = world or World(rows=4, cols=4, forbidden=(5, 6), targets=(15,))
    logits = np.zeros((world.n_states, 5))
    logits[:, 1] = 3.0  # mostly a2: right
    data = {
        "fake_agent": 1,
        "env": env,
        "algo": algo,
        "update": update,
        "world": world_to_dict(world),
        "logits": logits.tolist(),
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def status_texts(panel):
    return [text for text, _ in panel.status_lines()]


def test_opening_an_agent_takes_over_its_world_algorithm_and_policy(app, made, tmp_path):
    scene = app.scene
    world = World(rows=4, cols=4, forbidden=(5, 6), targets=(15,))
    app.open_agent(fake_agent_file(tmp_path / "agent.pt", world=world))
    frames(app, 3)
    trainer = made[-1]
    assert scene.world == world and scene.geo.rows == 4
    assert scene.panel.algo.selected_option[0] == "ppo"
    assert scene.controller.settings.algo == "ppo"
    assert scene.controller.trainer is trainer  # the trainer that opened it keeps it
    assert not [c for c in trainer.calls if c[0] == "set_world" and c[1] == world]
    pi, _, source = scene.shown_policy()
    assert source == "trainer" and pi.shape == (16, 5) and np.all(pi.argmax(axis=1) == 1)
    assert scene.panel.snapshot.update == 12
    assert any("opened agent.pt" in text for text in status_texts(scene.panel))
    app.shortcut(pygame.K_r, pygame.KMOD_CTRL)  # Reset: "opened ..., update 12" is past
    frames(app, 2)
    assert not any("opened agent.pt" in text for text in status_texts(scene.panel))


def test_an_agent_for_cartpole_opens_in_the_cartpole_tab(app, made, tmp_path):
    app.open_agent(fake_agent_file(tmp_path / "cart.pt", env="cartpole", algo="vpg"))
    frames(app, 4)
    assert app.current == "cartpole"
    panel = app.scene.panel
    assert panel.controller.settings.algo == "vpg"
    assert panel.snapshot.update == 12
    assert app.scenes["gridworld"].world == default_world()  # the gridworld is untouched


def test_a_file_that_is_not_an_agent_is_refused_and_nothing_changes(app, tmp_path):
    scene = app.scene
    bad = tmp_path / "notes.pt"
    bad.write_text("hello")
    app.open_agent(bad)
    frames(app, 3)
    assert scene.world == default_world()
    line = scene.panel.agent_files.status_line()
    assert line[1] == style.ERROR and "not a GridSim agent file" in line[0]


def test_saving_before_anything_trained_says_so(app, tmp_path):
    files = app.scene.panel.agent_files
    files.save(tmp_path / "agent.pt")
    assert files.status_line()[1] == style.ERROR and "nothing to save" in files.status_line()[0]
    assert not (tmp_path / "agent.pt").exists()


def test_an_agent_file_must_end_in_pt(app, made, tmp_path):
    scene = app.scene
    scene.controller.step()
    frames(app)
    scene.panel.agent_files.save(tmp_path / "agent.json")
    assert "ends in .pt" in scene.panel.agent_files.status_line()[0]
    assert not (tmp_path / "agent.json").exists()


def test_save_then_open_round_trip_through_the_panel(app, made, tmp_path):
    scene = app.scene
    for _ in range(3):
        scene.controller.step()
        frames(app)
    scene.panel.agent_files.save(tmp_path / "agent.pt")
    frames(app)
    assert "saved agent.pt" in scene.panel.agent_files.status_line()[0]
    assert json.loads((tmp_path / "agent.pt").read_text())["update"] == 3


def test_ctrl_shift_o_and_s_open_the_agent_file_dialogs(app):
    files = app.scene.panel.agent_files
    for k in (pygame.K_o, pygame.K_s):
        pygame.event.post(
            pygame.event.Event(
                pygame.KEYDOWN,
                key=k,
                mod=pygame.KMOD_CTRL | pygame.KMOD_SHIFT,
                unicode="",
                scancode=0,
            )
        )
        app.frame()
        kind = "open" if k == pygame.K_o else "save"
        assert files._dialog is not None and files._dialog_kind == kind
        files.close()
    key(app, pygame.K_ESCAPE)


UI_SCRIPT = """
import json, sys, time
import pygame
from gridsim.app.app import App

agent, saved = sys.argv[1], sys.argv[2]
app = App(size=(1024, 700), lang="zh", remember=False)
try:
    app.open_agent(agent)
    files = app.scene.panel.agent_files
    deadline = time.monotonic() + 90
    while files.pending and time.monotonic() < deadline:
        app.frame()
    app.frame()
    panel = app.scene.panel
    snap = panel.snapshot
    opened = dict(algo=snap.algo, update=snap.update, kept=list(snap.timeline.updates[:3]),
                  box=panel.algo.selected_option[0], line=files.status_line()[0])
    timeline = panel.timeline
    pos = (round(timeline.x_of(2, snap.update)), timeline.rect.y + 8)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    while panel.shown_past() is None and time.monotonic() < deadline:
        app.frame()
    past = panel.shown_past().update
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
    app.frame()
    files.save(saved)
    while files.pending and time.monotonic() < deadline:
        app.frame()
    print(json.dumps(dict(opened=opened, past=past, saved=files.status_line()[0],
                          torch="torch" in sys.modules)))
finally:
    app.close()
"""


def test_an_agent_from_train_opens_scrubs_and_saves_in_the_app_without_torch(tmp_path):
    """`train` writes agent.pt; the app (in Chinese) opens it through its child-process
    trainer, holds the timeline at update 2, saves it again; the UI process never imports
    torch on the way."""
    import subprocess
    import sys

    from gridsim.commands import train
    from tests.conftest import ROOT

    out = tmp_path / "run"
    parser = __import__("main").build_parser()[0]
    args = parser.parse_args(
        ["train", "--algo", "ppo", "--out", str(out), "--quiet", "--max-steps", "20000"]
    )
    assert train.run(args) in (0, 1)
    summary = json.loads((out / "summary.json").read_text())
    done = subprocess.run(
        [sys.executable, "-c", UI_SCRIPT, str(out / "agent.pt"), str(tmp_path / "again.pt")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    opened = result["opened"]
    assert opened["algo"] == opened["box"] == "ppo"
    assert opened["update"] == summary["updates"] and opened["kept"] == [1, 2, 3]
    assert opened["line"].startswith("已打开 agent.pt")
    assert result["past"] == 2
    assert result["saved"].startswith("已保存 again.pt") and (tmp_path / "again.pt").is_file()
    assert result["torch"] is False


@pytest.mark.parametrize(
    "message, zh",
    [
        (
            "/tmp/x/agent.pt: not a readable agent file (not a torch file)",
            "agent.pt：不是可读取的智能体文件（不是 torch 文件）",
        ),
        ("notes.pt: not a GridSim agent file", "notes.pt：不是 GridSim 智能体文件"),
        ("/tmp/gone.pt: no such file or directory", "gone.pt：文件或文件夹不存在"),
        (
            "big.pt: 300.0 MiB is too big for an agent file (the limit is 256 MiB)",
            "big.pt：300.0 MiB，作为智能体文件太大（上限 256 MiB）",
        ),
        (
            "/tmp/x/evil.pt: not a readable agent file (it asks to run posix.system; refused, "
            "nothing was run)",
            "evil.pt：不是可读取的智能体文件（它要求运行 posix.system；已拒绝，什么也没有运行）",
        ),
    ],
)
def test_a_refusal_reads_in_chinese(message, zh):
    from gridsim.app import language
    from gridsim.app.panels.agent_files import refusal_text

    language.set_language("zh", remember=False)
    try:
        assert refusal_text(message) == zh
    finally:
        language.set_language("en", remember=False)

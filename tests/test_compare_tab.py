"""The Compare tab and demo 8b, driven like a user. Runs go to the scripted pool
(gridsim.compare.testing, set by conftest) except in the last test, which uses real worker
processes."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from gridsim.app.app import App
from gridsim.app.draw.bands import table_cells
from gridsim.app.testing import fake_factory
from gridsim.compare.report import build_report
from gridsim.world import default_world

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app():
    a = App(factory=fake_factory([]))
    a.frame()
    yield a
    a.close()


def press(app, k, mod=0):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0))
    app.frame()


def click(app, pos):
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    app.frame()
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
    app.frame()


def run_until(app, done, frames=400):
    for _ in range(frames):
        app.frame()
        if done():
            return
    raise AssertionError("not reached")


def test_ctrl_4_opens_the_compare_tab_and_space_runs_the_chapter_3_trio(app):
    press(app, pygame.K_4, pygame.KMOD_CTRL)
    assert app.current == "compare"
    scene = app.scene
    assert scene.run.is_enabled and not scene.pause.is_enabled
    press(app, pygame.K_SPACE)
    view = scene.panel.view
    assert view.settings.algos == ("simple_pg", "rtg_pg", "vpg") and view.settings.seeds == 10
    assert view.settings.world == app.scenes["gridworld"].world
    assert view.status == "running" and view.total == 30


def finished(app, seeds="3"):
    """The Compare tab after a whole comparison of the default algorithms."""
    app.switch("compare")
    scene = app.scene
    scene.seeds.set_text(seeds)
    scene.start()
    run_until(app, lambda: scene.panel.view.status != "running")
    return scene


def test_the_curves_fill_in_while_the_runs_train(app, monkeypatch):
    from gridsim.compare.testing import FakeRunPool

    monkeypatch.setattr(FakeRunPool, "finish_limit", 2)  # then the runs stall
    app.switch("compare")
    scene = app.scene
    scene.start()
    run_until(app, lambda: scene.panel.view.done == 2 and scene.panel.view.bands)
    view = scene.panel.view
    assert view.status == "running" and view.done < view.total
    run_until(app, lambda: scene.panel.view.running == 2)  # two more runs underway
    view = scene.panel.view
    # started seed by seed: simple_pg and rtg_pg seed 0 are done, vpg seed 0 and simple_pg
    # seed 1 are in flight, drawn as far as they got
    simple_pg, rtg_pg, vpg = view.bands
    assert simple_pg.n[-1] == 1 and simple_pg.n.max() == 2
    assert np.isfinite(simple_pg.per_seed[1]).any() and np.isnan(simple_pg.per_seed[1, -1])
    assert vpg.n[-1] == 0 and vpg.n.max() == 1 and rtg_pg.n[-1] == 1


def test_the_table_has_the_numbers_of_summary_md_and_every_line_sits_in_its_band(app):
    scene = finished(app)
    view = scene.panel.view
    assert view.status == "finished" and view.done == view.total == 9
    assert [b.algo for b in view.bands] == ["simple_pg", "rtg_pg", "vpg"]
    for b in view.bands:  # from every run's first update on, and held to the end
        ok = np.isfinite(b.line)
        assert ok[np.argmax(ok) :].all() and ok[-1]
        assert (b.low[ok] <= b.line[ok] + 1e-9).all() and (b.line[ok] <= b.high[ok] + 1e-9).all()
    md = (view.root / "summary.md").read_text()
    report = build_report(view.root, view.settings)
    assert [table_cells(s) for s in view.summaries] == [table_cells(s) for s in report.summaries]
    for s in view.summaries:
        assert "| " + " | ".join(table_cells(s)) + " |" in md
    assert (view.root / "compare.png").is_file() and (view.root / "compare.csv").is_file()


def test_a_click_on_a_curve_shows_its_runs_and_a_second_click_hides_them(app):
    panel = finished(app, "2").panel
    click(app, panel._legend["rtg_pg"].center)
    assert panel.chosen == "rtg_pg"
    click(app, panel._legend["rtg_pg"].center)
    assert panel.chosen is None
    view, axes = panel.view, panel._axes
    i = 100  # a point on vpg's line
    pos = (int(axes.sx(view.grid[i])), int(axes.sy(view.bands[2].line[i])))
    click(app, pos)
    assert panel.chosen == "vpg"


@pytest.mark.parametrize(
    "seeds, budget, message",
    [
        ("0", "", "seeds: must be from 1 to 100, got 0"),
        ("x", "", "seeds: expected a whole number, got 'x'"),
        ("3", "-5", "env steps: must be from 1 to 100,000,000, got -5"),
    ],
)
def test_bad_boxes_give_a_message_and_start_nothing(app, seeds, budget, message):
    app.switch("compare")
    scene = app.scene
    scene.seeds.set_text(seeds)
    scene.budget.set_text(budget)
    scene.start()
    assert message in scene.message and scene.panel.live is None


def test_no_algorithm_ticked_is_refused(app):
    app.switch("compare")
    scene = app.scene
    for box in scene.algo_boxes.values():
        box.set_state(False)
    scene.start()
    assert scene.message == "pick at least one algorithm" and scene.panel.live is None


def test_cartpole_and_the_gridworld_tabs_world_are_what_runs(app):
    world = default_world().with_changes(rows=4, cols=4, targets=frozenset({15}))
    app.scenes["gridworld"].world = world
    app.switch("compare")
    scene = app.scene
    assert scene.settings().world == world
    scene.choose_env("cartpole")
    s = scene.settings()
    assert s.env == "cartpole" and s.world is None and s.max_steps == 500_000


def test_stop_keeps_what_finished(app):
    app.switch("compare")
    scene = app.scene
    scene.start()
    run_until(app, lambda: scene.panel.view.done >= 1)
    press(app, pygame.K_SPACE)  # Space stops a running comparison
    view = scene.panel.view
    assert view.status == "stopped" and scene.panel.live._pool.stopped
    assert scene.run.is_enabled or (app.frame() or scene.run.is_enabled)


def test_demo_8b_runs_three_algorithms_ten_seeds_live(app):
    app.switch("demos")
    view = app.scene.load("8b")
    run_until(app, lambda: view.readout().get("done", 0) >= 2)
    out = view.readout()
    assert out["algos"] == ["simple_pg", "rtg_pg", "vpg"] and out["total"] == 30
    assert view.panel.view.settings.world == default_world()


def test_the_window_never_imports_torch_and_stop_ends_real_workers_within_a_second():
    code = """
import sys, time
from gridsim.app.app import App
app = App(scene="compare", remember=False)
s = app.scene
for a, box in s.algo_boxes.items():
    box.set_state(a in ("vpg", "ppo"))
s.seeds.set_text("2"); s.budget.set_text("100000000")
s.start()
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    app.frame()
    v = s.panel.view
    if any(np.isfinite(b.line).any() for b in v.bands):
        break
workers = list(s.panel.live._pool._pool._pool)
t = time.perf_counter(); s.panel.stop(); took = time.perf_counter() - t
print(any(np.isfinite(b.line).any() for b in v.bands), took < 1.0,
      any(w.is_alive() for w in workers), "torch" in sys.modules)
app.close()
"""
    env = {k: v for k, v in os.environ.items() if k != "GRIDSIM_COMPARE_POOL"}
    out = subprocess.run(
        [sys.executable, "-c", "import numpy as np\n" + code],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.stdout.split() == ["True", "True", "False", "False"], out.stderr[-2000:]


def test_the_tab_starts_its_workers_when_shown_and_keeps_them_between_comparisons(app):
    """Opening the tab starts the pool (workers warm up while the user picks); a finished
    comparison leaves it for the next; Stop kills it (and its runs); closing ends it."""
    panel = app.scenes["compare"].panel
    assert panel.pool is None  # nothing starts before the tab is seen
    app.switch("compare")
    assert panel.pool is not None and panel.live is None
    scene = finished(app)
    first = scene.panel.pool
    assert first is not None and scene.panel.live._pool is first and not first.stopped
    scene.start()
    assert scene.panel.live._pool is first
    run_until(app, lambda: scene.panel.view.done >= 1)
    press(app, pygame.K_SPACE)  # Stop
    assert first.stopped and scene.panel.pool is None
    scene.start()
    second = scene.panel.pool
    assert second is not None and second is not first
    run_until(app, lambda: scene.panel.view.status != "running")
    app.close()
    assert second.stopped


def test_a_failed_comparison_stops_its_pool_and_the_next_run_gets_a_new_one(app, monkeypatch):
    """Runs still queued in a failed comparison's pool must not finish into the next one."""
    from gridsim.compare.testing import FakeRunPool

    def broken(self, timeout=0.0):
        raise OSError("disk full")

    app.switch("compare")
    scene = app.scene
    first = scene.panel.pool
    with monkeypatch.context() as m:
        m.setattr(FakeRunPool, "done", broken)
        scene.start()
        run_until(app, lambda: scene.panel.view.status != "running")
    assert scene.panel.view.status == "failed" and first.stopped
    scene.start()
    assert scene.panel.pool is not first and scene.panel.live._pool is scene.panel.pool
    run_until(app, lambda: scene.panel.view.status == "finished")

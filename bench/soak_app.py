"""A headless soak of the app: random clicks, keys and typing, and Run / Pause / Reset / Step
presses, with the real trainer, for 5 minutes.

    python bench/soak_app.py [--seconds 300] [--seed 0]

First a warm-up uses every feature once (every tab and demo in both languages, every
algorithm on both scenes for a few updates, each drop-down, the file dialog, every grid
size, the window sizes), so first-use costs (torch kernels, imports, pygame_gui's caches,
the Chinese font's glyphs: ~20 MB on the first switch to 中文) are paid; then the
resident memory is the baseline and the random soak runs. Passes when no exception
escapes, no thread or trainer process outlives the app's close() (after a 2 s grace), and memory
grows by < 50 MB from the baseline to the end. Runs in a temporary folder, so whatever
a random click saves through the file dialog lands there, and with its own settings file,
so a random click on 中文 does not change the user's remembered language.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from gridsim.demos import DEMOS  # noqa: E402

KEYS = [
    pygame.K_LEFT,
    pygame.K_RIGHT,
    pygame.K_RETURN,
    pygame.K_BACKSPACE,
    pygame.K_TAB,
    pygame.K_ESCAPE,
    pygame.K_SPACE,
    pygame.K_a,
    pygame.K_1,
]
DEMO_KEYS = [demo.key for demo in DEMOS]
TEXTS = ["0.5", "-1", "abc", "1", "0.99", "2", "10", "", "1e9", "-0", "nan", "3,3"]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def post_click(pos) -> None:
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))
    )
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))


def post_key(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=0, unicode="", scancode=0))


def random_action(app, rng: random.Random) -> str:
    scene = app.scene
    panel = scene.panel
    w, h = app.size
    roll = rng.random()
    if roll < 0.30:
        post_click((rng.randrange(w), rng.randrange(h)))
        return "click"
    if roll < 0.45 and hasattr(panel, "run"):
        button = rng.choice([panel.run, panel.pause, panel.step, panel.reset])
        post_click(button.rect.center)
        return "training button"
    if roll < 0.45 and hasattr(scene, "load"):
        scene.load(rng.choice(DEMO_KEYS))
        return "demo"
    if roll < 0.55 and hasattr(scene, "geo"):
        post_click(tuple(int(c) for c in scene.geo.center(rng.randrange(scene.world.n_states))))
        return "cell"
    if roll < 0.65:
        post_key(rng.choice(KEYS))
        return "key"
    if roll < 0.72:
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=rng.choice(TEXTS)))
        post_key(pygame.K_RETURN)
        return "typing"
    if roll < 0.76:
        post_click(app.tabs[rng.choice(list(app.tabs))].rect.center)
        return "tab"
    if roll < 0.78 and hasattr(panel, "speed"):
        panel.speed.step(rng.choice([-2, -1, 1, 2]))  # as the arrows and the track do
        return "speed"
    if roll < 0.80:
        size = rng.choice([(1280, 800), (1024, 700), (1400, 900)])
        pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1]))
        return "resize"
    return "idle"


def warm_up(app, rng: random.Random, seconds_per_run: float = 4.0) -> None:
    """Use every feature once (see the module docstring)."""
    from gridsim.app import editor
    from gridsim.app.trainer_link import algorithms

    def frames(n: int) -> None:
        for _ in range(n):
            app.frame()

    for size in ((1024, 700), (1400, 900), (1280, 800)):
        pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1]))
        frames(3)
    for lang in ("zh", "en"):  # every tab and demo drawn once in each language
        app.set_language(lang)
        for name in app.scenes:
            app.switch(name)
            frames(10)
            if name == "demos":
                for key in DEMO_KEYS:
                    app.scene.load(key)
                    frames(10)
    for name in app.scenes:
        app.switch(name)
        scene = app.scene
        if not hasattr(scene, "controller"):  # the Demos tab: open every demo once
            for key in DEMO_KEYS:
                scene.load(key)
                t0 = time.perf_counter()
                while time.perf_counter() - t0 < seconds_per_run / 2:
                    app.frame()
            continue
        for algo in algorithms():
            scene.controller.configure(algo=algo)
            scene.controller.run()
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds_per_run:
                app.frame()
        scene.controller.configure()
        for menu in [scene.panel.algo] + [
            getattr(scene, m)
            for m in ("rows_menu", "cols_menu", "action_menu", "mode_menu")
            if hasattr(scene, m)
        ]:
            post_click(menu.rect.center)
            frames(3)
            post_click(menu.rect.center)
            frames(3)
    app.switch("gridworld")
    scene = app.scene
    for n in range(editor.MIN_SIDE, editor.MAX_EDIT_SIDE + 1):
        scene.set_world(editor.resize(scene.world, n, n), keep_policy=False)
        frames(2)
    for kind in ("open", "save"):
        scene._open_dialog(kind)
        frames(10)
    scene._dialog.kill()
    scene._dialog = None
    for _ in range(300):  # a little of everything, as in the soak
        if rng.random() < 0.3:
            random_action(app, rng)
        if not app.frame():
            app.running = True


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fake", action="store_true", help="a scripted trainer instead of torch")
    args = p.parse_args()
    rng = random.Random(args.seed)
    os.chdir(tempfile.mkdtemp(prefix="gridsim-soak-"))
    os.environ["GRIDSIM_CONFIG"] = os.path.join(os.getcwd(), "settings.json")

    from gridsim.app.app import App

    threads_before = set(threading.enumerate())
    factory = None
    if args.fake:
        from gridsim.app.testing import fake_factory

        factory = fake_factory()
    app = App(factory=factory)
    counts: dict[str, int] = {}
    failure = None
    next_report = 0.0
    baseline = None
    try:
        t_warm = time.perf_counter()
        warm_up(app, rng)
        baseline = rss_mb()
        print(f"warm-up: {time.perf_counter() - t_warm:.0f} s, {baseline:.0f} MB", flush=True)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < args.seconds:
            if rng.random() < 0.3:
                kind = random_action(app, rng)
                counts[kind] = counts.get(kind, 0) + 1
            if not app.frame():
                app.running = True  # a random Escape/close must not end the soak
            elapsed = time.perf_counter() - t0
            if elapsed >= next_report:
                print(f"  {elapsed:5.0f} s  {rss_mb():6.0f} MB  {app.frames} frames", flush=True)
                next_report += 30
    except Exception:  # noqa: BLE001 - the soak's whole point
        failure = traceback.format_exc()
    finally:
        t_close = time.perf_counter()
        app.close()
        close_s = time.perf_counter() - t_close
    end = rss_mb()
    time.sleep(2.0)
    stray = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    children = multiprocessing.active_children()  # trainer processes left running
    growth = end - (baseline if baseline is not None else float("nan"))
    print(
        f"soak: {args.seconds:.0f} s, {app.frames} frames, actions {dict(sorted(counts.items()))}"
    )
    print(f"  exception: {'none' if failure is None else failure}")
    print(f"  close() took {close_s:.2f} s")
    print(f"  stray threads after close: {[t.name for t in stray] or 'none'}")
    print(f"  trainer processes left: {[c.name for c in children] or 'none'}")
    baseline = float("nan") if baseline is None else baseline
    print(
        f"  memory: {baseline:.0f} MB after warm-up -> {end:.0f} MB at the end "
        f"(growth {growth:+.1f} MB, target < 50 MB)"
    )
    ok = failure is None and not stray and not children and growth < 50
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

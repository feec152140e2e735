"""The app's performance targets, measured headless, with references from the same run.

    python bench/bench_app.py [--frames 900] [--algo ppo] [--seconds 15] [--skip-startup]
                              [--record gif|mp4|gif+plot|mp4+plot]

1. Start-up: wall time of `python -m gridsim.commands.gui --headless --frames 1` (start,
   first frame, quit: an upper bound of "python main.py to the first drawn frame"), next
   to a bare `python -c pass` as the reference. Target: <= 1 s.
2. Frame times while ALGO (default ppo) trains on CartPole in the app's trainer process:
   median <= 16.7 ms and 95th percentile <= 25 ms over >= 600 frames (the CartPole scene,
   its display pole stepping at 50 steps/s, the plot and status drawn every frame).
3. Training speed in the app against the same algorithm trained the way `python main.py
   train` does it (``Run.update()`` in a plain loop, one torch thread), in alternating
   windows in this process (so other load on the machine weighs on both alike).
   Target: in-app >= 0.70x the reference's env steps per second.

With ``--record gif`` (or mp4, gif+plot, mp4+plot) a recording of the view runs through
every measured frame, and its size is printed: the same targets must hold while recording.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def wall_time(cmd: list[str], repeats: int = 3) -> float:
    """The best of ``repeats`` wall times of a command (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def bench_startup() -> None:
    bare = wall_time([sys.executable, "-c", "pass"])
    gui = wall_time([sys.executable, "-m", "gridsim.commands.gui", "--headless", "--frames", "1"])
    print("start-up (best of 3 wall times)")
    print(f"  python -c pass (reference)            {bare:6.3f} s")
    print(f"  gui --headless --frames 1 (whole run) {gui:6.3f} s   target <= 1 s: ", end="")
    print("PASS" if gui <= 1.0 else "FAIL")


class Reference:
    """`train`'s loop (Run.update() back to back, one torch thread), run in short windows."""

    def __init__(self, algo: str):
        import torch

        from agents.learner import Run

        torch.set_num_threads(1)
        self.run = Run("cartpole", algo, seed=0)
        self.run.update()  # warm-up
        self.steps = 0
        self.seconds = 0.0

    def train_for(self, seconds: float) -> None:
        t0, s0 = time.perf_counter(), self.run.env_steps
        while time.perf_counter() - t0 < seconds:
            self.run.update()
        self.steps += self.run.env_steps - s0
        self.seconds += time.perf_counter() - t0

    @property
    def rate(self) -> float:
        return self.steps / self.seconds


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def wait_for_update(app, scene, after: int, timeout: float = 120.0):
    """Run frames until the trainer has published an update later than ``after``."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        app.frame()
        snap = scene.controller.latest()
        if snap is not None and snap.update > after:
            return snap
    raise RuntimeError("the trainer published no update in time")


def bench_frames(
    algo: str, frames: int, seconds: float, rounds: int, record: str | None = None
) -> None:
    """Alternate windows: the reference alone (the app's trainer paused), then the app
    training while it draws; training speed is env steps per second of training time
    (the snapshots' wall_s, so update boundaries need no guessing). ``record`` ("gif",
    "mp4", "gif+plot", ...): a recording runs through every measured frame."""
    import tempfile

    from gridsim.app.app import App
    from gridsim.app.panels.training import FULL_SPEED

    reference = Reference(algo)
    app = App(scene="cartpole")
    folder = tempfile.mkdtemp(prefix="bench-record-")
    if record:
        app.recording.choose(record)
        if not app.start_recording(Path(folder) / f"bench.{app.recording.fmt}"):
            raise RuntimeError(app.recording.notice)
    dts: list[float] = []
    app_steps = app_seconds = 0.0
    try:
        scene = app.scene
        scene.controller.settings.stop_when_solved = False  # keep training the whole time
        scene.controller.configure(algo=algo)
        scene.panel.set_pace(FULL_SPEED)  # the app's training speed, not a watching pace
        scene.controller.run()
        snap = wait_for_update(app, scene, 0)  # torch loaded, first update done
        for _ in range(rounds):
            scene.controller.pause()
            time.sleep(0.5)  # let the update in flight finish
            reference.train_for(seconds)
            scene.controller.run()
            start = wait_for_update(app, scene, scene.controller.latest().update)
            stamps = [time.perf_counter()]
            for _ in range(frames // rounds):
                app.frame()
                stamps.append(time.perf_counter())
            dts += [(b - a) * 1000 for a, b in zip(stamps, stamps[1:], strict=False)]
            end = wait_for_update(app, scene, scene.controller.latest().update)
            app_steps += end.env_steps - start.env_steps
            app_seconds += end.wall_s - start.wall_s
        snap = scene.controller.latest()
        if record:
            t_save = time.perf_counter()
            saved = app.finish_recording()
            save_s = time.perf_counter() - t_save
    finally:
        t_close = time.perf_counter()
        app.close()  # mid-training, as when the user closes the window
        close_s = time.perf_counter() - t_close
    med, p95 = statistics.median(dts), percentile(dts, 95)
    print(f"frame times while {algo} trains on CartPole ({len(dts)} frames, trainer {snap.status})")
    print(f"  median {med:6.2f} ms   target <= 16.7 ms: {'PASS' if med <= 16.7 else 'FAIL'}")
    print(f"  p95    {p95:6.2f} ms   target <= 25 ms:   {'PASS' if p95 <= 25 else 'FAIL'}")
    print(f"  max    {max(dts):6.2f} ms")
    print(f"closing the app mid-training: {close_s:.2f} s   target <= 1 s: ", end="")
    print("PASS" if close_s <= 1.0 else "FAIL")
    if record:
        w, h = saved.size
        grabs = [1000 * x for x in app.recording.recorder.grab_seconds]
        print(
            f"recording ({record}) through every measured frame: {saved.frames} frames, "
            f"{w}x{h}, {saved.bytes / 1e6:.2f} MB, {saved.dropped} dropped; "
            f"saved {save_s:.2f} s after Stop"
        )
        cpu = [1000 * x for x in app.recording.recorder.grab_cpu_seconds]
        print(
            f"  UI-thread capture per recorded frame: median {statistics.median(grabs):.2f} ms "
            f"wall ({statistics.median(cpu):.2f} ms CPU), p95 {percentile(grabs, 95):.2f} ms "
            f"wall ({percentile(cpu, 95):.2f} ms CPU), {len(grabs)} captures"
        )
        shutil.rmtree(folder, ignore_errors=True)
    in_app = app_steps / app_seconds
    ratio = in_app / reference.rate
    print(f"training env steps/s, {algo} on CartPole ({rounds} alternating rounds)")
    print(f"  `train` loop, no UI (reference) {reference.rate:10.0f}")
    print(f"  inside the app, while drawing   {in_app:10.0f}   ratio {ratio:.2f}", end="")
    print(f"   target >= 0.70: {'PASS' if ratio >= 0.7 else 'FAIL'}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=900, help="frames measured (>= 600)")
    p.add_argument("--algo", default="ppo")
    p.add_argument("--seconds", type=float, default=5.0, help="reference time per round")
    p.add_argument("--rounds", type=int, default=3, help="alternating reference/app rounds")
    p.add_argument("--skip-startup", action="store_true")
    p.add_argument(
        "--record",
        choices=("gif", "gif+plot", "mp4", "mp4+plot"),
        help="record the view the whole time (the frame-time targets hold while recording)",
    )
    p.add_argument("--switch-interval", type=float, help="sys.setswitchinterval (experiments)")
    args = p.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    if not args.skip_startup:
        bench_startup()
    bench_frames(args.algo, max(600, args.frames), args.seconds, max(1, args.rounds), args.record)
    return 0


if __name__ == "__main__":
    sys.exit(main())

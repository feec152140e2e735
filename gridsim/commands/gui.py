"""`python main.py gui` (and `python main.py` alone): the desktop app, or headless."""

from __future__ import annotations

import argparse
import os
import sys

from gridsim import limits
from gridsim.limits import short_repr

INSPECTOR_VIEWS = ("batch", "change", "gradient", "critic", "ratios", "groups")
"""gridsim.app.panels.inspector.VIEWS (named here so --help imports no pygame)."""
PAUSE_AFTER_TIMEOUT = 600.0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "gui",
        help="open the app (the default when no command is given)",
        description="Open GridSim's window: the gridworld, CartPole and Demos tabs. "
        "With --headless "
        "it runs without a screen (SDL's dummy driver), e.g. to save a screenshot.",
    )
    add_arguments(p)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--headless", action="store_true", help="no window: SDL's dummy video driver")
    p.add_argument(
        "--scene",
        choices=("gridworld", "cartpole", "demos", "compare"),
        default="gridworld",
        help="the tab to open",
    )
    p.add_argument("--lang", choices=("en", "zh"), help="language (default: the remembered one)")
    p.add_argument("--layout", metavar="FILE", help="a layout JSON file for the gridworld scene")
    p.add_argument("--algo", metavar="NAME", help="start training this algorithm at once")
    p.add_argument(
        "--pause-after",
        metavar="N",
        help="train N updates (of --algo, or the scene's algorithm), then pause",
    )
    p.add_argument(
        "--inspect",
        nargs="?",
        const="batch",
        choices=INSPECTOR_VIEWS,
        metavar="VIEW",
        help="open the update inspector on the last update, in VIEW (default batch; also "
        "change, gradient, critic, ratios, groups); gridworld",
    )
    p.add_argument("--frames", metavar="N", help="quit after N frames (after --pause-after's)")
    p.add_argument("--screenshot", metavar="PATH", help="save the last frame as a PNG")
    p.add_argument(
        "--size", default="1280x800", metavar="WxH", help="window size (default 1280x800)"
    )
    p.add_argument(
        "--agent",
        metavar="FILE",
        help="open a trained agent (an agent.pt from `train` or Save agent…): its algorithm, "
        "world, policy and history",
    )
    add_record_arguments(p)


def add_record_arguments(p: argparse.ArgumentParser) -> None:
    """--record / --record-plot, shared with `python main.py demo`."""
    p.add_argument(
        "--record",
        metavar="PATH",
        help="record the central view into PATH (.gif or .mp4) until the app quits "
        "(with --frames N, for N frames) and save it",
    )
    p.add_argument(
        "--record-plot", action="store_true", help="record the returns plot beside the view"
    )


def agent_outcome(app, path) -> int:
    """After the run: 1 and one line on stderr when --agent was refused (a script can tell),
    else 0 (opened, or still opening when --frames ran out)."""
    from gridsim.app.draw import style

    files = getattr(app.scene.panel, "agent_files", None)
    line = files.status_line() if files is not None else None
    if line is not None and line[1] == style.ERROR:
        print(f"error: --agent: {line[0]}", file=sys.stderr)
        return 1
    return 0


def check_record_path(path) -> str | None:
    """None when --record PATH can be written, else the error line (before the app starts)."""
    from gridsim.app.recorder import RecordingError, check_output

    try:
        check_output(path)
    except RecordingError as e:
        return f"error: --record{' ' if e.path is not None else ': '}{e}"
    return None


def record_and_run(app, args, after: int = 0) -> int:
    """Run the app (for --frames frames more than ``after``) while recording into --record,
    then save: 0, or 1 with one line when the recording failed. Ctrl+C cancels it (nothing
    is saved)."""
    if args.record is not None:
        if args.record_plot:
            app.recording.choose(f"{app.recording.fmt}+plot")
        if not app.start_recording(args.record):
            print(f"error: --record {app.recording.notice}", file=sys.stderr)
            return 1
    app.run(None if args.frames is None else after + args.frames)
    if args.record is None:
        return 0
    result = app.finish_recording()
    if result is None or not result.ok:
        error = result.error if result is not None else "the recording did not finish"
        print(f"error: recording failed: {error}", file=sys.stderr)
        return 1
    from gridsim.app.recorder import size_text

    w, h = result.size
    print(f"saved {result.path} ({result.frames} frames, {w}x{h}, {size_text(result.bytes)})")
    return 0


def run(args: argparse.Namespace) -> int:
    from gridsim.commands.window import (
        WindowError,
        check_display,
        check_screenshot,
        parse_frames,
        parse_size,
    )

    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is ever imported
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        w, h = parse_size(args.size)
        args.frames = parse_frames(args.frames)  # an int (or None) from here on
        if args.layout is not None and not args.layout.strip():
            raise WindowError("--layout is empty; give a layout file (or omit --layout)")
        check_screenshot(args.screenshot)
        if args.pause_after is not None:
            args.pause_after = limits.parse(limits.PAUSE_AFTER, args.pause_after, "--pause-after")
    except (WindowError, limits.LimitError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.inspect and args.scene != "gridworld":
        print("error: --inspect needs --scene gridworld", file=sys.stderr)
        return 2
    world = None
    if args.layout:
        from gridsim.layout import LayoutError, load_layout

        try:
            world = load_layout(args.layout)
        except LayoutError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if args.agent is not None:  # "" is a slip, not "no agent"
        if args.layout or args.algo:
            print(
                "error: --agent brings its own world and algorithm; drop --layout and --algo",
                file=sys.stderr,
            )
            return 2
        from gridsim.files import UserFileError, check_user_file

        try:  # before the window opens (the trainer child reads it again)
            check_user_file(args.agent, what="agent file", max_bytes=limits.AGENT_FILE_BYTES.high)
        except UserFileError as e:
            print(f"error: --agent{'' if e.path else ':'} {e}", file=sys.stderr)
            return 2
    if args.record is not None and (problem := check_record_path(args.record)):
        print(problem, file=sys.stderr)
        return 2
    if args.algo:
        from gridsim.app.trainer_link import algorithms

        if args.scene not in ("gridworld", "cartpole"):
            print("error: --algo trains on the gridworld or cartpole tab", file=sys.stderr)
            return 2
        if args.algo not in algorithms():
            print(
                f"error: unknown algorithm {short_repr(args.algo)} ({', '.join(algorithms())})",
                file=sys.stderr,
            )
            return 2
    try:
        check_display(args.headless)
    except WindowError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    from gridsim.app.app import App

    app = App(
        (w, h),
        scene=args.scene,
        world=world,
        lang=args.lang,
        remember=args.lang is None,
        # a headless recording advances the app by 1/30 s a frame: the video's length and
        # frame count follow from --frames, not from how busy the machine is
        fixed_dt=1 / 30 if args.headless and args.record else None,
    )
    code = 0
    try:
        panel = app.scene.panel
        if args.algo:
            panel.choose_algo(args.algo)
        if args.pause_after is not None:
            if not train_then_pause(app, args.pause_after):
                return 1
        elif args.algo:
            panel.controller.run()
        if args.agent:
            app.open_agent(args.agent)
        if args.inspect:
            inspector = app.scene.inspector
            app.scene.toggle_inspector()
            app.frame()
            if args.inspect != "batch" and not inspector.available().get(args.inspect):
                shown = ", ".join(k for k, ok in inspector.available().items() if ok) or "none"
                print(
                    f"error: no {args.inspect} view for this update (available: {shown})",
                    file=sys.stderr,
                )
                return 2
            inspector.set_view(args.inspect)
        # --frames counts the frames drawn from here (after the --pause-after updates)
        code = record_and_run(app, args, after=app.frames)
        if args.agent and code == 0:
            code = agent_outcome(app, args.agent)
        if args.screenshot:
            app.screenshot(args.screenshot)
            print(f"saved {args.screenshot}")
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return code


def train_then_pause(app, updates: int, timeout: float = PAUSE_AFTER_TIMEOUT) -> bool:
    """Make exactly ``updates`` updates (Step after Step, so the same seed always gives the
    same picture), running the app's frames meanwhile; False (and one line on stderr) when
    training fails or takes longer than ``timeout`` seconds."""
    import time

    controller = app.scene.panel.controller
    for _ in range(updates):
        controller.step()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.frame()
        snap = controller.latest()
        if snap is not None and snap.status == "failed":
            print(f"error: training failed: {snap.message}", file=sys.stderr)
            return False
        if controller.error:
            print(f"error: {controller.error}", file=sys.stderr)
            return False
        if snap is not None and snap.update >= updates:
            app.frame()  # draw the paused state once
            return True
    print(f"error: {updates} updates took longer than {timeout:.0f} s", file=sys.stderr)
    return False


def main(argv: list[str] | None = None) -> int:
    """`python -m gridsim.commands.gui [OPTIONS]`: the same as `python main.py gui`."""
    parser = argparse.ArgumentParser(prog="python main.py gui")
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run_default() -> int:
    """What `python main.py` with no command calls: the app with default options."""
    return main([])


if __name__ == "__main__":
    sys.exit(main())

"""`python main.py gui` (and `python main.py` alone): the desktop app, or headless."""

from __future__ import annotations

import argparse
import os
import sys


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
        choices=("gridworld", "cartpole", "demos"),
        default="gridworld",
        help="the tab to open",
    )
    p.add_argument("--lang", choices=("en", "zh"), help="language (default: the remembered one)")
    p.add_argument("--layout", metavar="FILE", help="a layout JSON file for the gridworld scene")
    p.add_argument("--algo", metavar="NAME", help="start training this algorithm at once")
    p.add_argument("--frames", type=int, metavar="N", help="quit after N frames")
    p.add_argument("--screenshot", metavar="PATH", help="save the last frame as a PNG")
    p.add_argument(
        "--size", default="1280x800", metavar="WxH", help="window size (default 1280x800)"
    )


def run(args: argparse.Namespace) -> int:
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is ever imported
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        w, h = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        print(f"error: --size expects WxH like 1280x800, got {args.size!r}", file=sys.stderr)
        return 2
    if args.frames is not None and args.frames < 1:
        print("error: --frames must be at least 1", file=sys.stderr)
        return 2
    world = None
    if args.layout:
        from gridsim.layout import LayoutError, load_layout

        try:
            world = load_layout(args.layout)
        except LayoutError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if args.algo:
        from gridsim.app.trainer_link import algorithms

        if args.algo not in algorithms():
            print(
                f"error: unknown algorithm {args.algo!r} ({', '.join(algorithms())})",
                file=sys.stderr,
            )
            return 2

    from gridsim.app.app import App

    app = App((w, h), scene=args.scene, world=world, lang=args.lang, remember=args.lang is None)
    try:
        if args.algo:
            panel = app.scene.panel
            panel.choose_algo(args.algo)
            panel.controller.run()
        app.run(args.frames)
        if args.screenshot:
            app.screenshot(args.screenshot)
            print(f"saved {args.screenshot}")
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


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

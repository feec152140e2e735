"""`python main.py demo NAME`: run one of the tutorial's demos (or --list them), in a window
or headless, in English or Chinese, optionally saving a screenshot."""

from __future__ import annotations

import argparse
import os
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="run one of the tutorial's click-to-run demos (--list shows them)",
        description="Open the app's Demos tab on demo "
        "NAME (a name or number, e.g. trajectory or 2). "
        "With --headless it runs without a screen for --frames frames (fixed 1/30 s steps) "
        "and can save the last frame with --screenshot.",
    )
    p.add_argument("name", nargs="?", help="the demo's name or number (see --list)")
    p.add_argument("--list", action="store_true", help="print the demos and exit")
    p.add_argument("--headless", action="store_true", help="no window: SDL's dummy video driver")
    p.add_argument("--frames", metavar="N", help="quit after N frames")
    p.add_argument("--screenshot", metavar="PATH", help="save the last frame as a PNG")
    p.add_argument("--lang", choices=("en", "zh"), help="language (default: the remembered one)")
    p.add_argument("--size", default="1280x800", metavar="WxH", help="window size")
    from gridsim.commands.gui import add_record_arguments

    add_record_arguments(p)


def list_demos(lang: str) -> str:
    from gridsim.app import language
    from gridsim.demos import CHAPTERS, demos_by_chapter

    catalog = language.load_catalog(lang)
    lines = []
    for chapter, demos in demos_by_chapter().items():
        lines.append(catalog.get(CHAPTERS[chapter], CHAPTERS[chapter]))
        for d in demos:
            lines.append(f"  {d.number:>4}  {d.key:<20} {catalog.get(d.title, d.title)}")
    return "\n".join(lines)


def readable(value) -> str:
    """A readout value for the terminal: numbers with at most 6 significant digits (no
    7.290000000000003), containers element by element; states and actions come named."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{readable(k)}: {readable(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(readable(v) for v in value) + ")"
    return str(value)


def run(args: argparse.Namespace) -> int:
    from gridsim.demos import DEMOS, demo_by_key

    lang = args.lang
    if lang is None:
        from gridsim.settings import load_settings

        lang = load_settings().language
    if args.list:
        print(list_demos(lang))
        return 0
    from gridsim.commands.window import (
        WindowError,
        check_display,
        check_screenshot,
        parse_frames,
        parse_size,
    )

    try:
        if args.name is not None and not args.name.strip():
            raise WindowError("the demo name is empty; give a name or number (see --list)")
        name = args.name or DEMOS[0].key
        try:
            demo_by_key(name)
        except KeyError as e:
            raise WindowError(e.args[0]) from None
        args.frames = parse_frames(args.frames)  # an int (or None) from here on
        w, h = parse_size(args.size)
        check_screenshot(args.screenshot)
        if args.headless:
            os.environ["SDL_VIDEODRIVER"] = "dummy"
            os.environ["SDL_AUDIODRIVER"] = "dummy"
        os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is ever imported
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        check_display(args.headless)
    except WindowError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.record is not None:
        from gridsim.commands.gui import check_record_path

        if problem := check_record_path(args.record):
            print(problem, file=sys.stderr)
            return 2
    from gridsim.app.app import App

    app = App(
        (w, h),
        scene="demos",
        demo=name,
        lang=lang,
        remember=args.lang is None,
        fixed_dt=1 / 30 if args.headless else None,
    )
    code = 0
    try:
        from gridsim.commands.gui import record_and_run

        code = record_and_run(app, args)
        if args.screenshot:
            app.screenshot(args.screenshot)
            print(f"saved {args.screenshot}")
        if args.headless:
            for k, v in app.scenes["demos"].readout().items():
                print(f"{k}: {readable(v)}")
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return code

"""GridSim's one entry point: `python main.py [COMMAND] ...` (no command starts the app)."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

# One BLAS thread: the exact solvers' small linear systems run many times slower with
# OpenBLAS threads spinning on a busy machine. Set before numpy is first imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# Sub-command modules under gridsim/commands, in the order --help lists them.
COMMANDS = ("gui", "solve", "train", "eval", "prefs", "compare", "demo")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line starting 'error:' (exit code 2), like every
    other refusal of GridSim's commands, with a pointer to --help instead of the usage."""

    def error(self, message: str):
        message = LONG_WORD.sub(lambda m: f"{m.group()[:20]}...{m.group()[-10:]}", message)
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


LONG_WORD = re.compile(r"[^\s,()']{48,}")
"""A value too long to repeat whole in a message (a 5,000-digit number, say)."""


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = OneLineParser(
        prog="python main.py",
        description="GridSim: watch policy-gradient reinforcement learning on the tutorial's "
        "gridworld and CartPole.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for name in COMMANDS:
        module = importlib.import_module(f"gridsim.commands.{name}")
        module.add_parser(subparsers)
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error (2): a code, like every command
        return e.code if isinstance(e.code, int) else 2
    if args.command is None:
        return modules["gui"].run_default()
    return modules[args.command].run(args)


def main_process() -> int:
    """``main`` as a process: output piped into a reader that stops early (``solve | head``)
    ends quietly instead of with a BrokenPipeError traceback, and Ctrl+C where a command
    does not handle it itself (while it starts up, say) is one line, exit status 130."""
    try:
        code = main()
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Python would try to flush stdout again at exit and fail the same way: point it at
        # /dev/null first. 141 = 128 + SIGPIPE, what a shell reports for such a reader.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main_process())

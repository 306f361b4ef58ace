"""The ``replcheck`` command: one sub-command per module, each exposing ``register``."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Sequence

from replcheck.conformance import __version__
from replcheck.conformance.cli import (
    cleanup_cmd,
    completion_cmd,
    fleet_cmd,
    report_cmd,
    requirements_cmd,
    run_cmd,
    serve_cmd,
    spec_cmd,
    validate_cmd,
)
from replcheck.conformance.cli.lost_output import surviving_lost_output

COMMANDS = (
    run_cmd,
    fleet_cmd,
    cleanup_cmd,
    serve_cmd,
    spec_cmd,
    validate_cmd,
    requirements_cmd,
    report_cmd,
    completion_cmd,
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one clear sentence (no usage dump) on a bad flag value; an
    argument it does not know gets the usage of the sub-command it was given to, and the
    closest flag (``--tokne`` -> ``--token``)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, unknown = self.parse_known_args(args, namespace)
        if unknown:
            _unknown_arguments(self, parsed, unknown)
        return parsed


def _unknown_arguments(
    parser: argparse.ArgumentParser, parsed: argparse.Namespace, unknown: list[str]
) -> None:
    """Exit 2 with the sub-command's usage, then one sentence naming what was not understood
    and, for a flag, the closest flag that sub-command has."""
    chosen = parser
    descended = True
    while descended:  # down to the (sub-)sub-command given: ``spec diff``
        descended = False
        for action in chosen._actions:
            if isinstance(action, argparse._SubParsersAction):
                child = action.choices.get(getattr(parsed, action.dest, None) or "")
                if isinstance(child, argparse.ArgumentParser):
                    chosen, descended = child, True
                    break
    flags = [
        flag
        for action in chosen._actions
        if action.help != argparse.SUPPRESS
        for flag in action.option_strings
    ]
    hints = []
    for word in unknown:
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=", 1)[0], flags, n=1, cutoff=0.6)
            if close:
                hints.append(f"did you mean {close[0]}?")
    hint = f" ({'; '.join(hints)})" if hints else ""
    chosen.print_usage(sys.stderr)
    chosen.exit(2, f"{chosen.prog}: error: unrecognized arguments: {' '.join(unknown)}{hint}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="replcheck",
        description="Contract tests and conformance gate for Vault's /sys/replication API.",
        epilog="Run 'replcheck COMMAND --help' for a command's flags.",
    )
    parser.add_argument("--version", action="version", version=f"replcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.register(sub)
    # The whole command, for a sub-command that describes it (``completion``).
    parser.set_defaults(command_parser=parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command (the console script's entry is ``replcheck.__main__.main``, which loads
    this module behind a quiet Ctrl-C handler)."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            # No command is a usage error (exit 2, as for any missing argument, so that a
            # script calling a bare ``replcheck`` fails loudly), answered with the whole help:
            # the list of commands is what the user needs next. It goes to stderr.
            parser.print_help(sys.stderr)
            return 2
        with surviving_lost_output():
            return int(args.handler(args))
    except KeyboardInterrupt:
        print("replcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. ``| head``): not an error of ours. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

"""The ``replcheck`` command: one sub-command per module, each exposing ``register``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from replcheck.conformance import __version__
from replcheck.conformance.cli import (
    completion_cmd,
    requirements_cmd,
    run_cmd,
    serve_cmd,
    spec_cmd,
    validate_cmd,
)

COMMANDS = (run_cmd, serve_cmd, spec_cmd, validate_cmd, requirements_cmd, completion_cmd)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one clear sentence (no usage dump) on a bad flag."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="replcheck",
        description="Contract tests and conformance gate for Vault's /sys/replication API.",
    )
    parser.add_argument("--version", action="version", version=f"replcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMANDS:
        module.register(sub)
    # The whole command, for a sub-command that describes it (``completion``).
    parser.set_defaults(command_parser=parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("replcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. ``| head``): not an error of ours. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

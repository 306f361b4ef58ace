"""Old spellings of a flag that keep working for one minor version, with a warning.

``replcheck serve --scenario NAME`` became ``--state NAME`` (a single cluster's replication
state) and ``replcheck run --scenario NAME`` became ``--break NAME`` (a deliberately broken
server, the word ``serve`` already used): one word per meaning, and ``--topology`` left free
for the multi-cluster work. The old spelling stores into the new flag's destination, is hidden
from ``--help``, and says on stderr, when it is used, which flag replaces it.

It lives with the server's command line because ``serve``'s flags are defined there, and the
server never imports the engine; ``replcheck run`` uses it from ``replcheck.conformance.cli``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

#: The release in which the deprecated spellings stop working.
REMOVED_IN = "0.2.0"


class DeprecatedAlias(argparse.Action):
    """Store the value like the flag that replaces this one, and warn on stderr once per use."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, replacement: str,
                 command: str, **kwargs: Any) -> None:
        self.replacement = replacement
        self.command = command
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        print(warning(self.command, option_string or self.option_strings[0], self.replacement),
              file=sys.stderr)
        setattr(namespace, self.dest, values)


def warning(command: str, old: str, new: str) -> str:
    """The one line a deprecated spelling prints."""
    return (f"replcheck {command}: warning: {old} is deprecated and stops working in replcheck "
            f"{REMOVED_IN}; use {new} NAME (same values)")


def add_alias(parser: argparse.ArgumentParser, old: str, dest: str, *, replacement: str,
              command: str, action: type[DeprecatedAlias] = DeprecatedAlias,
              **kwargs: Any) -> argparse.Action:
    """Add the hidden, deprecated ``old`` spelling of ``replacement`` (which stores into
    ``dest``) to ``parser``."""
    return parser.add_argument(old, dest=dest, action=action, replacement=replacement,
                               command=command, help=argparse.SUPPRESS, default=None, **kwargs)

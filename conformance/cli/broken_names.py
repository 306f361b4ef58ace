"""Naming a deliberately broken server (``replcheck.reference_server.broken``) on the command line:
the ``--break NAME`` of ``serve`` and of ``run`` (whose old spelling ``--scenario`` is an alias
until 0.2.0, see ``replcheck.reference_server.deprecated_flags``).

Both flags take a name, or ``list`` to print every name with its category and what it breaks;
an unknown name ends the command with exit status 2 and one sentence suggesting the closest
names. Shell completion (``replcheck completion``) offers the names, written into the script
when it is generated: the script is static and never runs replcheck.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from replcheck.reference_server.broken import BrokenServer

#: The bash function that completes a broken server's name (its body is in ``_COMPLETION``).
_BASH_FUNCTION = "_shtab_replcheck_broken_names"


class NameFlag(argparse._StoreAction):
    """A flag naming a broken server; ``replcheck completion`` finds these to offer the names
    (the zoo is loaded only then, not each time a parser is built)."""


def add_name_flag(parser: argparse.ArgumentParser, flag: str, dest: str, help: str) -> None:
    """Add ``flag NAME`` to ``parser``."""
    parser.add_argument(flag, dest=dest, metavar="NAME", default=None, help=help,
                        action=NameFlag)


def completion() -> dict[str, object]:
    """shtab's custom completion of a ``NameFlag``: bash calls a function written into the
    script's preamble, zsh takes the words themselves."""
    from replcheck.reference_server.broken import LIST, names

    words = " ".join([LIST, *names()])
    return {
        "bash": _BASH_FUNCTION,
        "zsh": f"({words})",
        "preamble": {"bash": f'{_BASH_FUNCTION}() {{\n  compgen -W "{words}" -- "$1"\n}}\n'},
    }


def choose(name: str, flag: str, prefix: str) -> BrokenServer | int:
    """The broken server called ``name``, or the exit status when there is none to use: 0 after
    printing the list (``list``), 2 after one sentence on stderr, after ``prefix``, for an
    unknown name."""
    from replcheck.reference_server.broken import LIST, UnknownBrokenServer, find, listing

    if name == LIST:
        sys.stdout.write(listing())
        return 0
    try:
        return find(name, flag)
    except UnknownBrokenServer as exc:
        print(f"{prefix} {exc}", file=sys.stderr)
        return 2


def headline(broken: BrokenServer, flag: str) -> str:
    """The loud line that opens the output of a command using a broken server."""
    return f"*** DELIBERATELY BROKEN SERVER ({flag} {broken.name}): {broken.description} ***"

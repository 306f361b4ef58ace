"""Deliberately broken servers: the reference server with one deviation each.

Each entry (a ``BrokenServer``) names what is broken and the requirements whose checks must
catch it. The same entries serve three purposes:

- ``replcheck serve --break NAME`` serves one, so a user can point any client at it;
- ``replcheck run --break NAME`` judges one, so a user sees the gate fail and reads a real
  report in one command;
- the project's tests (``tests/zoo``) prove the suite fails every one, naming exactly the
  requirements it should.

The categories live in their own modules (``auth``, ``sudo``, ``methods``...), each broken
server next to its hook; ``registry`` puts them together.
"""

from __future__ import annotations

import difflib

from .model import CATEGORIES, BrokenServer
from .registry import ZOO

__all__ = ["CATEGORIES", "LIST", "ZOO", "BrokenServer", "UnknownBrokenServer", "find", "listing"]

#: The name that lists the broken servers instead of choosing one (``--break list``).
LIST = "list"


class UnknownBrokenServer(LookupError):
    """No broken server has the name given; ``str(exc)`` is one sentence for the user."""


def names() -> list[str]:
    return [server.name for server in ZOO]


def closest(name: str, limit: int = 3) -> list[str]:
    """The names nearest to ``name``: near spellings first, then names containing it."""
    wanted = name.strip().lower()
    near = difflib.get_close_matches(wanted, names(), n=limit, cutoff=0.6)
    containing = [n for n in names() if len(wanted) >= 3 and wanted in n and n not in near]
    return (near + containing)[:limit]


def find(name: str, flag: str) -> BrokenServer:
    """The broken server called ``name``; ``flag`` (e.g. ``--break``) is how the user gave it,
    so the error sentence can name it."""
    for server in ZOO:
        if server.name == name:
            return server
    suggestions = closest(name)
    hint = ""
    if suggestions:
        choices = ", ".join(suggestions[:-1]) + " or " if len(suggestions) > 1 else ""
        hint = f"did you mean {choices}{suggestions[-1]}? "
    raise UnknownBrokenServer(
        f"{flag} {name!r} is not a broken server: {hint}"
        f"'{flag} {LIST}' shows all {len(ZOO)} with what each breaks"
    )


def listing() -> str:
    """One line per broken server: name, category, what is broken and what should catch it."""
    name_width = max(len(server.name) for server in ZOO)
    category_width = max(len(category) for category in CATEGORIES)
    lines = [f"{'NAME':<{name_width}}  {'CATEGORY':<{category_width}}  WHAT IS BROKEN"]
    lines += [
        f"{server.name:<{name_width}}  {server.category:<{category_width}}  {server.description}"
        for server in ZOO
    ]
    return "\n".join(lines) + "\n"

"""Spellings of a write operation's path that real Vault refuses without reaching the handler:
each write case is also sent once to one of them, with a refused credential."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from replcheck.conformance.checks.context import CheckContext
from replcheck.conformance.fuzzing.credentials import with_credentials
from replcheck.conformance.fuzzing.generation import FuzzCase
from replcheck.conformance.transport.client import Credential

#: Spellings of a write operation's path that real Vault refuses without reaching the
#: handler (a 400 for the trailing slash, 403 or 404 otherwise, a 301 from Go's mux for the
#: duplicate slashes): each write case is also sent to one of them with a refused credential,
#: so the judges (no 5xx, 403-not-401, errors body, no token echo) see the refusals of paths a
#: router might handle differently.
PATH_VARIANTS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("trailing slash", lambda path: path + "/"),
    ("upper-case last segment", lambda path: _upper_last(path)),
    ("duplicate slashes", lambda path: path.replace("/sys/", "/sys//")),
)


def _upper_last(path: str) -> str:
    head, _, last = path.rpartition("/")
    return f"{head}/{last.upper()}"


def with_path_variants(
    ctx: CheckContext, cases: list[FuzzCase], turn: list[int] | None = None
) -> Iterator[tuple[FuzzCase, str, str, Credential | None, bool]]:
    """Every (case, path, credential label, credential) to send: each case on its own path
    with its credentials (``with_credentials``), and each write case once more on a variant
    of its path with a credential that no variant lets through (both in turn).

    ``turn`` ([cases so far, write cases so far]) carries the turns from one slot to the next.
    """
    turn = turn if turn is not None else [0, 0]
    refused = [
        ("no token", None),
        ("invalid token", ctx.state.invalid),
        ("invalid Bearer token", ctx.state.invalid.as_bearer()),
    ]
    for case, label, credential, may in with_credentials(ctx, cases, turn[0]):
        yield case, case.path, label, credential, may
        if case.method == "GET" or label != "no token":
            continue
        variant_label, spell = PATH_VARIANTS[turn[1] % len(PATH_VARIANTS)]
        refused_label, refused_credential = refused[turn[1] % len(refused)]
        turn[1] += 1
        purpose = f"{refused_label}, path with {variant_label}"
        yield case, spell(case.path), purpose, refused_credential, False
    turn[0] += len(cases)

"""``replcheck validate``: check a captured response against the spec's schemas.

Without ``--kind`` the kind is told from the body's members (``errors``: an error body; a
``mode``, ``dr`` or ``performance``: a status; ``warnings``: a recover or reindex answer), in
the envelope or the docs' bare form; a body that shows none of them needs ``--kind``.

Exit 0 valid, 1 invalid (each violation printed with its JSON path), 2 unreadable input (or a
kind that cannot be told).

With ``--topology`` it takes one snapshot file per cluster of a replication set and judges the
set (``validate_topology``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from replcheck.conformance.cli import validate_topology
from replcheck.spec.violations import violations

KINDS = ("status", "warnings", "error")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "validate",
        help="validate a captured response body",
        description=(
            "Validate a captured response (the full Vault envelope or the docs' bare form) "
            "against the schema of its kind. FILE may be '-' for standard input."
        ),
    )
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default=None,
        help="the schema to validate against (default: told from the body's members)",
    )
    parser.add_argument(
        "--topology",
        action="store_true",
        help=(
            "judge a replication set from status snapshots, one FILE per cluster (named by "
            "the file's stem); without read times in the files, list each secondary's file "
            "before its primary's (the read order the WAL bound needs)"
        ),
    )
    parser.add_argument("-k", dest="keyword", default=None, metavar="EXPRESSION",
                        help="with --topology: judge only the requirements the expression "
                             "selects (as run -k)")
    parser.add_argument("files", metavar="FILE", nargs="+")
    parser.set_defaults(handler=run)


def detect_kind(document: object) -> str | None:
    """The kind of a captured body, told from its members, or None when they do not say."""
    if not isinstance(document, dict):
        return None
    if "errors" in document:
        return "error"
    data = document.get("data")
    body = data if isinstance(data, dict) else document
    if any(member in body for member in ("mode", "dr", "performance")):
        return "status"
    if "warnings" in document:
        return "warnings"
    return None


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    if args.topology:
        if args.kind:
            print("replcheck validate: --kind and --topology do not go together",
                  file=sys.stderr)
            return 2
        return validate_topology.run(args.files, args.keyword)
    if args.keyword:
        print("replcheck validate: -k goes with --topology", file=sys.stderr)
        return 2
    if len(args.files) != 1:
        print("replcheck validate: give one FILE (several only with --topology)",
              file=sys.stderr)
        return 2
    args.file = args.files[0]
    try:
        document = json.loads(_read(args.file))
    except OSError as exc:
        print(f"replcheck validate: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"replcheck validate: {args.file} is not UTF-8 text", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(
            f"replcheck validate: {args.file} is not JSON ({exc.msg} at line {exc.lineno}, "
            f"column {exc.colno})",
            file=sys.stderr,
        )
        return 2
    kind = args.kind or detect_kind(document)
    if kind is None:
        print(
            f"replcheck validate: cannot tell what {args.file} is (no errors, status or "
            f"warnings members): pass --kind {'|'.join(KINDS)}",
            file=sys.stderr,
        )
        return 2
    told = "" if args.kind else " (kind told from its members; --kind sets it)"
    found = violations(kind, document)
    if not found:
        print(f"{args.file}: valid {kind} response{told}")
        return 0
    print(f"{args.file}: {len(found)} violation(s) of the {kind} schema{told}")
    for violation in found:
        print(f"  {violation}")
    return 1

"""``replcheck validate``: check a captured response against the spec's schemas.

Without ``--kind`` the kind is told from the body's members (``errors``: an error body;
``dr`` or ``performance``: a status; a ``mode`` alone: Community Edition's status if it is
``disabled`` and nothing else, else one section of ``dr/status`` or ``performance/status``;
``wrap_info``: a secondary activation token; ``public_key``; the ``started``/``progress`` of a
DR operation token attempt; a filter's ``paths`` or ``dynamic_filtered_*``; a
``merkle_corruption_report``; ``warnings``: a write's answer), in the envelope or the docs' bare
form; a body that shows none of them needs ``--kind``.

Exit 0 valid, 1 invalid (each violation printed with its JSON path), 2 unreadable input (or a
kind that cannot be told).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from replcheck.spec.violations import violations

KINDS = (
    "status", "warnings", "error", "section-status", "wrapping-token", "public-key",
    "operation-token-attempt", "filter", "merkle-check",
)
#: Members that name a kind wherever they stand (top level or under ``data``), in this order.
_TOLD_BY = (
    ("merkle_corruption_report", "merkle-check"),
    ("public_key", "public-key"),
    ("paths", "filter"),
    ("dynamic_filtered_mounts", "filter"),
    ("dynamic_filtered_namespaces", "filter"),
)


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
    parser.add_argument("file", metavar="FILE")
    parser.set_defaults(handler=run)


def detect_kind(document: object) -> str | None:
    """The kind of a captured body, told from its members, or None when they do not say."""
    if not isinstance(document, dict):
        return None
    if "errors" in document:
        return "error"
    if isinstance(document.get("wrap_info"), dict):
        return "wrapping-token"
    if all(member in document for member in ("started", "progress", "required")):
        return "operation-token-attempt"
    data = document.get("data")
    body = data if isinstance(data, dict) else document
    for member, kind in _TOLD_BY:
        if member in body:
            return kind
    if "dr" in body or "performance" in body:
        return "status"
    if "mode" in body:
        # Community Edition's status is {"mode": "disabled"} and nothing else; any other
        # lone section is what dr/status or performance/status answers.
        return "status" if body == {"mode": "disabled"} else "section-status"
    if "warnings" in document:
        return "warnings"
    return None


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")


def run(args: argparse.Namespace) -> int:
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
            f"replcheck validate: cannot tell what {args.file} is (no member names its "
            f"kind): pass --kind {'|'.join(KINDS)}",
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

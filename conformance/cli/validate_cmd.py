"""``replcheck validate``: check a captured response against the spec's schemas.

Exit 0 valid, 1 invalid (each violation printed with its JSON path), 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

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
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("file", metavar="FILE")
    parser.set_defaults(handler=run)


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
    found = violations(args.kind, document)
    if not found:
        print(f"{args.file}: valid {args.kind} response")
        return 0
    print(f"{args.file}: {len(found)} violation(s) of the {args.kind} schema")
    for violation in found:
        print(f"  {violation}")
    return 1

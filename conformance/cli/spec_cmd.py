"""``replcheck spec``: print the published OpenAPI document from the installed package."""

from __future__ import annotations

import argparse
import json
import sys

import yaml

import replcheck_spec


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "spec",
        help="print the OpenAPI document",
        description="Print replcheck's OpenAPI 3.1 document for /sys/replication.",
    )
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument(
        "--bundle",
        action="store_true",
        help="inline every schema and example, giving one self-contained document",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.format == "yaml" and not args.bundle:
        sys.stdout.write((replcheck_spec.spec_dir() / "openapi.yaml").read_text(encoding="utf-8"))
        return 0
    document = replcheck_spec.bundled_openapi() if args.bundle else replcheck_spec.openapi()
    if args.format == "json":
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))
    return 0

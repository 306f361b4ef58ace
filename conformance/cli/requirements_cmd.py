"""``replcheck requirements``: what the suite holds a target to, and what checks each promise."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "requirements",
        help="list the requirements and the checks that judge them",
        description="Print the requirement catalogue with the checks, judges and watchers "
        "that enforce each requirement.",
    )
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: it registers every check, which the other sub-commands need not pay for.
    from replcheck.conformance.enforcement import catalogue

    if args.format == "markdown":
        sys.stdout.write(catalogue.render_markdown())
    elif args.format == "json":
        sys.stdout.write(json.dumps(catalogue.as_json(), indent=2) + "\n")
    else:
        for entry in catalogue.entries():
            requirement = entry.requirement
            mutating = ", mutating" if requirement.mutating else ""
            print(f"{requirement.id} [{requirement.level}{mutating}]")
            print(f"    {requirement.statement}")
            for enforcer in entry.enforcers:
                print(f"    - {enforcer.kind} {enforcer.name}")
            if requirement.pending_reason:
                print(f"    - {requirement.pending_reason}")
    return 0

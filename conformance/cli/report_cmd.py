"""``replcheck report``: work on fleet reports written by ``replcheck fleet --json``.

- ``replcheck report merge A.json B.json ... [--json F] [--junit F] [--html F]``: the shards'
  reports as one fleet result, with the matrix and the exit status one unsharded run would have
  given (0 every target conformant, 1 any not conformant or unsupported, 2 any without a
  verdict; 2 also when the reports cannot be merged);
- ``replcheck report diff OLD.json NEW.json``: one line per regression, fix, other change, new
  or gone target and requirement; exit 1 when something regressed, else 0; 2 on unreadable
  input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from replcheck.conformance.fleet.result import FleetResult

PROG = "replcheck report"


class _InputError(Exception):
    """One sentence for exit 2."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "report",
        help="merge the shards' fleet reports, or diff two fleet reports",
        description=(
            "Work on the JSON reports of 'replcheck fleet': 'merge' builds one fleet result "
            "from the shards' reports (--shard I/N), 'diff' lists what changed between two."
        ),
    )
    actions = parser.add_subparsers(
        dest="report_action", metavar="ACTION", required=True, parser_class=type(parser)
    )
    merger = actions.add_parser(
        "merge",
        help="one fleet result from the shards' reports",
        description=(
            "Merge the fleet reports of the N shards of one split (or of separate fleet runs) "
            "into one: the same matrix and exit status as one unsharded run. Targets are in "
            "the order of --inventory when given, else by name. A target in two reports, a "
            "missing or doubled shard, or reports of different suite or spec versions: exit 2. "
            "Exit 0: every target conformant; 1: any not conformant or unsupported; 2: any "
            "without a verdict."
        ),
    )
    merger.add_argument("reports", metavar="REPORT.json", nargs="+")
    merger.add_argument(
        "--inventory",
        metavar="FILE",
        type=Path,
        help="the fleet's inventory: list the targets in its order (else by name)",
    )
    for name in ("json", "junit", "html"):
        merger.add_argument(
            f"--{name}", metavar="FILE", type=Path, help=f"write the merged {name} report"
        )
    merger.set_defaults(handler=run_merge)
    differ = actions.add_parser(
        "diff",
        help="what regressed, was fixed, is new or gone between two fleet reports",
        description=(
            "Compare two fleet reports (targets by name, requirements by id) and print one "
            "line per change: regressed (a conformant target that is not any more, a passed "
            "requirement now failed, partial or error), fixed (the reverse), changed (any "
            "other move, e.g. passed -> not run), new or gone targets and requirements. "
            "Exit 1: something regressed; 0: nothing did; 2: unreadable input."
        ),
    )
    differ.add_argument("old", metavar="OLD.json")
    differ.add_argument("new", metavar="NEW.json")
    differ.set_defaults(handler=run_diff)


def _read(path: str) -> FleetResult:
    from replcheck.conformance.fleet.result import FleetReportError, fleet_result_from_json

    try:
        document: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _InputError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise _InputError(f"{path} is not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(document, dict) or "targets" not in document:
        raise _InputError(f"{path} is not a fleet report (replcheck fleet --json)")
    try:
        return fleet_result_from_json(document)
    except FleetReportError as exc:
        raise _InputError(f"{path}: {exc}") from None


def _say(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def _renderers() -> dict[str, Callable[[FleetResult], str]]:
    """The same renderers as ``replcheck fleet``'s, so a merged report reads as one run's."""
    from replcheck.conformance.fleet.html import render_fleet_html
    from replcheck.conformance.fleet.json_report import render_fleet_json
    from replcheck.conformance.fleet.junit import render_fleet_junit

    return {"json": render_fleet_json, "junit": render_fleet_junit, "html": render_fleet_html}


def run_merge(args: argparse.Namespace) -> int:
    from replcheck.conformance.fleet.merge import MergeError, ShardReport, merge_results

    try:
        reports = [ShardReport(path, _read(path)) for path in args.reports]
        order = _inventory_order(args.inventory) if args.inventory else None
        result = merge_results(reports, order)
    except (_InputError, MergeError) as exc:
        return _say(str(exc))
    from replcheck.conformance.fleet.terminal import render_fleet_terminal

    sys.stdout.write(render_fleet_terminal(result))
    for name, render in _renderers().items():
        path: Path | None = getattr(args, name)
        if path is None:
            continue
        try:
            path.write_text(render(result), encoding="utf-8")
        except OSError as exc:
            return _say(f"cannot write --{name} {path}: {exc.strerror}")
        print(f"{name} report written to {path}")
    return result.exit_code


def _inventory_order(path: Path) -> list[str]:
    from replcheck.conformance.fleet.inventory import InventoryError, load

    try:
        return [target.name for target in load(path, os.environ).targets]
    except InventoryError as exc:
        message = str(exc)
        raise _InputError(message if str(path) in message else f"{path}: {message}") from None


def run_diff(args: argparse.Namespace) -> int:
    from replcheck.conformance.fleet.diff import diff_results

    try:
        old, new = _read(args.old), _read(args.new)
    except _InputError as exc:
        return _say(str(exc))
    found = diff_results(old, new)
    for line in found.lines():
        print(line)
    return found.exit_code

"""``replcheck fleet INVENTORY``: judge every target of an inventory, N at a time, in one report.

Exit status: 0 every selected target conformant; 1 any not conformant or unsupported; 2 any
without a verdict (each named in one sentence on stderr), or the fleet could not be run at all
(a bad inventory, a bad flag, nothing selected: one sentence). A target whose token variable is
unset is named before any run, and the others are still judged. Ctrl-C (SIGTERM, SIGHUP) stops
the fleet: targets not started are not run, running ones are interrupted as single runs are, the
reports are written from what was judged, and the status is 128 + the signal number.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from replcheck.conformance.cli.report_paths import REPORTS, check_report_paths
from replcheck.conformance.settings.values import SettingError, one_line

if TYPE_CHECKING:
    from replcheck.conformance.fleet.inventory import FleetTarget, Inventory
    from replcheck.conformance.fleet.result import FleetResult, TargetOutcome

#: The report flags, as ``replcheck run``'s.
PROG = "replcheck fleet"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "fleet",
        help="judge every target of an inventory, N at a time, in one report",
        description="Judge every target of a fleet inventory (YAML; schema: replcheck spec "
        "--schema fleet-inventory): single clusters, replication sets and embedded reference "
        "or broken servers, --parallel N at a time in worker processes, each with its own "
        "bounds. One report: a matrix of targets by requirements. Exit status: 0 every target "
        "conformant, 1 any not conformant or unsupported, 2 any without a verdict (named).",
    )
    parser.add_argument("inventory", metavar="INVENTORY", type=Path,
                        help="the inventory file (see docs/fleet.md)")
    parser.add_argument("--parallel", metavar="N", default="1",
                        help="targets judged at a time, each in its own worker process "
                        "(1 to 64; default 1)")
    parser.add_argument("-k", dest="keyword", metavar="EXPR", default=None,
                        help="judge only targets whose name matches EXPR (words with "
                        "and/or/not, as replcheck run -k)")
    parser.add_argument("--tag", dest="tags", metavar="TAG", action="append", default=[],
                        help="judge only targets carrying TAG (repeatable: any of them)")
    parser.add_argument("--shard", metavar="I/N", default=None,
                        help="judge only shard I of N (1-based) of the selected targets: a "
                        "stable split by a hash of each target's name, so N machines judge the "
                        "fleet once between them (merge with 'replcheck report merge')")
    for name in REPORTS:
        parser.add_argument(f"--{name}", metavar="FILE", type=Path, default=None,
                            help=f"write the fleet's {name.upper()} report to FILE")
    parser.set_defaults(handler=handle)


def say(text: str) -> None:
    print(f"{PROG}: error: {one_line(text)}", file=sys.stderr)


def parallel_of(raw: str) -> int:
    """``--parallel``'s value; ``SettingError`` (one sentence) outside 1 to 64."""
    from replcheck.conformance.fleet.pool import MAX_PARALLEL, MIN_PARALLEL

    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"--parallel must be a whole number, not {raw!r}") from None
    if not MIN_PARALLEL <= value <= MAX_PARALLEL:
        raise SettingError(
            f"--parallel must be between {MIN_PARALLEL} and {MAX_PARALLEL}, not {value}")
    return value


def select(args: argparse.Namespace, inventory: Inventory) -> list[FleetTarget]:
    """The targets ``-k`` and ``--tag`` select (``SettingError`` when none is)."""
    chosen = inventory.select(args.keyword, args.tags)
    if not chosen:
        given = [f"-k {args.keyword!r}"] if args.keyword else []
        given += [f"--tag {tag}" for tag in args.tags]
        raise SettingError(f"no target of {inventory.path} is selected by {' '.join(given)}")
    return chosen


def _progress(total: int) -> Callable[[TargetOutcome], None]:
    done = [0]

    def on_done(outcome: TargetOutcome) -> None:
        done[0] += 1
        print(f"[{done[0]}/{total}] {outcome.name}: {outcome.verdict.upper()} "
              f"({outcome.duration_s:.1f} s)", flush=True)

    return on_done


def write_reports(args: argparse.Namespace, result: FleetResult) -> bool:
    """Write the report files asked for; False (after one sentence) when one cannot be."""
    from replcheck.conformance.fleet.html import render_fleet_html
    from replcheck.conformance.fleet.json_report import render_fleet_json
    from replcheck.conformance.fleet.junit import render_fleet_junit

    renderers = {"junit": render_fleet_junit, "json": render_fleet_json,
                 "html": render_fleet_html}
    for name, render in renderers.items():
        path: Path | None = getattr(args, name)
        if path is None:
            continue
        try:
            path.write_text(render(result), encoding="utf-8")
        except OSError as exc:
            say(f"cannot write --{name} {path}: {exc.strerror or exc}")
            return False
        print(f"{name} report written to {path}")
    return True


def prepare(args: argparse.Namespace) -> tuple[list[FleetTarget], int]:
    """The selected targets and ``--parallel``, everything checked before any run."""
    from replcheck.conformance.cli.fleet_embedded import resolve
    from replcheck.conformance.fleet.inventory import load

    parallel = parallel_of(str(args.parallel))
    inventory = load(args.inventory, os.environ, resolve)
    chosen = select(args, inventory)
    if args.shard is not None:
        chosen = _shard(args, chosen)
    check_report_paths(args)
    return chosen, parallel


def _shard(args: argparse.Namespace, chosen: list[FleetTarget]) -> list[FleetTarget]:
    """``--shard I/N``: the selected targets of shard I (``args.shard`` becomes ``(I, N)``)."""
    from replcheck.conformance.fleet.sharding import ShardError, parse_shard, select_shard

    try:
        args.shard = parse_shard(str(args.shard))
    except ShardError as exc:
        raise SettingError(str(exc)) from None
    return select_shard(chosen, args.shard, lambda target: target.name)


def handle(args: argparse.Namespace) -> int:
    from replcheck.conformance.cli.fleet_embedded import judge
    from replcheck.conformance.fleet.pool import Interrupted, run_fleet
    from replcheck.conformance.fleet.terminal import render_fleet_terminal

    try:
        chosen, parallel = prepare(args)
    except SettingError as exc:
        say(str(exc))
        return 2
    unset = [target for target in chosen if target.unset]
    if unset:
        variables = sorted({v for target in unset for v in target.unset})
        say(f"no verdict for {', '.join(t.name for t in unset)}: the token variable(s) "
            f"{', '.join(variables)} they name are not set; the other targets are judged")
    print(f"{PROG}: {len(chosen)} target(s), {parallel} at a time", flush=True)
    shard = getattr(args, "shard", None)
    signum: int | None = None
    try:
        result = run_fleet(chosen, parallel, _progress(len(chosen)), shard=shard,
                           embedded=judge)
    except Interrupted as exc:
        signum, result = exc.signum, exc.result
        print(f"{PROG}: interrupted by {signal.Signals(signum).name}; reporting what was "
              "judged", file=sys.stderr)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the reports are written whole
    try:
        print()
        sys.stdout.write(render_fleet_terminal(result))
        written = write_reports(args, result)
    finally:
        signal.signal(signal.SIGINT, previous)
    for target in result.without_verdict:
        if target.verdict == "no verdict":
            say(target.sentence)
    if signum is not None:
        return 128 + int(signum)
    if shard is not None and not result.targets:
        # A shard may hold none of the targets (fewer targets than shards, or an uneven hash):
        # nothing to judge here, and its empty report still counts for the merge's check
        # that no shard is missing; the merged report gives the fleet's verdict.
        print(f"{PROG}: shard {shard[0]}/{shard[1]} holds none of the selected targets; "
              "the merged report of all shards gives the fleet's verdict")
        return 0 if written else 2
    return result.exit_code if written else 2

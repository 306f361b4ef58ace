"""``replcheck run --topology FILE``, ``--topology NAME --embedded`` and ``--url P
--secondary-url S …``: judge a replication set (``replcheck.conformance.topology.run``).

The set is named, never assumed: a targets file, the shorthand, or (with the explicit
``--embedded``) a named reference topology started in this process, each cluster's token its
own root token. ``--topology NAME`` without ``--embedded``, ``--topology`` with ``--url``, and
``--secondary-url`` without ``--url`` are usage errors (one sentence, exit 2), so that a CI job
whose file went missing cannot go green against the embedded set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replcheck.conformance.settings.target import Settings
from replcheck.conformance.settings.values import SettingError, one_line
from replcheck.conformance.topology.embedded import embedded

if TYPE_CHECKING:
    from replcheck.conformance.engine.run_result import RunResult
    from replcheck.conformance.topology.snapshot import Round
    from replcheck.conformance.topology.targets import Targets
    from replcheck.conformance.transport.masking import Masker


def add_flags(parser: argparse.ArgumentParser) -> None:
    """The topology flags of ``replcheck run`` (``--converge-timeout``, ``--watch`` and
    ``--watch-interval`` are settings: ``settings.target.OPTIONS``)."""
    parser.add_argument(
        "--topology",
        metavar="FILE|NAME",
        default=None,
        help="judge a replication set: a targets file (YAML: each cluster's url, token_env, "
        "TLS settings and expected role; schema: replcheck spec --schema topology-targets), "
        "or with --embedded a named reference topology (dr-pair, perf-pair, six-cluster) "
        "started in this process",
    )
    parser.add_argument(
        "--secondary-url",
        metavar="URL",
        action="append",
        default=None,
        help="judge the set of --url (its primary) and this secondary (repeat for each one), "
        "every cluster read with --token and the TLS flags",
    )
    parser.add_argument(
        "--drill",
        choices=("failover",),
        default=None,
        help="topology runs in the full profile, disposable dr-pair-like sets only: fail each "
        "DR pair over and back (demote, DR operation token, promote, update-primary), judging "
        "identities and states at each step; the key shares come from the targets file's "
        "unseal_keys_env (the embedded topology gives its own)",
    )
    parser.add_argument(
        "--save-snapshots",
        metavar="DIR",
        type=Path,
        default=None,
        help="topology runs: write each cluster's last read to DIR/CLUSTER.json, the form "
        "replcheck validate --topology reads offline",
    )


def wanted(args: argparse.Namespace) -> bool:
    """Whether the flags ask for a topology run."""
    return args.topology is not None or args.secondary_url is not None or (
        args.save_snapshots is not None) or args.drill is not None


def usage_problem(args: argparse.Namespace) -> str | None:
    """Why the flags cannot make a topology run (one sentence), or None."""
    if args.topology is not None and args.url is not None:
        return ("--topology names every cluster of the set, so it cannot be combined with "
                "--url (use --url P --secondary-url S for the shorthand)")
    if args.secondary_url is not None and args.url is None:
        return ("--secondary-url names a secondary of the primary given by --url, so it needs "
                "--url")
    if args.topology is None and args.secondary_url is None:
        flag = "--drill fails a replication set over" if args.drill is not None else (
            "--save-snapshots writes the reads of a topology run")
        return f"{flag}: add --topology FILE or --url P --secondary-url S"
    if args.topology is not None and args.secondary_url is not None:
        return "--secondary-url goes with --url, not with --topology"
    for flag, given in (("--break", args.broken is not None), ("--plan", args.plan)):
        if given:
            return f"a topology run cannot be combined with {flag}"
    if args.embedded and args.topology is None:
        return "--embedded with --secondary-url: name the set with --topology NAME instead"
    if args.topology is not None and not args.embedded:
        from replcheck.reference_server.topology.definition import NAMED

        if args.topology in NAMED and not Path(args.topology).is_file():
            return (f"--topology {args.topology} names a reference topology: add --embedded to "
                    "start and judge it in this process, or give a targets file")
    return None


def _base(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings every cluster shares; ``--url`` is the primary's only in the shorthand."""
    return settings if args.secondary_url is not None else settings.replace(url=None)


def targets_for(args: argparse.Namespace, settings: Settings,
                environ: Mapping[str, str]) -> Targets:
    """The targets of a file or of the shorthand (``SettingError`` for anything wrong)."""
    from replcheck.conformance.topology.targets import from_file, from_urls

    if args.secondary_url is not None:
        return from_urls(settings, args.secondary_url)
    return from_file(Path(args.topology), _base(args, settings), environ)


def save_snapshots(folder: Path, rounds: list[Round], masker: Masker) -> list[Path]:
    """Each cluster's last read as the wrapper form ``replcheck validate --topology`` reads:
    ``{"cluster", "url", "read_at", "status": {"data": …}, "leader", "health"}``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    last: dict[str, Any] = {}
    for round_ in rounds:
        for read in round_:
            if read.status is not None:
                last[read.cluster] = read
    for name, read in last.items():
        document = {"cluster": name, "url": read.url, "read_at": read.read_at,
                    "status": {"data": read.status}, "leader": read.leader,
                    "health": read.health}
        path = folder / f"{name}.json"
        path.write_text(masker.mask(json.dumps(document, indent=2)) + "\n", encoding="utf-8")
        written.append(path)
    return written


def run(args: argparse.Namespace, settings: Settings, stop: Any, reporter: Any) -> RunResult:
    """Judge the set the flags name (``SettingError`` for a bad file or value)."""
    if args.drill is not None and settings.resolved_profile != "full":
        raise SettingError(f"--drill {args.drill} writes to the set: it runs only with "
                           "--profile full, on a disposable set")
    if args.embedded:
        with embedded(args.topology, settings) as targets:
            return _judged(args, targets, settings, stop, reporter)
    return _judged(args, targets_for(args, settings, os.environ), settings, stop, reporter)


def _judged(args: argparse.Namespace, targets: Targets, settings: Settings, stop: Any,
            reporter: Any) -> RunResult:
    from replcheck.conformance.topology.run import masker_for, run_topology

    recorded: list[Round] = []
    result = run_topology(targets, settings, reporter, stop, rounds_out=recorded,
                          drill=args.drill)
    if args.save_snapshots is not None:
        try:
            written = save_snapshots(args.save_snapshots, recorded, masker_for(targets))
        except OSError as exc:
            raise SettingError(
                f"cannot write --save-snapshots {args.save_snapshots}: "
                f"{exc.strerror or exc}") from None
        reporter.message(f"snapshots of {len(written)} cluster(s) written to "
                         f"{args.save_snapshots}")
    return result


def say(text: str) -> None:
    print(f"replcheck run: error: {one_line(text)}", file=sys.stderr)

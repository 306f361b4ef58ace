"""``replcheck serve``: run the reference server (options and behaviour live in the server), in
the replication state ``--state NAME`` picks, or with ``--break NAME`` one of the deliberately
broken servers of ``replcheck.reference_server.broken``."""

from __future__ import annotations

import argparse

from replcheck.conformance.cli import broken_names


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from replcheck.reference_server import cli

    parser = sub.add_parser(
        "serve",
        help="run the reference Vault replication server (or a deliberately broken one)",
        description="Run replcheck's reference server, which behaves like Vault Enterprise "
        "on the /sys/replication endpoints. With --break NAME, run a deliberately broken "
        "server instead (one deviation, which replcheck run must catch).",
    )
    cli.add_arguments(parser)
    broken_names.add_name_flag(
        parser, "--break", "broken",
        "serve the deliberately broken server NAME (in the replication state it needs, unless "
        "--state is given); with --topology, the broken replication set NAME of that "
        "topology; 'list' prints every name with what it breaks",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from replcheck.reference_server import cli

    if args.broken is None or getattr(args, "topology", None) is not None:
        # With --topology, --break names a broken replication set (the topology's own flag).
        return cli.serve(args)
    broken = broken_names.choose(args.broken, "--break", "replcheck serve:")
    if isinstance(broken, int):
        return broken
    if args.state is None:
        args.state = broken.scenario
    headline = (
        f"==> DELIBERATELY BROKEN server started (replcheck serve --break {broken.name})! "
        "Log data will stream in below:\n\n"
        f"{broken_names.headline(broken, '--break')}"
    )
    return cli.serve(args, wrap=broken.factory, headline=headline)

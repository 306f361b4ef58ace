"""``replcheck serve``: run the reference server (options and behaviour live in the server)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from reference_server import cli

    parser = sub.add_parser(
        "serve",
        help="run the reference Vault replication server",
        description="Run replcheck's reference server, which behaves like Vault Enterprise "
        "on the /sys/replication endpoints.",
    )
    cli.add_arguments(parser)
    parser.set_defaults(handler=cli.serve)

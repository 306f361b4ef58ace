"""The flags of the run's settings (``settings.target.OPTIONS``) on a sub-command's parser, and
the values given with them: one rule for ``replcheck run`` and ``replcheck cleanup``, so that a
setting reads the same wherever it is taken."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from typing import Any

from replcheck.conformance.settings.target import PROFILES, Option

_METAVARS = {"int": "N", "bytes": "SIZE", "seconds": "DURATION"}
_PATH_METAVARS = {"ca_cert": "FILE", "client_cert": "FILE", "client_key": "FILE", "ca_path": "DIR"}


def add_setting_flags(
    parser: argparse.ArgumentParser,
    options: Iterable[Option],
    helps: Mapping[str, str] | None = None,
) -> None:
    """One flag per option (``--url``, ``--token`` …), its help followed by its variable;
    ``helps`` replaces the help of the options it names (what the setting means there)."""
    for option in options:
        env = f" [env {option.env}]" if option.env else ""
        help_text = (helps or {}).get(option.name, option.help) + env
        if option.kind == "bool":
            parser.add_argument(option.flag, action="store_true", default=None, help=help_text)
        elif option.kind == "profile":
            parser.add_argument(option.flag, choices=PROFILES, default=None, help=help_text)
        else:
            metavar = _PATH_METAVARS.get(option.name) or _METAVARS.get(
                option.kind, option.name.split("_")[-1].upper()
            )
            parser.add_argument(option.flag, metavar=metavar, default=None, help=help_text)


def given_values(args: argparse.Namespace, options: Iterable[Option]) -> dict[str, Any]:
    """The value of each option's flag, numbers and sizes parsed (None: not given)."""
    values: dict[str, Any] = {}
    for option in options:
        value = getattr(args, option.name)
        if isinstance(value, str) and option.kind in ("int", "bytes", "seconds"):
            value = option.parse(value, option.flag)
        values[option.name] = value
    return values

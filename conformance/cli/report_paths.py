"""The report flags' files (``--junit``, ``--json``, ``--html``), checked before anything runs.

Their folders are made up front, as pytest does for ``--junitxml``, so a run (or a fleet) never
ends with its verdict unwritten; a folder that cannot be made, or a path that is a folder, is a
bad flag (exit 2, one sentence)."""

from __future__ import annotations

import argparse
from pathlib import Path

from replcheck.conformance.settings.values import SettingError

#: The report flags, by their destination on the parsed arguments.
REPORTS = ("junit", "json", "html")


def check_report_paths(args: argparse.Namespace) -> None:
    for name in REPORTS:
        path: Path | None = getattr(args, name)
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingError(
                f"cannot write --{name} {path}: the folder {path.parent} cannot be made "
                f"({exc.strerror or exc})"
            ) from None
        if not path.parent.is_dir():
            raise SettingError(f"cannot write --{name} {path}: {path.parent} is not a folder")
        if path.is_dir():
            raise SettingError(f"cannot write --{name} {path}: it is a folder")

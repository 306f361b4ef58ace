"""A YAML file a user names (a fleet inventory, a topology targets file), read with every way it
can fail said in one sentence (exit 2): missing, a folder, not UTF-8, unreadable, not YAML (with
the line and column when YAML gives them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from replcheck.conformance.settings.values import SettingError


def read_yaml(
    path: Path,
    *,
    named: str,
    kind: str,
    error: type[SettingError] = SettingError,
    yaml_named: str | None = None,
) -> Any:
    """The document of ``path``. Sentences call the file ``named`` (``the inventory F``), a
    folder given instead "not ``kind``" (``a file``), and a YAML error names it ``yaml_named``
    (``named`` when not given); each is raised as ``error``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{named}: no such file") from None
    except IsADirectoryError:
        raise error(f"{named} is a folder, not {kind}") from None
    except UnicodeDecodeError:
        raise error(f"{named} is not UTF-8 text") from None
    except OSError as exc:
        raise error(f"{named} cannot be read: {exc.strerror or exc}") from None
    shown = named if yaml_named is None else yaml_named
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{shown} is not valid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise error(f"{shown} is not valid YAML: {first}") from None

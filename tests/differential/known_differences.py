"""The table of accepted differences (``known_differences.yaml``) and how an entry matches."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from diff_harness import Difference, Observation

__all__ = ["KnownDifference", "load_known_differences"]

TABLE = Path(__file__).with_name("known_differences.yaml")
_FIELDS = set(Observation.__dataclass_fields__)
_CONDITIONS = {"reference", "openbao", "reference_prefix", "openbao_prefix", "reference_only",
               "openbao_only"}
_REQUIRED = {"id", "fields", "cases", "reason", "source"}


@dataclass(frozen=True)
class KnownDifference:
    id: str
    fields: tuple[str, ...]
    cases: tuple[str, ...]
    conditions: dict[str, Any]
    reason: str
    source: str

    def covers(self, difference: Difference) -> bool:
        if difference.field not in self.fields:
            return False
        if not any(fnmatch.fnmatchcase(difference.case, glob) for glob in self.cases):
            return False
        sides = {"reference": difference.reference, "openbao": difference.openbao}
        for name, expected in self.conditions.items():
            side, _, kind = name.partition("_")
            value, other = sides[side], sides["openbao" if side == "reference" else "reference"]
            if not _holds(kind, expected, value, other):
                return False
        return True


def _holds(kind: str, expected: Any, value: Any, other: Any) -> bool:
    if kind == "":
        return _normal(value) == _normal(expected)
    if kind == "prefix":
        return bool(value) and all(str(item).startswith(expected) for item in value)
    if kind == "only":  # the keys on this side that the other side lacks
        return set(value or ()) - set(other or ()) == set(expected)
    raise AssertionError(kind)


def _normal(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def load_known_differences(path: Path = TABLE) -> list[KnownDifference]:
    """The table's entries; a malformed entry is an error naming it."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[KnownDifference] = []
    for index, entry in enumerate(entries):
        where = f"{path.name} entry {index} ({entry.get('id', '?')})"
        missing = _REQUIRED - set(entry)
        unknown = set(entry) - _REQUIRED - _CONDITIONS
        if missing or unknown:
            raise ValueError(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        if not set(entry["fields"]) <= _FIELDS:
            raise ValueError(f"{where}: fields must be among {sorted(_FIELDS)}")
        if not entry["reason"].strip() or not entry["source"].strip():
            raise ValueError(f"{where}: a reason and a source are required")
        out.append(KnownDifference(
            id=entry["id"],
            fields=tuple(entry["fields"]),
            cases=tuple(entry["cases"]),
            conditions={k: v for k, v in entry.items() if k in _CONDITIONS},
            reason=entry["reason"],
            source=entry["source"],
        ))
    ids = [entry.id for entry in out]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path.name}: entry ids must be unique")
    return out

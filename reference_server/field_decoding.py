"""Handler fields decoded as Vault's framework decodes them (``sdk/framework/field_data.go``).

Vault's field types are lenient: a bool field takes ``"t"``, ``1`` or ``""`` too, an int field
a numeric string, a duration ``"1h30m"``. Each decoder answers 400 ``Field validation failed``
in Vault's words for a value outside its type. The boolean forms are the spec's
(``replcheck.spec.domains.lenient_bool``), not restated here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from replcheck.spec.domains import lenient_bool

from .conventions.errors import VaultError

__all__ = ["FIELD_TYPES", "parse_fields"]


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
                 "d": 86400}


def _shown(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _invalid(name: str, value: Any, kind: str) -> VaultError:
    return VaultError(
        400,
        f"Field validation failed: error converting input {_shown(value)} for field "
        f'"{name}": cannot parse as {kind}',
    )


def _to_bool(name: str, value: Any) -> bool:
    """A bool in any form Vault's weak decode accepts; the forms are the spec's."""
    decoded = lenient_bool(value)
    if decoded is None:
        raise _invalid(name, value, "bool")
    return decoded


def _to_int(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value.strip()):
        return int(value)
    raise _invalid(name, value, "int")


def _to_duration(name: str, value: Any) -> int:
    """Seconds from an integer, a numeric string or a Go duration (``1h30m``, ``90s``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        if re.fullmatch(r"\d{1,12}", text):
            return int(text)
        parts = _DURATION.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            return int(sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))
    raise _invalid(name, value, "duration")


def _to_go_duration(name: str, value: Any) -> int:
    """A duration decoded by the handler itself (token TTLs): Go's ``time`` error text."""
    try:
        return _to_duration(name, value)
    except VaultError:
        raise VaultError(400, f"time: invalid duration {json.dumps(str(value))}") from None


def _to_string(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    raise _invalid(name, value, "string")


def _to_string_list(name: str, value: Any) -> list[str]:
    """Vault's TypeCommaStringSlice: a list of strings or one comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        out: list[str] = []
        for item in value:
            out += _to_string_list(name, str(item))
        return out
    raise _invalid(name, value, "comma-separated string or list of strings")


def _to_kv(name: str, value: Any) -> dict[str, str]:
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    raise _invalid(name, value, "map of string to string")


FIELD_TYPES: dict[str, Callable[[str, Any], Any]] = {
    "bool": _to_bool,
    "int": _to_int,
    "duration": _to_duration,
    "go_duration": _to_go_duration,
    "string": _to_string,
    "string_list": _to_string_list,
    "kv": _to_kv,
}


def parse_fields(
    data: dict[str, Any] | None, fields: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Decode known fields (``null`` counts as absent) and list the unknown parameter names."""
    values: dict[str, Any] = {}
    unknown: list[str] = []
    for name, raw in (data or {}).items():
        kind = fields.get(name)
        if kind is None:
            unknown.append(name)
        elif raw is not None:
            values[name] = FIELD_TYPES[kind](name, raw)
    return values, unknown

"""Setting values written as text (a flag, an environment variable, an ini key) turned into
their types, the way Vault's CLI reads them; ``SettingError`` names the setting and the value.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False", ""}


def parse_bool(name: str, raw: str) -> bool:
    """Parse a boolean the way Vault's CLI does (Go ``strconv.ParseBool``; empty means false)."""
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingError(f"{name} must be a boolean (1, t, true, 0, f, false), not {raw!r}")


def parse_int(name: str, raw: str) -> int:
    try:
        return int(raw, 10)
    except ValueError:
        raise SettingError(f"{name} must be an integer, not {raw!r}") from None


_BYTE_UNITS = {"": 1, "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30}
_BYTE_UNITS["gib"] = 1 << 30
_SECOND_UNITS = {"": 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "h": 3600.0}


def parse_bytes(name: str, raw: str) -> int:
    """A size: bytes, or a number with KiB/MiB/GiB (K, M, G are read as binary units too)."""
    match = re.fullmatch(r"\s*([0-9]+)\s*([A-Za-z]*)\s*", raw)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _BYTE_UNITS:
        raise SettingError(f"{name} must be a size such as 16MiB, 512KiB or 1048576, not {raw!r}")
    return int(match.group(1)) * _BYTE_UNITS[unit]


def parse_seconds(name: str, raw: str) -> float:
    """A duration as Vault reads VAULT_CLIENT_TIMEOUT: seconds, or a number with s/ms/m/h."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*", raw)
    unit = match.group(2) if match else ""
    if match is None or unit not in _SECOND_UNITS:
        raise SettingError(f"{name} must be a duration such as 30, 30s or 2m, not {raw!r}")
    return float(match.group(1)) * _SECOND_UNITS[unit]


class SettingError(ValueError):
    """A setting has a value the suite cannot use; the message names the setting and the value."""


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot address a Vault server (None when it can): Vault's clients take an
    absolute http(s) URL with a host, as VAULT_ADDR does; a port, when given, is a number
    between 1 and 65535."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not url.lower().startswith(parts.scheme + "://"):
        return f"must start with http:// or https:// (e.g. https://vault:8200), not {url!r}"
    if not parts.hostname:
        return f"has no host (e.g. {parts.scheme}://vault:8200): {url!r}"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return f"has a port that is not a number between 1 and 65535: {url!r}"
    return None

"""Setting values written as text (a flag, an environment variable, an ini key) turned into
their types, the way Vault's CLI reads them; ``SettingError`` names the setting and the value.

Whatever the text holds (bytes that are not UTF-8, control characters, newlines, thousands of
digits), a value is either taken or refused with one line that shows it escaped and cut short
(``shown``); a value that would go into a request (a token, a namespace, the address) is
refused here when it could not be sent as written, so no run starts only to fail in its first
request.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

#: A value shown in a message is cut to this many characters (its repr, escapes included).
SHOWN_CHARS = 60
#: Digits a number may have: far more than any bound, far fewer than slow to convert.
_MAX_DIGITS = 30


def shown(raw: str) -> str:
    """``raw`` as a message shows it: quoted, escaped (control characters, newlines and bytes
    that were not UTF-8 all visible), cut to ``SHOWN_CHARS``."""
    text = ascii(raw)
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[: SHOWN_CHARS - 5]}...{text[0]} ({len(raw)} characters)"


def one_line(message: str) -> str:
    """A message as one printable line: control characters and characters that cannot be
    written (bytes that were not UTF-8) escaped, whatever a value put in it."""
    return "".join(
        char if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF else ascii(char)[1:-1]
        for char in message
    )

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False", ""}


def parse_bool(name: str, raw: str) -> bool:
    """Parse a boolean the way Vault's CLI does (Go ``strconv.ParseBool``; empty means false)."""
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingError(f"{name} must be a boolean (1, t, true, 0, f, false), not {shown(raw)}")


def parse_int(name: str, raw: str) -> int:
    """A decimal integer, as Go's ``strconv.Atoi`` reads one (ASCII digits, an optional sign;
    not ``1_000``, not other scripts' digits)."""
    if re.fullmatch(rf"[-+]?[0-9]{{1,{_MAX_DIGITS}}}", raw) is None:
        raise SettingError(f"{name} must be an integer, not {shown(raw)}")
    return int(raw, 10)


_BYTE_UNITS = {"": 1, "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30}
_BYTE_UNITS["gib"] = 1 << 30
_SECOND_UNITS = {"": 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "h": 3600.0}


def parse_bytes(name: str, raw: str) -> int:
    """A size: bytes, or a number with KiB/MiB/GiB (K, M, G are read as binary units too)."""
    match = re.fullmatch(rf" *([0-9]{{1,{_MAX_DIGITS}}}) *([A-Za-z]*) *", raw)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _BYTE_UNITS:
        raise SettingError(
            f"{name} must be a size such as 16MiB, 512KiB or 1048576, not {shown(raw)}"
        )
    return int(match.group(1)) * _BYTE_UNITS[unit]


def parse_seconds(name: str, raw: str) -> float:
    """A duration as Vault reads VAULT_CLIENT_TIMEOUT: seconds, or a number with s/ms/m/h."""
    digits = f"[0-9]{{1,{_MAX_DIGITS}}}"
    match = re.fullmatch(rf" *({digits}(?:\.{digits})?) *([a-z]*) *", raw)
    unit = match.group(2) if match else ""
    if match is None or unit not in _SECOND_UNITS:
        raise SettingError(f"{name} must be a duration such as 30, 30s or 2m, not {shown(raw)}")
    return float(match.group(1)) * _SECOND_UNITS[unit]


class SettingError(ValueError):
    """A setting has a value the suite cannot use; the message names the setting and the value."""


def sendable_problem(value: str, *, spaces: bool = False) -> str | None:
    """Why ``value`` cannot go into an HTTP header as written (None when it can): a header
    carries visible ASCII characters (and, inside a value, spaces), not other scripts, control
    characters or line breaks. The value itself is never in the answer: it may be a secret."""
    for index, char in enumerate(value):
        if "!" <= char <= "~" or (spaces and char == " " and 0 < index < len(value) - 1):
            continue
        if char in "\r\n":
            what = "a line break"
        elif char == " " or char == "\t":
            what = "a space" if spaces else "a space or tab"
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            what = "a control character"
        else:
            what = "a character that is not ASCII"
        return (
            f"holds {what} (character {index + 1} of {len(value)}), which an HTTP header "
            "cannot carry"
        )
    return None


def host_name_problem(name: str) -> str | None:
    """Why ``name`` is not a host name or IP address (None when it is), as a TLS server name
    must be."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        if _HOST_NAME.fullmatch(name) is None:
            return (
                f"must be a host name (labels of letters, digits, - and _, of 63 characters at "
                f"most) or an IP address, not {shown(name)}"
            )
    return None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot address a Vault server (None when it can): Vault's clients take an
    absolute http(s) URL with a host, as VAULT_ADDR does, and a path prefix at most; a port,
    when given, is a number between 1 and 65535. A user name or password in it is refused
    without showing the URL (it would end up in every report)."""
    if re.search(r"[^!-~]", url):
        return (
            f"holds a space, a control character or a character that is not ASCII (write an "
            f"international host name in its xn-- form): {shown(url)}"
        )
    try:
        parts = urlsplit(url)
    except ValueError:
        return (
            f"is not a URL (an IPv6 address goes between brackets, e.g. http://[::1]:8200): "
            f"{shown(url)}"
        )
    if "@" in parts.netloc:
        return (
            "holds a user name or password (user:password@): Vault reads none from its "
            "address; give the token with --token (VAULT_TOKEN)"
        )
    if parts.scheme not in ("http", "https") or not url.lower().startswith(parts.scheme + "://"):
        return f"must start with http:// or https:// (e.g. https://vault:8200), not {shown(url)}"
    if "?" in url or "#" in url:
        return (
            f"holds a query or a fragment (? or #), which Vault's address never has: "
            f"{shown(url)}"
        )
    return _host_problem(parts, url)


#: A DNS name (or an IPv4 address): labels of at most 63 characters, 253 in all.
_HOST_NAME = re.compile(r"(?=.{1,253}\Z)[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?")


def _host_problem(parts: SplitResult, url: str) -> str | None:
    try:
        host = parts.hostname
        port = parts.port
    except ValueError:
        port = 0
        host = parts.hostname if "[" not in parts.netloc else None
    if not host:
        return f"has no host (e.g. {parts.scheme}://vault:8200): {shown(url)}"
    if port == 0 or parts.netloc.endswith(":"):
        return f"has a port that is not a number between 1 and 65535: {shown(url)}"
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host.partition("%")[0])
        except ValueError:
            return f"has brackets around something that is not an IPv6 address: {shown(url)}"
    elif not _HOST_NAME.fullmatch(host):
        return (
            f"has a host that is neither a host name (labels of letters, digits, - and _, "
            f"of 63 characters at most) nor an IP address: {shown(url)}"
        )
    import httpx  # here: the CLI's other sub-commands need not load it

    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        return f"is not a URL the suite can send to ({one_line(str(exc))}): {shown(url)}"
    return None

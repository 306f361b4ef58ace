"""One request and what came back, as the reports show it: secrets already masked.

An ``Exchange`` is built by ``replcheck.conformance.transport.client`` after the per-response judges
have seen the raw answer; from then on only masked text exists. In a ``--plan`` run nothing is sent
and ``response`` is None.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

_NOT_JSON = object()
_UNSET = object()
#: Bodies up to this many characters keep their parse (every Vault answer here is far smaller).
_CACHED_BODY_CHARS = 64 * 1024


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None = None
    #: The body was not UTF-8: ``body`` shows it in ASCII, other bytes (and ``\`` and ``'``)
    #: as ``\xNN`` escapes, which the curl line replays with the shell's ``$'...'`` quoting.
    body_escaped: bool = False

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


@dataclass(frozen=True)
class ReceivedResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str
    elapsed_ms: float = 0.0
    #: ``time.perf_counter()`` when the whole answer had arrived (0: not known); with
    #: ``elapsed_ms`` it says when the target may have answered, which orders the answers of a
    #: run whose requests were in flight at once (``--concurrency``).
    received_at: float = 0.0

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


@dataclass(frozen=True)
class Exchange:
    """A request, its response (None when planned only), and what sent it."""

    request: SentRequest
    response: ReceivedResponse | None
    #: A short phrase saying why the request was sent, e.g. "no token".
    purpose: str = ""
    #: Which check sent it ("fuzz" for generated requests).
    origin: str = ""
    #: The documented operation ("POST /sys/replication/reindex"), when it is one.
    operation: str | None = None

    @property
    def status(self) -> int | None:
        return self.response.status if self.response else None

    @property
    def _parsed(self) -> Any:
        """The parsed body; kept for small bodies only, so that the exchanges a run records
        never hold the parse of a large answer (Python's objects take up to ~25 times the
        bytes of the JSON text); a large body is parsed again when asked."""
        cached = self.__dict__.get("_parsed_body", _UNSET)
        if cached is not _UNSET:
            return cached
        if self.response is None or not self.response.body:
            return _NOT_JSON
        try:
            parsed = json.loads(self.response.body)
        except (ValueError, RecursionError):  # the client refuses deep nesting; belt and braces
            parsed = _NOT_JSON
        if len(self.response.body) <= _CACHED_BODY_CHARS:
            self.__dict__["_parsed_body"] = parsed  # frozen, yet a cache, as cached_property does
        return parsed

    def json(self) -> Any:
        """The response body parsed as JSON, or None when absent or not JSON."""
        parsed = self._parsed
        return None if parsed is _NOT_JSON else parsed

    @property
    def is_json(self) -> bool:
        return self._parsed is not _NOT_JSON

    def data(self) -> dict[str, Any] | None:
        body = self.json()
        data = body.get("data") if isinstance(body, dict) else None
        return data if isinstance(data, dict) else None

    def errors_text(self) -> str:
        """All error messages joined (Vault's multierror texts are matched as substrings)."""
        body = self.json()
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            return "\n".join(str(item) for item in body["errors"])
        return ""

    def curl(self) -> str:
        """A curl line that replays the request; masked tokens read as shell variables."""
        parts = ["curl", "-sS", "-i", "-X", self.request.method]
        for name, value in self.request.headers:
            if name.lower() in {
                "host",
                "content-length",
                "accept-encoding",
                "connection",
                "user-agent",
                "accept",
            }:
                continue
            parts += ["-H", _quote(f"{name}: {value}")]
        if self.request.body is not None:
            parts += ["--data-binary", _body_argument(self.request)]
        parts.append(_quote(self.request.url, url=True))
        return " ".join(parts)

    def summary(self) -> str:
        came_back = f"{self.status}" if self.response else "not sent (plan)"
        return f"{self.request.method} {self.request.url} -> {came_back}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "purpose": self.purpose,
            "origin": self.origin,
            "request": {
                "method": self.request.method,
                "url": self.request.url,
                "headers": dict(self.request.headers),
                "body": self.request.body,
            },
            "curl": self.curl(),
        }
        if self.response is not None:
            out["response"] = {
                "status": self.response.status,
                "headers": dict(self.response.headers),
                "body": self.response.body,
            }
        return out


def escaped_body(body: bytes) -> str:
    """A body that is not UTF-8, in printable ASCII with ``\\xNN`` escapes for the rest."""
    return "".join(
        chr(byte) if 0x20 <= byte < 0x7F and byte not in b"\\'" else f"\\x{byte:02x}"
        for byte in body
    )


_LABEL = re.compile(r"\\\$(VAULT_[A-Z_]+\b)")
_LABEL_TEXT = re.compile(r"(\$VAULT_[A-Z_]+\b)")
#: Bytes a ``$'...'`` (or printf format) word shows as themselves; the rest become ``\xNN``.
_PLAIN = frozenset(range(0x20, 0x7F)) - frozenset(b"\\'")


def is_plain(text: str) -> bool:
    """True when ``text`` is printable ASCII only (no control, non-ASCII or U+FFFD)."""
    return all(" " <= char <= "~" for char in text)


def _raw_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def ansi_c_quote(text: str) -> str:
    """``text`` as a bash ``$'...'`` word that yields its exact UTF-8 bytes, in printable ASCII.

    bash cannot keep a NUL in a word (it ends the string); bodies with one go through
    ``_body_argument``'s printf instead."""
    return (
        "$'"
        + "".join(chr(byte) if byte in _PLAIN else f"\\x{byte:02x}" for byte in _raw_bytes(text))
        + "'"
    )


def _printf_format(data: bytes) -> str:
    """A single-quoted printf format that prints exactly ``data`` (NUL included)."""
    return (
        "'"
        + "".join(
            chr(byte) if byte in _PLAIN and byte != 0x25 else f"\\x{byte:02x}" for byte in data
        )
        + "'"
    )


def _body_argument(request: SentRequest) -> str:
    """The ``--data-binary`` argument: a quoted word, or ``@<(printf ...)`` for a NUL byte."""
    body = request.body or ""
    if request.body_escaped:  # already ASCII with ``\xNN`` escapes (``escaped_body``)
        if "\\x00" not in body:
            return f"$'{body}'"
        return f"@<(printf '{body.replace('%', '%%')}')"
    if is_plain(body):
        return _quote(body)
    if "\0" in body:
        return f"@<(printf {_printf_format(_raw_bytes(body))})"
    return ansi_c_quote(body)


def _quote(text: str, url: bool = False) -> str:
    """Quote for a POSIX shell, leaving only ``$VAULT_…`` labels expandable.

    Text with bytes a terminal would not show as themselves (controls, non-ASCII, U+FFFD) is
    quoted ``$'...'`` with ``\\xNN`` escapes, so that the line is plain text and bash rebuilds
    the exact bytes; a label in it stays an expandable ``"$VAULT_…"`` beside the quoted parts.
    """
    if not is_plain(text):
        if url:
            return ansi_c_quote(text)
        pieces = _LABEL_TEXT.split(text)
        return "".join(
            f'"{piece}"' if index % 2 else ansi_c_quote(piece)
            for index, piece in enumerate(pieces)
            if piece or index == 0
        )
    if "$VAULT_" in text and not url:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        escaped = _LABEL.sub(r"$\1", escaped.replace("$", "\\$"))
        return f'"{escaped}"'
    return shlex.quote(text)


def visible(text: str, lines: bool = False) -> str:
    """Text for a person's terminal or page: controls, U+FFFD and other unprintable characters
    as visible escapes (``\\x00``, ``\\x1b``, ``\\ufffd``); with ``lines``, newlines and tabs
    are kept as they are."""
    if text.isprintable() and "\ufffd" not in text:  # the common case, at C speed
        return text
    kept = "\n\t" if lines else ""
    return "".join(
        char
        if (char.isprintable() and char != "\ufffd") or char in kept
        else _NAMED.get(char)
        or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        for char in text
    )


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

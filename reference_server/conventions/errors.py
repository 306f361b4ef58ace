"""Error answers: Vault's ``{"errors": [...]}`` with its multierror text, and the answers Go's
HTTP layer gives itself (a bare 400, the 307 of path cleaning)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable


class VaultError(Exception):
    """An answer with status >= 400 and Vault's ``{"errors": [...]}`` body."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(status, messages)
        self.status = status
        self.messages = list(messages)


class HttpAnswer(Exception):
    """An answer given by Go's HTTP layer, outside Vault's JSON conventions.

    Vault's own handlers are wrapped by Go's ``net/http`` machinery, which answers some requests
    itself: the printable-path check (a bare 400 with no body and no headers) and the
    path-cleaning redirect (307).
    """

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
        super().__init__(status)
        self.status = status
        self.headers = headers
        self.body = body


def multierror(*messages: str) -> str:
    """Vault's multierror text: ``1 error occurred:\n\t* permission denied\n\n``."""
    count = "1 error occurred" if len(messages) == 1 else f"{len(messages)} errors occurred"
    return count + ":\n" + "".join(f"\t* {m}\n" for m in messages) + "\n"


def redirect(method: str, location: str) -> HttpAnswer:
    """Go's ``http.Redirect`` with 307: a short HTML body for GET only, its type for GET/HEAD."""
    headers = [(b"cache-control", b"no-store"), (b"location", location.encode("latin-1"))]
    body = b""
    if method in ("GET", "HEAD"):
        headers.insert(0, (b"content-type", b"text/html; charset=utf-8"))
    if method == "GET":
        escaped = html.escape(location, quote=True)
        body = f'<a href="{escaped}">Temporary Redirect</a>.\n\n'.encode("latin-1", "replace")
    return HttpAnswer(307, headers, body)


def error_body(messages: Iterable[str]) -> bytes:
    return json.dumps({"errors": list(messages)}, separators=(",", ":")).encode()

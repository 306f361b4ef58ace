"""``GET /ui/replcheck``: the contract's reference page, as ``replcheck spec --format html``.

Outside Vault's ``/v1`` API, like Vault's own UI under ``/ui/``. The dispatcher hands this one
path to ``serve_docs`` before Vault's checks; the page is rendered once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

__all__ = ["DOCS_PATH", "serve_docs"]

DOCS_PATH = "/ui/replcheck"


@cache
def _page() -> bytes:
    from replcheck.spec.reference_docs import render_html

    return render_html().encode("utf-8")


async def serve_docs(scope: Mapping[str, Any], send: Any) -> None:
    """Answer GET/HEAD with the page; any other method gets 405 like the rest of ``/ui``."""
    method = scope["method"]
    if method not in ("GET", "HEAD"):
        status, body, kind = 405, b"", b"text/plain; charset=utf-8"
    else:
        status, body, kind = 200, _page(), b"text/html; charset=utf-8"
    headers = [(b"content-type", kind), (b"cache-control", b"no-store"),
               (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

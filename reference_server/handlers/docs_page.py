"""``GET /ui/replcheck``: the contract's reference page, as ``replcheck spec --format html``.

Outside Vault's ``/v1`` API, like Vault's own UI under ``/ui/``; a plain Starlette route in
front of the Vault dispatcher, rendered once per process.
"""

from __future__ import annotations

from functools import cache

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

__all__ = ["DOCS_PATH", "docs_route"]

DOCS_PATH = "/ui/replcheck"


@cache
def _page() -> str:
    from replcheck_spec.reference_docs import render_html

    return render_html()


async def _docs(request: Request) -> HTMLResponse:
    return HTMLResponse(_page(), headers={"Cache-Control": "no-store"})


def docs_route() -> Route:
    return Route(DOCS_PATH, _docs, methods=["GET", "HEAD"])

"""Vault's method and path semantics, as verified on OpenBao 2.7.2, pass every check; a write
to status that is not refused fails STATUS-METHODS.

``_vault_http_layer`` puts in front of the reference server the answers Vault's HTTP layer and
router give before (or instead of) a handler, which the reference server may not give yet: 404
``unsupported path`` for LIST, 400/415 for PATCH by Content-Type, 400 for OPTIONS, 307 for a
path with ``//``, and the bare 400 (no body, no headers) of Go's printable-path check.
"""

from __future__ import annotations

import re
from typing import Any

from suite_support import app_for, serve_app, settings_for

from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome

_JSON = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
_WRAPPED_404 = b'{"errors":["1 error occurred:\\n\\t* unsupported path\\n\\n"]}\n'
_REPLICATION = "/v1/sys/replication/"


async def _answer(send: Any, status: int, body: bytes, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


def _vault_http_layer(inner: Any, *, status_write: int | None = None) -> Any:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        clean = re.sub("/+", "/", scope.get("path", ""))
        if scope["type"] != "http" or not clean.lower().startswith(_REPLICATION):
            await inner(scope, receive, send)
            return
        raw = scope.get("raw_path", b"").decode("latin-1")
        method = scope["method"]
        headers = dict(scope["headers"])
        token = headers.get(b"x-vault-token")
        is_status = scope["path"].endswith("/status")
        listing = method == "LIST" or b"list=true" in scope.get("query_string", b"")
        if "%09" in raw or "%00" in raw:
            await _answer(send, 400, b"")
        elif "//" in raw.split("?")[0][1:]:
            await _answer(send, 307, b"", [(b"location", raw.replace("//", "/").encode())])
        elif listing and token is None:
            await _answer(send, 403, b'{"errors":["permission denied"]}', _JSON)
        elif listing:
            await _answer(send, 404, _WRAPPED_404, _JSON)
        elif method == "PATCH":
            kind = headers.get(b"content-type")
            if kind is None:
                await _answer(send, 400, b'{"errors":["mime: no media type"]}', _JSON)
            elif kind != b"application/merge-patch+json":
                message = b"PATCH requires Content-Type of application/merge-patch+json"
                await _answer(send, 415, b'{"errors":["' + message + b'"]}', _JSON)
            else:
                await inner(scope, receive, send)
        elif method == "OPTIONS":
            body = b'{"errors":["cannot handle internal-only request operation"]}'
            await _answer(send, 400, body, _JSON)
        elif is_status and method in ("POST", "PUT") and status_write is not None:
            await _answer(send, status_write, b'{"data":{}}', _JSON)
        else:
            await inner(scope, receive, send)

    return app


def test_vaults_own_answers_pass_every_check() -> None:
    with serve_app(_vault_http_layer(app_for())) as url:
        result = run(settings_for(url))
    problems = {
        rid: [f.message for f in r.findings][:3] or r.reason
        for rid, r in result.results.items()
        if r.outcome in (Outcome.FAILED, Outcome.ERROR)
    }
    assert problems == {}
    assert result.verdict == "conformant" and result.exit_code == 0
    for rid in ("RECOVER-METHODS", "REINDEX-METHODS", "STATUS-METHODS"):
        assert result.results[rid].outcome is Outcome.PASSED
    # The bare 400 and the redirects were seen, and recognised as the HTTP layer's.
    statuses = {e.status for e in result.exchanges if e.origin == "path_variants_never_skip_sudo"}
    assert {307, 400} <= statuses


def test_a_write_to_status_that_is_not_refused_fails_status_methods() -> None:
    with serve_app(_vault_http_layer(app_for(), status_write=200)) as url:
        result = run(settings_for(url, keyword="STATUS-METHODS"))
    outcome = result.results["STATUS-METHODS"]
    assert outcome.outcome is Outcome.FAILED
    assert any("POST (a write)" in f.message for f in outcome.findings)
    assert result.exit_code == 1

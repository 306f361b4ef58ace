"""``--url`` keeps its path prefix, as Vault's own client does: a Vault behind a proxy at
``https://proxy/vault`` is judged through the proxy, every request under ``/vault``."""

from __future__ import annotations

from typing import Any

from suite_support import app_for, serve_app, settings_for

from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome

PREFIX = "/vault"


def _prefix_stripping_proxy(app: Any, seen: list[str]) -> Any:
    """Passes ``/vault/...`` on as ``/...``; anything else is the proxy's own 404."""

    async def proxy(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        seen.append(raw.decode("latin-1"))
        if not raw.startswith(PREFIX.encode() + b"/"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"not behind /vault"})
            return
        inner = dict(scope, path=scope["path"][len(PREFIX) :], raw_path=raw[len(PREFIX) :])
        await app(inner, receive, send)

    return proxy


def test_a_vault_behind_a_path_prefix_is_judged_through_it() -> None:
    seen: list[str] = []
    with serve_app(_prefix_stripping_proxy(app_for(), seen)) as url:
        result = run(settings_for(url + PREFIX + "/", keyword="STATUS or SUDO or AUTH"))
    assert seen and all(path.startswith(PREFIX + "/v1/") for path in seen), seen[:5]
    assert result.exit_code == 0, result.verdict_sentence
    assert result.results["REINDEX-SUDO"].outcome is Outcome.PASSED
    assert all(PREFIX + "/v1/" in e.request.url for e in result.exchanges)

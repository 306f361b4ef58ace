"""A reindex refused while one runs: the suite waits by what the status says, never by the
wording of the refusal (Vault Enterprise's is not published)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from suite_support import server_config, settings_for

from replcheck.conformance.checks.context import REINDEX
from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.reference_server.embedded import EmbeddedServer


def _reworded_refusals(text: str, *, always: bool = False) -> Any:
    """Middleware: every 400 to a reindex says ``text``; with ``always``, every reindex is
    refused so (a target that never starts one)."""
    body = json.dumps({"errors": [text]}).encode()

    def wrap(app: Any) -> Any:
        async def middleware(scope: dict, receive: Any, send: Any) -> None:
            reindex = scope["type"] == "http" and scope["path"] == REINDEX
            if reindex and always and scope["method"] in ("POST", "PUT"):
                await send({"type": "http.response.start", "status": 400, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            held: list[dict] = []

            async def rewriting(message: dict) -> None:
                if not reindex:
                    await send(message)
                elif message["type"] == "http.response.start" and message["status"] == 400:
                    held.append(message)
                elif message["type"] == "http.response.body" and held:
                    start = held.pop()
                    start["headers"] = [(k, v) for k, v in start["headers"]
                                        if k != b"content-length"]
                    start["headers"].append((b"content-length", str(len(body)).encode()))
                    await send(start)
                    await send({"type": "http.response.body", "body": body})
                else:
                    await send(message)

            await app(scope, receive, rewriting)

        return middleware

    return wrap


def test_a_refusal_in_other_words_is_waited_out_when_the_status_cannot_show_a_reindex() -> None:
    """Replication disabled: the status has no member to show a reindex, so a 400 to a reindex
    that must succeed is retried within the run's budget, whatever it says."""
    # Slow enough that each reindex is still running when the next one is sent.
    config = dataclasses.replace(server_config("disabled"), reindex_stage_seconds=0.02)
    with EmbeddedServer(config, wrap=_reworded_refusals("the merkle worker is occupied")) as server:
        result = run(settings_for(server.url, keyword="REINDEX-BOOLEAN-FORMS"))
    outcome = result.results["REINDEX-BOOLEAN-FORMS"]
    assert outcome.outcome is Outcome.PASSED
    assert any("retried" in note for note in outcome.notes)
    refused = [e for e in result.exchanges if e.request.url.endswith(REINDEX) and e.status == 400]
    assert refused and all("occupied" in e.errors_text() for e in refused)


def test_a_refusal_naming_a_reindex_is_not_retried_when_the_status_shows_none() -> None:
    """The status shows every section idle: the 400 is the target's answer, judged at once,
    even if its words say a reindex is in progress."""
    wrap = _reworded_refusals("a reindex is already in progress", always=True)
    with EmbeddedServer(server_config(), wrap=wrap) as server:
        result = run(settings_for(server.url, keyword="REINDEX-BOOLEAN-FORMS"))
    outcome = result.results["REINDEX-BOOLEAN-FORMS"]
    assert outcome.outcome is Outcome.FAILED
    assert not any("retried" in note for note in outcome.notes)

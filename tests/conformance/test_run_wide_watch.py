"""Run-wide observations: WAL counters over every status answer of a run, every secret of the
run looked for in every answer, bodies that are not UTF-8 shown and replayed faithfully, and
``EmbeddedServer(wrap=...)`` serving middleware in front of the reference server."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from suite_support import ROOT_TOKEN, server_config, settings_for

from replcheck.conformance.checks import judges
from replcheck.conformance.checks.context import STATUS
from replcheck.conformance.checks.watch import WalWatcher
from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import RecordingClient
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest
from replcheck.conformance.transport.masking import Masker
from replcheck.reference_server.embedded import EmbeddedServer

CLUSTER = "f2c21cb5-523f-617b-20ac-c913d9154ba6"
OTHER_CLUSTER = "0b5e8b4e-53f7-4a8e-9d7e-2a4b35d1c0aa"


def status(
    last_wal: int, *, cluster: str = CLUSTER, mode: str = "primary", purpose: str = ""
) -> Exchange:
    body = {"data": {"dr": {"mode": mode, "cluster_id": cluster, "last_wal": last_wal},
                     "performance": {"mode": "disabled"}}}
    return Exchange(
        SentRequest("GET", f"http://127.0.0.1:1{STATUS}", ()),
        ReceivedResponse(200, (("Content-Type", "application/json"),), json.dumps(body)),
        purpose=purpose,
        origin="unit",
    )


def test_wal_watcher_finds_a_step_back_with_both_exchanges() -> None:
    watcher = WalWatcher(STATUS)
    for value, purpose in ((10, "first"), (12, "second"), (12, "third"), (5, "fourth"),
                           (6, "fifth")):
        watcher(status(value, purpose=purpose))
    [finding] = watcher.take()
    assert finding.requirement == "STATUS-WAL-MONOTONIC"
    assert "went back from 12 to 5" in finding.message
    assert finding.earlier is not None and finding.earlier.purpose == "third"
    assert finding.exchange is not None and finding.exchange.purpose == "fourth"
    assert watcher.take() == [] and watcher.reads == 5


def test_wal_watcher_counts_afresh_for_another_cluster_or_mode() -> None:
    watcher = WalWatcher(STATUS)
    watcher(status(100))
    watcher(status(3, cluster=OTHER_CLUSTER))
    watcher(status(2, mode="secondary"))
    watcher(status(101))
    assert watcher.take() == []


def test_wal_watcher_ignores_other_answers() -> None:
    watcher = WalWatcher(STATUS)
    watcher(status(100))
    failed = status(1)
    watcher(Exchange(failed.request, ReceivedResponse(503, (), failed.response.body)))
    other = Exchange(SentRequest("GET", "http://127.0.0.1:1/v1/sys/other", ()), failed.response)
    watcher(other)
    assert watcher.take() == [] and watcher.reads == 1


def test_a_run_ends_with_a_status_read_judged_by_the_watcher(reference) -> None:
    result = run(settings_for(reference.url, keyword="WAL", profile="safe"))
    watch = next(c for c in result.checks if c.name == WalWatcher.name)
    assert watch.outcome is Outcome.PASSED and watch.exchanges >= 4
    assert result.exchanges[-1].origin == WalWatcher.name
    assert result.results["STATUS-WAL-MONOTONIC"].outcome is Outcome.PASSED


def _leak_last_token(app: Any) -> Any:
    """Middleware: an answer to a request without a token names the last token seen."""
    last: list[bytes] = []

    async def middleware(scope: dict, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers", ())) if scope["type"] == "http" else {}
        token = headers.get(b"x-vault-token")
        if token:
            last[:] = [token]

        async def leaking(message: dict) -> None:
            if message["type"] == "http.response.start" and not token and last:
                message["headers"] = [*message.get("headers", ()), (b"x-debug-token", last[0])]
            await send(message)

        await app(scope, receive, leaking)

    return middleware


def test_a_token_sent_earlier_that_leaks_later_is_found_and_masked() -> None:
    with EmbeddedServer(server_config(), wrap=_leak_last_token) as server:
        assert server.root_token == ROOT_TOKEN
        result = run(settings_for(server.url, keyword="STATUS or ECHO", profile="safe"))
    assert result.failed == ["VAULT-NO-TOKEN-ECHO"]
    messages = [f.message for f in result.results["VAULT-NO-TOKEN-ECHO"].findings]
    assert any("sent with another request of the run" in m for m in messages)
    assert all(ROOT_TOKEN not in m for m in messages)
    assert any("$VAULT_TOKEN" in m for m in messages)


def test_the_judge_looks_for_every_token_it_is_given() -> None:
    other = "hvs.anothertokenofthisrun000000"
    answer = Exchange(
        SentRequest("GET", f"http://127.0.0.1:1{STATUS}", ()),
        ReceivedResponse(200, (("X-Debug", other),), '{"data": {}}'),
    )
    assert list(judges.no_token_echo(answer, (other,)))
    assert not list(judges.no_token_echo(answer, ("hvs.notthere000000000000",)))


def test_a_body_that_is_not_utf8_is_shown_escaped_and_replayed_byte_for_byte() -> None:
    url = "http://127.0.0.1:1"
    with RecordingClient(Settings(url=url), url, Masker(), plan=True) as client:
        sent = client.send("POST", "/v1/sys/replication/reindex", content=b'{"diff": "\xff\'"}')
    assert sent.request.body == '{"diff": "\\xff\\x27"}' and sent.request.body_escaped
    curl = sent.curl()
    data = curl.split("--data-binary ", 1)[1].rsplit(" ", 1)[0]
    replayed = subprocess.run(["bash", "-c", f"printf %s {data}"], capture_output=True, check=True)
    assert replayed.stdout == b'{"diff": "\xff\'"}'

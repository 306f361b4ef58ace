"""``--concurrency N``: the same verdicts and the same report as a sequential run, for one seed.

The full suite runs against the reference server behind a proxy that delays every answer
(``tests/delay_proxy.py``), at concurrency 1 and 8 with one seed; every check's verdict, the
report (timings, the proxy's port and the concurrency setting aside) and the list of exchanges
(in the run's order) must be the same. The reference server finishes a reindex at once (stage
0 s), so nothing in its answers depends on timing: at N = 1 or 8 alike, whether a reindex is
still running when the next request comes would otherwise change a few counts (measured: two
sequential runs against a 25 ms reindex differ in them too). Broken servers: see
``tests/zoo/test_zoo_concurrency.py``. Ctrl-C under concurrency: the run stops with 130,
cleans up, and sends nothing after the signal but what was already in flight.
"""

from __future__ import annotations

import json
import signal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from delay_proxy import DelayProxy
from interrupt_support import SignallingProxy, finish, is_cleanup, nth, start_cli
from suite_support import ROOT_TOKEN, app_for, serve_app

from replcheck.conformance.checks.context import STATUS
from replcheck.conformance.checks.watch import WalWatcher
from replcheck.conformance.engine.runner import RunResult, run
from replcheck.conformance.report.json import as_dict
from replcheck.conformance.settings.target import SettingError, Settings
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest
from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

SEED = 4242
#: Enough to make requests in flight overlap, small enough to keep the test short.
DELAY_S = 0.005
CONCURRENCY = 8


def _judge_reference(concurrency: int) -> RunResult:
    config = ServerConfig(root_token=ROOT_TOKEN, reindex_stage_seconds=0.0, log_level="critical")
    server = EmbeddedServer(config).start()
    try:
        with DelayProxy(server.url, DELAY_S) as proxy:
            settings = Settings(
                url=proxy.url, token=ROOT_TOKEN, profile="full", seed=SEED, concurrency=concurrency
            )
            return run(settings)
    finally:
        server.stop()


def comparable_report(result: RunResult) -> dict[str, Any]:
    """The JSON report without what differs between two runs by nature: timings, the
    address of the target (a fresh proxy port) and the concurrency setting itself."""
    document = as_dict(result)
    for key in ("started_at", "duration_s", "target", "target_description", "target_kind"):
        document.pop(key)
    document["scope_sentence"] = document["scope_sentence"].replace(result.target_url, "URL")
    document["settings"] = {
        key: value
        for key, value in document["settings"].items()
        if key not in ("url", "concurrency")
    }
    for requirement in document["requirements"]:
        for check in requirement["checks"]:
            check.pop("duration_s")
    return document


def verdicts(result: RunResult) -> dict[str, str]:
    return {f"{c.requirement}::{c.name}": c.outcome.value for c in result.checks}


def sent(result: RunResult) -> list[tuple[str, str, str, str, str | None, int | None]]:
    """Every recorded exchange in the run's order: what was sent, by which check, and the
    answer's status."""
    out = []
    for exchange in result.exchanges:
        parts = urlsplit(exchange.request.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = exchange.request
        out.append(
            (request.method, target, exchange.purpose, exchange.origin, request.body,
             exchange.status)
        )
    return out


def test_reference_server_gets_the_same_verdicts_and_report_at_1_and_8() -> None:
    sequential = _judge_reference(1)
    parallel = _judge_reference(CONCURRENCY)
    assert sequential.verdict == "conformant", sequential.verdict_sentence
    assert verdicts(parallel) == verdicts(sequential)
    assert comparable_report(parallel) == comparable_report(sequential)
    assert sent(parallel) == sent(sequential)
    assert len(sequential.exchanges) > 400  # the whole suite ran, fuzzing included
    assert parallel.settings["concurrency"] == CONCURRENCY


@pytest.mark.parametrize("bad", [0, -1, 65])
def test_concurrency_out_of_range_is_refused_naming_the_flag(bad: int) -> None:
    with pytest.raises(SettingError, match=r"^--concurrency \(REPLCHECK_CONCURRENCY; pytest: "
                       r"--replcheck-concurrency\) must be between 1 and 64, not "):
        Settings(concurrency=bad).validate()


def test_concurrency_from_the_environment() -> None:
    assert Settings.resolve({}, {"REPLCHECK_CONCURRENCY": "4"}).workers == 4
    assert Settings.resolve({}, {}).workers == 1
    with pytest.raises(SettingError, match="REPLCHECK_CONCURRENCY must be an integer"):
        Settings.resolve({}, {"REPLCHECK_CONCURRENCY": "many"})


def _status(last_wal: int, sent_at: float, arrived_at: float, purpose: str) -> Exchange:
    body = {"data": {"dr": {"mode": "primary", "cluster_id": "c1", "last_wal": last_wal}}}
    return Exchange(
        SentRequest("GET", f"http://127.0.0.1:1{STATUS}", ()),
        ReceivedResponse(
            200,
            (("Content-Type", "application/json"),),
            json.dumps(body),
            elapsed_ms=(arrived_at - sent_at) * 1000,
            received_at=arrived_at,
        ),
        purpose=purpose,
    )


def test_wal_watcher_compares_only_answers_certainly_in_order() -> None:
    """Two reads in flight together may be answered in either order: no finding; a read sent
    after another's answer had arrived must not report less."""
    watcher = WalWatcher(STATUS)
    # 11 came back first, though its request left after the one that got 10: they overlap.
    watcher(_status(11, sent_at=1.0, arrived_at=1.2, purpose="a"))
    watcher(_status(10, sent_at=0.9, arrived_at=1.3, purpose="b"))
    assert watcher.take() == []
    # Sent after both had arrived: compared with the latest (10), and a step back from it.
    watcher(_status(9, sent_at=1.4, arrived_at=1.5, purpose="c"))
    [finding] = watcher.take()
    assert "went back from 10 to 9" in finding.message
    assert finding.earlier is not None and finding.earlier.purpose == "b"


def test_ctrl_c_under_concurrency_stops_and_cleans_up(tmp_path) -> None:
    """SIGINT while checks run 8 at a time: exit 130, the partial report, everything
    provisioned removed, and no request after the signal but cleanup and those already in
    flight (at most one per other thread)."""
    app = app_for()
    core = app.state.vault
    tokens_before = len(core.tokens)
    proxy = SignallingProxy(app, nth(40, None, "/sys/replication/"))
    report = tmp_path / "report.json"
    with serve_app(proxy) as url:
        process = start_cli(
            "--url", url, "--token", ROOT_TOKEN, "--profile", "full", "--seed", "5",
            "--concurrency", str(CONCURRENCY), "--json", str(report),
        )
        proxy.pid = process.pid
        done = finish(process)
        assert proxy.fired_at is not None, done.out[-2000:]
        after = proxy.not_cleanup_after_signal()
        listed = httpx.get(
            f"{url}/v1/sys/policies/acl",
            params={"list": "true"},
            headers={"X-Vault-Token": ROOT_TOKEN},
        )
    assert done.code == 130, (done.out[-3000:], done.err[-2000:])
    assert len(after) <= CONCURRENCY, after
    assert not [k for k in listed.json()["data"]["keys"] if k.startswith("replcheck-")]
    assert len(core.tokens) == tokens_before
    assert any(is_cleanup(m, p) for m, p in proxy.after_signal())
    assert "INTERRUPTED by SIGINT" in done.out and "Traceback" not in done.out + done.err
    written = json.loads(report.read_text())
    assert written["verdict"] == "interrupted" and written["exit_code"] == 130


def test_sigterm_under_concurrency_exits_143() -> None:
    app = app_for()
    proxy = SignallingProxy(app, nth(60, None, "/sys/replication/"), signals=(signal.SIGTERM,))
    with serve_app(proxy) as url:
        process = start_cli(
            "--url", url, "--token", ROOT_TOKEN, "--profile", "full", "--seed", "6",
            "--concurrency", str(CONCURRENCY),
        )
        proxy.pid = process.pid
        done = finish(process)
    assert done.code == 143, (done.out[-3000:], done.err[-2000:])
    assert "cleanup: " in done.out and "Traceback" not in done.out + done.err

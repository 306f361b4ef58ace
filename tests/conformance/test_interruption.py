"""Ctrl-C, SIGTERM and SIGHUP stop ``replcheck run`` before any further request but cleanup, at
every moment: a token's create answer in flight, between policy writes, fuzzing, checks;
repeated Ctrl-C does not cut cleanup short; the run says what it removed and writes partial
reports. A closed terminal (SIGHUP, then writes that fail) ends the same way, with 129."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from interrupt_support import (
    Finished,
    SignallingProxy,
    finish,
    finish_on_terminal,
    nth,
    start_cli,
    start_cli_on_terminal,
)
from suite_support import ROOT_TOKEN, app_for, serve_app

from replcheck.conformance.concurrency.interruption import RunInterrupted, StopRequest, shielded

MOMENTS = {
    # (the trigger's arguments, -k expression or None for the whole run)
    "first token create in flight": ((1, "POST", "/auth/token/create"), None),
    "second policy write": ((2, "PUT", "/sys/policies/acl/"), None),
    "second token create in flight": ((2, "POST", "/auth/token/create"), None),
    "fuzzing": ((8, None, "/sys/replication/"), "SCHEMA-RESPONSES"),
    "checks": ((40, None, "/sys/replication/"), None),
}


def _leftovers(url: str) -> list[str]:
    listed = httpx.get(
        f"{url}/v1/sys/policies/acl", params={"list": "true"}, headers={"X-Vault-Token": ROOT_TOKEN}
    )
    assert listed.status_code == 200
    return [name for name in listed.json()["data"]["keys"] if name.startswith("replcheck-")]


def _interrupted_run(
    tmp_path: Path,
    moment: str,
    signals: tuple[int, ...] = (signal.SIGINT,),
    during_cleanup: tuple[int, ...] = (),
) -> tuple[list[tuple[str, str]], Finished, int, int, Path]:
    trigger, keyword = MOMENTS[moment]
    app = app_for()
    core = app.state.vault
    proxy = SignallingProxy(app, nth(*trigger), signals=signals, during_cleanup=during_cleanup)
    report = tmp_path / "report.json"
    tokens_before = len(core.tokens)
    with serve_app(proxy) as url:
        args = ["--url", url, "--token", ROOT_TOKEN, "--profile", "full", "--seed", "5"]
        args += ["--max-examples", "5", "--json", str(report)]
        if keyword:
            args += ["-k", keyword]
        process = start_cli(*args)
        proxy.pid = process.pid
        done = finish(process)
        assert proxy.fired_at is not None, f"the trigger never fired: {done.out[-2000:]}"
        sent_after = proxy.not_cleanup_after_signal()  # before the listing below adds to it
        assert not _leftovers(url), done.out[-3000:]
    return sent_after, done, tokens_before, len(core.tokens), report


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_ctrl_c_stops_the_run_and_leaves_nothing_behind(tmp_path: Path, moment: str) -> None:
    sent_after, done, tokens_before, tokens_after, report = _interrupted_run(tmp_path, moment)
    assert done.code == 130, (done.out[-3000:], done.err[-2000:])
    assert sent_after == []
    assert tokens_after == tokens_before, done.out[-3000:]
    assert "cleanup: " in done.out
    assert "INTERRUPTED by SIGINT" in done.out
    assert "Traceback" not in done.out + done.err
    written = json.loads(report.read_text())
    assert written["verdict"] == "interrupted" and written["exit_code"] == 130


def test_three_quick_ctrl_c_do_not_cut_cleanup_short(tmp_path: Path) -> None:
    """One Ctrl-C while a token's create answer is in flight, two more during cleanup."""
    sent_after, done, before, after, _ = _interrupted_run(
        tmp_path,
        "second token create in flight",
        during_cleanup=(signal.SIGINT, signal.SIGINT),
    )
    assert done.code == 130
    assert sent_after == []
    assert after == before, done.out[-3000:]
    assert done.err.count("SIGINT: cleaning up first") == 2, done.err


def test_sigterm_stops_the_run_with_143(tmp_path: Path) -> None:
    sent_after, done, before, after, _ = _interrupted_run(tmp_path, "checks", (signal.SIGTERM,))
    assert done.code == 143
    assert sent_after == []
    assert after == before
    assert "INTERRUPTED by SIGTERM" in done.out


@pytest.mark.parametrize("moment", ["second token create in flight", "checks"])
def test_sighup_stops_the_run_with_129_and_cleans_up(tmp_path: Path, moment: str) -> None:
    sent_after, done, before, after, report = _interrupted_run(tmp_path, moment, (signal.SIGHUP,))
    assert done.code == 129, (done.out[-3000:], done.err[-2000:])
    assert sent_after == []
    assert after == before, done.out[-3000:]
    assert "cleanup: " in done.out and "INTERRUPTED by SIGHUP" in done.out
    assert "Traceback" not in done.out + done.err
    assert json.loads(report.read_text())["exit_code"] == 129


@pytest.mark.parametrize("moment", ["second token create in flight", "checks"])
def test_a_closed_terminal_stops_the_run_with_129_and_cleans_up(moment: str) -> None:
    """The run's own terminal is closed (its progress bar on it): the kernel sends SIGHUP and
    every later write fails with EIO; cleanup still runs and the status is still 129."""
    trigger, _ = MOMENTS[moment]
    app = app_for()
    core = app.state.vault
    tokens_before = len(core.tokens)
    proxy = SignallingProxy(app, nth(*trigger), signals=())
    with serve_app(proxy) as url:
        process, terminal = start_cli_on_terminal(
            "--url", url, "--token", ROOT_TOKEN, "--profile", "full", "--seed", "5",
            "--max-examples", "5",
        )  # fmt: skip
        proxy.pid, proxy.on_trigger = process.pid, terminal.hang_up
        done = finish_on_terminal(process, terminal)
        assert proxy.fired_at is not None, done.out[-2000:]
        assert proxy.not_cleanup_after_signal() == []
        assert not _leftovers(url)
    assert done.code == 129, done.out[-3000:]
    assert len(core.tokens) == tokens_before
    assert "checks" in done.out  # the progress bar was on the terminal until it closed


def test_a_shield_defers_a_signal_until_cleanup_is_done() -> None:
    stop = StopRequest()
    finished = []
    with pytest.raises(RunInterrupted) as raised, shielded(stop):
        signal.raise_signal(signal.SIGINT)
        finished.append("cleanup went on")
    assert finished == ["cleanup went on"]
    assert raised.value.exit_code == 130 and stop.requested


def _refusing_chosen_ids(app: Any) -> Any:
    """``app``, except that token creation refuses a chosen ``id`` with Vault's words for a
    token without sudo on ``auth/token/create`` (the reference server, like Vault, allows it to
    the root token used here), and the accessors cannot be listed (Vault's answer to a token
    without sudo on ``auth/token/accessors``)."""

    async def served(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/auth/token/accessors"):
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"errors":["permission denied"]}'})
            return
        if scope["type"] != "http" or not scope["path"].endswith("/auth/token/create"):
            await app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if b'"id"' in body:
            answer = b'{"errors":["root or sudo privileges required to specify token id"]}'
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": answer})
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    return served


def test_a_token_lost_in_flight_that_cannot_be_found_is_named_with_the_command(
    tmp_path: Path,
) -> None:
    """On a server that refuses chosen token ids, when a create answer is lost, cleanup looks
    among the accessors (which this server cannot list) and says what may be left and how to
    remove it by hand."""
    app = app_for()
    sudo_token = app.state.vault.root_token
    # The first create (with an id) is refused; the second, without one, is the one lost.
    proxy = SignallingProxy(_refusing_chosen_ids(app), nth(2, "POST", "/auth/token/create"))
    with serve_app(proxy) as url:
        process = start_cli("--url", url, "--token", sudo_token, "--provision", "--seed", "5")
        proxy.pid = process.pid
        done = finish(process)
        assert not _leftovers(url)
    assert done.code == 130, done.out[-3000:]
    assert "WARNING cleanup: the token replcheck-" in done.out
    assert "by hand: vault list auth/token/accessors" in done.out
    assert sudo_token not in done.out + done.err

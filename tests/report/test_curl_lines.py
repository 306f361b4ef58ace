"""Curl lines and ``--plan`` output are plain text, and bash rebuilds the exact bytes sent.

Each curl line is run by bash with ``curl`` replaced by a function that writes every argument
(and, for ``--data-binary @FILE``, the file's bytes) to stdout, NUL-separated: what comes out
must be the bytes the request carried.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from replcheck.conformance.checks.edition import Edition
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.report import TerminalReporter
from replcheck.conformance.transport.exchange import Exchange, SentRequest, escaped_body, visible

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")

_FAKE_CURL = r"""
n=0
keep() { n=$((n + 1)); printf '%s' "$1" > "$OUT/$n"; }
curl() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -H|-X) keep "$2"; shift 2 ;;
      --data-binary)
        case "$2" in
          @*) n=$((n + 1)); cat "${2#@}" > "$OUT/$n" ;;
          *) keep "$2" ;;
        esac
        shift 2 ;;
      -sS|-i) shift ;;
      *) keep "$1"; shift ;;
    esac
  done
}
VAULT_TOKEN=the-token
"""

URL = "http://127.0.0.1:8200/v1/sys/replication/reindex"


def _replayed(line: str, tmp_path: Path) -> list[bytes]:
    """The curl line's arguments once bash has read them (method, headers, body, URL), each
    written to its own file (a body may hold a NUL byte)."""
    subprocess.run(
        ["bash", "-c", _FAKE_CURL + line],
        env={"OUT": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        check=True,
        timeout=10,
    )
    files = sorted(tmp_path.iterdir(), key=lambda p: int(p.name))
    return [f.read_bytes() for f in files]


def _assert_plain(text: str) -> None:
    assert all(" " <= char <= "~" for char in text), repr(text)


@pytest.mark.parametrize(
    "body",
    [
        '{"diff": true}',
        '{"a": "$HOME", "b": "it\'s", "c": "back\\\\slash", "d": "50%"}',
        '{"diff": "\x1b[31mred\x1b[0m"}',
        '{"force": "\ufffd\ufffd", "name": "caf\u00e9 \u2603"}',
        '{"skip_flush": "a\x00b"}',
        '{"x": "\x00%s%%\\\\x41\'"}',
        "\x7f\x01\n\t\r",
    ],
)
def test_curl_line_is_text_and_bash_rebuilds_the_exact_body(body: str, tmp_path: Path) -> None:
    exchange = Exchange(SentRequest("POST", URL, (("X-Vault-Token", "$VAULT_TOKEN"),), body), None)
    line = exchange.curl()
    _assert_plain(line)
    assert _replayed(line, tmp_path) == [
        b"POST",
        b"X-Vault-Token: the-token",
        body.encode("utf-8"),
        URL.encode(),
    ]


@pytest.mark.parametrize("raw", [b'{"diff": "\xff\x27"}', b"\x00\xfe\\%'", b"\x80"])
def test_a_body_that_is_not_utf8_is_rebuilt_byte_for_byte(raw: bytes, tmp_path: Path) -> None:
    body = escaped_body(raw)
    exchange = Exchange(SentRequest("POST", URL, (), body, body_escaped=True), None)
    line = exchange.curl()
    _assert_plain(line)
    assert _replayed(line, tmp_path) == [b"POST", raw, URL.encode()]


def test_headers_and_urls_with_control_bytes_keep_the_token_label_expandable(
    tmp_path: Path,
) -> None:
    url = URL + "?q=\x1bx\ufffd"
    header = "X-Vault-Token: $VAULT_TOKEN\x01 tail\u00e9"
    exchange = Exchange(SentRequest("GET", url, (("X-Vault-Token", header[15:]),)), None)
    line = exchange.curl()
    _assert_plain(line)
    assert _replayed(line, tmp_path) == [
        b"GET",
        header.replace("$VAULT_TOKEN", "the-token").encode(),
        url.encode(),
    ]


def test_a_plain_line_stays_as_readable_as_before() -> None:
    exchange = Exchange(
        SentRequest("POST", URL, (("X-Vault-Token", "$VAULT_TOKEN"),), '{"a": "$HOME"}'), None
    )
    assert exchange.curl() == (
        'curl -sS -i -X POST -H "X-Vault-Token: $VAULT_TOKEN" --data-binary \'{"a": "$HOME"}\' '
        + URL
    )


def test_visible_escapes_what_a_terminal_would_not_show() -> None:
    assert visible("a\x00b\x1b[0m\ufffd\n\u00e9") == "a\\x00b\\x1b[0m\\ufffd\\n\u00e9"
    assert visible("line\nnext\t", lines=True) == "line\nnext\t"


def _plan_result(exchanges: list[Exchange]) -> RunResult:
    return RunResult(
        target=URL,
        target_url=URL,
        settings={},
        seed=1,
        profile="safe",
        plan=True,
        edition=Edition.ENTERPRISE,
        results={},
        checks=[],
        exchanges=exchanges,
        plan_lines=["would look up \x1b[1mtoken\x1b[0m"],
    )


def test_plan_output_is_text_only() -> None:
    bodies = ['{"diff": "\x00"}', '{"diff": "\x1b"}', '{"force": "\ufffd"}']
    exchanges = [
        Exchange(SentRequest("POST", URL, (), body), None, purpose=f"fuzz \x1b{n}", origin="fuzz")
        for n, body in enumerate(bodies)
    ]
    stream = io.StringIO()
    TerminalReporter(stream).summary(_plan_result(exchanges))
    out = stream.getvalue()
    for raw in ("\x00", "\x1b", "\ufffd"):
        assert raw not in out
    assert all(char.isprintable() or char == "\n" for char in out)
    assert "# fuzz \\x1b0" in out and "\\x1b[1mtoken" in out
    assert "3 request(s) would be sent." in out


def test_a_real_plan_is_text_and_its_curl_lines_replay_their_bodies(capsys, tmp_path: Path) -> None:
    """The embedded server's plan, fuzzing included (bodies that are not UTF-8, control
    characters): only printable text, and each planned body rebuilt by bash byte for byte."""
    from replcheck.conformance.cli import main
    from replcheck.conformance.engine.runner import run
    from replcheck.conformance.settings.target import Settings

    code = main(
        ["run", "--embedded", "--plan", "--profile", "full", "--max-examples", "40", "--seed", "5"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert all(char.isprintable() or char == "\n" for char in out)
    assert "--data-binary $'" in out  # some bodies needed the escapes
    planned = run(Settings(plan=True, profile="full", max_examples=40, seed=5))
    escaped = [e for e in planned.exchanges if e.request.body_escaped][:5]
    assert escaped
    for number, exchange in enumerate(escaped):
        folder = tmp_path / str(number)
        folder.mkdir()
        replayed = _replayed(exchange.curl(), folder)
        body = exchange.request.body or ""
        expected = bytes(
            int(body[i + 2 : i + 4], 16) if body.startswith("\\x", i) else ord(body[i])
            for i in _escape_starts(body)
        )
        assert expected in replayed


def _escape_starts(body: str) -> list[int]:
    """Where each byte of an ``escaped_body`` text starts (``\\xNN`` is one byte)."""
    starts, i = [], 0
    while i < len(body):
        starts.append(i)
        i += 4 if body.startswith("\\x", i) else 1
    return starts

"""A target cannot hang or exhaust the runner: each breach ends the run with exit 2 and one
sentence, under 500 MB of memory, within the request deadline (``--client-timeout``)."""

from __future__ import annotations

import gzip
import zlib

import pytest
from hostile_servers import (
    deep_json,
    dribble,
    gzip_bomb,
    gzip_bombed,
    hostile,
    huge_body,
    large_every_time,
    many_values,
    run_cli,
)

from replcheck.conformance.transport.bounded_http import (
    AnswerTooLarge,
    AnswerUndecodable,
    _Inflater,
)
from replcheck.conformance.transport.client import json_shape

#: The runner's memory ceiling against any target (the issue's bound).
MAX_RSS_MB = 500
#: The per-request deadline these runs use; the subprocess is killed (and the test fails) if
#: the run has not ended well after it.
DEADLINE = "3s"

#: case: (the target's behaviour, words of the one sentence, extra flags). The run-wide budget
#: (64x the cap) is shown with a 64 KiB cap, so that judging 64 large answers stays cheap.
CASES = {
    "200 MB status body": (huge_body, "larger than 1 MiB", ()),
    "gzip bomb": (gzip_bombed, "larger than 1 MiB once decompressed", ()),
    "body dribbled a byte at a time": (dribble, "did not answer completely within 3 s", ()),
    "JSON nested 1,000 levels deep": (deep_json, "nested more than 64 levels deep", ()),
    "340,000 empty objects within the cap": (many_values, "more than 200,000 values", ()),
    "a large body in every answer": (
        lambda: large_every_time(size=60 * 1024),
        "past 4 MiB in all",
        ("--max-response-bytes", "64KiB"),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_target_ends_the_run_with_one_sentence(case: str) -> None:
    behaviour, words, extra = CASES[case]
    with hostile(behaviour()) as url:
        run = run_cli(
            "--url",
            url,
            "--token",
            "hvs.hostile",
            "--client-timeout",
            DEADLINE,
            "--seed",
            "1",
            *extra,
            timeout_s=60,
        )
    assert run.code == 2, (run.out[-2000:], run.err[-2000:])
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("replcheck run: error: "), run.err[-2000:]
    assert words in lines[0]
    assert "Traceback" not in run.out + run.err
    assert run.peak_rss_mb < MAX_RSS_MB, f"{case}: {run.peak_rss_mb:.0f} MB"


def test_the_cap_is_a_setting() -> None:
    """A smaller cap refuses a body the default accepts: the flag reaches the client."""
    with hostile(large_every_time(size=700 * 1024)) as url:
        run = run_cli("--url", url, "--max-response-bytes", "512KiB", "-k", "STATUS-SCHEMA")
    assert run.code == 2
    assert "larger than 512 KiB" in run.err


def _inflate(data: bytes, coding: str, cap: int) -> bytes:
    inflater = _Inflater(coding, cap)
    out = b""
    for piece in [*inflater.feed(data), *inflater.finish()]:
        out += piece
        if len(out) > cap:
            raise AnswerTooLarge("over the cap")
    return out


def test_inflating_is_bounded_a_slice_at_a_time() -> None:
    bomb = gzip_bomb()
    inflater = _Inflater("gzip", 16 * 1024 * 1024)
    first = next(inflater.feed(bomb))
    assert len(first) <= 1024 * 1024  # one slice, not the gigabyte behind it


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, no zlib header
    ],
)
def test_legitimate_compressed_bodies_are_decoded(coding: str, encode) -> None:
    body = b'{"data": {"mode": "disabled"}}' * 100
    assert _inflate(encode(body), coding, 1 << 20) == body


def test_a_broken_gzip_stream_is_one_sentence() -> None:
    with pytest.raises(AnswerUndecodable, match="not valid gzip"):
        _inflate(b"this is not gzip at all", "gzip", 1 << 20)
    with pytest.raises(AnswerUndecodable, match="cut short"):
        _inflate(gzip.compress(b'{"data": {}}')[:-6], "gzip", 1 << 20)


def test_json_shape_ignores_brackets_inside_strings() -> None:
    assert json_shape('{"a": [1, {"b": "[[[[{{{{"}], "c": "\\"[[,,"}')[0] == 3
    assert json_shape("[" * 1000 + "]" * 1000)[0] == 1000
    assert json_shape("plain text")[0] == 0

"""``replcheck run`` against a target that echoes the token in every encoding, in every error
body and every answer's headers (``tests/echoing_target.py``): no output of the run (terminal,
JUnit, JSON, HTML) holds 8 or more consecutive characters of the token, in any reading.

Issue 18's reproduction: the HTML report pretty-prints the decoded body, so a token echoed
``\\u``-escaped came out in plain text there."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from asgi_serving import serve_asgi
from echoing_target import echoing_proxy, leaks

from replcheck.conformance.cli import main
from replcheck.conformance.transport.masking import SUDO_LABEL
from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

_DRAW = random.Random(18)
#: The shortest token the rule covers, made of the characters JSON and URLs escape, and the
#: longest, of any sendable character.
TOKENS = ('x"y\\z/%7', "".join(chr(_DRAW.randrange(0x21, 0x7F)) for _ in range(128)))


@pytest.mark.parametrize("token", TOKENS, ids=("8-characters", "128-characters"))
def test_no_output_of_a_run_holds_the_echoed_token(
    token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ServerConfig(root_token=token, reindex_stage_seconds=0.002, log_level="warning")
    paths = {name: tmp_path / f"report.{name}" for name in ("junit", "json", "html")}
    with EmbeddedServer(config) as server, serve_asgi(echoing_proxy(server.url, token)) as url:
        code = main(
            ["run", "--url", url, "--token", token, "--profile", "full", "--seed", "18",
             "--max-examples", "2"]
            + [arg for name, path in paths.items() for arg in (f"--{name}", str(path))]
        )  # fmt: skip
    out = capsys.readouterr()
    assert code == 1, out.out[-3000:] + out.err[-2000:]  # the 401s are reported
    texts = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    texts["stdout"], texts["stderr"] = out.out, out.err
    assert SUDO_LABEL in texts["html"]  # the echoing bodies are shown, masked
    for name, text in texts.items():
        assert not leaks(text, token), f"the {name} output reveals the token"

"""``replcheck cleanup`` without a real server: what a hostile or odd target answers never puts
the token on screen, and flags are checked before anything is sent. (Its behaviour on a real
token store and ACL is in ``tests/openbao/test_openbao_cleanup_command.py``.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgi_serving import serve_asgi

from replcheck.conformance.cli import main

TOKEN = "hvs.cleanup0test0token0echoed0back"
LOOK_ALIKE = "replcheck-0a1b2c3d-non-sudo"


def _echoing(accessors_status: int) -> Any:
    """A target that knows the token, lists one policy named like a run's (whose answer, like
    every error it gives, echoes the token), and answers the accessor list with
    ``accessors_status``."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        method, path = scope["method"], scope["path"]
        status, body = 404, {"errors": [f"no such path for {TOKEN}"]}
        if path == "/v1/auth/token/lookup-self":
            status, body = 200, {"data": {"num_uses": 0}}
        elif (method, path) == ("LIST", "/v1/sys/policies/acl"):
            status, body = 200, {"data": {"keys": ["default", LOOK_ALIKE]}}
        elif path == f"/v1/sys/policies/acl/{LOOK_ALIKE}":
            status, body = 500, {"errors": [f"cannot read it for {TOKEN}"]}
        elif (method, path) == ("LIST", "/v1/auth/token/accessors"):
            status = accessors_status
            body = (
                {"data": {"keys": []}}
                if status == 200
                else {"errors": [f"permission denied for token {TOKEN}"]}
            )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})

    return app


def test_a_refusal_that_echoes_the_token_is_one_masked_sentence(capsys, monkeypatch) -> None:
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    with serve_asgi(_echoing(403)) as url:
        code = main(["cleanup", "--url", url, "--token", TOKEN])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("replcheck cleanup: error: the --token cannot list the token")
    assert captured.err.count("\n") == 1
    assert TOKEN not in captured.out + captured.err
    assert "a root token has both" in captured.err  # replcheck's own words are not masked


def test_a_policy_that_cannot_be_read_is_left_alone_masked(capsys, monkeypatch) -> None:
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    with serve_asgi(_echoing(200)) as url:
        code = main(["cleanup", "--url", url, "--token", TOKEN])
    captured = capsys.readouterr()
    assert code == 0, captured
    assert f"left alone: the policy {LOOK_ALIKE} could not be read" in captured.out
    assert TOKEN not in captured.out + captured.err
    assert captured.out.endswith(f"nothing to clean up on {url}\n")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--url", "http://127.0.0.1:1", "--token", "t", "--run-id", "5F3A9C01"], "--run-id"),
        (["--url", "http://127.0.0.1:1", "--token", "t", "--client-timeout", "0s"], "timeout"),
        (["--url", "ftp://127.0.0.1:1", "--token", "t"], "--url"),
    ],
)
def test_bad_flags_are_one_sentence_before_anything_is_sent(
    capsys, monkeypatch, args: list[str], said: str
) -> None:
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    assert main(["cleanup", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("replcheck cleanup: error: ") and err.count("\n") == 1, err
    assert said in err

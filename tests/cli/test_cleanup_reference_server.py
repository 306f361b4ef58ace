"""``replcheck cleanup`` against the reference server, whose token store answers the accessor
endpoints as Vault's does (``LIST auth/token/accessors`` with sudo, ``lookup-accessor``,
``revoke-accessor``): what a killed run left is found and removed, and a user's own token and
policy stay."""

from __future__ import annotations

import httpx

from replcheck.conformance.cli import main
from replcheck.conformance.provisioning.provision import NON_SUDO_POLICY, RUN_ID_META
from replcheck.reference_server.embedded import EmbeddedServer

RUN_ID = "0a1b2c3d"


def _api(server: EmbeddedServer, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(
        method, f"{server.url}/v1/{path}", headers={"X-Vault-Token": server.root_token},
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def _accessors(server: EmbeddedServer) -> set[str]:
    return set(_api(server, "LIST", "auth/token/accessors").json()["data"]["keys"])


def test_cleanup_removes_what_a_killed_run_left_and_nothing_else(capsys) -> None:
    with EmbeddedServer() as server:
        name = f"replcheck-{RUN_ID}-non-sudo"
        assert _api(server, "PUT", f"sys/policies/acl/{name}",
                    json={"policy": NON_SUDO_POLICY}).status_code == 204  # fmt: skip
        left = _api(server, "POST", "auth/token/create", json={
            "policies": [name], "no_default_policy": True, "display_name": name,
            "meta": {RUN_ID_META: RUN_ID}, "ttl": "30m",
        }).json()["auth"]["accessor"]  # fmt: skip
        mine = _api(server, "POST", "auth/token/create",
                    json={"policies": ["default"]}).json()["auth"]["accessor"]  # fmt: skip
        assert {left, mine} <= _accessors(server)

        code = main(["cleanup", "--url", server.url, "--token", server.root_token])
        out = capsys.readouterr().out
        assert code == 0, out
        assert name in out
        assert left not in _accessors(server) and mine in _accessors(server)
        assert _api(server, "GET", f"sys/policies/acl/{name}").status_code == 404
        assert main(["cleanup", "--url", server.url, "--token", server.root_token]) == 0
        assert "nothing to clean up" in capsys.readouterr().out

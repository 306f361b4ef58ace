"""Operational behaviour: logs without tokens, the catch-all, TLS, the per-section status."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess

import httpx
import pytest

from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

from .conftest import UPDATE_NO_SUDO, token_with_policy, vault


def test_access_log_names_routes_not_paths_or_tokens(client, caplog):
    token = token_with_policy(client, UPDATE_NO_SUDO)
    with caplog.at_level(logging.INFO, logger="replcheck.reference_server"):
        client.post("/v1/sys/replication/reindex", headers={"X-Vault-Token": token})
        client.get(f"/v1/sys/replication/status?token={token}")
        client.get(f"/v1/secret/{token}", headers={"X-Vault-Token": token})
    text = caplog.text
    assert "POST sys/replication/reindex 403" in text
    assert "GET sys/replication/status 200" in text
    assert token not in text and vault(client).root_token not in text


def test_an_internal_error_is_a_vault_style_500_logged_without_secrets(client, root, caplog,
                                                                       monkeypatch):
    def broken() -> list[str]:
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(vault(client).replication, "recover", broken)
    with caplog.at_level(logging.ERROR, logger="replcheck.reference_server"):
        response = client.raw_request("POST", "/v1/sys/replication/recover", headers=root)
    assert response.status_code == 500
    assert response.json() == {"errors": ["internal error"]}
    assert response.headers["content-type"] == "application/json"
    assert "sys/replication/recover" in caplog.text and "simulated failure" in caplog.text
    assert root["X-Vault-Token"] not in caplog.text


@pytest.mark.parametrize("section", ["dr", "performance"])
def test_per_section_status_is_unauthenticated(client, section):
    body = client.get(f"/v1/sys/replication/{section}/status").json()
    assert body["data"]["mode"] == "primary"
    assert body["data"]["cluster_id"] == vault(client).replication.status()[section]["cluster_id"]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    config = ServerConfig(tls_cert=str(cert), tls_key=str(key))
    with EmbeddedServer(config) as server:
        assert server.url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(cert))
        response = httpx.get(server.url + "/v1/sys/replication/status", verify=context)
        assert response.status_code == 200

"""Over a real socket: the embedded server, the hvac client, the 32 MiB limit, ``serve``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import hvac
import hvac.exceptions
import pytest

from replcheck.reference_server import cli
from replcheck.reference_server.config import ConfigError, ServerConfig, load_config
from replcheck.reference_server.embedded import EmbeddedServer

from .conftest import UPDATE_NO_SUDO, assert_conformant
from .serve_process import ServeProcess


@pytest.fixture(scope="module")
def server():
    with EmbeddedServer() as running:
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, event_hooks={"response": [_check]}) as client:
        yield client


def _check(response: httpx.Response) -> None:
    response.read()
    assert_conformant(response)


def test_embedded_server_answers_on_loopback(server, http):
    assert server.url.startswith("http://127.0.0.1:") and server.port > 0
    assert server.root_token.startswith("hvs.")
    assert http.get("/v1/sys/replication/status").status_code == 200
    reindex = http.post("/v1/sys/replication/reindex",
                        headers={"X-Vault-Token": server.root_token}, json={})
    assert reindex.status_code in (200, 400)


def test_hvac_talks_to_the_server(server):
    client = hvac.Client(url=server.url, token=server.root_token)
    assert client.is_authenticated()
    status = client.adapter.get("/v1/sys/replication/status")
    assert status["data"]["dr"]["mode"] == "primary"
    client.sys.create_or_update_acl_policy(name="hvac-ops", policy=UPDATE_NO_SUDO)
    assert "hvac-ops" in client.sys.list_acl_policies()["data"]["keys"]
    created = client.auth.token.create(policies=["hvac-ops"], ttl="10m")
    limited = hvac.Client(url=server.url, token=created["auth"]["client_token"])
    assert limited.lookup_token()["data"]["policies"] == ["default", "hvac-ops"]
    with pytest.raises(hvac.exceptions.Forbidden):
        limited.adapter.post("/v1/sys/replication/reindex", json={})
    recovered = limited.adapter.post("/v1/sys/replication/recover")
    assert recovered["warnings"]
    server.app.state.vault.replication.job = None  # let the root reindex below start fresh
    started = client.adapter.post("/v1/sys/replication/reindex", json={"skip_flush": True})
    assert started["warnings"]
    with pytest.raises(hvac.exceptions.Forbidden):
        hvac.Client(url=server.url, token="hvs.bogus").adapter.post(
            "/v1/sys/replication/recover"
        )
    client.auth.token.revoke_self  # noqa: B018 - the attribute exists in hvac
    client.sys.delete_acl_policy("hvac-ops")


def test_a_body_over_32_mib_is_refused_without_being_read_whole(server):
    sent = 0

    def chunks():
        nonlocal sent
        block = b" " * (1024 * 1024)
        for _ in range(40):
            sent += len(block)
            yield block

    with httpx.Client(base_url=server.url, timeout=30) as client:
        try:
            response = client.post("/v1/sys/replication/recover", content=chunks(),
                                   headers={"X-Vault-Token": server.root_token})
        except httpx.HTTPError:
            pytest.fail("the server dropped the connection instead of answering 413")
    assert response.status_code == 413
    assert response.json()["errors"]


def test_load_config_reads_yaml_and_json(tmp_path):
    yaml_file = tmp_path / "server.yaml"
    yaml_file.write_text(
        "scenario: perf-secondary\nport: 0\nroot_token: root\n"
        "performance:\n  mode: secondary\n  primary_cluster_addr: https://p:8201\n"
        "  state: merkle-sync\n  connection_state: connecting\n"
        "  peers:\n    - {api_address: 'https://p:8200', cluster_address: 'https://p:8201'}\n"
    )
    config = load_config(yaml_file)
    assert config.scenario == "perf-secondary" and config.root_token == "root"
    assert config.performance is not None and config.performance.state == "merkle-sync"
    json_file = tmp_path / "server.json"
    json_file.write_text(json.dumps({"scenario": "community", "reindex_stage_seconds": 0}))
    assert load_config(json_file).scenario == "community"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port: http", "'port' (flag --port of replcheck serve) must be an integer"),
        ("scenario: weird", "'scenario' (flag --state of replcheck serve) must be one of"),
        ("colour: blue", "unknown setting 'colour'"),
        ("dr: {mode: tertiary}", "'dr.mode' must be one of"),
        ("dr: {mode: primary, peers: [{api_address: a, cluster_address: b}]}",
         "'dr.peers[0].node_id'"),
        ("dr: {peers: [{api_address: a}]}", "dr.peers[0] is missing a required setting"),
        ("tls_cert: a.pem", "--tls-cert and --tls-key (config keys 'tls_cert' and 'tls_key')"),
        ("[not, a, mapping]", "must be a mapping"),
        ("port: [1", "not valid YAML/JSON"),
    ],
)
def test_bad_config_names_the_key_and_value(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_server_config_validates_in_code():
    with pytest.raises(ValueError, match="heartbeat_interval_seconds"):
        ServerConfig(heartbeat_interval_seconds=0)


def _serve_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--config", "/nonexistent/x.yaml"], "cannot read config file"),
        (["--tls-cert", "cert.pem"], "--tls-cert and --tls-key (config keys"),
        (["--dev-root-token", " "], "'root_token' (flag --dev-root-token of replcheck serve)"),
        (["--tls-cert", "nope.pem", "--tls-key", "nope.key"], "cannot load TLS certificate"),
    ],
)
def test_serve_refuses_bad_settings_with_exit_2(capsys, argv, message):
    assert cli.serve(_serve_args(*argv)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_serve_reports_a_busy_port_with_exit_2_in_one_sentence(capsys, server):
    assert cli.serve(_serve_args("--port", str(server.port))) == 2
    err = capsys.readouterr().err
    assert err.startswith("replcheck serve: cannot listen on") and err.count("\n") == 1


def _replcheck() -> list[str]:
    script = Path(sys.executable).with_name("replcheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "replcheck.conformance.cli"]


def test_replcheck_serve_runs_as_a_process(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("scenario: disabled\n")
    process = subprocess.Popen(
        [*_replcheck(), "serve", "--port", "0", "--config", str(config),
         "--dev-root-token", "dev-root", "--state", "dr-perf-primary"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        address = token = None
        assert process.stdout is not None
        for line in process.stdout:
            if "Api Address:" in line:
                address = line.split("Api Address:")[1].strip()
            if line.startswith("Root Token:"):
                token = line.split(":", 1)[1].strip()
                break
        assert address and address.startswith("http://127.0.0.1:")
        assert token == "dev-root"
        with httpx.Client(base_url=address, timeout=10) as client:
            data = None
            deadline = time.monotonic() + 30  # the banner is printed just before uvicorn accepts
            while data is None and time.monotonic() < deadline:
                try:
                    data = client.get("/v1/sys/replication/status").json()["data"]
                except httpx.ConnectError:
                    time.sleep(0.02)
            assert data is not None and data["dr"]["mode"] == "primary"  # flag beat the file
            denied = client.post("/v1/sys/replication/reindex",
                                 headers={"X-Vault-Token": "wrong"})
            assert denied.status_code == 403
            ok = client.post("/v1/sys/replication/recover",
                             headers={"X-Vault-Token": "dev-root"})
            assert ok.status_code == 200
    finally:
        process.terminate()
        _, err = process.communicate(timeout=15)
    # SIGTERM ends serve as it ends run: 128 + 15, after uvicorn's graceful shutdown.
    assert process.returncode == 143, err
    assert err.rstrip().endswith("replcheck: terminated")
    assert "Shutting down" in err
    assert "dev-root" not in err  # tokens never reach the log


def test_replcheck_serve_bad_flag_is_one_sentence():
    result = subprocess.run([*_replcheck(), "serve", "--state", "nope"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "--state" in result.stderr


def test_ctrl_c_ends_serve_with_130_like_run(tmp_path):
    """SIGINT (Ctrl-C) is reported as 128 + 2, the status ``replcheck run`` gives it too."""
    with ServeProcess(tmp_path / "serve.log") as server:
        assert server.process is not None
        server.process.send_signal(signal.SIGINT)
        server.process.wait(timeout=15)
        assert server.process.returncode == 130
    assert server.log().rstrip().endswith("replcheck: interrupted")


def test_idle_keep_alive_connection_outlives_uvicorns_default(server):
    """Vault keeps an idle connection for its ``http_idle_timeout`` (5 minutes); uvicorn's
    default would close it after 5 s, and a pooled client reusing it then gets a reset."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        request = b"GET /v1/sys/seal-status HTTP/1.1\r\nHost: vault\r\n\r\n"
        conn.sendall(request)
        assert conn.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(6)
        conn.sendall(request)
        assert conn.recv(65536).startswith(b"HTTP/1.1 200")

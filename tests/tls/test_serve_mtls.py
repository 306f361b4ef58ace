"""``replcheck serve --tls-client-ca``: the reference server requires client certificates, and
``replcheck run`` judges it end to end over mutual TLS (two processes, as a user runs them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tls_pki import Pki

from replcheck.reference_server.config import ConfigError, ServerConfig, load_config


def _replcheck() -> list[str]:
    script = Path(sys.executable).with_name("replcheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "replcheck.conformance.cli"]


def test_replcheck_run_judges_replcheck_serve_over_mutual_tls(pki: Pki, tmp_path: Path) -> None:
    server = subprocess.Popen(
        [*_replcheck(), "serve", "--port", "0", "--dev-root-token", "mtls-root",
         "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key),
         "--tls-client-ca", str(pki.ca)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert server.stdout is not None
        address = None
        for line in server.stdout:
            if "Api Address:" in line:
                address = line.split("Api Address:")[1].strip()
            if line.startswith("Root Token:"):
                break
        assert address is not None and address.startswith("https://127.0.0.1:")
        env = {
            **os.environ,
            "VAULT_ADDR": address,
            "VAULT_TOKEN": "mtls-root",
            "VAULT_CACERT": str(pki.ca),
        }
        base = [*_replcheck(), "run", "--seed", "1", "--max-examples", "2", "-k", "status"]
        without = subprocess.run(base, env=env, capture_output=True, text=True, timeout=120)
        assert without.returncode == 2, without.stderr
        assert "--client-cert" in without.stderr and "Traceback" not in without.stderr
        env["VAULT_CLIENT_CERT"] = str(pki.client_cert)
        env["VAULT_CLIENT_KEY"] = str(pki.client_key)
        judged = subprocess.run(base, env=env, capture_output=True, text=True, timeout=120)
        assert judged.returncode == 0, judged.stdout[-3000:] + judged.stderr
        assert "CONFORMANT" in judged.stdout
    finally:
        server.terminate()
        server.communicate(timeout=15)


def test_the_client_ca_is_a_config_key_too(tmp_path: Path, pki: Pki) -> None:
    path = tmp_path / "server.yaml"
    path.write_text(
        f"tls_cert: {pki.server_cert}\ntls_key: {pki.server_key}\ntls_client_ca: {pki.ca}\n"
    )
    assert load_config(path).tls_client_ca == str(pki.ca)


def test_the_client_ca_needs_a_server_certificate(pki: Pki) -> None:
    with pytest.raises(ConfigError) as caught:
        ServerConfig(tls_client_ca=str(pki.ca))
    assert "--tls-client-ca (config key 'tls_client_ca') needs --tls-cert and --tls-key" in str(
        caught.value
    )


def test_serve_refuses_an_unreadable_client_ca_with_exit_2(pki: Pki, tmp_path: Path) -> None:
    done = subprocess.run(
        [*_replcheck(), "serve", "--port", "0", "--tls-cert", str(pki.server_cert),
         "--tls-key", str(pki.server_key), "--tls-client-ca", str(tmp_path / "missing.pem")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot load the client CA file" in done.stderr

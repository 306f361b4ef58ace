"""The pytest plugin over TLS: its fixtures and schemathesis's tests use the same TLS settings
as ``replcheck run`` (flags, ini twins, environment), and a user's session with warnings as
errors (``-W error``, a project's ``filterwarnings = error``) passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from tls_pki import Pki

from replcheck.reference_server.embedded import EmbeddedServer

TOKEN = "tls-root-token"

USER_TESTS = """
import schemathesis
from hypothesis import settings

schema = schemathesis.pytest.from_fixture("replication_schema")


def test_status(replication_status):
    assert replication_status["dr"]["mode"] == "primary"


def test_client(vault_client):
    assert vault_client.post("sys/replication/recover").status_code in (200, 204)


@schema.parametrize()
@settings(max_examples=2, database=None)
def test_contract(case):
    case.call_and_validate()
"""


def _mtls_flags(pki: Pki) -> list[str]:
    return [
        "--vault-cacert", str(pki.ca),
        "--vault-client-cert", str(pki.client_cert),
        "--vault-client-key", str(pki.client_key),
    ]  # fmt: skip


def test_fixtures_and_generated_tests_over_mutual_tls_under_warnings_as_errors(
    pytester: pytest.Pytester, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(
        "-W", "error", "--vault-addr", mtls_server.url, "--vault-token", TOKEN,
        *_mtls_flags(pki), "-p", "no:cacheprovider",
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 3, result.stdout.str()[-3000:]
    assert "failed" not in outcomes and "errors" not in outcomes, result.stdout.str()[-3000:]


def test_ini_twins_and_a_ca_folder(
    pytester: pytest.Pytester, tmp_path: Path, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    """A CA folder with a plain name (no ``<hash>.0``) serves the fixtures and schemathesis's
    generated tests alike."""
    folder = tmp_path / "cas"
    folder.mkdir()
    (folder / "ca.pem").write_bytes(pki.ca.read_bytes())
    pytester.makeini(
        "[pytest]\nfilterwarnings = error\n"
        f"vault_addr = {mtls_server.url}\nvault_token = {TOKEN}\n"
        f"vault_capath = {folder}\nvault_client_cert = {pki.client_cert}\n"
        f"vault_client_key = {pki.client_key}\n"
    )
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 3, result.stdout.str()[-3000:]
    assert "failed" not in outcomes and "errors" not in outcomes, result.stdout.str()[-3000:]


def test_without_a_client_certificate_the_fixtures_fail(
    pytester: pytest.Pytester, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(
        "--vault-addr", mtls_server.url, "--vault-token", TOKEN, "--vault-cacert", str(pki.ca),
        "-k", "status or client", "-p", "no:cacheprovider",
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) == 0, result.stdout.str()[-3000:]


def test_the_server_name_reaches_the_fixtures(
    pytester: pytest.Pytester, pki: Pki, named_server: EmbeddedServer
) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    base = [
        "-W", "error", "--vault-addr", named_server.url, "--vault-token", TOKEN,
        "--vault-cacert", str(pki.ca), "-k", "status or client", "-p", "no:cacheprovider",
    ]  # fmt: skip
    named = pytester.runpytest_subprocess(*base, "--vault-tls-server-name", "vault.test")
    assert named.parseoutcomes().get("passed") == 2, named.stdout.str()[-3000:]
    unnamed = pytester.runpytest_subprocess(*base)
    assert unnamed.parseoutcomes().get("passed", 0) == 0, unnamed.stdout.str()[-3000:]


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (("--vault-client-cert", "c.pem"),
         ("--vault-client-cert", "--vault-client-key", "VAULT_CLIENT_KEY")),
        (("--vault-client-cert", "missing.pem", "--vault-client-key", "missing.key"),
         ("cannot load the client certificate", "--vault-client-cert", "VAULT_CLIENT_CERT")),
    ],
)  # fmt: skip
def test_bad_tls_options_name_the_plugin_flags(
    pytester: pytest.Pytester, flags: tuple[str, ...], words: tuple[str, ...]
) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(
        "--vault-addr", "https://127.0.0.1:1", *flags, "-k", "status", "-p", "no:cacheprovider",
    )  # fmt: skip
    text = result.stdout.str() + result.stderr.str()
    assert result.ret != 0
    for word in words:
        assert word in text, text[-3000:]

"""Users' own tests: each fixture against a live server, the marker in replcheck's reports."""

from __future__ import annotations

import pytest
from plugin_servers import ROOT_TOKEN, Served, read_json

#: A user's test file using every fixture (the README's worked example, with a small budget).
USER_TESTS = """
import pytest
import schemathesis
from hypothesis import settings

schema = schemathesis.pytest.from_fixture("replication_schema")


def test_target(vault_target):
    assert vault_target.url.startswith("http://127.0.0.1:")
    assert vault_target.token and vault_target.token not in repr(vault_target)


@pytest.mark.replcheck_requirement("STATUS-MODE-SHAPE")
def test_dr_primary_knows_its_secondaries(replication_status):
    dr = replication_status["dr"]
    assert dr["mode"] == "primary"
    assert {peer["node_id"] for peer in dr["secondaries"]} <= set(dr["known_secondaries"])


@pytest.mark.replcheck_requirement("REINDEX-SUDO")
def test_non_sudo_token_cannot_reindex(vault_client, vault_non_sudo_token):
    answer = vault_client.post(
        "sys/replication/reindex", headers={"X-Vault-Token": vault_non_sudo_token}
    )
    assert answer.status_code == 403, answer.text


def test_client_carries_the_sudo_token(vault_client):
    assert vault_client.post("sys/replication/recover").status_code in (200, 204)


@pytest.mark.replcheck_requirement("RECOVER-METHODS")
def test_leaks_the_token_on_failure(vault_target):
    assert vault_target.token == "something else"


@schema.parametrize()
@settings(max_examples=4, database=None)
def test_contract(case):
    case.call_and_validate()
"""


def test_every_fixture_passes_against_the_reference_server(
    pytester: pytest.Pytester, reference: Served
) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    report = pytester.path / "replcheck.json"
    result = pytester.runpytest_subprocess(
        "--vault-addr", reference.url, "--vault-token", ROOT_TOKEN,
        "--replcheck-profile", "full", "--replcheck-json", str(report), "-p", "no:cacheprovider",
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1, result.stdout.str()[-3000:]
    assert "errors" not in outcomes and outcomes["passed"] >= 5
    result.stdout.fnmatch_lines(["FAILED test_user.py::test_leaks_the_token_on_failure*"])
    # The failing assertion compares the token: pytest would print it; the plugin masks it.
    assert ROOT_TOKEN not in result.stdout.str() + result.stderr.str()
    assert "$VAULT_TOKEN" in result.stdout.str()

    document = read_json(report)
    assert ROOT_TOKEN not in report.read_text(encoding="utf-8")
    by_id = {entry["id"]: entry for entry in document["requirements"]}
    assert set(by_id) == {"STATUS-MODE-SHAPE", "REINDEX-SUDO", "RECOVER-METHODS"}
    assert by_id["STATUS-MODE-SHAPE"]["outcome"] == "passed"
    assert by_id["REINDEX-SUDO"]["checks"][0]["name"] == (
        "test_user.py::test_non_sudo_token_cannot_reindex"
    )
    assert by_id["RECOVER-METHODS"]["outcome"] == "failed"
    assert "test_leaks_the_token_on_failure" in by_id["RECOVER-METHODS"]["findings"][0]["message"]
    assert document["verdict"] == "not conformant"
    # The provisioned non-sudo token and its policy were removed at the end of the session.
    assert reference.leftovers() == ([], 0)


def test_schema_fixture_judges_with_replcheck_judges(
    pytester: pytest.Pytester, broken: Served
) -> None:
    """Against a server that drops Cache-Control from status, the schemathesis test fails with
    the engine's judge and requirement id (schemathesis's own checks would not look)."""
    pytester.makepyfile(
        test_schema="""
        import schemathesis
        from hypothesis import settings

        schema = schemathesis.pytest.from_fixture("replication_schema")

        @schema.include(method="GET").parametrize()
        @settings(max_examples=2, database=None)
        def test_status(case):
            case.call_and_validate()
        """
    )
    result = pytester.runpytest_subprocess(
        "--vault-addr", broken.url, "-p", "no:cacheprovider"
    )  # fmt: skip
    result.stdout.fnmatch_lines(
        [
            "*Custom check failed: `replcheck_vault_judges`*",
            "*VAULT-CACHE-CONTROL (cache_control):*Cache-Control absent; expected*no-store*",
            "FAILED test_schema.py::test_status*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_embedded_server_for_the_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_embedded(vault_target, replication_status):
            assert vault_target.embedded and vault_target.profile == "full"
            assert set(replication_status) >= {"dr", "performance"}
        """
    )
    # In a subprocess: an in-process run would import httpx's lazily loaded transport modules
    # and drop them at its end, leaving this process with two copies of their exceptions.
    result = pytester.runpytest_subprocess("--replcheck-embedded", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_non_sudo_fixture_provisions_only_when_the_session_may(
    pytester: pytest.Pytester, reference: Served
) -> None:
    """Safe profile: skipped with the reason (nothing written); --replcheck-provision: made."""
    pytester.makepyfile(
        "def test_uses_it(vault_non_sudo_token):\n    assert vault_non_sudo_token\n"
    )
    base = ("--vault-addr", reference.url, "--vault-token", ROOT_TOKEN,
            "-p", "no:cacheprovider", "-rs")  # fmt: skip
    safe = pytester.runpytest_subprocess(*base)
    safe.assert_outcomes(skipped=1)
    safe.stdout.fnmatch_lines(["*the safe profile provisions nothing without --replcheck-prov*"])
    pytester.runpytest_subprocess(*base, "--replcheck-provision").assert_outcomes(passed=1)

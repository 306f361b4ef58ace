"""Users' own tests: each fixture against a live server, the marker in replcheck's reports."""

from __future__ import annotations

import pytest
from plugin_servers import ROOT_TOKEN, Served, read_json

#: A user's test file using every fixture (docs/plugin.md's worked example, with a small
#: budget), a test failing on its own assertion and one reporting a deviation of the target.
USER_TESTS = """
import pytest
import schemathesis
from hypothesis import settings

from replcheck.conformance.plugin import target_deviates

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


@pytest.mark.replcheck_requirement("VAULT-CACHE-CONTROL")
def test_reports_a_deviation(vault_client):
    answer = vault_client.get("sys/replication/status")
    target_deviates(f"pretend: answered {answer.status_code}", expected="no-store, said the test")


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
    assert outcomes.get("failed") == 2, result.stdout.str()[-3000:]
    assert "errors" not in outcomes and outcomes["passed"] >= 5
    result.stdout.fnmatch_lines(["FAILED test_user.py::test_leaks_the_token_on_failure*"])
    # The failing assertion compares the token: pytest would print it; the plugin masks it.
    assert ROOT_TOKEN not in result.stdout.str() + result.stderr.str()
    assert "$VAULT_TOKEN" in result.stdout.str()

    document = read_json(report)
    assert ROOT_TOKEN not in report.read_text(encoding="utf-8")
    by_id = {entry["id"]: entry for entry in document["requirements"]}
    assert set(by_id) == {
        "STATUS-MODE-SHAPE", "REINDEX-SUDO", "RECOVER-METHODS", "VAULT-CACHE-CONTROL"
    }
    assert by_id["STATUS-MODE-SHAPE"]["outcome"] == "passed"
    assert by_id["REINDEX-SUDO"]["checks"][0]["name"] == (
        "test_user.py::test_non_sudo_token_cannot_reindex"
    )
    # A plain assert failing is the test's own failure, not a finding against the target.
    leaks = by_id["RECOVER-METHODS"]
    assert leaks["outcome"] == "not run" and leaks["findings"] == []
    assert "test_leaks_the_token_on_failure failed on its own (" in leaks["reason"]
    assert "AssertionError" in leaks["reason"] and ROOT_TOKEN not in leaks["reason"]
    assert "not through target_deviates()" in leaks["reason"]
    # target_deviates is: a finding with what the test said, against the marked requirement.
    (finding,) = by_id["VAULT-CACHE-CONTROL"]["findings"]
    assert by_id["VAULT-CACHE-CONTROL"]["outcome"] == "failed"
    assert finding["message"] == "test_user.py::test_reports_a_deviation: pretend: answered 200"
    assert finding["expected"] == "no-store, said the test"
    assert document["verdict"] == "not conformant"
    # The requests the marked tests sent through the plugin's clients are counted: one status
    # read each for three of them (the schemathesis cases are the engine's concern).
    requests = {rid: entry["checks"][0]["requests"] for rid, entry in by_id.items()}
    assert requests == {
        "STATUS-MODE-SHAPE": 1, "REINDEX-SUDO": 1, "RECOVER-METHODS": 0, "VAULT-CACHE-CONTROL": 1
    }
    assert document["requests_sent"] == 3
    result.stdout.fnmatch_lines(["target *, profile full, seed * (replay with *), 3 requests"])
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


def test_without_a_target_a_fixture_says_why_once(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    pytester.makepyfile(
        """
        def test_status(replication_status):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "During handling of the above exception" not in out
    errors = out[out.index("= ERRORS =") : out.index("short test summary info")]
    assert errors.count("replcheck: no target") == 1, errors
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

"""The bundled suite: the engine's checks as pytest tests, with the engine's ids and verdicts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from plugin_servers import ROOT_TOKEN, SUITE_ARGS, Served, outcomes, read_json

from replcheck.conformance.engine.runner import run
from replcheck.conformance.plugin_support.suite import suite_ids
from replcheck.conformance.report import render_json
from replcheck.conformance.settings.target import Settings

#: What the broken server must be caught by: a check (sudo) and a judge (Cache-Control).
CAUGHT = (
    "REINDEX-SUDO::refuses_token_without_sudo",
    "VAULT-CACHE-CONTROL::cache_control",
)


def _suite(pytester: pytest.Pytester, server: Served, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--pyargs", "replcheck.conformance.suite", "--vault-addr", server.url, *SUITE_ARGS, *args
    )  # fmt: skip


def test_test_ids_are_the_engines_check_ids(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--pyargs", "replcheck.conformance.suite", "--collect-only", "-q")
    collected = [line for line in result.outlines if "::test_requirement[" in line]
    assert [line.split("[", 1)[1].rstrip("]") for line in collected] == suite_ids()


def test_broken_server_fails_with_the_right_ids_serial_xdist_and_replcheck_run(
    pytester: pytest.Pytester, broken: Served
) -> None:
    """Serial, ``-n 2`` and ``replcheck run`` (same seed) give the same verdict per check; the
    failures name the requirement, the exchange and a curl line, and no token appears."""
    serial_json, xdist_json = pytester.path / "serial.json", pytester.path / "xdist.json"
    junit = pytester.path / "junit.xml"
    serial = _suite(
        pytester, broken, "--vault-token", ROOT_TOKEN, "--replcheck-profile", "full",
        "--replcheck-json", str(serial_json), "--junitxml", str(junit),
    )  # fmt: skip
    parallel = _suite(
        pytester, broken, "--vault-token", ROOT_TOKEN, "--replcheck-profile", "full",
        "--replcheck-json", str(xdist_json), "-n", "2",
    )  # fmt: skip
    engine = read_json(
        render_json(
            run(Settings(url=broken.url, token=ROOT_TOKEN, seed=11, max_examples=4, profile="full"))
        )
    )

    failed = {
        line.split("[", 1)[1].split("]", 1)[0]
        for line in serial.outlines
        if line.startswith("FAILED ")
    }
    assert set(CAUGHT) <= failed, serial.stdout.str()[-3000:]
    assert serial.ret == parallel.ret == pytest.ExitCode.TESTS_FAILED
    assert outcomes(read_json(serial_json)) == outcomes(read_json(xdist_json)) == outcomes(engine)
    assert {k for k, v in outcomes(engine).items() if v == "failed"} == failed

    text = serial.stdout.str()
    serial.stdout.fnmatch_lines(
        [
            "*REINDEX-SUDO [[]MUST] failed: * finding(s)",
            "requirement: POST /v1/sys/replication/reindex MUST*",
            "*sent:*POST http://127.0.0.1:*/v1/sys/replication/reindex*",
            '*reproduce:   curl * -H "X-Vault-Token: $VAULT_NON_SUDO_TOKEN"*',
        ]
    )
    assert "NOT CONFORMANT" in text and "seed 11" in text
    cases = {
        case.get("name", "").split("[", 1)[-1].rstrip("]"): case
        for case in ET.parse(junit).getroot().iter("testcase")
    }
    assert all(cases[check_id].find("failure") is not None for check_id in CAUGHT)
    for output in (text, parallel.stdout.str(), junit.read_text(), serial_json.read_text()):
        assert ROOT_TOKEN not in output
    # Every process provisioned its own non-sudo token; all were revoked, policies deleted.
    assert broken.leftovers() == ([], 0)


def test_without_a_token_the_sudo_checks_are_skipped_loudly(
    pytester: pytest.Pytester, reference: Served
) -> None:
    result = _suite(pytester, reference, "-k", "SUDO or STATUS-UNAUTHENTICATED", "-rs")
    outcomes_ = result.parseoutcomes()
    # STATUS-UNAUTHENTICATED, DR-STATUS-UNAUTHENTICATED and PERFORMANCE-STATUS-UNAUTHENTICATED
    assert outcomes_.get("passed") == 3 and outcomes_.get("skipped", 0) >= 2
    assert "failed" not in outcomes_ and "errors" not in outcomes_
    result.stdout.fnmatch_lines(
        [
            "*replcheck*",
            "  not run     2 requirements: no --vault-non-sudo-token, and no --vault-token *",
            "      REINDEX-SUDO, REINDEX-SUDO-PATH-VARIANTS",
            "  not run     1 requirement: *runs only with --replcheck-profile full",
            "      REINDEX-SUCCESS",
            "CONFORMANT: every judged requirement passed*",
            "Judged: URL *; safe profile, strict off: * MUSTs not judged — add *"
            "--vault-non-sudo-token T (2)* to judge them.",
            "SKIPPED * replcheck not run: REINDEX-SUDO: no --vault-non-sudo-token, and no *",
        ]
    )


def test_unreachable_target_is_an_error_in_one_sentence(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "replcheck.conformance.suite", "--vault-addr", "http://127.0.0.1:9", "-k",
        "STATUS-UNAUTHENTICATED", "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(errors=3)  # status, and the DR and performance status sections
    result.stdout.fnmatch_lines(["*replcheck: the run could not be made: cannot connect to*"])
    assert "Traceback" not in result.stdout.str()


def test_community_edition_fails_the_gate_as_replcheck_run_does(
    pytester: pytest.Pytester, community: Served
) -> None:
    """Every replication check is skipped as unsupported there, yet the session must not pass:
    ``replcheck run`` exits 1 (UNSUPPORTED) on Community Edition, and the plugin is the same
    gate."""
    result = _suite(pytester, community, "--vault-token", ROOT_TOKEN)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(["*UNSUPPORTED*"])
    assert "failed" not in result.parseoutcomes()

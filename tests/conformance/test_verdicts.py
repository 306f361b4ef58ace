"""Verdicts that mean what they say: nothing judged is never passed, a run that judged nothing
exits 2, a wrong token is the user's mistake (exit 2), ``--strict`` fails on gaps, and the full
profile changes nothing on a target whose cluster ids it could not read."""

from __future__ import annotations

import pytest
from suite_support import ROOT_TOKEN, app_for, serve_app, settings_for, wrap

from replcheck import spec
from replcheck.conformance.cli import main
from replcheck.conformance.engine.aborted import RunAborted
from replcheck.conformance.engine.run_result import Verdict
from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome

STATUS = "/v1/sys/replication/status"
CAPABILITIES = "/v1/sys/capabilities-self"
#: The status invariants that have nothing to judge when status is not answered with a body.
STATUS_INVARIANTS = (
    "STATUS-MODE-SHAPE",
    "STATUS-KNOWN-SECONDARIES",
    "STATUS-INTEGER-STRINGS",
    "STATUS-HEARTBEAT-PLAUSIBLE",
    "STATUS-STABLE-IDS",
    "STATUS-WAL-MONOTONIC",
)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["run", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _answer_401_on_status():
    """The reference server, broken one way: status answers 401 (and no body to judge)."""

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == STATUS and scope["method"] == "GET":
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"errors":["unauthorized"]}'})
            return
        await inner(scope, receive, send)

    inner = app_for()
    return app


def test_status_invariants_are_not_run_when_status_gives_nothing_to_judge() -> None:
    with serve_app(_answer_401_on_status()) as url:
        result = run(settings_for(url, profile="safe"))
    for rid in STATUS_INVARIANTS:
        outcome = result.results[rid]
        assert outcome.outcome is Outcome.NOT_RUN, (rid, outcome.outcome, outcome.reason)
        assert outcome.reason, rid
    assert "401" in result.results["STATUS-MODE-SHAPE"].reason
    assert result.results["STATUS-UNAUTHENTICATED"].outcome is Outcome.FAILED
    assert result.exit_code == 1


def test_full_profile_makes_no_state_changing_call_without_the_cluster_ids(capsys) -> None:
    answered: list[tuple[str, str, int]] = []

    def seen(scope: dict, message: dict) -> None:
        answered.append((scope["method"], scope["path"], message["status"]))

    with serve_app(wrap(_answer_401_on_status(), on_response=seen)) as url:
        code, out, _ = _run(
            capsys, "--url", url, "--token", ROOT_TOKEN, "--profile", "full", "--seed", "2",
            "--max-examples", "3", "--json", "/dev/null", "--verbose",
        )  # fmt: skip
    assert "no state-changing call is made" in out
    assert code == 1  # STATUS-UNAUTHENTICATED failed
    # The mutating checks were not run, and the fuzzer kept to requests that cannot succeed.
    changed = [
        (method, path, status)
        for method, path, status in answered
        if path.endswith(("/recover", "/reindex")) and 200 <= status < 300
    ]
    assert changed == []
    assert any(path.endswith("/reindex") for _, path, _ in answered)  # it did judge them
    assert "not run     REINDEX-SUCCESS" in out and "not run     RECOVER-SUCCESS" in out
    assert "cluster ids could not be read" in out


def test_a_wrong_token_stops_the_run_with_one_sentence(capsys, reference) -> None:
    code, out, err = _run(capsys, "--url", reference.url, "--token", "wrong", "--seed", "1")
    assert code == 2
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "the --token was refused by the target" in lines[0], err
    assert "NOT CONFORMANT" not in out


def test_a_wrong_non_sudo_token_stops_the_run_too(reference) -> None:
    with pytest.raises(RunAborted, match="--non-sudo-token was refused"):
        run(settings_for(reference.url, non_sudo_token="hvs.not0a0real0token0000"))


def test_a_keyword_that_selects_nothing_exits_2_before_sending(capsys) -> None:
    code, out, err = _run(capsys, "--embedded", "-k", "nomatchatall", "--seed", "1")
    assert code == 2
    assert "selects no check" in err and "CONFORMANT" not in out


def test_a_run_without_a_token_passes_only_with_what_it_judged_and_strict_gives_no_verdict(
    capsys, reference
) -> None:
    """A missing secret under --strict is no verdict (exit 2, one sentence naming the flag),
    not a broken target (exit 1)."""
    code, out, _ = _run(
        capsys, "--url", reference.url, "--seed", "1", "--max-examples", "3", "--verbose"
    )
    assert code == 0, out[-2000:]
    assert "not run     REINDEX-SUDO" in out
    code, out, err = _run(
        capsys, "--url", reference.url, "--seed", "1", "--max-examples", "3", "--strict"
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("replcheck run: error: --strict"), err
    assert "need the sudo token (pass --token T or VAULT_TOKEN)" in err
    assert "CONFORMANT" not in out and "passed" not in out


def test_strict_in_the_safe_profile_needs_the_tokens_it_will_not_provision(
    capsys, reference
) -> None:
    code, out, err = _run(
        capsys, "--url", reference.url, "--token", ROOT_TOKEN, "--seed", "1", "--strict",
    )  # fmt: skip
    assert code == 2 and "CONFORMANT" not in out
    assert "REINDEX-SUDO, REINDEX-SUDO-PATH-VARIANTS need a token without sudo" in err
    assert "--non-sudo-token T, or --provision" in err
    # A token without update can only be provisioned (a write): left by choice, not asked for.
    assert "RECOVER-CAPABILITY" not in err


def test_strict_from_the_environment_and_the_profile_is_not_a_gap(
    capsys, reference, monkeypatch
) -> None:
    """The safe profile leaves the mutating requirements not run by choice: strict passes, and
    the verdict line says how many MUSTs that left unjudged and what would judge them."""
    monkeypatch.setenv("REPLCHECK_STRICT", "1")
    code, out, _ = _run(
        capsys, "--url", reference.url, "--token", ROOT_TOKEN, "--seed", "1",
        "--max-examples", "3", "--profile", "safe", "--provision", "--verbose",
    )  # fmt: skip
    assert code == 0, out[-3000:]
    assert "not run     REINDEX-SUCCESS" in out
    assert out.splitlines()[-2] == (
        f"Judged: URL {reference.url}; safe profile, strict on: 7 MUSTs not judged — add "
        f"--profile full (7) to judge them ({_topology_count()} left to replcheck run "
        f"--topology, {_unjudged_count()} judged by no check yet)."
    )


def test_a_non_sudo_token_whose_sudo_cannot_be_verified_is_not_used(reference) -> None:
    """capabilities-self denied: assuming no sudo could start a real reindex; not used."""

    def deny(scope: dict, message: dict) -> None:
        if scope["path"] == CAPABILITIES:
            message["status"] = 403

    with serve_app(wrap(app_for(), on_response=deny)) as url:
        result = run(
            settings_for(url, non_sudo_token=ROOT_TOKEN, keyword="REINDEX-SUDO", profile="safe")
        )
    outcome = result.results["REINDEX-SUDO"]
    assert outcome.outcome is Outcome.NOT_RUN
    assert "would not say whether the --non-sudo-token has sudo" in outcome.reason


def test_each_verdict_keeps_its_report_string_and_exit_code() -> None:
    """The JSON report's ``verdict`` strings and ``replcheck run``'s exit codes are a published
    interface: the enum must not change them."""
    assert {verdict.value: verdict.exit_code for verdict in Verdict} == {
        "conformant": 0,
        "plan": 0,
        "not conformant": 1,
        "unsupported": 1,
        "incomplete": 2,
        "nothing judged": 2,
        "interrupted": 130,
    }


def _topology_count() -> int:
    """The requirements a single-cluster run leaves to a topology run."""
    return sum(1 for r in spec.requirements() if r.topology and r.judged)


def _unjudged_count() -> int:
    """The requirements no check of this release judges (``judged: false``)."""
    return sum(1 for r in spec.requirements() if not r.judged)

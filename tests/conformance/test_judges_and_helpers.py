"""Unit tests of the judges (legitimate Vault answers pass, deviations are found), the legacy
missing-token tolerance, masking and curl lines, and ``-k`` expressions."""

from __future__ import annotations

import json

import pytest

from replcheck.conformance.checks import judges
from replcheck.conformance.checks.context import CheckContext, RunState
from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.settings.selection import Selection, SelectionError
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import RecordingClient
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest
from replcheck.conformance.transport.masking import Masker

JSON_ONLY = (("Content-Type", "application/json"),)
JSON = (*JSON_ONLY, ("Cache-Control", "no-store"))
TOKEN = "hvs.averyrealisticlookingtoken00"


def exchange(
    status: int,
    body: object = None,
    *,
    method: str = "POST",
    path: str = "/v1/sys/replication/reindex",
    headers=JSON,
    operation: str | None = "POST /sys/replication/reindex",
) -> Exchange:
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    return Exchange(
        SentRequest(method, f"http://127.0.0.1:1{path}", (("X-Vault-Token", TOKEN),)),
        ReceivedResponse(status, headers, text),
        purpose="test",
        operation=operation,
    )


def verdicts(judge, ex: Exchange) -> list[tuple[str, str]]:
    return list(judge(ex, (TOKEN,)))


MULTIERROR = {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}


@pytest.mark.parametrize(
    "ex",
    [
        exchange(204, headers=(("Cache-Control", "no-store"),)),
        exchange(200, {"warnings": ["reindex started"]}),
        exchange(
            200,
            {
                "request_id": "x",
                "lease_id": "",
                "renewable": False,
                "lease_duration": 0,
                "data": None,
                "wrap_info": None,
                "warnings": ["w"],
                "auth": None,
                "mount_type": "system",
            },
        ),
        exchange(403, MULTIERROR),
        exchange(405, {"errors": []}),  # unknown method; no Allow header
        exchange(400, {"errors": ["Field validation failed: error converting input maybe"]}),
        exchange(404, {"errors": ["enterprise-only feature"]}),
        exchange(
            301,
            '<a href="/v1/sys/replication/reindex">Moved Permanently</a>.',
            headers=(("Content-Type", "text/html"),),
            operation=None,
        ),
    ],
)
def test_legitimate_vault_answers_pass_every_judge(ex: Exchange) -> None:
    for item in judges.registered():
        assert verdicts(item.func, ex) == [], item.name


@pytest.mark.parametrize(
    ("name", "ex"),
    [
        ("no_server_error", exchange(500, {"errors": ["internal"]})),
        ("error_body", exchange(403, "permission denied")),
        ("error_body", exchange(400, {"error": "bad"})),
        ("error_body", exchange(400, {"errors": [{"msg": "bad"}]})),
        ("forbidden_not_401", exchange(401, {"errors": ["permission denied"]})),
        (
            "content_type",
            exchange(
                200,
                {"warnings": []},
                headers=(("Content-Type", "text/plain"), ("Cache-Control", "no-store")),
            ),
        ),
        (
            "cache_control",
            exchange(403, {"errors": []}, headers=(("Content-Type", "application/json"),)),
        ),
        ("no_token_echo", exchange(403, {"errors": [f"bad token {TOKEN}"]})),
        ("documented_response", exchange(202, {"warnings": []})),
        ("documented_response", exchange(204, "{}")),
        ("documented_response", exchange(200, {"data": None, "warnings": None})),
    ],
)
def test_each_judge_finds_its_deviation(name: str, ex: Exchange) -> None:
    item = next(j for j in judges.registered() if j.name == name)
    assert verdicts(item.func, ex), f"{name} missed {ex.summary()}"


def test_short_tokens_are_not_searched_for_echoes() -> None:
    ex = exchange(200, {"data": {"dr": {"merkle_root": "root"}}}, method="GET", operation=None)
    assert list(judges.no_token_echo(ex, ("root",))) == []


def _context() -> CheckContext:
    client = RecordingClient(
        Settings(url="http://127.0.0.1:1"), "http://127.0.0.1:1", Masker(), plan=True
    )
    state = RunState(client=client, profile="safe", seed=1, max_examples=1)
    return CheckContext(state, "unit", CheckResult("RECOVER-AUTH", "unit", Outcome.NOT_RUN))


def test_vault_1_6_to_1_9_missing_token_400_is_tolerated_only_without_a_token() -> None:
    legacy = exchange(400, {"errors": ["missing client token"]})
    ctx = _context()
    assert ctx.expect_denied(legacy, no_token=True)
    assert ctx.result.findings == [] and "1.6-1.9" in ctx.result.notes[0]
    assert not ctx.expect_denied(legacy)  # with a token, 400 is a deviation
    assert not ctx.expect_denied(exchange(400, {"errors": ["bad request"]}), no_token=True)
    assert len(ctx.result.findings) == 2


def test_masker_and_curl_line() -> None:
    masker = Masker()
    masker.add(TOKEN, "$VAULT_TOKEN")
    assert masker.mask(f"X-Vault-Token: {TOKEN}") == "X-Vault-Token: $VAULT_TOKEN"
    ex = Exchange(
        SentRequest(
            "POST",
            "http://h/v1/sys/replication/reindex",
            (("X-Vault-Token", "$VAULT_TOKEN"),),
            '{"a": "$HOME"}',
        ),
        None,
    )
    line = ex.curl()
    assert '-H "X-Vault-Token: $VAULT_TOKEN"' in line
    assert '\'{"a": "$HOME"}\'' in line  # other dollars stay literal


@pytest.mark.parametrize(
    ("expression", "check_id", "expected"),
    [
        ("reindex", "REINDEX-SUDO::x", True),
        ("reindex and not sudo", "REINDEX-SUDO::x", False),
        ("(status or recover) and not schema", "STATUS-SCHEMA::y", False),
        ("auth", "VAULT-BEARER-TOKEN::z", True),  # matches the requirement's category
    ],
)
def test_keyword_selection(expression: str, check_id: str, expected: bool) -> None:
    assert Selection(expression).matches(check_id, check_id.split("::")[0]) is expected


@pytest.mark.parametrize("expression", ["reindex and", "(status", "or status", "status )"])
def test_malformed_keyword_expressions_are_refused(expression: str) -> None:
    with pytest.raises(SelectionError):
        Selection(expression)


def _status_with_bad_cluster_id() -> dict:
    import copy

    from replcheck import spec
    body = copy.deepcopy(spec.example("status-dr-perf-primary-2024"))
    body["data"]["dr"]["cluster_id"] = "not-a-uuid"
    return body


def test_schema_findings_carry_the_json_path_of_the_offending_value() -> None:
    bad = exchange(
        200,
        _status_with_bad_cluster_id(),
        method="GET",
        path="/v1/sys/replication/status",
        operation="GET /sys/replication/status",
    )
    ctx = _context()
    assert not ctx.expect_valid(bad, "status")
    assert ctx.result.findings
    assert {f.json_paths for f in ctx.result.findings} == {("$.data.dr.cluster_id",)}
    # The judge leaves a status body to the status requirements (one violation, one
    # requirement) and judges the other documented bodies, with the same paths.
    bad_warnings = exchange(
        200, {"warnings": [1]}, method="POST", path="/v1/sys/replication/recover",
        operation="POST /sys/replication/recover",
    )
    chosen = [j for j in judges.registered() if j.name == "documented_response"]
    panel = judges.JudgePanel(chosen, lambda ex: ex, lambda text: text)
    panel(bad, (TOKEN,))
    panel(bad_warnings, (TOKEN,))
    (result,) = panel.finish()
    assert [f.json_paths for f in result.findings] == [("$.warnings[0]",)]
    panel(exchange(403, {"errors": ["permission denied"]}), (TOKEN,))
    assert all(f.json_paths == ("$.warnings[0]",) for f in panel.finish()[0].findings)


@pytest.mark.parametrize(("status", "body", "passes"), [
    (200, {"warnings": ["started"]}, True),
    (204, None, True),
    (202, {"warnings": []}, False),
    (201, {"warnings": []}, False),
])
def test_success_is_a_status_the_document_lists_for_the_operation(
    status: int, body: object, passes: bool
) -> None:
    ctx = _context()
    assert ctx.expect_success(exchange(status, body)) is passes
    assert bool(ctx.result.findings) is not passes


def test_success_of_an_undocumented_request_is_a_suite_bug() -> None:
    with pytest.raises(RuntimeError, match="undocumented"):
        _context().expect_success(exchange(200, {}, operation=None))


def test_write_successes_are_the_documented_ones() -> None:
    from replcheck.conformance.judging import contract

    assert contract.write_successes() == {200, 204}
    assert contract.operation("GET /sys/replication/status").success_statuses == {200}

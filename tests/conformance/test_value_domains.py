"""The checks and judges judge values by the spec's domains (issue 13): both ways each."""

from __future__ import annotations

import json
from typing import Any

import pytest

from replcheck.conformance.checks import judges, status
from replcheck.conformance.checks.context import STATUS
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest


def _answer(status_code: int, body: Any) -> Exchange:
    text = body if isinstance(body, str) else json.dumps(body)
    return Exchange(
        SentRequest("GET", f"http://127.0.0.1:1{STATUS}", ()),
        ReceivedResponse(status_code, (("Content-Type", "application/json"),), text),
    )


@pytest.mark.parametrize("value", ["2024-03-01T10:00:00Z", "2024-03-01T10:00:00.123456789-05:00"])
def test_timestamps_of_the_schema_parse(value: str) -> None:
    assert status._parse_rfc3339(value) is not None


@pytest.mark.parametrize(
    "value", ["2024-03-01 10:00:00Z", "2024-03-01T10:00:00", "2024-02-30T25:00:00Z", 1709287200]
)
def test_values_outside_the_timestamp_domain_do_not_parse(value: Any) -> None:
    assert status._parse_rfc3339(value) is None


@pytest.mark.parametrize("body", [{"errors": []}, {"errors": ["permission denied"]},
                                  {"errors": ["x"], "extra": 1}])
def test_error_bodies_of_the_schema_pass(body: Any) -> None:
    assert list(judges.error_body(_answer(403, body), ())) == []


@pytest.mark.parametrize(("body", "path"), [
    ({"errors": [1]}, "$.errors[0]"),
    ({"errors": "permission denied"}, "$.errors"),
    ({"error": "permission denied"}, "$"),
    (["permission denied"], "$"),
])
def test_error_bodies_outside_the_schema_fail_with_the_path(body: Any, path: str) -> None:
    [verdict] = list(judges.error_body(_answer(403, body), ()))
    assert path in verdict[2]


def test_an_error_answer_that_is_not_json_fails() -> None:
    [verdict] = list(judges.error_body(_answer(500, "internal error"), ()))
    assert "not JSON" in verdict[0]

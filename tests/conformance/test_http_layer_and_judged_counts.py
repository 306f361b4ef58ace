"""Answers of Vault's HTTP layer are not judged as handler answers, and a judge counts only the
answers its rule covers (one that covered none is not run, never passed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from replcheck.conformance.checks import judges
from replcheck.conformance.checks.judges import JudgePanel, from_http_layer, merge_judgements
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest

JSON = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))
BARE: tuple[tuple[str, str], ...] = ()


def _exchange(
    status: int,
    body: str = "",
    *,
    path: str = "/v1/sys/replication/reindex",
    headers: tuple[tuple[str, str], ...] = JSON,
    operation: str | None = None,
    method: str = "POST",
) -> Exchange:
    return Exchange(
        SentRequest(method, f"http://127.0.0.1:1{path}", ()),
        ReceivedResponse(status, headers, body),
        operation=operation,
    )


def _judge(name: str) -> judges.Judge:
    return next(j for j in judges.registered() if j.name == name)


@pytest.mark.parametrize(
    ("ex", "layer"),
    [
        (_exchange(400, path="/v1/sys/replication/reindex%09", headers=BARE), True),
        (_exchange(400, path="/v1/sys/replication/%00reindex", headers=BARE), True),
        # A C1 control (U+0084) in a generated path parameter: Go refuses it too.
        (_exchange(400, path="/v1/sys/replication/performance/primary/paths-filter/%C2%84",
                   headers=BARE), True),
        # Printable non-ASCII and bytes that are not UTF-8 (read as U+FFFD) pass Go's check.
        (_exchange(400, path="/v1/sys/replication/performance/primary/paths-filter/%C3%A9",
                   headers=BARE), False),
        (_exchange(400, path="/v1/sys/replication/performance/primary/paths-filter/%FF",
                   headers=BARE), False),
        (_exchange(307, headers=(("Location", "/v1/sys/replication/reindex"),)), True),
        (_exchange(301, headers=BARE), True),
        # A bare 400 on a printable path is a handler's answer that lacks its errors body.
        (_exchange(400, path="/v1/sys/replication/reindex", headers=BARE), False),
        # Any 400 for a path with a control character comes from before Vault's own layer.
        (_exchange(400, "<html>bad</html>", path="/v1/sys/replication/reindex%09"), True),
        (_exchange(404, '{"errors":["x"]}', path="/v1/sys/replication/reindex%09"), False),
        (_exchange(405, '{"errors":[]}'), False),
    ],
)
def test_answers_of_the_http_layer_are_recognised(ex: Exchange, layer: bool) -> None:
    assert from_http_layer(ex) is layer


@pytest.mark.parametrize("name", ["error_body", "cache_control", "content_type"])
def test_the_bare_printable_path_400_is_not_judged_by_the_json_rules(name: str) -> None:
    bare = _exchange(400, path="/v1/sys/replication/reindex%09", headers=BARE)
    judge = _judge(name)
    assert not judge.applies(bare)
    assert list(judge.func(bare, ())) == []
    # The same bare answer on a printable path is a deviation.
    handler = _exchange(400, path="/v1/sys/replication/reindex", headers=BARE, method="POST")
    if name != "content_type":  # no body: nothing to declare
        assert list(judge.func(handler, ()))


def _panel(names: list[str]) -> JudgePanel:
    chosen = [j for j in judges.registered() if j.name in names]
    return JudgePanel(chosen, lambda ex: ex, lambda text: text)


def test_a_judge_whose_rule_covered_no_answer_is_not_run() -> None:
    panel = _panel(["documented_response", "no_server_error"])
    panel(_exchange(405, '{"errors":[]}', operation=None), ())
    results = {r.name: r for r in panel.finish()}
    documented = results["documented_response"]
    assert documented.outcome is Outcome.NOT_RUN and documented.judged == 0
    assert documented.exchanges == 1 and "none of the 1 answer(s)" in documented.reason
    assert results["no_server_error"].outcome is Outcome.PASSED
    assert results["no_server_error"].judged == 1


def test_merged_judgements_add_up_what_was_judged() -> None:
    first, second = _panel(["documented_response"]), _panel(["documented_response"])
    first(_exchange(405, '{"errors":[]}', operation=None), ())
    second(
        _exchange(
            204, path="/v1/sys/replication/reindex", operation="POST /sys/replication/reindex"
        ),
        (),
    )
    merged = merge_judgements([first.finish(), second.finish()])
    assert merged[0].judged == 1 and merged[0].exchanges == 2
    assert merged[0].outcome is Outcome.PASSED
    lonely = merge_judgements([_panel(["documented_response"]).finish()])
    assert lonely[0].outcome is Outcome.NOT_RUN


def test_a_token_echoed_json_escaped_is_found() -> None:
    token = 'hvs.odd"token/with\\quotes0000'
    body = '{"echo": ' + json.dumps(token) + "}"
    echoed = _exchange(200, body)
    found = list(_judge("no_token_echo").func(echoed, (token,)))
    assert found and "body" in found[0][0]


@pytest.mark.parametrize(
    "written",
    [
        lambda token: "".join(f"\\u{ord(c):04x}" for c in token),  # every character \u-escaped
        lambda token: token[:5] + "".join(f"\\u{ord(c):04x}" for c in token[5:]),  # mixed
        lambda token: "".join(f"%{ord(c):02X}" for c in token),  # percent-encoded
        lambda token: "".join(f"&#{ord(c)};" for c in token),  # HTML references
    ],
    ids=["unicode-escaped", "mixed", "percent", "html"],
)
def test_a_token_echoed_in_an_escaped_form_is_found(written: Any) -> None:
    """A target that writes the token back escaped still echoes it (issue 18's hostile proxy
    did); the same body without the token passes."""
    token = "hvs.CAESIJz8Ykz1Qh0d9uQ2cYbXr7yq"
    echoed = _exchange(403, '{"errors": ["bad token ' + written(token) + '"]}')
    found = list(_judge("no_token_echo").func(echoed, (token,)))
    assert found and "body" in found[0][0]
    stranger = written("hvs.someone0else0entirely00")
    other = _exchange(403, '{"errors": ["bad token ' + stranger + '"]}')
    assert list(_judge("no_token_echo").func(other, (token,))) == []


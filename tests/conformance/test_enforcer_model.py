"""One enforcer model: checks, judges and watchers are listed by one registry, taken in one
order, and concluded and merged by one rule, with the findings beyond a cap carried as a
number (never read back out of a note)."""

from __future__ import annotations

import json

from replcheck import spec
from replcheck.conformance.checks import judges
from replcheck.conformance.checks.context import STATUS
from replcheck.conformance.checks.judges import JudgePanel, merge_judgements
from replcheck.conformance.checks.registry import Check
from replcheck.conformance.checks.watch import (
    MAX_WATCH_FINDINGS,
    NOTHING_WATCHED,
    WAL_WATCHER,
    WalWatcher,
)
from replcheck.conformance.enforcement import enforcers
from replcheck.conformance.judging.outcomes import CheckResult, Outcome, conclude, merge
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest


def _answer(status: int, body: str = "{}", path: str = "/v1/sys/replication/reindex") -> Exchange:
    return Exchange(
        SentRequest("POST", f"http://127.0.0.1:1{path}", ()),
        ReceivedResponse(status, (("Content-Type", "application/json"),), body),
    )


def _wal(value: int) -> Exchange:
    body = {"data": {"dr": {"mode": "primary", "cluster_id": "c", "last_wal": value}}}
    return Exchange(
        SentRequest("GET", f"http://127.0.0.1:1{STATUS}", ()),
        ReceivedResponse(200, (("Content-Type", "application/json"),), json.dumps(body)),
    )


def _server_error_panel(answers: int) -> JudgePanel:
    chosen = [j for j in judges.registered() if j.name == "no_server_error"]
    panel = JudgePanel(chosen, lambda ex: ex, lambda text: text)
    for _ in range(answers):
        panel(_answer(500), ())
    return panel


def test_every_enforcer_has_a_kind_a_known_requirement_and_a_unique_id() -> None:
    items = enforcers.registered()
    known = {requirement.id for requirement in spec.requirements()}
    assert {item.kind for item in items} == {"check", "judge", "watcher"}
    assert all(item.requirement in known and item.doc for item in items)
    assert len({item.id for item in items}) == len(items)
    assert WAL_WATCHER in items


def test_run_order_is_checks_then_mutating_checks_then_watchers_then_judges() -> None:
    kinds = [
        "mutating" if isinstance(item, Check) and item.mutating else item.kind
        for item in enforcers.in_run_order(enforcers.registered())
    ]
    assert kinds == sorted(kinds, key=["check", "mutating", "watcher", "judge"].index)
    assert kinds.count("mutating") > 0 and kinds.count("watcher") == 1


def test_a_judge_over_its_cap_counts_the_rest_as_a_number() -> None:
    [result] = _server_error_panel(13).finish()
    assert result.outcome is Outcome.FAILED
    assert len(result.findings) == judges.MAX_FINDINGS_PER_JUDGE and result.hidden == 3
    assert result.all_notes == ["3 more finding(s) not shown (counted, not kept)"]


def test_merged_judgements_add_up_hidden_findings_as_numbers() -> None:
    [merged] = merge_judgements([_server_error_panel(13).finish(), _server_error_panel(4).finish()])
    assert len(merged.findings) == judges.MAX_FINDINGS_PER_JUDGE
    # 3 counted in the first piece, 4 that found no room in the second.
    assert merged.hidden == 7 and merged.exchanges == 17 and merged.outcome is Outcome.FAILED


def test_a_note_that_reads_like_a_count_is_never_parsed() -> None:
    piece = CheckResult("VAULT-NO-SERVER-ERROR", "no_server_error", Outcome.PASSED, judged=1)
    piece.notes.append("7 more finding(s) of this judge not shown")
    [merged] = merge_judgements([[piece]])
    assert merged.hidden == 0 and merged.outcome is Outcome.PASSED


def test_conclude_is_one_rule_for_every_kind() -> None:
    def result(**counts: int) -> CheckResult:
        return CheckResult("STATUS-WAL-MONOTONIC", "x", Outcome.NOT_RUN, **counts)

    assert conclude(result(judged=2), "none").outcome is Outcome.PASSED
    assert conclude(result(hidden=1), "none").outcome is Outcome.FAILED
    nothing = conclude(result(exchanges=3), "nothing to judge")
    assert nothing.outcome is Outcome.NOT_RUN and nothing.reason == "nothing to judge"
    planned = conclude(result(judged=2), "none", plan=True)
    assert planned.outcome is Outcome.NOT_RUN and "plan" in planned.reason


def test_watcher_pieces_merge_to_what_one_piece_would_have_said() -> None:
    pieced, whole = WalWatcher(STATUS), WalWatcher(STATUS)
    pieces = []
    for step, value in enumerate([50, 40, 45, 30, 60, 20] * 4):
        for watcher in (pieced, whole):
            watcher(_wal(value))
        if step % 4 == 3:
            pieces.append(pieced.take_piece())
    pieces.append(pieced.take_piece())
    [merged] = merge(pieces, MAX_WATCH_FINDINGS, lambda _: NOTHING_WATCHED)
    alone = conclude(whole.take_piece(), NOTHING_WATCHED)
    assert merged.outcome is alone.outcome is Outcome.FAILED
    assert (merged.judged, merged.hidden, len(merged.findings)) == (
        alone.judged,
        alone.hidden,
        len(alone.findings),
    )
    assert alone.hidden > 0 and len(alone.findings) == MAX_WATCH_FINDINGS


def test_a_watcher_that_saw_no_counter_is_not_run() -> None:
    [merged] = merge(
        [WalWatcher(STATUS).take_piece()], MAX_WATCH_FINDINGS, lambda _: NOTHING_WATCHED
    )
    assert merged.outcome is Outcome.NOT_RUN and merged.reason == NOTHING_WATCHED


def test_every_id_is_built_by_the_one_function() -> None:
    from replcheck.conformance.judging.outcomes import enforcer_id

    for item in enforcers.registered():
        assert item.id == enforcer_id(item.requirement, item.name) == (
            f"{item.requirement}::{item.name}"
        )
        result = CheckResult(item.requirement, item.name, Outcome.PASSED)
        assert result.id == item.id

"""The reference server and a real Vault-lineage server (OpenBao), request for request.

Every case of ``diff_cases.CASES`` goes to both servers in the same order; their answers are
compared on status, Content-Type, Cache-Control, Allow and Location, error texts and key sets.
A difference passes only when ``known_differences.yaml`` lists it with its reason; an entry of
that table that no longer covers any difference fails too, so the table cannot go stale.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from diff_cases import CASES, Case
from diff_harness import Difference, Observation, compare, prepare, run_cases
from known_differences import KnownDifference, load_known_differences
from openbao_support import OpenBaoServer

from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

KNOWN = load_known_differences()


@pytest.fixture(scope="module")
def observations(openbao: OpenBaoServer) -> Iterator[dict[str, tuple[Observation, Observation]]]:
    """Both servers' answers to every case (a fresh reference server; the session's OpenBao)."""
    # Reindex jobs finish at once, so back-to-back reindex requests all start one.
    with EmbeddedServer(ServerConfig(root_token="root", reindex_stage_seconds=0)) as reference:
        values = (prepare(reference.url), prepare(openbao.url))
        yield run_cases(CASES, (reference.port, openbao.port), values)


def _uncovered(case: Case, found: dict[str, tuple[Observation, Observation]]) -> list[Difference]:
    return [d for d in compare(case, *found[case.id]) if not any(k.covers(d) for k in KNOWN)]


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_answers_like_openbao(case: Case, observations) -> None:
    uncovered = _uncovered(case, observations)
    assert not uncovered, "\n".join(str(d) for d in uncovered)


def test_every_known_difference_still_occurs(observations) -> None:
    differences = [d for case in CASES for d in compare(case, *observations[case.id])]
    stale = [entry.id for entry in KNOWN if not any(entry.covers(d) for d in differences)]
    assert not stale, f"entries of known_differences.yaml that match no difference: {stale}"


def test_a_difference_outside_the_table_is_reported() -> None:
    """The comparison itself can fail: a status difference no entry covers is uncovered."""
    ours = Observation(405, "application/json", "no-store", False, None, "json", ("x",),
                       ("errors",), None)
    theirs = Observation(404, "application/json", "no-store", False, None, "json", ("x",),
                         ("errors",), None)
    case = Case("method/rotate/LIST/root", "LIST", "/v1/sys/rotate", "root")
    assert _uncovered(case, {case.id: (ours, theirs)}) == [
        Difference(case.id, "status", 405, 404)
    ]


def test_table_entries_match_narrowly() -> None:
    entry: KnownDifference = next(k for k in KNOWN if k.id == "mount-type-member")
    base = ("auth", "data")
    assert entry.covers(Difference("x", "keys", (*base, "mount_type"), base))
    assert not entry.covers(Difference("x", "keys", (*base, "mount_type", "extra"), base))
    assert not entry.covers(Difference("x", "status", 200, 204))

"""Real status outputs (``spec/corpus``) are accepted by the schemas, each with its provenance,
and the shapes the zoo's broken servers send stay rejected when they appear in a real output.

A false alarm on real Vault is as bad as a missed bug: every output a Vault version was seen to
send must validate, while the deviations the suite exists to catch must not.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from replcheck.spec import corpus
from replcheck.spec.violations import violations

OUTPUTS = corpus.outputs()
STATUS_OUTPUTS = [o for o in OUTPUTS if o.kind == "status"]


def _id(output: corpus.Output) -> str:
    return Path(output.file).stem


def test_index_and_files_agree() -> None:
    listed = [o.file for o in OUTPUTS]
    assert len(listed) == len(set(listed)), "a file is listed twice in index.yaml"
    assert sorted(listed) == corpus.files()


@pytest.mark.parametrize("output", OUTPUTS, ids=_id)
def test_output_has_provenance(output: corpus.Output) -> None:
    source = output.source
    assert source.get("url", "").startswith("https://"), source
    assert source.get("date"), source
    cited = {"repo", "path", "commit"} <= set(source) or {"repo", "issue"} <= set(source)
    assert cited, f"{output.file}: cite a repository path at a commit, or an issue: {source}"
    if "commit" in source:
        assert len(source["commit"]) == 40, source["commit"]
    assert output.vault and output.shows and output.edits
    assert output.kind in corpus.SCHEMAS


@pytest.mark.parametrize("output", OUTPUTS, ids=_id)
def test_real_output_is_accepted(output: corpus.Output) -> None:
    problems = [str(v) for v in violations(output.schema, output.body)]
    assert not problems, f"{output.file} ({output.vault}) is rejected: {problems}"


def test_redactions_are_declared_and_applied() -> None:
    """A placeholder the publisher put in (e.g. "***") is replaced by its stand-in for
    validation only; the file keeps what was published."""
    redacted = [o for o in OUTPUTS if o.redacted]
    assert redacted
    for output in redacted:
        for entry in output.redacted:
            published, judged = output.published, output.body
            for key in entry["path"]:
                published, judged = published[key], judged[key]
            assert published != entry["stand_in"] and judged == entry["stand_in"], entry


def test_corpus_is_broad() -> None:
    """15+ distinct real outputs, from several Vault eras and several publishers."""
    distinct = {json.dumps(o.body, sort_keys=True) for o in OUTPUTS}
    assert len(distinct) >= 15
    assert len({o.vault.split(" (")[0] for o in OUTPUTS}) >= 5
    assert len({o.source["repo"] for o in OUTPUTS}) >= 2


# --- the zoo's broken shapes, planted in real outputs, are still rejected -----------------

def _sections(body: dict[str, Any], mode: str) -> Iterator[dict[str, Any]]:
    for name in ("dr", "performance"):
        section = body["data"].get(name)
        if isinstance(section, dict) and section.get("mode") == mode:
            yield section


def _peers(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for name in ("dr", "performance"):
        section = body["data"].get(name) or {}
        yield from section.get("secondaries") or ()
        yield from section.get("primaries") or ()


def _last_wal_as_string(body: dict[str, Any]) -> bool:
    sections = list(_sections(body, "primary"))
    for section in sections:
        section["last_wal"] = str(section["last_wal"])
    return bool(sections)


def _cluster_id_without_dashes(body: dict[str, Any]) -> bool:
    sections = list(_sections(body, "primary")) + list(_sections(body, "secondary"))
    for section in sections:
        section["cluster_id"] = section["cluster_id"].replace("-", "")
    return bool(sections)


def _no_known_secondaries(body: dict[str, Any]) -> bool:
    sections = list(_sections(body, "primary"))
    for section in sections:
        del section["known_secondaries"]
    return bool(sections)


def _disabled_with_cluster_id(body: dict[str, Any]) -> bool:
    sections = list(_sections(body, "disabled"))
    for section in sections:
        section["cluster_id"] = "0b5e7a3c-5f9e-4c1b-9a51-6f1d2a7c9e04"
    return bool(sections)


def _heartbeat_without_zone(body: dict[str, Any]) -> bool:
    peers = list(_peers(body))
    for peer in peers:
        peer["last_heartbeat"] = peer["last_heartbeat"][:19]
    return bool(peers)


def _secondary_carries_primary_members(body: dict[str, Any]) -> bool:
    sections = list(_sections(body, "secondary"))
    for section in sections:
        section["last_wal"] = 1
    return bool(sections)


BROKEN_SHAPES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "last-wal-as-string": _last_wal_as_string,
    "cluster-id-not-uuid": _cluster_id_without_dashes,
    "known-secondaries-missing": _no_known_secondaries,
    "disabled-with-cluster-id": _disabled_with_cluster_id,
    "heartbeat-without-zone": _heartbeat_without_zone,
    "secondary-with-last-wal": _secondary_carries_primary_members,
}


@pytest.mark.parametrize("shape", BROKEN_SHAPES, ids=str)
def test_broken_shapes_stay_rejected(shape: str) -> None:
    """Each broken shape, planted in every real output where it applies, is rejected; and it
    applies to at least two real outputs (so the test cannot pass by judging nothing)."""
    planted = 0
    for output in STATUS_OUTPUTS:
        body = copy.deepcopy(output.body)
        if not BROKEN_SHAPES[shape](body):
            continue
        planted += 1
        assert violations("status", body), f"{shape} in {output.file} is accepted"
    assert planted >= 2, f"{shape} applies to {planted} real output(s)"

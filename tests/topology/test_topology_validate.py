"""`replcheck validate --topology FILE...`: the real sets of the corpus, real pairs with one
field changed, and bad input (one sentence, exit 2)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_topology_relations import MUTATIONS, _docs
from topology_snapshots import SPEC

from replcheck.conformance.cli import main

INDEX = yaml.safe_load((SPEC / "corpus" / "pairs" / "index.yaml").read_text(encoding="utf-8"))
SETS = INDEX["sets"]


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _failed(out: str) -> set[str]:
    return set(re.findall(r"^  (TOPOLOGY-[A-Z-]+) +failed$", out, re.M))


@pytest.mark.parametrize("entry", SETS, ids=[s["name"] for s in SETS])
def test_each_real_set_is_judged_as_the_corpus_says(capsys: pytest.CaptureFixture[str],
                                                    entry: dict[str, Any]) -> None:
    code, out, err = _validate(capsys, "--topology", *(str(SPEC / f) for f in entry["files"]))
    assert err == ""
    assert _failed(out) == set(entry["fails"])
    assert code == (0 if entry["links"] and not entry["fails"] else 1), out
    printed_links = re.findall(r"^  ((?:dr|performance): \S+ -> \S+)  cluster_id", out, re.M)
    assert printed_links == entry["links"]
    printed_unpaired = re.findall(r"^  (\S+ \((?:dr|performance), [a-z-]+\)):", out, re.M)
    assert printed_unpaired == entry["unpaired"]
    if not entry["links"]:
        assert "NOTHING JUDGED" in out


def test_every_file_of_the_sets_has_its_provenance() -> None:
    corpus = {o["file"] for o in yaml.safe_load(
        (SPEC / "corpus" / "index.yaml").read_text(encoding="utf-8"))["outputs"]}
    for entry in SETS:
        assert entry["shows"] and isinstance(entry["fails"], list)
        for name in entry["files"]:
            assert (SPEC / name).is_file(), name
            if name.startswith("corpus/"):
                assert name.removeprefix("corpus/") in corpus, name
            else:
                assert name.startswith("examples/"), name
    assert any(e["fails"] for e in SETS) and any(not e["fails"] and e["links"] for e in SETS)


def _write(tmp_path: Path, docs: tuple[dict[str, Any], dict[str, Any]]) -> list[str]:
    paths = []
    for name, doc in zip(("secondary", "primary"), docs, strict=True):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_the_real_pair_with_its_leaders_and_versions_passes(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _validate(capsys, "--topology", *_write(tmp_path, _docs()))
    assert code == 0 and "CONFORMANT" in out
    for requirement in ("TOPOLOGY-PEER-ADDRESSES", "TOPOLOGY-VERSION-ORDER",
                        "TOPOLOGY-HEARTBEAT-AGE", "TOPOLOGY-WAL-BOUND"):
        assert re.search(rf"^  {requirement} +passed$", out, re.M), requirement
    assert "TOPOLOGY-MERKLE-LOOP" not in out  # over time: not judged offline


@pytest.mark.parametrize(("change", "requirement"), [(m[1], m[2]) for m in MUTATIONS],
                         ids=[m[0] for m in MUTATIONS])
def test_a_real_pair_with_one_field_changed_fails_exactly_its_relation(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        change: Callable[[Any], None], requirement: str) -> None:
    docs = _docs()
    change(docs)
    code, out, _ = _validate(capsys, "--topology", *_write(tmp_path, docs))
    assert code == 1 and _failed(out) == {requirement}
    assert "NOT CONFORMANT: 1 result(s) failed" in out


def test_k_selects_requirements(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _validate(capsys, "--topology", "-k", "WAL", *_write(tmp_path, _docs()))
    assert code == 0 and re.findall(r"^  (TOPOLOGY-\S+)", out, re.M) == ["TOPOLOGY-WAL-BOUND"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{", "is not JSON"),
        ('{"errors": ["x"]}', "is no replication status"),
        ('{"mode": "primary", "cluster_id": "x"}', "does not say which"),
    ],
)
def test_a_bad_file_is_one_sentence_and_exit_2(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, content: str | None,
                                               message: str) -> None:
    path = tmp_path / "east.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    good = _write(tmp_path, _docs())
    code, out, err = _validate(capsys, "--topology", *good, str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and str(path) in err


def test_two_files_of_one_cluster_exit_2(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    good = _write(tmp_path, _docs())
    code, _, err = _validate(capsys, "--topology", good[0], good[0])
    assert code == 2 and "both hold the cluster 'secondary'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topology", "--kind", "status", "a.json"], "do not go together"),
        (["-k", "WAL", "a.json"], "-k goes with --topology"),
        (["a.json", "b.json"], "give one FILE"),
    ],
)
def test_flags_that_do_not_go_together_exit_2(capsys: pytest.CaptureFixture[str],
                                              args: list[str], message: str) -> None:
    code, _, err = _validate(capsys, *args)
    assert code == 2 and message in err


def test_the_console_entry_point_exits_1_on_an_inconsistent_real_set() -> None:
    entry = next(s for s in SETS if s["fails"])
    result = subprocess.run(
        [sys.executable, "-m", "replcheck.conformance.cli", "validate", "--topology",
         *(str(SPEC / f) for f in entry["files"])],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and "NOT CONFORMANT" in result.stdout, result.stderr

"""``--shard I/N`` and ``replcheck report merge``: the shards partition the selection, and the
shards' reports merged give the matrix and exit status of one unsharded run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from single_runs import BROKEN, REPLCHECK, fleet, outcome, write

from replcheck.conformance.fleet.junit import render_fleet_junit
from replcheck.conformance.fleet.result import FleetResult, fleet_result_from_json
from replcheck.conformance.fleet.sharding import ShardError, parse_shard, select_shard, shard_of

NAMES = [f"vault-{number:02d}" for number in range(40)]


def _merge(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPLCHECK), "report", "merge", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("text", "shard"), [("1/1", (1, 1)), ("2/4", (2, 4)), (" 3 / 3 ", (3, 3))])
def test_parse_shard(text: str, shard: tuple[int, int]) -> None:
    assert parse_shard(text) == shard


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("5/4", "the shard I must be between 1 and 4"),
        ("0/4", "the shard I must be between 1 and 4"),
        ("1/0", "the number of shards N must be at least 1"),
        ("2", "--shard takes I/N"),
        ("a/b", "--shard takes I/N"),
        ("-1/4", "--shard takes I/N"),
        ("", "--shard takes I/N"),
    ],
)
def test_a_bad_shard_is_one_sentence(text: str, sentence: str) -> None:
    with pytest.raises(ShardError) as caught:
        parse_shard(text)
    message = str(caught.value)
    assert sentence in message and "\n" not in message


@pytest.mark.parametrize("total", [1, 2, 3, 7])
def test_the_shards_of_one_split_partition_the_selection(total: int) -> None:
    shards = [select_shard(NAMES, (index, total), str) for index in range(1, total + 1)]
    assert sorted(name for shard in shards for name in shard) == NAMES
    assert all(shard == sorted(shard) for shard in shards)  # the given order is kept
    if total > 1:
        assert all(shards), "40 names left a shard empty: the hash does not spread"


def test_adding_or_reordering_targets_moves_no_other_target() -> None:
    before = {name: shard_of(name, 4) for name in NAMES}
    grown = ["new-target", *reversed(NAMES)]
    after = {name: shard_of(name, 4) for name in grown}
    assert all(after[name] == shard for name, shard in before.items())


def test_the_split_is_stable_across_processes() -> None:
    """SHA-256, not Python's salted ``hash``: another interpreter computes the same shards."""
    code = (
        "from replcheck.conformance.fleet.sharding import shard_of; "
        f"print([shard_of(n, 5) for n in {NAMES!r}])"
    )
    done = subprocess.run(
        [str(REPLCHECK.parent / "python"), "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123"},
    )
    assert json.loads(done.stdout) == [shard_of(name, 5) for name in NAMES]


# --- merge -------------------------------------------------------------------------------------


def _matrix(result: FleetResult) -> list[tuple[str, str, int, dict[str, str]]]:
    return [(t.name, t.verdict, t.exit_code, t.outcomes) for t in result.targets]


def _split(whole: FleetResult, total: int, tmp_path: Path) -> list[Path]:
    paths = []
    for index in range(1, total + 1):
        part = select_shard(whole.targets, (index, total), lambda target: target.name)
        paths.append(write(tmp_path / f"shard-{index}.json", fleet(*part, shard=(index, total))))
    return paths


@pytest.mark.parametrize("total", [1, 2, 3])
def test_shards_merged_give_the_unsharded_matrix_and_exit_status(
    tmp_path: Path, total: int
) -> None:
    whole = fleet(
        outcome("a-ref"), outcome("b-broken", BROKEN), outcome("c-ref"), outcome("d-ref")
    )
    paths = _split(whole, total, tmp_path)
    reports = [f"--{kind}={tmp_path / f'merged.{kind}'}" for kind in ("json", "junit", "html")]
    done = _merge(*reversed(paths), *reports)
    assert done.returncode == whole.exit_code == 1, done.stdout + done.stderr
    merged = fleet_result_from_json(json.loads((tmp_path / "merged.json").read_text()))
    assert _matrix(merged) == _matrix(whole)
    assert merged.shard is None
    assert whole.sentence in done.stdout.splitlines()
    assert render_fleet_junit(merged) == (tmp_path / "merged.junit").read_text()
    junit = ElementTree.parse(tmp_path / "merged.junit").getroot()
    assert [suite.get("name") for suite in junit.iter("testsuite")] == [
        t.name for t in whole.targets
    ]
    assert "b-broken" in (tmp_path / "merged.html").read_text()


def test_a_conformant_fleet_merges_to_exit_0(tmp_path: Path) -> None:
    whole = fleet(outcome("a-ref"), outcome("b-ref"), outcome("c-ref"))
    done = _merge(*_split(whole, 2, tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FLEET CONFORMANT: all 3 target(s) conformant." in done.stdout


def _refused(done: subprocess.CompletedProcess[str], sentence: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("replcheck report merge: error: ") or line.startswith(
        "replcheck report: error: "
    )
    assert sentence in line, line


def test_a_target_in_two_reports_is_refused(tmp_path: Path) -> None:
    one = write(tmp_path / "one.json", fleet(outcome("eu"), outcome("us")))
    two = write(tmp_path / "two.json", fleet(outcome("us", BROKEN)))
    _refused(_merge(one, two), f"target us is in both {one} and {two}")


def test_reports_of_different_versions_are_refused(tmp_path: Path) -> None:
    one = write(tmp_path / "one.json", fleet(outcome("eu")))
    other = fleet(outcome("us"))
    other.suite_version = "0.0.1"
    two = write(tmp_path / "two.json", other)
    _refused(_merge(one, two), "were written with different suite versions")
    other.suite_version = fleet().suite_version
    other.spec_version = "0.9.0"
    write(two, other)
    _refused(_merge(one, two), "were written with different spec versions")


def test_a_missing_or_doubled_shard_is_refused(tmp_path: Path) -> None:
    whole = fleet(outcome("a-ref"), outcome("b-ref"), outcome("c-ref"), outcome("d-ref"))
    paths = _split(whole, 3, tmp_path)
    _refused(_merge(paths[0], paths[2]), "shard 2 of 3 is missing")
    copy = tmp_path / "copy.json"
    copy.write_text(paths[0].read_text())
    _refused(_merge(paths[0], copy, paths[1], paths[2]), "are both shard 1/3")
    unsharded = write(tmp_path / "whole.json", whole)
    _refused(_merge(paths[0], unsharded), "shards of different splits")


def test_an_unreadable_report_is_refused(tmp_path: Path) -> None:
    one = write(tmp_path / "one.json", fleet(outcome("eu")))
    _refused(_merge(one, tmp_path / "absent.json"), "absent.json does not exist")


def test_the_inventory_gives_the_order_of_the_merged_targets(tmp_path: Path) -> None:
    whole = fleet(outcome("zeta"), outcome("alpha", BROKEN), outcome("mid"))
    inventory = tmp_path / "fleet.yaml"
    inventory.write_text(
        "targets:\n"
        + "".join(f"  - {{name: {t.name}, embedded: true}}\n" for t in whole.targets),
        encoding="utf-8",
    )
    paths = _split(whole, 2, tmp_path)
    for extra, order in (([], ["alpha", "mid", "zeta"]), (["--inventory", inventory], None)):
        done = _merge(*paths, "--json", tmp_path / "merged.json", *extra)
        assert done.returncode == 1, done.stderr
        merged = json.loads((tmp_path / "merged.json").read_text())
        names = [target["name"] for target in merged["targets"]]
        assert names == (order or ["zeta", "alpha", "mid"])


def test_a_bad_inventory_given_to_merge_is_refused(tmp_path: Path) -> None:
    paths = _split(fleet(outcome("eu")), 1, tmp_path)
    inventory = tmp_path / "fleet.yaml"
    inventory.write_text("targets: [{name: eu}]\n", encoding="utf-8")
    done = _merge(*paths, "--inventory", inventory)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert str(inventory) in done.stderr and "target eu" in done.stderr


# --- replcheck fleet --shard, end to end -------------------------------------------------------

#: Two reference servers and a broken one, on the safe profile with one example: a few seconds
#: per target.
SMALL_FLEET = """\
defaults: {max_examples: 1, seed: 7, profile: safe}
targets:
  - {name: ref-a, embedded: true}
  - {name: broken, embedded: true, break: status-requires-token}
  - {name: ref-b, embedded: true}
"""


def _fleet(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPLCHECK), "fleet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_fleet_shards_merged_give_the_matrix_of_one_unsharded_run(tmp_path: Path) -> None:
    inventory = tmp_path / "fleet.yaml"
    inventory.write_text(SMALL_FLEET, encoding="utf-8")
    whole = _fleet(inventory, "--parallel", "2", "--json", tmp_path / "whole.json")
    assert whole.returncode == 1, whole.stdout + whole.stderr
    shards = []
    for index in (1, 2):
        shard = tmp_path / f"shard-{index}.json"
        done = _fleet(inventory, "--shard", f"{index}/2", "--json", shard)
        assert done.returncode in (0, 1), done.stdout + done.stderr
        assert json.loads(shard.read_text())["shard"] == [index, 2]
        shards.append(shard)
    merged = _merge(*shards, "--inventory", inventory, "--json", tmp_path / "merged.json")
    assert merged.returncode == whole.returncode, merged.stdout + merged.stderr

    def matrix(path: Path) -> list[tuple[str, str, int, dict[str, str]]]:
        return _matrix(fleet_result_from_json(json.loads(path.read_text())))

    assert matrix(tmp_path / "merged.json") == matrix(tmp_path / "whole.json")
    assert [row[0] for row in matrix(tmp_path / "merged.json")] == ["ref-a", "broken", "ref-b"]


def test_an_empty_shard_writes_its_report_and_exits_0(tmp_path: Path) -> None:
    """More shards than targets: some hold none; their (empty) reports let the merge check
    that no shard is missing."""
    inventory = tmp_path / "fleet.yaml"
    inventory.write_text("targets:\n  - {name: only, embedded: true}\n", encoding="utf-8")
    total = 3
    empty = next(i for i in range(1, total + 1) if i != shard_of("only", total))
    report = tmp_path / "empty.json"
    done = _fleet(inventory, "--shard", f"{empty}/{total}", "--json", report)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"shard {empty}/{total} holds none of the selected targets" in done.stdout
    assert json.loads(report.read_text())["targets"] == []


@pytest.mark.parametrize("value", ["4/3", "0/3", "x", "1/0"])
def test_fleet_refuses_a_bad_shard_in_one_sentence(tmp_path: Path, value: str) -> None:
    inventory = tmp_path / "fleet.yaml"
    inventory.write_text(SMALL_FLEET, encoding="utf-8")
    done = _fleet(inventory, "--shard", value)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith("replcheck fleet: error: --shard"), line
    assert done.stdout == ""

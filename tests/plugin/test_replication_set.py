"""A replication set in the plugin: ``--replcheck-topology FILE`` and
``--replcheck-topology-embedded NAME`` (and their ini key / variable), the ``replication_set``
and ``replication_link`` fixtures, the ``replcheck_link`` marker, and the bundled topology suite
(``replcheck.conformance.topology_suite``) on the reference six-cluster set and on a broken set.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

# Imported before pytester's in-process runs, so that they stay imported (and their relations
# registered once) across those runs.
import replcheck.conformance.topology.judging
import replcheck.conformance.topology.run  # noqa: F401
from replcheck.reference_server.broken.topology import BROKEN_SETS
from replcheck.reference_server.topology.runtime import TopologyServer

SUITE = ("--pyargs", "replcheck.conformance.topology_suite", "-p", "no:randomly", "-rfs")

USER_TESTS = """
import pytest


def test_clusters(replication_set):
    assert sorted(replication_set) == ["primary", "secondary"]
    secondary = replication_set["secondary"]
    assert secondary.url.startswith("http://127.0.0.1:")
    answer = secondary.client.get("sys/replication/status")
    assert answer.json()["data"]["dr"]["mode"] == "secondary"
    assert [link.label for link in replication_set.links] == ["dr: primary -> secondary"]
    assert replication_set.result.exit_code == 0
    assert {read.cluster for read in replication_set.last_round} == {"primary", "secondary"}


@pytest.mark.replcheck_link("dr: primary -> secondary")
def test_link_present(replication_link):
    assert replication_link.primary.read.status["dr"]["mode"] == "primary"
    assert replication_link.secondary.read.status["dr"]["mode"] == "secondary"
    assert replication_link.secondary.client.get("sys/replication/dr/status").status_code == 200


@pytest.mark.replcheck_link("performance: primary -> secondary")
def test_link_absent(replication_link):
    pass


def test_leaks_a_token(replication_set):
    assert replication_set["primary"].client.headers["X-Vault-Token"] == "something else"
"""


def test_fixtures_and_marker_on_the_embedded_dr_pair(pytester: pytest.Pytester) -> None:
    """The ini key names the set; a present link gives both sides, an absent one fails in one
    sentence naming the links there are, and a token never shows."""
    pytester.makeini("[pytest]\nreplcheck_topology_embedded = dr-pair\n")
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:randomly", "--replcheck-profile", "safe")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    out = result.stdout.str()
    sentence = ("replcheck: the replication set has no link 'performance: primary -> "
                "secondary'; its links are 'dr: primary -> secondary'")
    assert re.search(rf"ERROR at setup of test_link_absent _+\n{re.escape(sentence)}\n", out)
    assert "hvs." not in out and "$VAULT_TOKEN_PRIMARY" in out


def test_no_set_is_one_usage_error(pytester: pytest.Pytester,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    result = pytester.runpytest(*SUITE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "replcheck: no replication set: pass --replcheck-topology FILE" in result.stderr.str()
    monkeypatch.setenv("REPLCHECK_TOPOLOGY", "missing.yaml")
    result = pytester.runpytest(*SUITE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[-2:] == [
        "ERROR: replcheck: --replcheck-topology missing.yaml: no such file", ""]


def _failed(result: pytest.RunResult) -> list[str]:
    return sorted(re.findall(r"^FAILED \S+::test_requirement\[(.*?)\]", result.stdout.str(),
                             re.MULTILINE))


def test_suite_passes_on_the_six_cluster_set(pytester: pytest.Pytester) -> None:
    """Every link of the set judged; the history relations (one round, no watch) are skipped
    with their reason, never passed."""
    result = pytester.runpytest(*SUITE, "--replcheck-topology-embedded", "six-cluster", "-v")
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK and "failed" not in outcomes
    out = result.stdout.str()
    for label in ("dr: A -> B", "performance: A -> C", "dr: C -> D", "performance: A -> E",
                  "dr: E -> F"):
        assert f"test_requirement[TOPOLOGY-SHARED-CLUSTER-ID::{label}] PASSED" in out
    assert outcomes["skipped"] == 15
    assert "replcheck not run: TOPOLOGY-MERKLE-LOOP: fewer than two reads" in out


@pytest.fixture
def one_sided(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The broken set ``one-sided-link`` served with fresh tokens, and its targets file."""
    entry = next(e for e in BROKEN_SETS if e.name == "one-sided-link")
    topology = entry.topology()
    topology = dataclasses.replace(topology, clusters=tuple(
        dataclasses.replace(c, root_token=f"hvs.{secrets.token_urlsafe(24)}")
        for c in topology.clusters))
    with TopologyServer(topology, settings=entry.network, wraps=entry.wraps()) as server:
        lines = ["clusters:"]
        for cluster in topology.clusters:
            variable = f"TOKEN_{cluster.name.upper()}"
            monkeypatch.setenv(variable, cluster.root_token)
            lines += [f"  {cluster.name}:", f"    url: {server.url(cluster.name)}",
                      f"    token_env: {variable}"]
        targets = tmp_path / "set.yaml"
        targets.write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield targets


def test_suite_fails_on_a_broken_set_with_exactly_its_requirement(
        pytester: pytest.Pytester, one_sided: Path) -> None:
    result = pytester.runpytest(*SUITE, "--replcheck-topology", str(one_sided),
                                "--replcheck-converge-timeout", "1.2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert _failed(result) == ["TOPOLOGY-CONNECTION-AGREES::dr: primary -> secondary"]
    out = result.stdout.str() + result.stderr.str()
    assert "hvs." not in out


def test_a_cluster_that_cannot_be_read_is_named_and_nothing_passes(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    targets = tmp_path / "set.yaml"
    targets.write_text("clusters:\n  lost:\n    url: http://127.0.0.1:9\n", encoding="utf-8")
    result = pytester.runpytest(*SUITE, "--replcheck-topology", str(targets))
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1 and "passed" not in outcomes and outcomes["skipped"] > 0
    out = result.stdout.str()
    assert re.search(r"_ test_set_judged _+\nreplcheck: cluster lost could not be read: ", out)


def test_the_documented_example_runs_as_written(pytester: pytest.Pytester) -> None:
    """docs/plugin.md's example of a user's tests on a set, on the embedded six-cluster set."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "plugin.md").read_text("utf-8")
    example = next(block for block in re.findall(r"```python\n(.*?)```", doc, re.S)
                   if block.startswith("# tests/test_my_set.py\n"))
    pytester.makepyfile(test_my_set=example)
    result = pytester.runpytest("-p", "no:randomly", "--replcheck-topology-embedded",
                                "six-cluster", "--replcheck-profile", "safe")
    result.assert_outcomes(passed=2)

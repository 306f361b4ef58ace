"""A fleet of embedded reference and broken servers: each target's verdict and failed ids are
those of a separate run of the engine on the same settings, and ``--parallel`` 1 and 3 give the
same matrix; the reports carry it (JSON per its schema and read back, JUnit a suite per target,
HTML the matrix first, no script)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from replcheck import spec
from replcheck.conformance.cli import broken_target
from replcheck.conformance.cli.fleet_embedded import judge, resolve
from replcheck.conformance.engine.runner import run
from replcheck.conformance.fleet.html import render_fleet_html
from replcheck.conformance.fleet.inventory import FleetTarget, load
from replcheck.conformance.fleet.json_report import render_fleet_json
from replcheck.conformance.fleet.junit import render_fleet_junit
from replcheck.conformance.fleet.pool import run_fleet
from replcheck.conformance.fleet.result import FleetResult, fleet_result_from_json
from replcheck.conformance.fleet.terminal import render_fleet_terminal
from replcheck.reference_server.broken import find

BROKEN = ("reindex-without-sudo", "status-requires-token", "errors-as-string",
          "cluster-id-not-uuid")

INVENTORY = "defaults: {profile: safe, max_examples: 1, seed: 11}\ntargets:\n" + "".join(
    [f"  - {{name: ref-{i}, embedded: true, tags: [reference]}}\n" for i in (1, 2)]
    + [f"  - {{name: {name}, embedded: true, break: {name}, tags: [broken]}}\n"
       for name in BROKEN])


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> list[FleetTarget]:
    path = tmp_path_factory.mktemp("fleet") / "fleet.yaml"
    path.write_text(INVENTORY, encoding="utf-8")
    return list(load(path, os.environ, resolve).targets)


@pytest.fixture(scope="module")
def fleet3(targets: list[FleetTarget]) -> FleetResult:
    return run_fleet(targets, 3, embedded=judge)


def _alone(target: FleetTarget) -> tuple[str, list[str]]:
    """The verdict and failed ids of the engine's ``run`` on the target's settings."""
    if target.broken is None:
        result = run(target.settings)
    else:
        with broken_target.serving(find(target.broken, "break"), target.settings) as settings:
            result = run(settings)
    return result.verdict.value, sorted(result.failed)


def test_each_target_has_the_verdict_and_failed_ids_of_its_own_run(
        targets: list[FleetTarget], fleet3: FleetResult) -> None:
    assert [t.name for t in fleet3.targets] == [t.name for t in targets]
    for target, outcome in zip(targets, fleet3.targets, strict=True):
        failed = sorted(r for r, label in outcome.outcomes.items() if label == "failed")
        assert (outcome.verdict, failed) == _alone(target), target.name
    verdicts = {t.name: t.verdict for t in fleet3.targets}
    assert verdicts["ref-1"] == verdicts["ref-2"] == "conformant"
    assert all(verdicts[name] == "not conformant" for name in BROKEN)
    assert fleet3.exit_code == 1


def test_parallel_one_and_three_give_the_same_matrix(
        targets: list[FleetTarget], fleet3: FleetResult) -> None:
    one = run_fleet(targets, 1, embedded=judge)
    assert [(t.name, t.verdict, t.outcomes) for t in one.targets] == [
        (t.name, t.verdict, t.outcomes) for t in fleet3.targets]
    assert render_fleet_terminal(one).split("\n")[1:] != []
    assert one.attention() == fleet3.attention()


def test_the_json_report_follows_its_schema_and_reads_back(fleet3: FleetResult) -> None:
    document = json.loads(render_fleet_json(fleet3))
    Draft202012Validator(spec.fleet_report_schema()).validate(document)
    assert document["format_version"] == "1.0"
    back = fleet_result_from_json(document)
    assert [(t.name, t.verdict, t.exit_code, t.outcomes) for t in back.targets] == [
        (t.name, t.verdict, t.exit_code, t.outcomes) for t in fleet3.targets]
    assert back.exit_code == fleet3.exit_code
    for target in document["targets"]:
        Draft202012Validator(spec.report_schema()).validate(target["report"])


def test_junit_has_a_suite_per_target_and_a_case_per_requirement(fleet3: FleetResult) -> None:
    root = ET.fromstring(render_fleet_junit(fleet3))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [t.name for t in fleet3.targets]
    for suite, target in zip(suites, fleet3.targets, strict=True):
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == list(target.outcomes)
        failed = [c.get("name") for c in cases if c.find("failure") is not None]
        assert failed == [r for r, label in target.outcomes.items() if label == "failed"]


def test_html_shows_the_matrix_first_with_cells_linking_to_findings(fleet3: FleetResult) -> None:
    page = render_fleet_html(fleet3)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert page.index('class="matrix"') < page.index('<section class="target"')
    broken = next(t for t in fleet3.targets if t.name == "reindex-without-sudo")
    failed = next(r for r, label in broken.outcomes.items() if label == "failed")
    anchor = f"t-reindex-without-sudo-{failed}"
    assert f'href="#{anchor}"' in page and f'id="{anchor}"' in page


def test_the_terminal_matrix_names_the_failed_requirements(fleet3: FleetResult) -> None:
    text = render_fleet_terminal(fleet3)
    assert "FLEET NOT CONFORMANT" in text
    for target in fleet3.targets:
        for rid, label in target.outcomes.items():
            if label == "failed":
                assert rid in text
    assert "every judged requirement" not in text


def test_a_conformant_fleet_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("defaults: {profile: safe, max_examples: 1}\n"
                    "targets: [{name: only, embedded: true}]\n", encoding="utf-8")
    result = run_fleet(load(path, os.environ, resolve).targets, 1, embedded=judge)
    assert result.exit_code == 0
    assert result.sentence.startswith("FLEET CONFORMANT")

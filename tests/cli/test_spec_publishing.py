"""`replcheck spec --schema`, `--format html`, `spec diff` and the versions, through the CLI."""

from __future__ import annotations

import copy
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from replcheck import spec
from replcheck.conformance import __version__
from replcheck.conformance.cli import main
from replcheck.spec.compat import project_corpus

ROOT = Path(__file__).resolve().parents[2]


def _replcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replcheck.conformance.cli", *map(str, args)],
        capture_output=True, text=True, timeout=120, check=False,
    )


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --- spec diff -------------------------------------------------------------------------------


def test_diff_exits_1_for_a_removed_response_status(tmp_path: Path) -> None:
    old = spec.bundled_openapi()
    new = copy.deepcopy(old)
    del new["paths"]["/sys/replication/reindex"]["post"]["responses"]["413"]
    result = _replcheck("spec", "diff", _write(tmp_path / "old.json", old),
                        _write(tmp_path / "new.json", new))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "breaking  POST /sys/replication/reindex: documented status 413 removed" in result.stdout
    assert "1 breaking" in result.stdout


def test_diff_exits_0_for_a_reworded_description(tmp_path: Path) -> None:
    old = spec.bundled_openapi()
    new = copy.deepcopy(old)
    new["paths"]["/sys/replication/status"]["get"]["description"] = "Reports replication status."
    new["components"]["schemas"]["Peer"]["description"] = "The other end of a stream."
    result = _replcheck("spec", "diff", _write(tmp_path / "old.json", old),
                        _write(tmp_path / "new.json", new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok        GET /sys/replication/status: description reworded" in result.stdout
    assert "0 breaking" in result.stdout


def test_diff_of_the_released_contract_against_the_installed_one_passes() -> None:
    """What CI runs (make spec-gate)."""
    latest = spec.released_versions()[-1]
    result = _replcheck("spec", "diff", latest, "current", "--quiet")
    assert result.returncode == 0, result.stdout
    assert f"released {latest}" in result.stdout


def test_diff_replays_a_corpus_folder(tmp_path: Path) -> None:
    old = spec.bundled_openapi()
    new = copy.deepcopy(old)
    # Declaring a typed member is structurally compatible; only the capture shows the harm.
    new["components"]["schemas"]["Envelope"]["properties"]["replication_lag"] = {"type": "string"}
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    capture = spec.example("status-dr-perf-primary-2024")
    capture["replication_lag"] = 3
    _write(corpus / "vault-1.17.json", capture)
    result = _replcheck("spec", "diff", _write(tmp_path / "old.json", old),
                        _write(tmp_path / "new.json", new), "--corpus", corpus)
    assert result.returncode == 1
    project = len(project_corpus())
    assert f"1 breaking; {project + 1} corpus sample(s) replayed" in result.stdout
    assert "vault-1.17.json valid under the old document is rejected" in result.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "is neither a file nor a known version"),
        (b"{not: [json", "neither JSON nor YAML"),
        (b'{"openapi": "3.1.0"}', "not an OpenAPI document"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_diff_unreadable_input_exits_2_with_one_sentence(
    tmp_path: Path, content: bytes | None, words: str
) -> None:
    path = tmp_path / "broken.json"
    if content is not None:
        path.write_bytes(content)
    result = _replcheck("spec", "diff", path, "current")
    assert result.returncode == 2
    assert words in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


def test_diff_refuses_an_unbundled_document_with_exit_2() -> None:
    result = _replcheck("spec", "diff", ROOT / "spec" / "openapi.yaml", "current")
    assert result.returncode == 2
    assert "bundled" in result.stderr


# --- spec --schema / --format html -----------------------------------------------------------


def test_spec_schema_prints_the_standalone_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "--schema", "status-response"]) == 0
    assert json.loads(capsys.readouterr().out) == spec.standalone_schema(
        "status-response"
    )


def test_spec_schema_unknown_name_exits_2_with_one_sentence() -> None:
    result = _replcheck("spec", "--schema", "nope")
    assert result.returncode == 2
    assert "no schema named 'nope'" in result.stderr and "status-response" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_spec_html_writes_the_page(tmp_path: Path) -> None:
    target = tmp_path / "replcheck.html"
    assert main(["spec", "--format", "html", "-o", str(target)]) == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "reindexReplication" in page


def test_spec_output_to_an_unwritable_place_exits_2() -> None:
    result = _replcheck("spec", "-o", "/nonexistent/dir/openapi.yaml")
    assert result.returncode == 2
    assert "cannot write /nonexistent/dir/openapi.yaml" in result.stderr


# --- the report's format version and schema --------------------------------------------------


def _report_validator() -> Draft202012Validator:
    printed = _replcheck("spec", "--schema", "report")
    assert printed.returncode == 0, printed.stderr
    schema = json.loads(printed.stdout)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_json_report_of_a_real_run_validates_against_its_schema(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    plan = tmp_path / "plan.json"
    run = _replcheck("run", "--embedded", "--json", report, "--max-examples", "2", "--seed", "3")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    assert _replcheck("run", "--embedded", "--plan", "--json", plan).returncode == 0
    validator = _report_validator()
    for path in (report, plan):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["format_version"] == "1.2"
        assert document["target_kind"] == "embedded reference server"
        assert not [e.message for e in validator.iter_errors(document)], path.name
    broken = json.loads(report.read_text(encoding="utf-8"))
    del broken["format_version"]
    broken["requirements"][0]["outcome"] = 3
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("format_version" in m for m in messages)
    assert any("3 is not of type 'string'" in m for m in messages)


# --- versions --------------------------------------------------------------------------------


def test_the_package_version_lives_in_one_place() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = {attr = "replcheck.__version__"}' in pyproject
    assert importlib.metadata.version("replcheck") == __version__
    assert _replcheck("--version").stdout.strip() == f"replcheck {__version__}"


def test_the_contract_version_is_semver_and_in_the_changelog() -> None:
    version = spec.spec_version()
    assert [int(part) for part in version.split(".")] >= [
        int(part) for part in spec.released_versions()[-1].split(".")
    ]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"contract {version}" in changelog
    assert f"## replcheck {__version__}" in changelog

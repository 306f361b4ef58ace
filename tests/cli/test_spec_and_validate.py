"""`replcheck spec` and `replcheck validate`, through the real console entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from replcheck import spec
from replcheck.conformance.cli import main


def _replcheck(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replcheck.conformance.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_spec_prints_the_document_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec"]) == 0
    out = capsys.readouterr().out
    assert out == (spec.spec_dir() / "openapi.yaml").read_text(encoding="utf-8")


def test_spec_bundle_json_is_the_bundled_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "--bundle", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == spec.bundled_openapi()


def test_spec_bundle_yaml_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "--bundle"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == spec.bundled_openapi()


def test_spec_json_unbundled_keeps_file_refs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "--format", "json"]) == 0
    assert "./schemas/status-response.json" in capsys.readouterr().out


def test_validate_accepts_a_valid_capture(tmp_path: Path) -> None:
    capture = tmp_path / "status.json"
    capture.write_text(json.dumps(spec.example("status-dr-perf-primary-2024")))
    result = _replcheck("validate", "--kind", "status", str(capture))
    assert result.returncode == 0, result.stderr
    assert "valid status response" in result.stdout


def test_validate_reports_each_violation_with_its_path(tmp_path: Path) -> None:
    document = spec.example("status-dr-perf-primary-2024")
    document["data"]["dr"]["cluster_id"] = "not-a-uuid"
    document["data"]["performance"]["secondaries"][0]["connection_status"] = "up"
    capture = tmp_path / "status.json"
    capture.write_text(json.dumps(document))
    result = _replcheck("validate", "--kind", "status", str(capture))
    assert result.returncode == 1
    assert "$.data.dr.cluster_id:" in result.stdout
    assert "$.data.performance.secondaries[0].connection_status:" in result.stdout


@pytest.mark.parametrize(
    ("example", "kind"),
    [
        ("status-dr-perf-primary-2024", "status"),
        ("status-community-edition", "status"),
        ("warnings-envelope", "warnings"),
        ("warnings-docs-sample", "warnings"),
        ("error-permission-denied", "error"),
        ("section-status-dr-primary-docs", "section-status"),
        ("section-status-performance-secondary-docs", "section-status"),
        ("secondary-token-docs-sample", "wrapping-token"),
        ("secondary-token-envelope", "wrapping-token"),
        ("public-key-envelope", "public-key"),
        ("operation-token-attempt-read-docs", "operation-token-attempt"),
        ("operation-token-update-complete-docs", "operation-token-attempt"),
        ("paths-filter-response-docs", "filter"),
        ("dynamic-filter-envelope", "filter"),
        ("merkle-check-docs-sample", "merkle-check"),
    ],
)
def test_validate_tells_the_kind_from_the_body(tmp_path: Path, example: str, kind: str) -> None:
    capture = tmp_path / "capture.json"
    capture.write_text(json.dumps(spec.example(example)))
    result = _replcheck("validate", str(capture))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"valid {kind} response (kind told from its members" in result.stdout


def test_validate_judges_a_told_kind_like_a_given_one(tmp_path: Path) -> None:
    document = spec.example("status-dr-perf-primary-2024")
    document["data"]["dr"]["cluster_id"] = "not-a-uuid"
    capture = tmp_path / "status.json"
    capture.write_text(json.dumps(document))
    result = _replcheck("validate", str(capture))
    assert result.returncode == 1
    assert "violation(s) of the status schema (kind told" in result.stdout
    assert "$.data.dr.cluster_id:" in result.stdout


def test_validate_asks_for_the_kind_when_the_body_does_not_say() -> None:
    result = _replcheck("validate", "-", stdin='{"diff": true}')
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "cannot tell what - is" in result.stderr and "--kind status|warnings|error|" in (
        result.stderr
    )


def test_validate_judges_a_family_answer_by_its_own_schema(tmp_path: Path) -> None:
    """A dr/status answer is one section, not a whole status: judged as such, and a wrapping
    token without its ttl is a violation of the secondary-token answer."""
    token = spec.example("secondary-token-envelope")
    del token["wrap_info"]["ttl"]
    capture = tmp_path / "token.json"
    capture.write_text(json.dumps(token))
    result = _replcheck("validate", str(capture))
    assert result.returncode == 1
    assert "violation(s) of the wrapping-token schema (kind told" in result.stdout
    section = tmp_path / "section.json"
    section.write_text(json.dumps(spec.example("section-status-dr-primary-docs")))
    assert _replcheck("validate", "--kind", "status", str(section)).returncode == 1
    assert _replcheck("validate", "--kind", "section-status", str(section)).returncode == 0


def test_validate_reads_standard_input() -> None:
    result = _replcheck("validate", "--kind", "error", "-", stdin='{"errors": "nope"}')
    assert result.returncode == 1
    assert "$.errors:" in result.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"{not json", "is not JSON"), (b"\xff\xfe{}", "is not UTF-8 text")],
)
def test_validate_unreadable_input_exits_2(tmp_path: Path, content: bytes, words: str) -> None:
    capture = tmp_path / "capture.json"
    capture.write_bytes(content)
    result = _replcheck("validate", "--kind", "status", str(capture))
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_missing_file_exits_2_with_one_sentence() -> None:
    result = _replcheck("validate", "--kind", "status", "/nonexistent/status.json")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "cannot read /nonexistent/status.json" in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "--kind", "bogus", "x.json"],
        ["validate", "x.json"],
        ["spec", "--format", "xml"],
        ["no-such-command"],
    ],
)
def test_bad_flags_exit_2_with_one_clear_sentence(argv: list[str]) -> None:
    result = _replcheck(*argv)
    assert result.returncode == 2
    assert result.stderr.startswith("replcheck")
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr

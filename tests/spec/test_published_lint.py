"""The published bundle under the linters a consumer runs, with their default rules: Spectral's
``spectral:oas`` and Redocly's ``recommended``. Both must find nothing; a copy broken on
purpose shows that they do look (each linter runs once, over both files)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from replcheck import spec

ROOT = Path(__file__).resolve().parents[2]
NPX = shutil.which("npx")
SPECTRAL = "@stoplight/spectral-cli@6.16.3"
REDOCLY = "@redocly/cli@2.77.0"

pytestmark = pytest.mark.skipif(
    NPX is None, reason="SKIPPED: npx (Node.js) is not installed, so the linters cannot run"
)


def _pinned(package: str) -> None:
    """The versions here are the Makefile's, so the test lints as CI does."""
    assert package in (ROOT / "Makefile").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("lint")
    good = spec.bundled_openapi()
    broken: dict[str, Any] = copy.deepcopy(good)
    del broken["info"]["contact"]
    warnings = broken["components"]["schemas"]["WarningsResponse"]["anyOf"][0]
    del warnings["properties"]["warnings"]["items"]
    example = broken["paths"]["/sys/replication/status"]["get"]["responses"]["200"]["content"][
        "application/json"]["examples"]["drPerfPrimary2024"]["value"]
    example["data"]["dr"]["undeclared_member"] = 1
    (folder / "good.json").write_text(json.dumps(good), encoding="utf-8")
    (folder / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    return folder / "good.json", folder / "broken.json"


def _npx(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert NPX is not None
    return subprocess.run([NPX, "--yes", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, check=False)


def test_spectral_finds_nothing_in_the_bundle(bundles: tuple[Path, Path]) -> None:
    _pinned(SPECTRAL)
    good, broken = bundles
    result = _npx(SPECTRAL, "lint", str(good), str(broken), "--ruleset",
                  str(ROOT / ".spectral.yaml"), "--format", "json", "--quiet", cwd=ROOT)
    problems = json.loads(result.stdout)
    assert [p for p in problems if Path(p["source"]).name == "good.json"] == []
    codes = {p["code"] for p in problems if Path(p["source"]).name == "broken.json"}
    assert {"info-contact", "array-items"} <= codes, codes


def test_redocly_finds_nothing_in_the_bundle(bundles: tuple[Path, Path]) -> None:
    _pinned(REDOCLY)
    good, broken = bundles
    result = _npx(REDOCLY, "lint", str(good), str(broken), "--config", str(ROOT / "redocly.yaml"),
                  "--format", "json", cwd=ROOT)
    reports = _json_documents(result.stdout)  # one per file, in the order given
    assert len(reports) == 2, result.stdout[-2000:]
    assert reports[0]["problems"] == [], [p["message"] for p in reports[0]["problems"]]
    assert reports[0]["totals"]["errors"] == reports[0]["totals"]["warnings"] == 0
    assert any("undeclared_member" in p["message"] for p in reports[1]["problems"])


def _json_documents(text: str) -> list[Any]:
    decoder = json.JSONDecoder()
    out, index = [], text.find("{")
    while index != -1:
        document, end = decoder.raw_decode(text, index)
        out.append(document)
        index = text.find("{", end)
    return out

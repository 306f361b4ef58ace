"""`replcheck run` report paths: folders are made, impossible ones are a bad flag (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replcheck.conformance.cli",
        "run", "--embedded", "-k", "STATUS-UNAUTHENTICATED", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_folders_are_created(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "nested" / "report.json"
    result = _run("--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(report.read_text())["verdict"] == "conformant"


def test_a_report_folder_that_cannot_be_made_is_a_bad_flag(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run("--junit", str(blocker / "junit.xml"))
    assert result.returncode == 2
    assert result.stderr.startswith("replcheck run: error: cannot write --junit")
    assert result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr

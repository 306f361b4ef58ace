"""The Action's job summary (``ci/github/job_summary.py``), run as the action runs it, on reports
written here: what the target answered cannot become markup, and long texts stay bounded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ci_support import REPO

SCRIPT = REPO / "ci" / "github" / "job_summary.py"


def summarize(tmp_path: Path, report: object | None, exit_code: str) -> tuple[str, str]:
    path = tmp_path / "report.json"
    if report is not None:
        path.write_text(json.dumps(report), encoding="utf-8")
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--report", str(path), "--exit-code", exit_code,
         "--summary", str(summary), "--outputs", str(outputs)],
        check=True, capture_output=True, timeout=60,
    )
    return summary.read_text(encoding="utf-8"), outputs.read_text(encoding="utf-8")


def _report(message: str) -> dict[str, object]:
    return {
        "verdict": "not conformant",
        "verdict_sentence": "NOT CONFORMANT: 1 requirement(s) failed (1 passed, 1 failed).",
        "seed": 3,
        "target": "https://vault.example:8200",
        "profile": "safe",
        "requests_sent": 4,
        "exit_code": 1,
        "requirements": [
            {"id": "VAULT-ERROR-BODY", "level": "MUST", "outcome": "failed", "reason": "",
             "findings": [{"requirement": "VAULT-ERROR-BODY", "message": message,
                           "expected": "a JSON errors list"}] * 3},
            {"id": "STATUS-SCHEMA", "level": "MUST", "outcome": "passed", "findings": []},
        ],
    }


def test_findings_are_quoted_not_rendered(tmp_path: Path) -> None:
    summary, outputs = summarize(
        tmp_path, _report("answered 500 <script>alert(1)</script> | a&b\nsecond line"), "1"
    )
    assert outputs == "verdict=not conformant\n"
    assert summary.startswith("## replcheck: NOT CONFORMANT\n")
    first = "| VAULT-ERROR-BODY | MUST | failed |"
    row = next(line for line in summary.splitlines() if line.startswith(first))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| a&amp;b second line" in row
    assert row.endswith("expected: a JSON errors list (and 2 more) |")
    assert "<script>" not in summary
    assert "`replcheck run --seed 3`" in summary


def test_long_findings_are_cut(tmp_path: Path) -> None:
    summary, _ = summarize(tmp_path, _report("x" * 5000), "1")
    row = next(line for line in summary.splitlines() if line.startswith("| VAULT-ERROR-BODY"))
    assert "x" * 250 in row and "x" * 400 not in row and "…" in row


def test_no_report_says_the_run_could_not_be_made(tmp_path: Path) -> None:
    summary, outputs = summarize(tmp_path, None, "2")
    assert summary.startswith("## replcheck: no report\n")
    assert "exited 2" in summary
    assert outputs == "verdict=none\n"

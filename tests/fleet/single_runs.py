"""Fleet results built from single runs of the embedded reference server (and broken ones), as
``replcheck report merge`` and ``diff`` meet them: through their JSON form.

Each target is one real ``replcheck run --embedded [--break NAME]`` of the status checks; its
JSON report becomes the target's row, as a fleet run records it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from replcheck.conformance.fleet.result import FleetResult, TargetOutcome, fleet_result_to_json

REPLCHECK = Path(sys.executable).parent / "replcheck"
#: A short run: the status checks only, one generated request per operation and mode.
QUICK = ("-k", "status", "--max-examples", "1", "--seed", "7")
#: A broken server the status checks catch (STATUS-UNAUTHENTICATED fails).
BROKEN = "status-requires-token"


@cache
def single_report(broken: str | None) -> str:
    """The JSON report (text) of one embedded run, broken by ``broken`` when given."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        args = [str(REPLCHECK), "run", "--embedded", *QUICK, "--json", str(report)]
        if broken:
            args += ["--break", broken]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode in (0, 1), done.stderr
        return report.read_text(encoding="utf-8")


def outcome(name: str, broken: str | None = None) -> TargetOutcome:
    report: dict[str, Any] = json.loads(single_report(broken))
    return TargetOutcome(
        name=name,
        tags=("broken",) if broken else (),
        kind="embedded",
        verdict=report["verdict"],
        exit_code=report["exit_code"],
        sentence=report["verdict_sentence"],
        outcomes={r["id"]: r["outcome"] for r in report["requirements"]},
        requests=report["requests_sent"],
        duration_s=report["duration_s"],
        report=report,
    )


def fleet(*targets: TargetOutcome, shard: tuple[int, int] | None = None) -> FleetResult:
    return FleetResult(
        list(targets), started_at="2026-12-04T10:00:00+00:00", duration_s=3.0, shard=shard
    )


def write(path: Path, result: FleetResult) -> Path:
    path.write_text(json.dumps(fleet_result_to_json(result)), encoding="utf-8")
    return path

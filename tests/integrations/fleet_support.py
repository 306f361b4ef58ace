"""What the fleet recipes' tests share: a small fleet of embedded targets (two reference
servers and a broken one, safe profile, one example: a few seconds each), its unsharded run, and
the matrix two fleet reports are compared by."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from ci_support import REPLCHECK

INVENTORY = """\
defaults: {max_examples: 1, seed: 7, profile: safe}
targets:
  - {name: ref-a, embedded: true}
  - {name: broken, embedded: true, break: status-requires-token}
  - {name: ref-b, embedded: true}
"""


def write_inventory(folder: Path, name: str = "fleet.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(INVENTORY, encoding="utf-8")
    return path


def matrix(report: Path) -> list[tuple[Any, ...]]:
    """Target by target: name, verdict, exit status and every requirement's label."""
    document = json.loads(report.read_text(encoding="utf-8"))
    return [
        (t["name"], t["verdict"], t["exit_code"], t["outcomes"]) for t in document["targets"]
    ]


def unsharded(folder: Path) -> Path:
    """The fleet judged in one run (the reference the merged shards must equal)."""
    inventory = write_inventory(folder)
    report = folder / "whole.json"
    done = subprocess.run(
        [str(REPLCHECK), "fleet", str(inventory), "--parallel", "2", "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    return report

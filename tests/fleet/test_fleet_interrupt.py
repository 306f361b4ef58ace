"""Ctrl-C stops a fleet cleanly: targets not started are not run, running ones are interrupted
as single runs are, the reports are written from what was judged, and the status is 130."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

REPLCHECK = str(Path(sys.executable).with_name("replcheck"))


def test_sigint_stops_the_fleet_and_reports_what_was_judged(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text("defaults: {profile: full, max_examples: 50}\ntargets:\n"
                    + "".join(f"  - {{name: ref-{i}, embedded: true}}\n" for i in range(4)),
                    encoding="utf-8")
    report = tmp_path / "fleet.json"
    child = subprocess.Popen([REPLCHECK, "fleet", str(path), "--parallel", "2", "--json",
                              str(report)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 60
    assert child.stdout is not None
    while time.monotonic() < deadline:  # wait until the workers are judging
        line = child.stdout.readline()
        if "at a time" in line:
            break
    time.sleep(4)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=90)
    assert child.returncode == 130, err
    assert "Traceback" not in err
    document = json.loads(report.read_text(encoding="utf-8"))
    names = [t["name"] for t in document["targets"]]
    assert len(names) < 4 or any(t["verdict"] == "interrupted" for t in document["targets"])
    assert "interrupted by SIGINT" in err

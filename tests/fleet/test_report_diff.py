"""``replcheck report diff OLD NEW``: regressions, fixes, new and gone targets, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from single_runs import BROKEN, REPLCHECK, fleet, outcome, write

from replcheck.conformance.fleet.diff import diff_results


def _diff(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPLCHECK), "report", "diff", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_target_swapped_for_a_broken_server_is_a_regression(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", fleet(outcome("eu"), outcome("us")))
    new = write(tmp_path / "new.json", fleet(outcome("eu"), outcome("us", BROKEN)))
    done = _diff(old, new)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "regressed: us: conformant -> not conformant" in lines
    assert "regressed: us STATUS-UNAUTHENTICATED: passed -> failed" in lines
    assert not any(line.startswith("regressed: eu") for line in lines)
    assert lines[-1].startswith("3 regressed")  # the target and its two failed requirements


def test_the_reverse_is_a_fix_and_exits_0(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", fleet(outcome("eu"), outcome("us", BROKEN)))
    new = write(tmp_path / "new.json", fleet(outcome("eu"), outcome("us")))
    done = _diff(old, new)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fixed: us: not conformant -> conformant" in done.stdout.splitlines()
    assert "regressed" not in done.stdout.split(".")[0]


def test_identical_results_have_no_change(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", fleet(outcome("eu"), outcome("us", BROKEN)))
    done = _diff(old, old)
    assert (done.returncode, done.stdout) == (0, "No change between the two fleet results.\n")


def test_new_and_gone_targets_are_named_and_do_not_fail_the_diff(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", fleet(outcome("eu"), outcome("ap")))
    new = write(tmp_path / "new.json", fleet(outcome("eu"), outcome("us", BROKEN)))
    done = _diff(old, new)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "gone target: ap (conformant)" in lines
    assert "new target: us (not conformant)" in lines


def test_new_and_gone_requirements_and_other_moves() -> None:
    base = outcome("eu")
    old_cells = dict(base.outcomes)
    old_cells["RETIRED-REQ"] = "passed"
    new = outcome("eu")
    first = next(iter(new.outcomes))
    new.outcomes[first] = "not run"  # hidden, not failed: a change, not a regression
    new.outcomes["FRESH-REQ"] = "failed"
    old = outcome("eu")
    old.outcomes = old_cells
    found = diff_results(fleet(old), fleet(new))
    kinds = {(c.kind, c.subject) for c in found.changes}
    assert ("changed", f"eu {first}") in kinds
    assert ("new requirement", "FRESH-REQ") in kinds
    assert ("gone requirement", "RETIRED-REQ") in kinds
    assert not found.regressed and found.exit_code == 0


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (None, "does not exist"),
        ("{not json", "is not JSON"),
        ("[1, 2]", "is not a fleet report"),
        ('{"format_version": "2.0", "targets": []}', "not a fleet report of format 1.x"),
        ('{"format_version": "1.0"}', "is not a fleet report"),
        ('{"format_version": "1.0", "targets": "x"}', "the fleet report is invalid"),
    ],
)
def test_bad_input_exits_2_in_one_sentence(
    tmp_path: Path, content: str | None, sentence: str
) -> None:
    good = write(tmp_path / "good.json", fleet(outcome("eu")))
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    for args in ((good, bad), (bad, good)):
        done = _diff(*args)
        assert done.returncode == 2
        assert done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert line.startswith("replcheck report: error: ") and sentence in line, line
        assert "Traceback" not in done.stderr


def test_a_single_run_report_is_not_taken_for_a_fleet_report(tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", fleet(outcome("eu")))
    single = tmp_path / "single.json"
    single.write_text(json.dumps(outcome("eu").report), encoding="utf-8")
    done = _diff(good, single)
    assert done.returncode == 2
    assert done.stderr == (
        f"replcheck report: error: {single} is not a fleet report (replcheck fleet --json)\n"
    )

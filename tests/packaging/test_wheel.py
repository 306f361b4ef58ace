"""The wheel carries the spec as package data, and the installed code finds it there.

The test builds the wheel (no dependencies), unpacks it, and imports ``replcheck_spec`` from the
unpacked copy in a child process whose working directory is outside the source tree, so the
editable install of the repository cannot be what answers.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import replcheck_spec

REPO = Path(__file__).resolve().parents[2]


def _build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--wheel-dir", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("replcheck-*.whl")
    return wheel


def test_wheel_ships_every_spec_file_and_works_without_the_source_tree(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    spec_dir = replcheck_spec.spec_dir()
    expected = {
        "replcheck_spec/" + path.relative_to(spec_dir).as_posix()
        for path in spec_dir.rglob("*")
        if path.is_file() and path.suffix in {".yaml", ".json", ".py", ".j2"}
    }
    assert expected <= names, sorted(expected - names)
    assert "replcheck-0.1.0.dist-info/entry_points.txt" in names

    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    probe = (
        "import replcheck_spec, sys\n"
        "from replcheck_spec.violations import violations\n"
        f"assert str(replcheck_spec.spec_dir()).startswith({str(unpacked)!r}), "
        "replcheck_spec.spec_dir()\n"
        "bundled = replcheck_spec.bundled_openapi()\n"
        "assert len(bundled['components']['schemas']) == len(replcheck_spec.schema_names())\n"
        "for name in replcheck_spec.example_names():\n"
        "    replcheck_spec.example(name)\n"
        "assert violations('status', replcheck_spec.example('status-dr-perf-primary-2024')) == []\n"
        "print('ok', len(replcheck_spec.requirements()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ")

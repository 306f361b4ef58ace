"""The plugin's documentation (docs/plugin.md) runs as written: its commands, through bash,
with the target in VAULT_ADDR and VAULT_TOKEN as the text says, and its worked example of a
user's test file, against the reference server (conformant) and a server without sudo on
reindex (the example's target_deviates reports it against REINDEX-SUDO). The extras the text
tells people to install exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from plugin_servers import ROOT_TOKEN, Served

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "plugin.md").read_text(encoding="utf-8")
EXAMPLE_FILE = "tests/test_vault_replication.py"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def _suite_commands() -> list[str]:
    block = next(b for b in _blocks("sh") if "--pyargs replcheck.conformance.suite" in b)
    return [line for line in block.splitlines() if line.strip()]


def _bash(command: str, cwd: Path, served: Served) -> subprocess.CompletedProcess[str]:
    """``command`` as a user would type it: VAULT_ADDR and VAULT_TOKEN set, this venv's
    pytest first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "REPLCHECK_"))}
    env.update(
        VAULT_ADDR=served.url, VAULT_TOKEN=ROOT_TOKEN,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )  # fmt: skip
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


@pytest.mark.parametrize("command", _suite_commands())
def test_each_suite_command_runs_as_written(
    command: str, tmp_path: Path, reference: Served
) -> None:
    done = _bash(command, tmp_path, reference)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "CONFORMANT: every judged requirement passed" in done.stdout
    for flag, name in (("--junitxml", "junit.xml"), ("--replcheck-html", "replcheck.html")):
        if flag in command:
            assert (tmp_path / name).is_file()


def _example(tmp_path: Path) -> str:
    """The worked example written where its first line says, and the command that runs it."""
    source = next(b for b in _blocks("python") if b.startswith(f"# {EXAMPLE_FILE}\n"))
    (tmp_path / "tests").mkdir()
    (tmp_path / EXAMPLE_FILE).write_text(source, encoding="utf-8")
    return next(b for b in _blocks("sh") if b.startswith("pytest tests/")).strip()


def test_the_worked_example_passes_against_a_conformant_server(
    tmp_path: Path, reference: Served
) -> None:
    done = _bash(_example(tmp_path), tmp_path, reference)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "CONFORMANT: every judged requirement passed (2 passed)" in done.stdout
    assert (tmp_path / "replcheck.html").is_file()


def test_the_worked_example_names_the_deviation_of_a_server_without_sudo(
    tmp_path: Path, broken: Served
) -> None:
    done = _bash(_example(tmp_path), tmp_path, broken)
    assert done.returncode == 1
    assert "FAILED tests/test_vault_replication.py::test_non_sudo_token_cannot_reindex" in (
        done.stdout
    )
    assert "NOT CONFORMANT: 1 requirement(s) failed" in done.stdout
    assert "  failed      REINDEX-SUDO" in done.stdout


def test_every_extra_the_documentation_names_exists() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    named = set(re.findall(r"replcheck\[([a-z-]+)\]", DOC))
    assert named and named <= set(extras), named - set(extras)
    assert any(dependency.startswith("pytest-xdist") for dependency in extras["xdist"])

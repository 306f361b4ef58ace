"""``replcheck run`` leaves no ``.hypothesis`` folder in the working directory: Hypothesis's
files go to the user's cache folder, or nowhere with ``REPLCHECK_CACHE_DIR=off``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from replcheck.conformance.fuzzing.storage import _NOWHERE, storage_folder
from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

ROOT_TOKEN = "hvs.test0root0token0for0hypothesis0storage"
HOME = Path("/home/someone")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, HOME / ".cache/replcheck/hypothesis"),
        ({"XDG_CACHE_HOME": "/var/cache/me"}, Path("/var/cache/me/replcheck/hypothesis")),
        ({"XDG_CACHE_HOME": "relative/cache"}, HOME / ".cache/replcheck/hypothesis"),
        ({"REPLCHECK_CACHE_DIR": "/tmp/rc"}, Path("/tmp/rc/hypothesis")),
        ({"REPLCHECK_CACHE_DIR": "/tmp/rc", "XDG_CACHE_HOME": "/x"}, Path("/tmp/rc/hypothesis")),
        ({"REPLCHECK_CACHE_DIR": "OFF"}, _NOWHERE),
        ({"HYPOTHESIS_STORAGE_DIRECTORY": "/mine", "REPLCHECK_CACHE_DIR": "/tmp/rc"}, None),
    ],
)
def test_the_storage_folder_follows_the_environment(
    environ: dict[str, str], expected: Path | None
) -> None:
    assert storage_folder(environ, HOME) == expected


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    config = ServerConfig(root_token=ROOT_TOKEN, log_level="warning", reindex_stage_seconds=0.002)
    with EmbeddedServer(config) as server:
        yield server.url


def _run(url: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """A fuzzing run in a process of its own (Hypothesis's storage is process-wide)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HYPOTHESIS_STORAGE_DIRECTORY", "REPLCHECK_CACHE_DIR", "XDG_CACHE_HOME")
        and not k.startswith("VAULT_")
    }
    env.update(HOME=str(cwd.parent / "home"), **extra)
    return subprocess.run(
        [sys.executable, "-m", "replcheck.conformance.cli", "run", "--url", url,
         "--token", ROOT_TOKEN, "-k", "SCHEMA-RESPONSES", "--max-examples", "2", "--seed", "1"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_a_run_writes_hypothesis_files_to_the_cache_not_the_working_directory(
    target: str, tmp_path: Path
) -> None:
    cwd = tmp_path / "work"
    cwd.mkdir()
    done = _run(target, cwd)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert not (cwd / ".hypothesis").exists()
    cache = tmp_path / "home" / ".cache" / "replcheck" / "hypothesis"
    assert any(path.is_file() for path in cache.rglob("*")), "Hypothesis wrote nothing at all"


def test_with_the_cache_off_a_run_writes_no_hypothesis_file_anywhere(
    target: str, tmp_path: Path
) -> None:
    cwd = tmp_path / "work"
    cwd.mkdir()
    done = _run(target, cwd, REPLCHECK_CACHE_DIR="off")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert not (cwd / ".hypothesis").exists()
    assert not (tmp_path / "home").exists()

"""The GitHub workflow example of a sharded fleet (``examples/github/fleet.yml``): valid for
GitHub, and run for real as the runner would run it.

Each matrix job runs the Action (``action.yml``, through ``actions_runner`` as
``test_action.py`` does) with its ``with:`` evaluated for that job; what upload-artifact is given
is copied to an artifact store, download-artifact's pattern is matched against it (each artifact
in a folder of its name, as ``actions/download-artifact@v4`` does without ``merge-multiple``), and
the merge job's ``run:`` steps run with bash. The install step (``pip install`` from GitHub) is
not run: this venv's replcheck is on PATH instead. The merged report must give the matrix of one
unsharded run, and the merge step the fleet's exit status.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from actions_runner import ActionResult, run_action
from ci_support import BIN, REPLCHECK, REPO, check_jsonschema, job_env
from fleet_support import matrix, unsharded, write_inventory

WORKFLOW_FILE = REPO / "examples" / "github" / "fleet.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_FILE.read_text(encoding="utf-8"))
INSTALLED = {"install": {"replcheck": str(REPLCHECK), "python": str(BIN / "python")}}
PYTHON_STEP = {"python": {"python-path": sys.executable}}


def _evaluate(text: Any, values: dict[str, str]) -> str:
    """The ``${{ }}`` forms the example uses; any other fails the test rather than be guessed."""

    def value(match: re.Match[str]) -> str:
        expression = match[1].strip()
        if expression in values:
            return values[expression]
        if expression.startswith("secrets."):
            return ""
        raise ValueError(f"expression not understood by the test: {expression!r}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))


def test_the_workflow_is_valid_for_github() -> None:
    done = check_jsonschema("--builtin-schema", "vendor.github-workflows", str(WORKFLOW_FILE))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_shards_artifacts_are_what_the_merge_job_downloads() -> None:
    shard_steps = WORKFLOW["jobs"]["shard"]["steps"]
    action = next(s for s in shard_steps if "replcheck" in s.get("uses", ""))
    names = [
        _evaluate(action["with"]["artifact-name"], {"matrix.shard": str(i)})
        for i in WORKFLOW["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    ]
    download = next(
        s for s in WORKFLOW["jobs"]["merge"]["steps"] if "download-artifact" in s.get("uses", "")
    )
    assert all(fnmatch.fnmatch(name, download["with"]["pattern"]) for name in names)
    assert WORKFLOW["jobs"]["shard"]["strategy"]["fail-fast"] is False
    assert WORKFLOW["jobs"]["merge"]["needs"] == "shard"


def _shard_job(root: Path, shard: int, total: int, artifacts: Path) -> int:
    workspace = root / f"shard-{shard}"
    write_inventory(workspace)  # the checkout
    job = WORKFLOW["jobs"]["shard"]
    step = next(s for s in job["steps"] if "replcheck" in s.get("uses", ""))
    values = {"matrix.shard": str(shard), "strategy.job-total": str(total)}
    inputs = {name: _evaluate(value, values) for name, value in step["with"].items()}
    env = {name: _evaluate(value, values) for name, value in (step.get("env") or {}).items()}
    result = run_action(
        REPO, workspace, inputs, env=job_env(**env), uses_outputs=PYTHON_STEP, emulated=INSTALLED
    )
    upload = result.step("Upload the reports")
    assert upload.ran is False and upload.uses == "actions/upload-artifact@v4"
    shutil.copytree(workspace / upload.with_["path"], artifacts / upload.with_["name"])
    return int(result.outputs["exit-code"])


def _merge_job(root: Path, artifacts: Path) -> subprocess.CompletedProcess[str]:
    workspace = root / "merge"
    write_inventory(workspace)
    steps = WORKFLOW["jobs"]["merge"]["steps"]
    download = next(s for s in steps if "download-artifact" in s.get("uses", ""))
    for artifact in sorted(artifacts.iterdir()):
        if fnmatch.fnmatch(artifact.name, download["with"]["pattern"]):
            shutil.copytree(artifact, workspace / download["with"]["path"] / artifact.name)
    merge = next(s for s in steps if s.get("name") == "Merge the shards into one fleet report")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", merge["run"]],
        cwd=workspace,
        env=job_env(PATH=f"{BIN}:/usr/bin:/bin"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_matrix_shards_merged_give_the_unsharded_matrix(tmp_path: Path) -> None:
    total = len(WORKFLOW["jobs"]["shard"]["strategy"]["matrix"]["shard"])
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    codes = [_shard_job(tmp_path, shard, total, artifacts) for shard in range(1, total + 1)]
    assert set(codes) <= {0, 1} and 1 in codes  # the shard holding the broken server fails
    done = _merge_job(tmp_path, artifacts)
    assert done.returncode == 1, done.stdout + done.stderr
    merged = tmp_path / "merge" / "fleet-report"
    assert matrix(merged / "report.json") == matrix(unsharded(tmp_path / "whole"))
    assert (merged / "junit.xml").is_file() and (merged / "report.html").is_file()


def test_a_missing_shard_fails_the_merge_job(tmp_path: Path) -> None:
    """A shard whose job died before its upload must not let the merge pass on fewer targets."""
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    _shard_job(tmp_path, 1, 2, artifacts)
    done = _merge_job(tmp_path, artifacts)
    assert done.returncode == 2
    assert "shard 2 of 2 is missing" in done.stderr


# --- the Action's fleet inputs -------------------------------------------------------------------


def _action(workspace: Path, inputs: dict[str, str]) -> ActionResult:
    workspace.mkdir(parents=True, exist_ok=True)
    return run_action(
        REPO, workspace, inputs, env=job_env(), uses_outputs=PYTHON_STEP, emulated=INSTALLED
    )


def test_fleet_mode_refuses_a_url_or_embedded(tmp_path: Path) -> None:
    for extra in ({"url": "https://vault.example:8200"}, {"embedded": "true"}):
        result = _action(tmp_path / "w", {"inventory": "fleet.yaml", **extra})
        assert result.returncode == 2
        assert "input inventory names the targets" in result.log


def test_a_shard_without_an_inventory_is_refused(tmp_path: Path) -> None:
    result = _action(tmp_path / "w", {"embedded": "true", "shard": "1/2"})
    assert result.returncode == 2
    assert "input shard splits a fleet: set input inventory too" in result.log


def test_fleet_mode_summary_and_outputs(tmp_path: Path) -> None:
    workspace = tmp_path / "w"
    write_inventory(workspace)
    result = _action(workspace, {"inventory": "fleet.yaml", "select": "broken or ref-a"})
    assert result.returncode == 1  # the gate, after the summary and the upload
    assert result.outputs["verdict"] == "not conformant"
    assert result.outputs["exit-code"] == "1"
    assert "## replcheck fleet" in result.summary
    assert "| broken | not conformant |" in result.summary
    assert "ref-b" not in result.summary  # -k selected the targets
    assert result.step("Upload the reports").with_["path"] == "replcheck-reports"

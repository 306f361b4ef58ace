"""The GitLab fleet template (``ci/gitlab/replcheck-fleet.gitlab-ci.yml``): valid for GitLab, and
its jobs' scripts run for real, as ``test_gitlab_template.py`` runs the single-target template's.

The shard job runs once per node of ``parallel: N`` (``CI_NODE_INDEX`` 1..N, ``CI_NODE_TOTAL``
N), each in its own project folder; what its ``artifacts:paths`` keep is copied into the merge
job's folder (as GitLab extracts the artifacts of the jobs a job ``needs``), then the merge job's
script runs. Scripts run with ``sh -e`` and the before_script (pip install) is not run: the
jobs' REPLCHECK_VENV is this project's venv.
"""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from ci_support import REPO, check_jsonschema, job_env
from fleet_support import matrix, unsharded, write_inventory

TEMPLATE_FILE = REPO / "ci" / "gitlab" / "replcheck-fleet.gitlab-ci.yml"
TEMPLATE = yaml.safe_load(TEMPLATE_FILE.read_text(encoding="utf-8"))
SHARD, MERGE = TEMPLATE[".replcheck-fleet"], TEMPLATE[".replcheck-fleet-merge"]
VENV = Path(sys.executable).parent.parent


def _run(
    job: dict[str, Any], workspace: Path, overrides: Mapping[str, str] | None = None, **ci: str
) -> subprocess.CompletedProcess[str]:
    """The job's script with the template's variables, overridden by ``overrides`` (as a job
    that extends the template overrides them), and GitLab's ``ci`` variables."""
    variables = {**job["variables"], "REPLCHECK_VENV": str(VENV), **(overrides or {})}
    return subprocess.run(
        ["sh", "-e", "-c", "\n".join(job["script"])],
        cwd=workspace,
        env={**job_env(**ci), **variables},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _keep(job: dict[str, Any], workspace: Path, into: Path) -> None:
    """What GitLab keeps of a job (its artifacts' paths), extracted into ``into``."""
    for pattern in job["artifacts"]["paths"]:
        for found in glob.glob(pattern, root_dir=workspace):
            shutil.copytree(workspace / found, into / found, dirs_exist_ok=True)


def test_template_is_valid_for_gitlab() -> None:
    done = check_jsonschema("--builtin-schema", "vendor.gitlab-ci", str(TEMPLATE_FILE))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_jobs_are_valid_as_a_pipeline_that_extends_them_sees_them(tmp_path: Path) -> None:
    pipeline = {
        "vault-fleet": {**SHARD, "parallel": 4},
        "vault-fleet-report": {**MERGE, "needs": ["vault-fleet"]},
    }
    path = tmp_path / "pipeline.gitlab-ci.yml"
    path.write_text(yaml.safe_dump(pipeline), encoding="utf-8")
    done = check_jsonschema("--builtin-schema", "vendor.gitlab-ci", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    broken = {**pipeline, "vault-fleet": {**SHARD, "parallel": 500}}  # GitLab's limit is 200
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    assert check_jsonschema("--builtin-schema", "vendor.gitlab-ci", str(path)).returncode == 1


def test_template_only_defines_hidden_jobs() -> None:
    assert list(TEMPLATE) == [".replcheck-fleet", ".replcheck-fleet-merge"]
    assert MERGE["when"] == "always" and SHARD["artifacts"]["when"] == "always"


def test_parallel_shards_merged_give_the_unsharded_matrix(tmp_path: Path) -> None:
    total = 2
    merge = tmp_path / "merge"
    write_inventory(merge)
    statuses = []
    for node in range(1, total + 1):
        workspace = tmp_path / f"node-{node}"
        write_inventory(workspace)
        done = _run(SHARD, workspace, CI_NODE_INDEX=str(node), CI_NODE_TOTAL=str(total))
        assert done.returncode in (0, 1), done.stdout + done.stderr
        report = workspace / f"replcheck-fleet-shard-{node}" / "report.json"
        assert json.loads(report.read_text(encoding="utf-8"))["shard"] == [node, total]
        statuses.append(done.returncode)
        _keep(SHARD, workspace, merge)
    assert 1 in statuses  # the node holding the broken server fails its job
    done = _run(MERGE, merge)
    assert done.returncode == 1, done.stdout + done.stderr
    assert matrix(merge / "replcheck-fleet" / "report.json") == matrix(
        unsharded(tmp_path / "whole")
    )
    assert (merge / "replcheck-fleet" / "junit.xml").is_file()


def test_without_parallel_the_one_job_judges_every_target(tmp_path: Path) -> None:
    workspace = tmp_path / "job"
    write_inventory(workspace)
    done = _run(SHARD, workspace, {"REPLCHECK_SELECT": "ref-a"}, CI_NODE_TOTAL="1")
    assert done.returncode == 0, done.stdout + done.stderr
    report = workspace / "replcheck-fleet-shard-1" / "report.json"
    assert [row[0] for row in matrix(report)] == ["ref-a"]


def test_a_missing_node_fails_the_merge(tmp_path: Path) -> None:
    merge = tmp_path / "merge"
    write_inventory(merge)
    workspace = tmp_path / "node-1"
    write_inventory(workspace)
    _run(SHARD, workspace, CI_NODE_INDEX="1", CI_NODE_TOTAL="2")
    _keep(SHARD, workspace, merge)
    done = _run(MERGE, merge)
    assert done.returncode == 2
    assert "shard 2 of 2 is missing" in done.stderr

"""The Kubernetes recipe (``ci/kubernetes/replcheck-fleet.yaml``: an Indexed Job of shards, and
``replcheck-fleet-merge.yaml``): valid against Kubernetes' own schemas, offline, and its
containers' scripts run for real.

Validation: ``kubernetes-validate`` (dev extra) carries the JSON schemas generated from
Kubernetes' OpenAPI document for each release; ``strict`` rejects fields the API does not
know, so a typo in a field name fails as a wrong type does. What it cannot check (the API
server's own validation: cross-field rules such as ``backoffLimitPerIndex`` needing
``completionMode: Indexed``) the tests below check by hand for the fields the recipe relies on.

Run: each index's pod is the shard container's script with ``JOB_COMPLETION_INDEX`` set, as the
Job controller sets it, the ConfigMap's inventory and the reports volume as folders here, and
the init container's install (pip) replaced by this venv; then the merge container's script.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from ci_support import REPO, job_env
from fleet_support import INVENTORY, matrix, unsharded

#: The Kubernetes release validated against (Indexed Jobs' backoffLimitPerIndex is GA in 1.33).
KUBERNETES = "1.33.0"
FOLDER = REPO / "ci" / "kubernetes"
SHARDS = list(yaml.safe_load_all((FOLDER / "replcheck-fleet.yaml").read_text(encoding="utf-8")))
MERGE = list(
    yaml.safe_load_all((FOLDER / "replcheck-fleet-merge.yaml").read_text(encoding="utf-8"))
)
VENV = Path(sys.executable).parent.parent


def _one(kind: str, documents: list[dict[str, Any]] = SHARDS) -> dict[str, Any]:
    (found,) = [d for d in documents if d["kind"] == kind]
    return found


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", [])}


JOB, MERGE_JOB = _one("Job"), _one("Job", MERGE)
SHARD_CONTAINER = JOB["spec"]["template"]["spec"]["containers"][0]
MERGE_CONTAINER = MERGE_JOB["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    "document", SHARDS + MERGE, ids=lambda d: f"{d['kind']}/{d['metadata']['name']}"
)
def test_every_document_is_valid_against_kubernetes_schemas(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, KUBERNETES, strict=True)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "completionMode"), {"indexed": True}),  # a wrong type
        (("spec", "template", "spec", "restartPolicy"), 3),
        (("spec", "completionz"), 4),  # a field the API does not have
    ],
)
def test_the_schema_check_bites(path: tuple[str, ...], value: object) -> None:
    broken = yaml.safe_load(yaml.safe_dump(JOB))
    place = broken
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_the_index_is_the_shard_and_n_is_written_consistently() -> None:
    spec = JOB["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["template"]["spec"]["restartPolicy"] == "Never"  # backoffLimitPerIndex needs it
    shards = int(_env(SHARD_CONTAINER)["REPLCHECK_SHARDS"])
    assert spec["completions"] == spec["parallelism"] == shards
    script = SHARD_CONTAINER["args"][0]
    assert "$((JOB_COMPLETION_INDEX + 1))" in script
    assert '--shard "$shard/$REPLCHECK_SHARDS"' in script


def test_the_volumes_and_paths_agree() -> None:
    """The venv the init container fills is the one the container runs; the inventory and
    report paths are the mounts' (in both Jobs)."""
    for job, container in ((JOB, SHARD_CONTAINER), (MERGE_JOB, MERGE_CONTAINER)):
        pod = job["spec"]["template"]["spec"]
        (install,) = pod["initContainers"]
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        env = _env(container)
        assert _env(install)["REPLCHECK_VENV"] == env["REPLCHECK_VENV"]
        assert env["REPLCHECK_VENV"].startswith(mounts["venv"] + "/")
        assert env["REPLCHECK_REPORT_DIR"] == mounts["reports"]
        inventory = Path(env["REPLCHECK_INVENTORY"])
        assert str(inventory.parent) == mounts["inventory"]
        config_map = _one("ConfigMap")
        assert inventory.name in config_map["data"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["inventory"]["configMap"]["name"] == config_map["metadata"]["name"]
        claim = _one("PersistentVolumeClaim")["metadata"]["name"]
        assert volumes["reports"]["persistentVolumeClaim"]["claimName"] == claim


def _pod(container: dict[str, Any], root: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """The container's command, with the mounts as folders under ``root``."""
    env = {
        **_env(container),
        "REPLCHECK_VENV": str(VENV),
        "REPLCHECK_INVENTORY": str(root / "inventory" / "fleet.yaml"),
        "REPLCHECK_REPORT_DIR": str(root / "reports"),
        **extra,
    }
    return subprocess.run(
        [*container["command"], *container["args"]],
        env={**job_env(), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_indexed_pods_and_the_merge_give_the_unsharded_matrix(tmp_path: Path) -> None:
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "fleet.yaml").write_text(INVENTORY, encoding="utf-8")
    for index in range(JOB["spec"]["completions"]):
        done = _pod(SHARD_CONTAINER, tmp_path, JOB_COMPLETION_INDEX=str(index))
        assert done.returncode == 0, done.stdout + done.stderr  # a report was written
        assert (tmp_path / "reports" / f"shard-{index + 1}" / "report.json").is_file()
    done = _pod(MERGE_CONTAINER, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr  # the broken server
    merged = tmp_path / "reports" / "fleet" / "report.json"
    assert matrix(merged) == matrix(unsharded(tmp_path / "whole"))


def test_a_pod_that_writes_no_report_fails_and_the_merge_refuses(tmp_path: Path) -> None:
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "fleet.yaml").write_text("targets: []\n", encoding="utf-8")
    done = _pod(SHARD_CONTAINER, tmp_path, JOB_COMPLETION_INDEX="0")
    assert done.returncode != 0
    (tmp_path / "inventory" / "fleet.yaml").write_text(INVENTORY, encoding="utf-8")
    shards = JOB["spec"]["completions"]
    for index in range(1, shards):
        assert _pod(SHARD_CONTAINER, tmp_path, JOB_COMPLETION_INDEX=str(index)).returncode == 0
    done = _pod(MERGE_CONTAINER, tmp_path)
    assert done.returncode == 2
    assert f"shard 1 of {shards} is missing" in done.stderr

"""The pre-commit hooks (``.pre-commit-hooks.yaml``): a valid manifest, file patterns that pick
the intended files, and each hook's entry run on sample files.

The entries run directly, as pre-commit would run them in the hook's environment: the entry split
with ``shlex``, the filenames appended, the environment's ``bin`` (here the project's venv) first
on PATH. ``pre-commit try-repo`` would do the same after cloning the repository and building a
venv from PyPI (slow, networked), so it is not used here.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_support import BIN, REPO, check_jsonschema, job_env

from replcheck import spec

MANIFEST_FILE = REPO / ".pre-commit-hooks.yaml"
MANIFEST = yaml.safe_load(MANIFEST_FILE.read_text(encoding="utf-8"))
HOOKS = {hook["id"]: hook for hook in MANIFEST}
SCHEMA = Path(__file__).with_name("pre_commit_manifest.schema.json")


def run_hook(hook_id: str, cwd: Path, *files: str) -> subprocess.CompletedProcess[str]:
    hook = HOOKS[hook_id]
    env = job_env()
    env["PATH"] = f"{BIN}:{env['PATH']}"
    return subprocess.run(
        [*shlex.split(hook["entry"]), *hook.get("args", []), *files],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write(folder: Path, name: str, document: Any) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    path.write_text(text, encoding="utf-8")
    return name


def test_manifest_is_valid() -> None:
    done = check_jsonschema("--schemafile", str(SCHEMA), str(MANIFEST_FILE))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_manifest_schema_rejects_a_misspelt_key(tmp_path: Path) -> None:
    broken = copy.deepcopy(MANIFEST)
    broken[0]["pass_filename"] = False
    (tmp_path / "hooks.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    done = check_jsonschema("--schemafile", str(SCHEMA), str(tmp_path / "hooks.yaml"))
    assert done.returncode == 1, done.stdout + done.stderr


def test_hooks_install_replcheck_and_have_unique_ids() -> None:
    assert len(HOOKS) == len(MANIFEST)
    assert {hook["language"] for hook in MANIFEST} == {"python"}
    assert set(HOOKS) == {
        "replcheck-validate-status",
        "replcheck-validate-warnings",
        "replcheck-validate-error",
        "replcheck-spec-diff",
    }


@pytest.mark.parametrize(
    ("path", "hook_id"),
    [
        ("captures/dr-primary.status.json", "replcheck-validate-status"),
        ("reindex.warnings.json", "replcheck-validate-warnings"),
        ("answers/denied.error.json", "replcheck-validate-error"),
        ("contract/vault-replication.openapi.json", "replcheck-spec-diff"),
        ("contract/vault-replication.openapi.yaml", "replcheck-spec-diff"),
        ("package.json", None),
        ("status.json", None),
        ("docs/status.json.md", None),
    ],
)
def test_default_file_patterns_pick_one_hook_or_none(path: str, hook_id: str | None) -> None:
    """pre-commit runs a hook on the paths its ``files`` regex finds (``re.search``)."""
    matching = [hook["id"] for hook in MANIFEST if re.search(hook["files"], path)]
    assert matching == ([hook_id] if hook_id else [])


VALID = {
    "status": spec.example("status-dr-perf-primary-2024"),
    "warnings": spec.example("warnings-envelope"),
    "error": spec.example("error-permission-denied"),
}


def _invalid(kind: str) -> Any:
    if kind == "status":
        broken = copy.deepcopy(VALID["status"])
        broken["data"]["performance"] = {"mode": "disabled", "cluster_id": "not-for-disabled"}
        return broken
    return {"warnings": "one string"} if kind == "warnings" else {"errors": "one string"}


@pytest.mark.parametrize("kind", ["status", "warnings", "error"])
def test_validate_hooks_pass_valid_files_and_fail_on_any_invalid_one(
    tmp_path: Path, kind: str
) -> None:
    hook_id = f"replcheck-validate-{kind}"
    good = [write(tmp_path, f"ok{n}.{kind}.json", VALID[kind]) for n in range(2)]
    bad = write(tmp_path, f"sub/bad.{kind}.json", _invalid(kind))

    passed = run_hook(hook_id, tmp_path, *good)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.count(f"valid {kind} response") == 2

    failed = run_hook(hook_id, tmp_path, good[0], bad, good[1])
    assert failed.returncode == 1, failed.stdout + failed.stderr
    verdict = rf"^{re.escape(bad)}: \d+ violation\(s\) of the {kind} schema$"
    assert re.search(verdict, failed.stdout, re.M)
    assert failed.stdout.count(f"valid {kind} response") == 2  # every file is judged


def test_validate_hook_exits_2_on_unreadable_input_and_still_judges_the_others(
    tmp_path: Path,
) -> None:
    bad = write(tmp_path, "bad.status.json", _invalid("status"))
    broken = write(tmp_path, "truncated.status.json", '{"data": {')
    done = run_hook("replcheck-validate-status", tmp_path, broken, bad)
    assert done.returncode == 2
    assert "truncated.status.json is not JSON" in done.stderr
    assert f"{bad}: 1 violation(s)" in done.stdout


def _bundle() -> dict[str, Any]:
    return json.loads(json.dumps(spec.bundled_openapi()))


def test_spec_diff_hook_passes_an_unchanged_copy_and_fails_a_breaking_edit(
    tmp_path: Path,
) -> None:
    same = write(tmp_path, "copy.openapi.json", _bundle())
    narrowed = _bundle()
    del narrowed["paths"]["/sys/replication/recover"]
    breaking = write(tmp_path, "edited.openapi.json", narrowed)

    passed = run_hook("replcheck-spec-diff", tmp_path, same)
    assert passed.returncode == 0, passed.stdout + passed.stderr

    failed = run_hook("replcheck-spec-diff", tmp_path, same, breaking)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "breaking  /sys/replication/recover: path removed" in failed.stdout


def test_spec_diff_hook_exits_2_on_a_file_that_is_no_openapi_document(tmp_path: Path) -> None:
    other = write(tmp_path, "other.openapi.yaml", "title: not a contract\n")
    done = run_hook("replcheck-spec-diff", tmp_path, other)
    assert done.returncode == 2
    assert "is not an OpenAPI document" in done.stderr

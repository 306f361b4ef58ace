"""The GitLab CI template (``ci/gitlab/replcheck.gitlab-ci.yml``): valid for GitLab, and its job
script run for real.

GitLab's schema (``check-jsonschema --builtin-schema vendor.gitlab-ci``) does not look inside
hidden jobs (``.replcheck``), so the template is also validated as a pipeline that extends it
sees it: the hidden job's content as a visible job.

The script runs as GitLab runs it: the job's variables in the environment (``$CI_PIPELINE_IID``
and the like expanded), ``sh -e`` (dash here: the script must not need bash). The
``before_script`` (a venv and ``pip install "$REPLCHECK_SOURCE"``) is not run: the job's
REPLCHECK_VENV is pointed at the project's venv instead; the GitHub Action's test runs the same
kind of install for real.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_support import REPO, ROOT_TOKEN, check_jsonschema, job_env, status_needs_token

TEMPLATE_FILE = REPO / "ci" / "gitlab" / "replcheck.gitlab-ci.yml"
TEMPLATE = yaml.safe_load(TEMPLATE_FILE.read_text(encoding="utf-8"))
JOB = TEMPLATE[".replcheck"]
VENV = Path(sys.executable).parent.parent
QUICK = {"REPLCHECK_SELECT": "status", "REPLCHECK_MAX_EXAMPLES": "1", "REPLCHECK_STRICT": "false"}
#: The same against the embedded reference server, which is judged only when asked by name.
EMBEDDED = {**QUICK, "REPLCHECK_EMBEDDED": "true"}
CI = {"CI_PIPELINE_IID": "17", "CI_PROJECT_DIR": "."}


def expand(value: str, env: Mapping[str, str]) -> str:
    """GitLab's expansion of ``$NAME`` and ``${NAME}`` in a variable's value."""
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: env.get(m[1] or m[2], ""), value)


def run_job(workspace: Path, variables: Mapping[str, str], **env: str):
    """The job's ``script`` with the template's variables, overridden by ``variables`` (as a job
    that extends the template, or CI/CD settings, override them)."""
    base = job_env(**CI, **env)
    values = {name: expand(str(value), base) for name, value in JOB["variables"].items()}
    values.update(variables)
    return subprocess.run(
        ["sh", "-e", "-c", "\n".join(JOB["script"])],
        cwd=workspace,
        env={**base, **values},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ), values


def artifact_paths(values: Mapping[str, str]) -> tuple[Path, Path]:
    """The folder kept and the JUnit report GitLab reads, with the job's variables expanded."""
    (folder,) = JOB["artifacts"]["paths"]
    return Path(expand(folder, values)), Path(expand(JOB["artifacts"]["reports"]["junit"], values))


def test_template_is_valid_for_gitlab() -> None:
    done = check_jsonschema("--builtin-schema", "vendor.gitlab-ci", str(TEMPLATE_FILE))
    assert done.returncode == 0, done.stdout + done.stderr


def _as_extended(tmp_path: Path, job: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    pipeline = tmp_path / "pipeline.gitlab-ci.yml"
    pipeline.write_text(yaml.safe_dump({"vault-replication": job}), encoding="utf-8")
    return check_jsonschema("--builtin-schema", "vendor.gitlab-ci", str(pipeline))


def test_the_job_is_valid_as_a_pipeline_that_extends_it_sees_it(tmp_path: Path) -> None:
    done = _as_extended(tmp_path, JOB)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlabs_schema_rejects_a_broken_job(tmp_path: Path) -> None:
    """The schema check bites on the job's content (not on a hidden job: see the module)."""
    broken = {**JOB, "artifacts": {**JOB["artifacts"], "when": "sometimes"}}
    done = _as_extended(tmp_path, broken)
    assert done.returncode == 1, done.stdout + done.stderr


def test_template_only_defines_the_hidden_job() -> None:
    """Including it adds no job and changes no global setting of the including pipeline."""
    assert list(TEMPLATE) == [".replcheck"]
    assert JOB["artifacts"]["when"] == "always"


def test_conformant_target_passes_and_leaves_the_reports_gitlab_keeps(tmp_path: Path) -> None:
    done, values = run_job(tmp_path, {**EMBEDDED, "REPLCHECK_VENV": str(VENV)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Judged: embedded reference server; full profile" in done.stdout
    folder, junit = artifact_paths(values)
    assert (tmp_path / junit).is_file()
    report = json.loads((tmp_path / folder / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "conformant"
    assert report["seed"] == 17  # REPLCHECK_SEED defaults to the pipeline's number
    assert (tmp_path / folder / "report.html").is_file()


def test_non_conformant_target_fails_the_job_with_the_reports_kept(tmp_path: Path) -> None:
    with status_needs_token() as server:
        done, values = run_job(
            tmp_path,
            {**QUICK, "REPLCHECK_VENV": str(VENV)},
            VAULT_ADDR=server.url,
            VAULT_TOKEN=ROOT_TOKEN,
        )
    assert done.returncode == 1, done.stdout + done.stderr
    folder, junit = artifact_paths(values)
    junit_text = (tmp_path / junit).read_text(encoding="utf-8")
    assert json.loads((tmp_path / folder / "report.json").read_text())["exit_code"] == 1
    assert "STATUS-UNAUTHENTICATED" in junit_text and "<failure" in junit_text
    assert ROOT_TOKEN not in done.stdout + done.stderr + junit_text


def _recording_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "fake-venv"
    shim = venv / "bin" / "replcheck"
    shim.parent.mkdir(parents=True)
    shim.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "json.dump(sys.argv[1:], open(os.environ['SHIM_LOG'], 'w'))\n",
        encoding="utf-8",
    )
    shim.chmod(0o755)
    return venv


def test_variables_become_flags(tmp_path: Path) -> None:
    log = tmp_path / "argv.json"
    done, _ = run_job(
        tmp_path,
        {
            "REPLCHECK_VENV": str(_recording_venv(tmp_path)),
            "REPLCHECK_PROFILE": "full",
            "REPLCHECK_PROVISION": "true",
            "REPLCHECK_MAX_EXAMPLES": "3",
            "REPLCHECK_SELECT": "reindex and not sudo",
            "REPLCHECK_NON_SUDO_TOKEN": "s.limited",
            "REPLCHECK_REPORT_DIR": "out",
        },
        SHIM_LOG=str(log),
        VAULT_ADDR="https://vault.example:8200",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(log.read_text(encoding="utf-8")) == [
        "run",
        "--junit", "out/junit.xml",
        "--json", "out/report.json",
        "--html", "out/report.html",
        "--provision",
        "--strict",
        "--non-sudo-token", "s.limited",
        "--profile", "full",
        "--seed", "17",
        "--max-examples", "3",
        "-k", "reindex and not sudo",
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REPLCHECK_STRICT", "maybe"),
        ("REPLCHECK_STRICT", "yes"),
        ("REPLCHECK_EMBEDDED", "y"),
        ("REPLCHECK_PROVISION", "on"),
    ],
)
def test_a_boolean_variable_that_is_not_a_boolean_stops_the_job(
    tmp_path: Path, name: str, value: str
) -> None:
    log = tmp_path / "argv.json"
    done, _ = run_job(
        tmp_path,
        {"REPLCHECK_VENV": str(_recording_venv(tmp_path)), name: value},
        SHIM_LOG=str(log),
        VAULT_ADDR="https://vault.example:8200",
    )
    assert done.returncode == 2
    assert f"{name} must be true or false, not '{value}'" in done.stderr
    assert not log.exists()


@pytest.mark.parametrize("address", [None, ""])
def test_no_vault_addr_and_no_embedded_stops_the_job(tmp_path: Path, address: str | None) -> None:
    """A job whose VAULT_ADDR variable went missing (or is empty) must not go green against the
    embedded server: exit 2 naming both settings, replcheck not run."""
    log = tmp_path / "argv.json"
    env = {} if address is None else {"VAULT_ADDR": address}
    done, _ = run_job(
        tmp_path, {"REPLCHECK_VENV": str(_recording_venv(tmp_path))}, SHIM_LOG=str(log), **env
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        'no target: set VAULT_ADDR to judge a Vault, or REPLCHECK_EMBEDDED: "true" to judge the '
        "embedded reference server"
    )
    assert not log.exists()

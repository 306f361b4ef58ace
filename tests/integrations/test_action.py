"""The GitHub Action (``action.yml``): valid metadata, and its shell steps run for real.

``actions_runner`` runs the action's ``run:`` steps the way the GitHub runner does. The
``uses:`` steps (``actions/setup-python``, ``actions/upload-artifact``) cannot run without
GitHub: the tests give setup-python's output and check what upload-artifact would be given.
Most tests also give the install step's outputs (the project's own venv) instead of running it;
``test_whole_action_from_a_copy_of_the_checkout`` runs it for real (pip builds the checkout, with
``PIP_NO_DEPS`` and the dependencies already installed in this venv, so no download but the build
backend, as in ``tests/packaging``).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from actions_runner import EXPRESSION, ActionResult, run_action
from checkout_copy import copy_of_checkout
from ci_support import (
    BIN,
    REPLCHECK,
    REPO,
    ROOT_TOKEN,
    check_jsonschema,
    job_env,
    status_needs_token,
)

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
#: A short run: the status checks only, one generated request per operation and mode.
QUICK = {"select": "status", "max-examples": "1", "strict": "false", "seed": "7"}
#: The same against the embedded reference server, which is judged only when asked by name.
EMBEDDED = {**QUICK, "embedded": "true"}
#: An address for the runs whose replcheck is a recording stand-in.
SOME_URL = "https://vault.example:8200"
INSTALLED = {"install": {"replcheck": str(REPLCHECK), "python": str(BIN / "python")}}
PYTHON_STEP = {"python": {"python-path": sys.executable}}


def _run(workspace: Path, inputs: dict[str, str], **env: str) -> ActionResult:
    return run_action(
        REPO, workspace, inputs, env=job_env(**env), uses_outputs=PYTHON_STEP, emulated=INSTALLED
    )


def _strict_supported() -> bool:
    done = subprocess.run(
        [str(REPLCHECK), "run", "--help"], capture_output=True, text=True, check=False
    )
    return "--strict" in done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- metadata ----------------------------------------------------------------------------------


def test_action_metadata_is_valid_against_the_actions_schema() -> None:
    done = check_jsonschema("--builtin-schema", "vendor.github-actions", str(REPO / "action.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_actions_schema_rejects_a_run_step_without_shell(tmp_path: Path) -> None:
    """The schema check bites: a composite ``run:`` step must name its shell."""
    broken = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in broken["runs"]["steps"] if "run" in s)
    del step["shell"]
    (tmp_path / "action.yml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    done = check_jsonschema(
        "--builtin-schema", "vendor.github-actions", str(tmp_path / "action.yml")
    )
    assert done.returncode == 1, done.stdout + done.stderr


def test_scripts_read_inputs_only_from_env_and_every_input_is_used() -> None:
    """No ``${{ }}`` inside a script (a value would be pasted into shell code); every input
    declared is read somewhere, and only declared inputs are read."""
    steps = ACTION["runs"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), step["name"]
    used = set()
    for text in re.findall(EXPRESSION, yaml.safe_dump(ACTION)):
        used.update(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text))
    for step in steps:
        if step.get("if"):
            used.update(re.findall(r"inputs\.([A-Za-z0-9_-]+)", step["if"]))
    assert used == set(ACTION["inputs"])


# --- inputs to flags and environment -------------------------------------------------------------


def _recording_replcheck(tmp_path: Path, exit_code: int) -> Path:
    """A stand-in for replcheck that records its arguments and the VAULT_* it sees."""
    shim = tmp_path / "bin" / "replcheck"
    shim.parent.mkdir()
    shim.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "seen = {k: v for k, v in os.environ.items() if k.startswith('VAULT_')}\n"
        "with open(os.environ['SHIM_LOG'], 'w') as out:\n"
        "    json.dump({'argv': sys.argv[1:], 'env': seen}, out)\n"
        f"sys.exit({exit_code})\n",
        encoding="utf-8",
    )
    shim.chmod(0o755)
    return shim


def _recorded(tmp_path: Path, inputs: dict[str, str], exit_code: int = 0, **env: str):
    shim = _recording_replcheck(tmp_path, exit_code)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    log = tmp_path / "shim.json"
    result = run_action(
        REPO,
        workspace,
        inputs,
        env=job_env(SHIM_LOG=str(log), **env),
        uses_outputs=PYTHON_STEP,
        emulated={"install": {"replcheck": str(shim), "python": str(BIN / "python")}},
    )
    return result, json.loads(log.read_text(encoding="utf-8")) if log.exists() else None


def test_every_input_reaches_replcheck_as_its_flag_or_vault_variable(tmp_path: Path) -> None:
    inputs = {
        "url": "https://vault.example:8200",
        "token": "s.sudo0token0for0the0gate",
        "non-sudo-token": "s.limited0token0for0the0gate",
        "namespace": "team-a/",
        "ca-cert": "ca.pem",
        "ca-path": "cas/",
        "client-cert": "client.pem",
        "client-key": "client-key.pem",
        "tls-server-name": "vault.test",
        "tls-skip-verify": "true",
        "profile": "safe",
        "provision": "true",
        "strict": "true",
        "seed": "42",
        "max-examples": "5",
        "select": "reindex and not sudo",
        "report-dir": "out/gate",
    }
    result, seen = _recorded(tmp_path, inputs)
    assert result.returncode == 0, result.log
    assert seen["env"] == {
        "VAULT_ADDR": "https://vault.example:8200",
        "VAULT_TOKEN": "s.sudo0token0for0the0gate",
        "VAULT_NAMESPACE": "team-a/",
        "VAULT_CACERT": "ca.pem",
        "VAULT_CAPATH": "cas/",
        "VAULT_CLIENT_CERT": "client.pem",
        "VAULT_CLIENT_KEY": "client-key.pem",
        "VAULT_TLS_SERVER_NAME": "vault.test",
        "VAULT_SKIP_VERIFY": "true",
    }
    assert seen["argv"] == [
        "run",
        "--junit", "out/gate/junit.xml",
        "--json", "out/gate/report.json",
        "--html", "out/gate/report.html",
        "--provision",
        "--strict",
        "--non-sudo-token", "s.limited0token0for0the0gate",
        "--profile", "safe",
        "--seed", "42",
        "--max-examples", "5",
        "-k", "reindex and not sudo",
    ]
    run_log = result.step("run").stdout
    assert "::add-mask::s.sudo0token0for0the0gate" in run_log
    assert "::add-mask::s.limited0token0for0the0gate" in run_log


def test_empty_inputs_leave_the_jobs_vault_variables_and_replchecks_defaults(
    tmp_path: Path,
) -> None:
    result, seen = _recorded(
        tmp_path, {"strict": "false"}, VAULT_ADDR="https://job.example:8200", VAULT_TOKEN="s.job"
    )
    assert result.returncode == 0, result.log
    assert seen["env"] == {"VAULT_ADDR": "https://job.example:8200", "VAULT_TOKEN": "s.job"}
    assert seen["argv"] == [
        "run",
        "--junit", "replcheck-reports/junit.xml",
        "--json", "replcheck-reports/report.json",
        "--html", "replcheck-reports/report.html",
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [("strict", "maybe"), ("tls-skip-verify", "yes"), ("embedded", "y"), ("provision", "on")],
)
def test_a_boolean_input_that_is_not_a_boolean_stops_the_run(
    tmp_path: Path, name: str, value: str
) -> None:
    result, seen = _recorded(tmp_path, {"url": "" if name == "embedded" else SOME_URL, name: value})
    assert result.failed is result.step("run") and result.returncode == 2
    assert f"::error title=replcheck::input {name} must be true or false" in result.log
    assert seen is None


def test_no_url_and_no_embedded_stops_the_job_naming_both(tmp_path: Path) -> None:
    """A job whose VAULT_ADDR secret went missing must not go green against the embedded
    server: no url input, no VAULT_ADDR (or an empty one), no embedded: exit 2, replcheck not
    run."""
    for env in ({}, {"VAULT_ADDR": ""}):
        folder = tmp_path / str(len(env))
        folder.mkdir()
        result, seen = _recorded(folder, {"token": "s.abc"}, **env)
        assert result.failed is result.step("run") and result.returncode == 2
        assert (
            "::error title=replcheck::no target: set input url (or the job's VAULT_ADDR) to "
            "judge a Vault, or input embedded: true to judge the embedded reference server"
        ) in result.log
        assert seen is None


def test_embedded_with_a_url_stops_the_job(tmp_path: Path) -> None:
    result, seen = _recorded(tmp_path, {"url": SOME_URL, "embedded": "true"})
    assert result.failed is result.step("run") and result.returncode == 2
    assert "input embedded judges the embedded reference server, so input url must be empty" in (
        result.log
    )
    assert seen is None


def test_embedded_passes_the_flag_and_ignores_the_jobs_address(tmp_path: Path) -> None:
    result, seen = _recorded(
        tmp_path, {"embedded": "true", "strict": "false"}, VAULT_ADDR="https://job.example"
    )
    assert result.returncode == 0, result.log
    assert "--embedded" in seen["argv"] and "--url" not in seen["argv"]


def test_the_gate_exits_as_replcheck_did(tmp_path: Path) -> None:
    result, _ = _recorded(tmp_path, {"url": SOME_URL, "strict": "false"}, exit_code=1)
    assert result.failed is result.step("Gate on the verdict")
    assert result.returncode == 1
    assert result.outputs["exit-code"] == "1"
    assert result.step("summary").ran


def test_an_empty_artifact_name_skips_the_upload(tmp_path: Path) -> None:
    result, _ = _recorded(tmp_path, {"url": SOME_URL, "artifact-name": ""})
    assert result.failed is None, result.log
    upload = result.step("Upload the reports")
    assert upload.uses is None and not upload.ran
    assert result.step("Gate on the verdict").ran


# --- real runs -----------------------------------------------------------------------------------


def _reports(folder: Path) -> dict[str, Path]:
    return {name: folder / name for name in ("junit.xml", "report.json", "report.html")}


def test_conformant_embedded_server_passes_with_reports_summary_and_upload(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, EMBEDDED)
    assert result.failed is None, result.log
    assert all(step.ran or step.uses or step.id == "install" for step in result.steps)
    reports = _reports(tmp_path / "replcheck-reports")
    assert all(path.is_file() for path in reports.values())
    assert json.loads(reports["report.json"].read_text())["verdict"] == "conformant"
    assert result.outputs == {
        "verdict": "conformant",
        "exit-code": "0",
        "report-dir": "replcheck-reports",
    }
    assert result.summary.startswith("## replcheck: CONFORMANT\n")
    assert "| passed |" in result.summary and "### Not passed" not in result.summary
    upload = result.step("Upload the reports")
    assert upload.uses == "actions/upload-artifact@v4"
    assert upload.with_["name"] == "replcheck-reports"
    assert (tmp_path / upload.with_["path"]).resolve() == reports["junit.xml"].parent.resolve()


def test_non_conformant_target_fails_the_gate_after_the_summary_and_upload(
    tmp_path: Path,
) -> None:
    with status_needs_token() as server:
        result = _run(tmp_path, {**QUICK, "url": server.url, "token": ROOT_TOKEN})
    assert result.failed is result.step("Gate on the verdict"), result.log
    assert result.returncode == 1
    assert result.step("run").returncode == 0 and result.step("summary").ran
    assert result.step("Upload the reports").uses
    report = json.loads((tmp_path / "replcheck-reports" / "report.json").read_text())
    assert report["exit_code"] == 1
    assert result.outputs["verdict"] == report["verdict"] != "conformant"
    failed = {r["id"] for r in report["requirements"] if r["outcome"] == "failed"}
    assert "STATUS-UNAUTHENTICATED" in failed
    assert "### Not passed" in result.summary
    row = r"^\| STATUS-UNAUTHENTICATED \| MUST \| failed \| .+ \|$"
    assert re.search(row, result.summary, re.M)
    assert "::error title=replcheck::verdict" in result.log
    # The token is in the add-mask command only (GitHub hides it from then on), nowhere else.
    outside_mask = result.log.replace(f"::add-mask::{ROOT_TOKEN}", "")
    assert ROOT_TOKEN not in outside_mask + result.summary
    for path in _reports(tmp_path / "replcheck-reports").values():
        assert ROOT_TOKEN not in path.read_text(encoding="utf-8")


def test_unreachable_target_exits_2_and_no_stale_report_passes_for_this_run(
    tmp_path: Path,
) -> None:
    stale = tmp_path / "replcheck-reports" / "report.json"
    stale.parent.mkdir()
    stale.write_text(json.dumps({"verdict": "conformant", "requirements": []}), encoding="utf-8")
    result = _run(tmp_path, {**QUICK, "url": f"http://127.0.0.1:{_free_port()}"})
    assert result.failed is result.step("Gate on the verdict"), result.log
    assert result.returncode == 2
    assert not stale.exists()
    assert result.outputs["verdict"] == "none"
    assert result.summary.startswith("## replcheck: no report\n")


@pytest.mark.skipif(
    not _strict_supported(),
    reason="replcheck run has no --strict yet (added on the suite-verdicts branch); the mapping "
    "of the strict input is tested with a recording stand-in",
)
def test_strict_input_on_a_conformant_run(tmp_path: Path) -> None:
    result = _run(tmp_path, {**EMBEDDED, "strict": "true"})
    assert result.failed is None, result.log
    assert result.outputs["verdict"] == "conformant"


def test_whole_action_from_a_copy_of_the_checkout(tmp_path: Path) -> None:
    """Every ``run:`` step for real, the install step included: a venv from the Python that
    setup-python would give, replcheck built and installed from the action's folder."""
    action = copy_of_checkout(tmp_path / "action")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    base_python = getattr(sys, "_base_executable", sys.executable)
    env = job_env(PIP_NO_DEPS="1", PYTHONPATH=sysconfig.get_paths()["purelib"])
    result = run_action(
        action,
        workspace,
        EMBEDDED,
        env=env,
        uses_outputs={"python": {"python-path": base_python}},
        timeout=300,
    )
    assert result.failed is None, result.log
    install = result.step("install")
    assert install.ran and install.outputs["replcheck"].startswith(str(tmp_path))
    assert re.search(r"^replcheck \d", install.stdout, re.M)
    imported = subprocess.run(
        [install.outputs["python"], "-c", "import replcheck.conformance as c; print(c.__file__)"],
        cwd=workspace, env=env, capture_output=True, text=True, check=True,
    ).stdout
    assert imported.startswith(str(tmp_path / "ws-runner-temp" / "replcheck-venv"))  # not ours
    assert result.outputs["verdict"] == "conformant"
    assert all(path.is_file() for path in _reports(workspace / "replcheck-reports").values())


def test_windows_runners_are_refused_in_one_sentence(tmp_path: Path) -> None:
    result = run_action(
        REPO, tmp_path, EMBEDDED, env=job_env(RUNNER_OS="Windows"), uses_outputs=PYTHON_STEP
    )
    assert result.failed is result.step("install") and result.returncode == 2
    assert "runs on Linux and macOS runners, not Windows" in result.log
    assert not (tmp_path.parent / f"{tmp_path.name}-runner-temp" / "replcheck-venv").exists()

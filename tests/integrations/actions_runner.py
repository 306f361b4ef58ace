"""Run a composite action's shell steps as the GitHub runner does, without GitHub.

What the runner does for a ``run:`` step of a composite action, and what this module repeats:
evaluate the ``${{ }}`` expressions of the step's ``env:`` and ``if:``, give the step the files
``GITHUB_OUTPUT``, ``GITHUB_ENV``, ``GITHUB_PATH``, ``GITHUB_STEP_SUMMARY`` and the variables
``GITHUB_ACTION_PATH``, ``RUNNER_TEMP``, ``GITHUB_WORKSPACE``, run the script with
``bash --noprofile --norc -eo pipefail``, then read ``name=value`` and ``name<<EOF`` lines back
as the step's outputs. A failed step ends the action (this action has no ``if: failure()``).

``uses:`` steps cannot run here: each is recorded with its evaluated ``with:``, and the test gives
the outputs it would have produced (``setup-python``'s ``python-path``). A test may also give a
``run:`` step's outputs instead of running it (``emulated``), and must say so.

Only the expression forms the action uses are understood; any other raises, so a new form in
``action.yml`` fails the tests instead of being guessed at.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
NAME = r"[A-Za-z_][A-Za-z0-9_-]*"


@dataclasses.dataclass
class StepResult:
    id: str | None
    name: str
    ran: bool
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)
    uses: str | None = None
    with_: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ActionResult:
    steps: list[StepResult]
    outputs: dict[str, str]
    summary: str
    failed: StepResult | None

    @property
    def returncode(self) -> int:
        return self.failed.returncode if self.failed else 0

    def step(self, name_or_id: str) -> StepResult:
        (found,) = [s for s in self.steps if name_or_id in (s.id, s.name)]
        return found

    @property
    def log(self) -> str:
        return "".join(s.stdout + s.stderr for s in self.steps)


class Context:
    """The values expressions can read: inputs, steps' outputs, ``runner.temp``,
    ``github.action_path``."""

    def __init__(self, inputs: Mapping[str, str], runner_temp: Path, action_path: Path):
        self.inputs = dict(inputs)
        self.steps: dict[str, dict[str, str]] = {}
        self.runner_temp = str(runner_temp)
        self.action_path = str(action_path)

    def value(self, expression: str) -> str:
        if match := re.fullmatch(rf"inputs\.({NAME})", expression):
            return self.inputs[match[1]]
        if match := re.fullmatch(rf"steps\.({NAME})\.outputs\.({NAME})", expression):
            return self.steps.get(match[1], {}).get(match[2], "")
        if expression == "runner.temp":
            return self.runner_temp
        if expression == "github.action_path":
            return self.action_path
        raise ValueError(f"expression not understood by the test runner: {expression!r}")

    def substitute(self, text: Any) -> str:
        return EXPRESSION.sub(lambda m: self.value(m[1]), str(text))

    def condition(self, condition: str | None) -> bool:
        if condition is None:
            return True
        bare = EXPRESSION.fullmatch(condition.strip())
        expression = bare[1] if bare else condition.strip()
        if match := re.fullmatch(rf"inputs\.({NAME})\s*(==|!=)\s*'([^']*)'", expression):
            equal = self.inputs[match[1]] == match[3]
            return equal if match[2] == "==" else not equal
        raise ValueError(f"condition not understood by the test runner: {condition!r}")


def load(action_file: Path) -> dict[str, Any]:
    return yaml.safe_load(action_file.read_text(encoding="utf-8"))


def resolve_inputs(action: dict[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    declared = action.get("inputs") or {}
    unknown = set(given) - set(declared)
    if unknown:
        raise ValueError(f"inputs the action does not declare: {sorted(unknown)}")
    return {
        name: str(given.get(name, spec.get("default", ""))) for name, spec in declared.items()
    }


def read_outputs(path: Path) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIMITER`` blocks, as the runner reads them."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1 : end])
            index = end + 1
            continue
        name, _, value = line.partition("=")
        outputs[name] = value
        index += 1
    return outputs


def run_action(
    action_path: Path,
    workspace: Path,
    inputs: Mapping[str, str],
    *,
    env: Mapping[str, str],
    uses_outputs: Mapping[str, Mapping[str, str]] | None = None,
    emulated: Mapping[str, Mapping[str, str]] | None = None,
    timeout: float = 120,
) -> ActionResult:
    """Run ``action_path/action.yml`` in ``workspace`` with ``env`` as the job's environment."""
    action = load(action_path / "action.yml")
    runner_temp = workspace.parent / f"{workspace.name}-runner-temp"
    runner_temp.mkdir(exist_ok=True)
    context = Context(resolve_inputs(action, inputs), runner_temp, action_path)
    summary = runner_temp / "step_summary.md"
    summary.touch()
    job_env = dict(env)
    extra_path: list[str] = []
    results: list[StepResult] = []
    failed: StepResult | None = None
    for number, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id")
        result = StepResult(id=step_id, name=step.get("name", str(number)), ran=False)
        results.append(result)
        if not context.condition(step.get("if")):
            continue
        if "uses" in step:
            result.uses = step["uses"]
            result.with_ = {k: context.substitute(v) for k, v in (step.get("with") or {}).items()}
            result.outputs = dict((uses_outputs or {}).get(step_id or "", {}))
        elif step_id in (emulated or {}):
            result.outputs = dict((emulated or {})[step_id])
        else:
            result.ran = True
            files = {
                name: runner_temp / f"{name.lower()}-{number}"
                for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")
            }
            for path in files.values():
                path.write_text("", encoding="utf-8")
            script = runner_temp / f"step-{number}.sh"
            script.write_text(step["run"], encoding="utf-8")
            step_env = {
                **job_env,
                **{k: context.substitute(v) for k, v in (step.get("env") or {}).items()},
                **{name: str(path) for name, path in files.items()},
                "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_ACTION_PATH": str(action_path),
                "GITHUB_WORKSPACE": str(workspace),
                "RUNNER_TEMP": str(runner_temp),
            }
            step_env["PATH"] = os.pathsep.join([*extra_path, job_env.get("PATH", os.defpath)])
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=workspace,
                env=step_env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            result.returncode, result.stdout, result.stderr = (
                done.returncode,
                done.stdout,
                done.stderr,
            )
            result.outputs = read_outputs(files["GITHUB_OUTPUT"])
            job_env.update(read_outputs(files["GITHUB_ENV"]))
            extra_path = [
                *files["GITHUB_PATH"].read_text(encoding="utf-8").split(),
                *extra_path,
            ]
        if step_id:
            context.steps[step_id] = result.outputs
        if result.returncode != 0:
            failed = result
            break
    outputs = {
        name: context.substitute(spec["value"])
        for name, spec in (action.get("outputs") or {}).items()
    }
    return ActionResult(results, outputs, summary.read_text(encoding="utf-8"), failed)

"""The "In CI" section of docs/ci.md says what the integration files do: its snippets name only
inputs, hooks and jobs that exist, and every command it gives for a gate is strict."""

from __future__ import annotations

import re

import yaml
from ci_support import REPO

CI_DOC = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
SECTION = CI_DOC[CI_DOC.index("\n## In CI\n") :]
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", SECTION, re.S)
YAML_BLOCKS = [yaml.safe_load(text) for lang, text in BLOCKS if lang == "yaml"]


def test_every_gate_command_is_strict() -> None:
    commands = [line for _, text in BLOCKS for line in text.splitlines() if "replcheck run" in line]
    assert commands
    assert all("--strict" in line for line in commands)


def test_github_snippet_uses_declared_inputs() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    (workflow,) = [b for b in YAML_BLOCKS if "jobs" in b]
    (step,) = workflow["jobs"]["vault-replication"]["steps"]
    assert step["uses"].split("@")[0].endswith("/replcheck")
    assert set(step["with"]) <= set(action["inputs"])
    first_cells = re.findall(r"^\| (`[^|]+)\|", SECTION, re.M)
    named = {name for cell in first_cells for name in re.findall(r"`([a-z-]+)`", cell)}
    assert named == set(action["inputs"])  # the input table lists every input, and only those


def test_gitlab_snippet_extends_the_templates_job() -> None:
    (pipeline,) = [b for b in YAML_BLOCKS if "include" in b]
    (include,) = pipeline["include"]
    assert (REPO / include["file"]).is_file()
    template = yaml.safe_load((REPO / include["file"]).read_text(encoding="utf-8"))
    assert pipeline["vault-replication"]["extends"] in template
    named = set(re.findall(r"`(REPLCHECK_[A-Z_]+)`", SECTION))
    assert named == set(template[".replcheck"]["variables"])


def test_pre_commit_snippet_names_the_hooks() -> None:
    (config,) = [b for b in YAML_BLOCKS if "repos" in b]
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in config["repos"][0]["hooks"]] == [h["id"] for h in manifest]

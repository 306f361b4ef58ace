"""No stale module name in code or docs.

The project's packages are ``replcheck.spec``, ``replcheck.reference_server`` and
``replcheck.conformance``. Names from before the move under one namespace (a module path under
``conformance`` or ``reference_server`` without the namespace, the package once called
``replcheck`` + ``_spec``) and paths of modules that moved since (``replcheck.conformance.<old
module>``) only work from the repository root, load a second copy of the engine, or not at all;
nothing may name them. The changelog is history and keeps the names of its time.
"""

from __future__ import annotations

import ast
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {"conformance", "reference_server", "spec"}
SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".cfg", ".j2"}
#: Built from pieces so that this file does not name what it forbids.
STALE_PACKAGE = "replcheck" + "_spec"
#: Dotted names that are not modules: the reference server's access-log logger.
NOT_MODULES = {"replcheck.reference_server.access"}
BARE = re.compile(r"(?<![\w./\-])(conformance|reference_server)\.([A-Za-z_]\w*(?:\.\w+)*)")
DOTTED = re.compile(r"(?<![\w.])replcheck\.(conformance|reference_server|spec)((?:\.\w+)*)")


def _files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()
    return [
        REPO / name
        for name in listed
        if (Path(name).suffix in SUFFIXES or Path(name).name == "Makefile")
        and name != "CHANGELOG.md"
        and not (REPO / name).is_symlink()
        and (REPO / name).is_file()
    ]


def _module_file(parts: list[str]) -> Path | None:
    base = REPO.joinpath(*parts)
    if (base / "__init__.py").exists():
        return base / "__init__.py"
    if base.is_dir():  # a folder of package data (spec/schemas): a namespace package
        return base
    if base.with_suffix(".py").exists():
        return base.with_suffix(".py")
    return None


@cache
def _top_level_names(path: Path) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            names.add("*")
    return frozenset(names)


def resolves(folder: str, rest: str) -> bool:
    """Whether ``replcheck.<folder><rest>`` names a module, or an attribute of one."""
    parts = [folder, *[p for p in rest.split(".") if p]]
    for length in range(len(parts), 0, -1):
        found = _module_file(parts[:length])
        if found is not None:
            if length == len(parts):
                return True
            if found.is_dir():
                return False
            names = _top_level_names(found)
            nxt = parts[length]
            return "*" in names or nxt in names
    return False


def problems(text: str) -> list[str]:
    found = []
    if re.search(rf"\b{STALE_PACKAGE}\b", text):
        found.append(f"{STALE_PACKAGE} (the package is replcheck.spec)")
    for match in BARE.finditer(text):
        top, rest = match.group(1), match.group(2)
        if _module_file([top, rest.split(".")[0]]) is not None:
            found.append(f"{match.group(0)} (write replcheck.{match.group(0)})")
    for match in DOTTED.finditer(text):
        if match.group(0) in NOT_MODULES:
            continue
        if match.group(2) and not resolves(match.group(1), match.group(2)):
            found.append(f"{match.group(0)} (no such module)")
    return found


def test_no_file_names_an_old_module() -> None:
    stale = {
        f"{path.relative_to(REPO)}: {problem}"
        for path in _files()
        for problem in problems(path.read_text(encoding="utf-8"))
    }
    assert sorted(stale) == []


@pytest.mark.parametrize(
    ("text", "stale"),
    [
        ("python -m " + "conformance" + ".cli", True),
        ("pytest --pyargs " + "conformance" + ".suite", True),
        ("from " + "reference_server" + ".app import create_app", True),
        ("from replcheck import spec as " + STALE_PACKAGE, True),
        ("replcheck" + ".conformance.runner", True),  # moved to engine.runner
        ("replcheck" + ".conformance.fuzz.generate", True),
        ("python -m replcheck.conformance.cli", False),
        ("replcheck.conformance.engine.runner.run", False),
        ("replcheck.conformance.settings.target.Settings.resolve", False),
        ("tests/conformance/test_catalogue.py", False),
        ("from conformance.rules import allowed", False),  # a user's own package
    ],
)
def test_old_names_are_seen(text: str, stale: bool) -> None:
    assert bool(problems(text)) is stale

"""The import direction ARCHITECTURE.md draws, enforced on the source: the spec imports neither
the server nor the engine; the server never imports the engine; inside the engine, checks
never reach up to the run or its reports, reports never reach the session, and only the front
ends (the CLI, the pytest plugin) import the front ends."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Every package installs under it; the rules below name modules without it.
NAMESPACE = "replcheck."
FRONT_ENDS = (
    "replcheck.conformance.cli",
    "replcheck.conformance.plugin",
    "replcheck.conformance.plugin_support",
    "replcheck.conformance.suite",
)
#: The run and what it concludes: above the checks.
RUN = (
    "replcheck.conformance.engine.session",
    "replcheck.conformance.engine.scheduling",
    "replcheck.conformance.engine.session_opening",
    "replcheck.conformance.engine.runner",
    "replcheck.conformance.engine.run_result",
    "replcheck.conformance.enforcement.catalogue",
    "replcheck.conformance.report",
)


def _module(path: Path) -> str:
    """The module's name without the ``replcheck.`` namespace (its folder in the layout)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (lazy imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name.removeprefix(NAMESPACE) for name in found}


def _sources(folder: str) -> dict[str, set[str]]:
    return {
        _module(path): _imports(path)
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "templates" not in path.parts
    }


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _breaches(sources: dict[str, set[str]], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in sources.items()
        for name in names
        if _within(name, forbidden)
    )


def test_the_spec_imports_neither_the_server_nor_the_engine() -> None:
    assert _breaches(_sources("spec"), ("conformance", "reference_server")) == []


def test_the_server_never_imports_the_engine() -> None:
    assert _breaches(_sources("reference_server"), ("conformance",)) == []


def test_the_engine_starts_the_server_only_from_the_run_entry_and_the_cli() -> None:
    """Besides those two, only the requirement index (``catalogue``) may read the server: it
    names the route, handler and flags that serve each requirement's endpoint."""
    engine = _sources("conformance")
    allowed = {
        m for m in engine
        if m in ("replcheck.conformance.engine.runner", "replcheck.conformance.enforcement.catalogue") or _within(m, ("replcheck.conformance.cli",))
    }
    others = {m: names for m, names in engine.items() if m not in allowed}
    assert _breaches(others, ("reference_server",)) == []


def test_the_engines_parts_never_reach_up_to_checks_or_the_run() -> None:
    """The parts every layer uses (settings, masking, exchanges, the client, outcomes, ...)."""
    engine = _sources("conformance")
    above = (
        "replcheck.conformance.checks", "replcheck.conformance.fuzzing.generation", "replcheck.conformance.fuzzing.sending",
        "replcheck.conformance.enforcement.enforcers", *RUN,
    )
    parts = {
        m: names
        for m, names in engine.items()
        if m.count(".") == 1 and not _within(m, above + FRONT_ENDS)
    }
    assert "replcheck.conformance.transport.client" in parts and _breaches(parts, above + FRONT_ENDS) == []


def test_checks_never_reach_up_to_the_run_reports_or_front_ends() -> None:
    engine = _sources("conformance")
    checks = {
        m: names
        for m, names in engine.items()
        if _within(m, ("replcheck.conformance.checks", "replcheck.conformance.fuzzing.generation", "replcheck.conformance.enforcement.enforcers"))
    }
    assert checks and _breaches(checks, RUN + FRONT_ENDS) == []


def test_reports_read_results_never_the_session() -> None:
    engine = _sources("conformance")
    reports = {m: names for m, names in engine.items() if _within(m, ("replcheck.conformance.report",))}
    forbidden = ("replcheck.conformance.engine.session", "replcheck.conformance.engine.session_opening", "replcheck.conformance.engine.runner")
    assert reports and _breaches(reports, forbidden + FRONT_ENDS) == []


def test_only_the_front_ends_import_the_front_ends() -> None:
    engine = _sources("conformance")
    inner = {m: names for m, names in engine.items() if not _within(m, FRONT_ENDS)}
    assert _breaches(inner, FRONT_ENDS) == []


@pytest.mark.parametrize(
    ("module", "imports", "forbidden", "breach"),
    [
        ("replcheck.conformance.checks.x", {"replcheck.conformance.engine.session.Session"}, RUN, True),
        ("replcheck.conformance.checks.x", {"replcheck.conformance.judging.outcomes"}, RUN, False),
        ("replcheck.reference_server.app", {"conformance"}, ("conformance",), True),
    ],
)
def test_a_breach_is_seen(
    module: str, imports: set[str], forbidden: tuple[str, ...], breach: bool
) -> None:
    assert bool(_breaches({module: imports}, forbidden)) is breach

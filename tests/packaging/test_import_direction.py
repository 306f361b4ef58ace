"""The import direction ARCHITECTURE.md draws, enforced on the source.

- the spec imports neither the server nor the engine; the server never imports the engine;
- the engine's packages are layers, lowest first (``LAYERS``): a module imports only from its
  own package and the layers below it, so every arrow points down;
- no import circle anywhere, counting the imports made only for type checking and those made
  inside functions (a circle is a circle even when Python tolerates it at import time).

Every form of import is read: absolute, relative (``from .x import y``, ``from .. import z``),
lazy ones inside functions and those under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The installed name of each top-level folder.
FOLDERS = {
    "spec": "replcheck.spec",
    "reference_server": "replcheck.reference_server",
    "conformance": "replcheck.conformance",
}
E = "replcheck.conformance."
#: The engine's layers, lowest first; a layer may import the ones before it, never after.
LAYERS = (
    E + "settings",
    E + "concurrency",
    E + "transport",
    E + "judging",
    E + "provisioning",
    E + "checks",
    E + "fuzzing",
    E + "enforcement",
    E + "engine",
    E + "topology",
    E + "report",
    E + "fleet",
    E + "plugin_support",
    E + "plugin",
    E + "suite",
    E + "topology_suite",
    E + "cli",
)
#: The only engine modules that may import the reference server: the run's entry (to start
#: the embedded server), the catalogue (which route serves each requirement's endpoint), the
#: topology run's embedded set (``topology.embedded``) and the CLI (``replcheck serve``,
#: ``--break``).
READS_THE_SERVER = (E + "engine.runner", E + "enforcement.catalogue", E + "topology.embedded",
                    E + "cli")


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT)
    parts = [*FOLDERS[rel.parts[0]].split("."), *rel.with_suffix("").parts[1:]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    for folder, prefix in FOLDERS.items():
        if name == prefix or name.startswith(prefix + "."):
            rest = name[len(prefix) :].strip(".").split(".") if name != prefix else []
            base = ROOT.joinpath(folder, *[p for p in rest if p])
            return (base / "__init__.py").exists() or base.with_suffix(".py").exists()
    return False


def _imports(path: Path) -> set[str]:
    """Every project module ``path`` imports, at any depth, in any form."""
    here = _module(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if _is_module(submodule) else module)
    return {name for name in found if name.startswith("replcheck")}


def _sources(*folders: str) -> dict[str, set[str]]:
    return {
        _module(path): _imports(path)
        for folder in folders
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


def _layer(module: str) -> int | None:
    for index, layer in enumerate(LAYERS):
        if _within(module, (layer,)):
            return index
    return None


def _upward(sources: dict[str, set[str]]) -> list[str]:
    found = []
    for module, names in sources.items():
        level = _layer(module)
        for name in names:
            target = _layer(name)
            if target is not None and (level is None or target > level):
                found.append(f"{module} imports {name}")
    return sorted(found)


def _circles(sources: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), or a module importing
    itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sources.get(node, ()):
            if other not in sources:
                continue
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in sources.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(sources):
        if node not in index:
            visit(node)
    return groups


def test_the_spec_imports_neither_the_server_nor_the_engine() -> None:
    forbidden = ("replcheck.conformance", "replcheck.reference_server")
    assert _breaches(_sources("spec"), forbidden) == []


def test_the_server_never_imports_the_engine() -> None:
    assert _breaches(_sources("reference_server"), ("replcheck.conformance",)) == []


def test_the_engine_reads_the_server_only_from_the_run_entry_the_catalogue_and_the_cli() -> None:
    engine = _sources("conformance")
    others = {m: names for m, names in engine.items() if not _within(m, READS_THE_SERVER)}
    assert _breaches(others, ("replcheck.reference_server",)) == []


def test_every_engine_module_lives_in_a_layer() -> None:
    """A new module goes into the layer its concept belongs to (or a new layer is added to
    ``LAYERS`` and ARCHITECTURE.md): nothing lies loose at the top of ``conformance/``."""
    engine = _sources("conformance")
    loose = [m for m in engine if _layer(m) is None and m != "replcheck.conformance"]
    assert loose == []


def test_every_layer_imports_only_downwards() -> None:
    sources = _sources("conformance")
    assert _layer(E + "transport.client") is not None and _upward(sources) == []


def test_there_is_no_import_circle() -> None:
    sources = _sources("spec", "reference_server", "conformance")
    assert _circles(sources) == []


def test_relative_imports_are_read() -> None:
    """The server imports its own modules relatively; those imports count."""
    app = _imports(ROOT / "reference_server" / "app.py")
    assert "replcheck.reference_server.routing" in app


@pytest.mark.parametrize(
    ("module", "imports", "upward"),
    [
        (E + "checks.x", {E + "engine.session"}, True),
        (E + "checks.x", {E + "judging.outcomes"}, False),
        (E + "transport.client", {E + "settings.target"}, False),
        (E + "settings.target", {E + "transport.client"}, True),
        (E + "report.html", {E + "cli"}, True),
    ],
)
def test_an_upward_import_is_seen(module: str, imports: set[str], upward: bool) -> None:
    assert bool(_upward({module: imports})) is upward


def test_a_circle_is_seen() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []

"""Every package folder of the code is listed in pyproject's ``[tool.setuptools] packages``:
a folder left out is silently missing from the wheel (and an in-tree ``build/`` left over from
an earlier build can hide that from a wheel test)."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    folders = {
        ".".join(("replcheck", *init.parent.relative_to(REPO).parts))
        for top in ("conformance", "reference_server")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert folders <= listed, f"not in [tool.setuptools] packages: {sorted(folders - listed)}"


def test_the_checkout_reads_as_installed() -> None:
    """``replcheck/spec``, ``replcheck/reference_server`` and ``replcheck/conformance`` are
    links to the top-level folders, so an import of ``replcheck.conformance…`` resolves from
    the checkout itself (type checkers and editors need no build step), and setuptools needs no
    ``package-dir`` mapping."""
    for top in ("spec", "reference_server", "conformance"):
        link = REPO / "replcheck" / top
        assert link.is_symlink() and link.resolve() == (REPO / top).resolve(), link
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "package-dir" not in setuptools

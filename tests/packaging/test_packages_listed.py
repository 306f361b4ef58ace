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

"""A copy of this checkout as a clean clone would have it (tracked files and untracked ones that
are not ignored): for tests that build or install the project without the in-tree ``build/``,
``.venv`` or caches a developer's tree carries."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def copy_of_checkout(target: Path) -> Path:
    """Copy the checkout's files (and its uncommitted work) into ``target``, links as links;
    return it."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_symlink():  # replcheck/conformance and its siblings: kept as links
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(source), target / name)
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target

"""Where Hypothesis keeps its files while a ``replcheck`` command runs: a cache folder of the
user's, never the working directory.

The fuzzer keeps no example database (its cases are drawn with the run's seed, never replayed),
but Hypothesis also caches tables it computes (Unicode categories and codecs) under its storage
folder, which is ``./.hypothesis`` unless told otherwise: every ``replcheck run`` left one in
the folder it was started from. The command therefore points Hypothesis at:

- ``$HYPOTHESIS_STORAGE_DIRECTORY`` when set (Hypothesis's own variable: the user chose);
- else ``$REPLCHECK_CACHE_DIR/hypothesis``, where ``REPLCHECK_CACHE_DIR=off`` writes nothing
  at all (Hypothesis recomputes its tables each run, which costs about a second);
- else ``$XDG_CACHE_HOME/replcheck/hypothesis``, ``~/.cache/replcheck/hypothesis`` without it.

The pytest plugin leaves Hypothesis as the user's session configured it: its storage is the
user's to choose there (their own Hypothesis tests share it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from hypothesis.configuration import set_hypothesis_home_dir

CACHE_VARIABLE = "REPLCHECK_CACHE_DIR"
#: The value of ``REPLCHECK_CACHE_DIR`` that keeps every cache file from being written.
OFF = "off"
#: A folder no one can create (its parent is a device, not a folder): Hypothesis's writes there
#: fail, and it keeps what it computed in memory (every cache write of its is best-effort).
_NOWHERE = Path(os.devnull) / "replcheck-hypothesis"


def storage_folder(environ: Mapping[str, str], home: Path) -> Path | None:
    """The folder Hypothesis should use, or None to leave Hypothesis's own choice (its variable
    is set)."""
    if environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return None
    chosen = environ.get(CACHE_VARIABLE, "").strip()
    if chosen.lower() == OFF:
        return _NOWHERE
    if chosen:
        return Path(chosen).expanduser() / "hypothesis"
    xdg = environ.get("XDG_CACHE_HOME", "").strip()
    # The XDG spec ignores a relative XDG_CACHE_HOME: it would depend on the working directory.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache"
    return base / "replcheck" / "hypothesis"


def keep_out_of_working_directory() -> None:
    """Point Hypothesis's storage at the user's cache folder (see the module docstring)."""
    folder = storage_folder(os.environ, Path.home())
    if folder is not None:
        set_hypothesis_home_dir(folder)

"""The one exception a run raises when it cannot be made (exit code 2)."""

from __future__ import annotations


class RunAborted(Exception):
    """The run could not be made; ``str(exc)`` is one sentence for the user (exit code 2)."""

"""The checks, one module per area; importing this package registers every one of them.

- ``status``, ``section_status``, ``recover``, ``reindex``, ``conventions``, ``edition``:
  behaviour checks, small plain functions registered by requirement id (``registry.check``);
- ``judges``: rules applied to every exchange of a run (``judges.judge``);
- the spec-driven fuzzer lives in ``replcheck.conformance.fuzzing`` and registers itself the same
  way (``fuzzing.check``); the enforcer registry imports both.
"""

from replcheck.conformance.checks import (
    conventions,
    edition,
    recover,
    reindex,
    section_status,
    status,
)
from replcheck.conformance.checks.context import CheckContext
from replcheck.conformance.checks.registry import Check, check, registered

__all__ = [
    "Check",
    "CheckContext",
    "check",
    "conventions",
    "edition",
    "recover",
    "registered",
    "reindex",
    "section_status",
    "status",
]

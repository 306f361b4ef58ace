"""Which requirement a schema violation of the status body belongs to: exactly one.

The rule (ARCHITECTURE.md, "One violation, one requirement"): a violation belongs to the
requirement of the innermost named sub-schema it lies in (the last of ``Violation.within``, the
``$ref``s the validation followed down to the failing keyword):

- the shape of a mode, each ``$defs`` entry a mode rule of ``cluster-section.json`` names in its
  ``then`` (``disabled``, ``primary`` and ``notSecondary``, ``secondary`` and ``notPrimary``):
  STATUS-MODE-SHAPE. A member's own domain referenced from there (a ``uuid``, a
  ``merkleRoot``) is named too, and is not a shape: a malformed value is STATUS-SCHEMA's;
- a string-of-integer domain (``integerString``, ``unsignedIntegerString``):
  STATUS-INTEGER-STRINGS;
- any other sub-schema of the status body: STATUS-SCHEMA.

The judge SCHEMA-RESPONSES judges the status code of every documented answer and the body of
every one except those these three own (``owns_body``), so a deviation in a status body is
reported once, under the requirement that names it. The claims are read from the schemas
(``domains.mode_shapes``, ``domains.INTEGER_STRING_DOMAINS``), never from a path pattern.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from replcheck.spec import KINDS, domains
from replcheck.spec.violations import Violation, violations

__all__ = ["MODE_SHAPE", "OTHERWISE", "STATUS_KIND", "owned", "owner", "owns_body"]

MODE_SHAPE = "STATUS-MODE-SHAPE"
INTEGER_STRINGS = "STATUS-INTEGER-STRINGS"
#: The requirement of every violation of the status body no narrower requirement claims.
OTHERWISE = "STATUS-SCHEMA"
#: The schema kind whose violations these requirements share out.
STATUS_KIND = "status"


@cache
def _claims() -> dict[str, str]:
    claims = {ref: MODE_SHAPE for refs in domains.mode_shapes().values() for ref in refs}
    claims.update(dict.fromkeys(domains.INTEGER_STRING_DOMAINS, INTEGER_STRINGS))
    return claims


def owner(violation: Violation) -> str:
    """The one requirement ``violation`` (of the status schema) fails."""
    innermost = violation.within[-1] if violation.within else ""
    return _claims().get(innermost, OTHERWISE)


def owned(requirement: str, document: Any) -> list[Violation]:
    """The violations of the status body ``document`` that belong to ``requirement``."""
    return [v for v in violations(STATUS_KIND, document) if owner(v) == requirement]


def owns_body(schema_file: str | None) -> bool:
    """Whether the body of an answer documented with ``schema_file`` is judged by the status
    requirements (and so not by SCHEMA-RESPONSES)."""
    return schema_file == KINDS[STATUS_KIND]

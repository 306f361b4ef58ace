"""The zoo: every broken server of every category, checked for consistency at import.

This is the only place that puts the categories together; each broken server, its deviation
and the requirement ids that must catch it live in its category's module. That an entry's
``settings`` name real run settings is checked by the zoo's tests (this package does not import
the engine).
"""

from __future__ import annotations

from replcheck import spec

from . import (
    auth,
    bounds,
    error_format,
    invariants,
    methods,
    parameters,
    robustness,
    schema,
    sudo,
)
from .model import CATEGORIES, BrokenServer

#: Every broken server, in the order of ``CATEGORIES``.
ZOO: tuple[BrokenServer, ...] = (
    *auth.ENTRIES,
    *sudo.ENTRIES,
    *methods.ENTRIES,
    *parameters.ENTRIES,
    *schema.ENTRIES,
    *error_format.ENTRIES,
    *invariants.ENTRIES,
    *robustness.ENTRIES,
    *bounds.ENTRIES,
)


def _check_registry() -> None:
    """Names are unique, every id is a real requirement (an entry still waiting for its
    check may name the id it expects the new requirement to get), the lists are consistent, a
    requirement only the full profile judges is expected only from a full-profile run (fails at
    import, so a mistake cannot hide as a skipped test)."""
    names = [server.name for server in ZOO]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"duplicate broken server names: {sorted(duplicates)}")
    catalogue = {requirement.id: requirement for requirement in spec.requirements()}
    for server in ZOO:
        unknown = (set(server.must_fail) | set(server.may_fail)) - set(catalogue)
        if unknown and server.needs is None:
            raise ValueError(f"{server.name}: ids not in requirements.yaml: {sorted(unknown)}")
        if not server.must_fail and not server.hostile:
            raise ValueError(f"{server.name}: must_fail is empty (only a hostile entry may)")
        both = set(server.must_fail) & set(server.may_fail)
        if both:
            raise ValueError(f"{server.name}: {sorted(both)} both in must_fail and may_fail")
        if server.category not in CATEGORIES:
            raise ValueError(f"{server.name}: category {server.category!r} not in {CATEGORIES}")
        mutating = [rid for rid in server.must_fail
                    if rid in catalogue and catalogue[rid].mutating]
        if mutating and server.profile != "full":
            raise ValueError(f"{server.name}: {mutating} are judged only in the full profile")


_check_registry()

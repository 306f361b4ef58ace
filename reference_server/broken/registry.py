"""The zoo: every broken server of every category, checked for consistency at import.

This is the only place that puts the categories together; each broken server, its deviation
and the requirement ids that must catch it live in its category's module.
"""

from __future__ import annotations

import dataclasses

import zoo_auth
import zoo_bounds
import zoo_error_format
import zoo_invariants
import zoo_methods
import zoo_parameters
import zoo_robustness
import zoo_schema
import zoo_sudo
from zoo_model import CATEGORIES, BrokenServer

import replcheck_spec
from conformance.target import Settings

ZOO: tuple[BrokenServer, ...] = (
    *zoo_auth.ENTRIES,
    *zoo_sudo.ENTRIES,
    *zoo_methods.ENTRIES,
    *zoo_parameters.ENTRIES,
    *zoo_schema.ENTRIES,
    *zoo_error_format.ENTRIES,
    *zoo_invariants.ENTRIES,
    *zoo_robustness.ENTRIES,
    *zoo_bounds.ENTRIES,
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
    catalogue = {requirement.id: requirement for requirement in replcheck_spec.requirements()}
    fields = {f.name for f in dataclasses.fields(Settings)}
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
        missing = set(server.settings) - fields
        if missing and server.needs is None:
            raise ValueError(f"{server.name}: Settings has no {sorted(missing)}; say what it needs")


_check_registry()

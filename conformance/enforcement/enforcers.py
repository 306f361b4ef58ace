"""The enforcer model: everything that judges a requirement, of three kinds, behind one protocol.

- a **check** (``checks.registry``) sends its own requests and judges the answers;
- a **judge** (``checks.judges``) judges every exchange of the run, whoever sent it;
- a **watcher** (``checks.watch``) compares each answer with every earlier one of the run.

Each has a requirement id, a name, an id ``REQUIREMENT::name`` (what ``-k``, JUnit and the
pytest suite see), a doc, and whether it applies to a target without the replication API. Each
ends in a ``CheckResult`` concluded by the same rule (``outcomes.conclude``); results over parts
of a run are combined by the same rule (``outcomes.merge``), with the findings beyond a cap
carried as a number (``CheckResult.hidden``). The catalogue, the ``-k`` selection, ``replcheck
run`` and the pytest plugin all list enforcers from ``registered`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

# Importing the checks package and the fuzzer registers every check.
from replcheck.conformance.checks import judges, registry, watch
from replcheck.conformance.fuzzing import check as _fuzzer  # noqa: F401
from replcheck.conformance.settings.selection import Selection


class Enforcer(Protocol):
    """What every check, judge and watcher declares."""

    @property
    def kind(self) -> str: ...

    @property
    def requirement(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def doc(self) -> str: ...

    @property
    def any_edition(self) -> bool: ...

    @property
    def id(self) -> str: ...

    @property
    def module(self) -> str: ...


def registered() -> list[Enforcer]:
    """Every enforcer: the checks (catalogue order), then the watchers, then the judges."""
    found: list[Enforcer] = [*registry.registered(), *watch.registered()]
    return found + list(judges.registered())


def in_run_order(items: Iterable[Enforcer], *, budget: bool = False) -> list[Enforcer]:
    """``items`` in the order a run takes them: the non-mutating checks, the mutating ones (a
    successful reindex must not run while another check watches the status for changes), the
    watchers (after a last read), then the judges (which need every exchange). With a
    ``--budget`` the checks that fill the time left (the fuzzer) go last among the checks, so
    every other check runs whatever the budget."""
    items = list(items)
    checks = [item for item in items if isinstance(item, registry.Check)]
    ordered = [c for c in checks if not c.mutating] + [c for c in checks if c.mutating]
    if budget:
        ordered = [c for c in ordered if not c.fills_budget] + [
            c for c in ordered if c.fills_budget
        ]
    rest = [item for item in items if not isinstance(item, registry.Check)]
    return [
        *ordered,
        *[w for w in rest if w.kind == "watcher"],
        *[j for j in rest if j.kind == "judge"],
    ]


def selected(selection: Selection) -> list[Enforcer]:
    """The enforcers ``-k`` keeps, in ``registered`` order."""
    return [item for item in registered() if selection.matches(item.id, item.requirement)]

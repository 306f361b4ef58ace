"""How checks are declared: a small plain function, registered under one requirement id.

    @check("REINDEX-SUDO", needs=("non_sudo",))
    def non_sudo_token_is_refused(ctx: CheckContext) -> None:
        ex = ctx.send("POST", REINDEX, credential=ctx.non_sudo)
        ctx.expect_status(ex, {403}, "a token without sudo is refused")

The requirement id must exist in spec/requirements.yaml (checked at import, so ids cannot
drift). Whether a check is mutating comes from the requirement, never from the check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from replcheck import spec
from replcheck.conformance.judging.outcomes import enforcer_id

if TYPE_CHECKING:
    from replcheck.conformance.checks.context import CheckContext, RunState

Need = Literal["sudo", "non_sudo", "no_update"]
#: How a check may share the target with others under ``--concurrency N`` (N > 1):
#:
#: - ``parallel``: it only reads, or sends requests a conformant target refuses, and its verdict
#:   does not depend on what runs beside it: it runs on any worker, beside others.
#: - ``alone``: its verdict depends on what ran before it, or on nothing else changing the
#:   target meanwhile (before/after comparisons): it runs at its place in the run's order,
#:   with nothing else in flight.
#: - ``in-order``: it changes the target's state: it runs in the state lane, one after another
#:   in the run's order (a mutating requirement's check always does, whatever it declares).
Sharing = Literal["parallel", "alone", "in-order"]


@dataclass(frozen=True)
class Check:
    kind: ClassVar[str] = "check"
    requirement: str
    name: str
    func: Callable[[CheckContext], None]
    needs: tuple[Need, ...]
    #: True when the check also applies to Vault Community Edition (auth and conventions that
    #: every Vault keeps); False when it judges replication itself.
    any_edition: bool
    doc: str
    #: True for a check whose amount of work fills the run's ``--budget`` (the fuzzer): it
    #: runs after every other check when a budget is given.
    fills_budget: bool = False
    #: How it shares the target under ``--concurrency`` (see ``Sharing``); None: ``in-order``
    #: for a mutating requirement, ``alone`` otherwise (today's order, the safe default).
    declared_sharing: Sharing | None = None
    #: True for a check that hands requests which may change state to
    #: ``replcheck.conformance.concurrency.worker_pool.fan_out`` (the fuzzer's cases with a
    #: sufficient token): under ``--concurrency`` they go to the state lane in order, and a
    #: state-changing check after it waits until it has handed them all in.
    fans_out: bool = False
    #: Work that needs nothing from the target, started with ``--concurrency`` as the checks
    #: start, so that it is done by the time the check runs (the fuzzer draws its cases).
    prepare: Callable[[RunState], None] | None = None
    #: What the check's requests with the sudo token ask of that token, path by path as
    #: ``sys/capabilities-self`` names paths (a LIST's path ends in ``/``). Vault checks the
    #: ACL before the method, so a token without ``delete`` gets 403, not 405, for a DELETE:
    #: a token short of these would fail the check for itself, so the run stops first.
    asks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Credentials the check uses when the run has them, without needing them to run (the
    #: fuzzer sends its cases with every credential it has): provisioned for it when the run
    #: provisions, never a reason to leave it not run.
    uses: tuple[Need, ...] = ()
    #: True for a check that judges a DR secondary too: it sends only what a DR secondary
    #: serves (status reads), or judges the DR secondary's refusal itself. Every other check
    #: is not run on a DR secondary, whose answer to it would say nothing about the rule.
    on_dr_secondary: bool = False

    @property
    def sharing(self) -> Sharing:
        """The declared sharing, ``in-order`` for a mutating check whatever it declares."""
        if self.mutating:
            return "in-order"
        return self.declared_sharing or "alone"

    @property
    def id(self) -> str:
        """Stable test id: requirement and function name, as JUnit and ``-k`` see it."""
        return enforcer_id(self.requirement, self.name)

    @property
    def module(self) -> str:
        """The module that holds it, e.g. ``replcheck.conformance.checks.reindex``."""
        return self.func.__module__

    @property
    def mutating(self) -> bool:
        return bool(spec.requirement(self.requirement).mutating)


_CHECKS: list[Check] = []


def check(
    requirement: str,
    *,
    needs: tuple[Need, ...] = (),
    any_edition: bool = False,
    fills_budget: bool = False,
    sharing: Sharing | None = None,
    fans_out: bool = False,
    prepare: Callable[[RunState], None] | None = None,
    asks: dict[str, tuple[str, ...]] | None = None,
    uses: tuple[Need, ...] = (),
    on_dr_secondary: bool = False,
) -> Callable[[Callable[[CheckContext], None]], Callable[[CheckContext], None]]:
    """Register a check of ``requirement`` (a KeyError names an id missing from the catalogue)."""
    spec.requirement(requirement)

    def decorate(func: Callable[[CheckContext], None]) -> Callable[[CheckContext], None]:
        doc = " ".join((func.__doc__ or "").split())
        _CHECKS.append(
            Check(
                requirement,
                func.__name__,
                func,
                needs,
                any_edition,
                doc,
                fills_budget,
                sharing,
                fans_out,
                prepare,
                tuple((asks or {}).items()),
                uses,
                on_dr_secondary,
            )
        )
        return func

    return decorate


def registered() -> tuple[Check, ...]:
    """Every check registered so far, in catalogue order of their requirements, then definition
    order. Checks register when their module is imported; the enforcer registry
    (``replcheck.conformance.enforcement.enforcers``) imports them all."""
    order = {req.id: index for index, req in enumerate(spec.requirements())}
    return tuple(sorted(_CHECKS, key=lambda c: order[c.requirement]))

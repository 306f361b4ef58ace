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

import replcheck_spec

if TYPE_CHECKING:
    from conformance.checks.context import CheckContext

Need = Literal["sudo", "non_sudo", "no_update"]


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

    @property
    def id(self) -> str:
        """Stable test id: requirement and function name, as JUnit and ``-k`` see it."""
        return f"{self.requirement}::{self.name}"

    @property
    def module(self) -> str:
        """The module that holds it, e.g. ``conformance.checks.reindex``."""
        return self.func.__module__

    @property
    def mutating(self) -> bool:
        return replcheck_spec.requirement(self.requirement).mutating


_CHECKS: list[Check] = []


def check(
    requirement: str,
    *,
    needs: tuple[Need, ...] = (),
    any_edition: bool = False,
    fills_budget: bool = False,
) -> Callable[[Callable[[CheckContext], None]], Callable[[CheckContext], None]]:
    """Register a check of ``requirement`` (a KeyError names an id missing from the catalogue)."""
    replcheck_spec.requirement(requirement)

    def decorate(func: Callable[[CheckContext], None]) -> Callable[[CheckContext], None]:
        doc = " ".join((func.__doc__ or "").split())
        _CHECKS.append(
            Check(requirement, func.__name__, func, needs, any_edition, doc, fills_budget)
        )
        return func

    return decorate


def registered() -> tuple[Check, ...]:
    """Every registered check, in catalogue order of their requirements, then definition order."""
    import conformance.checks
    import conformance.fuzz  # noqa: F401  (importing these modules registers their checks)

    order = {req.id: index for index, req in enumerate(replcheck_spec.requirements())}
    return tuple(sorted(_CHECKS, key=lambda c: order[c.requirement]))

"""Which credentials a generated case is sent with: the profile's *credential plan*.

Generated auth headers are replaced by the run's credentials:

- ``safe``: writes carry no token, an invalid token, or (reindex) a token without sudo, (recover)
  a token without update — requests that cannot succeed at changing state; status any token.
- ``full``: the same, plus a sufficient token, so successful recover/reindex calls are exercised.

Breadth is cheap once a case is drawn (drawing costs far more than sending): each case is sent
with *every* credential of its plan that cannot change state, and with one of those that can,
in turn — so successful state-changing calls stay at most one per generated case, bounded by
``max_examples`` per operation and mode.
"""

from __future__ import annotations

from collections.abc import Iterator

from replcheck.conformance.checks.context import CheckContext
from replcheck.conformance.fuzzing.generation import FuzzCase
from replcheck.conformance.transport.client import Credential


def credential_plan(ctx: CheckContext, case: FuzzCase) -> list[tuple[str, Credential | None]]:
    """The credentials a case may carry in this run's profile (see the module docstring)."""
    return [(label, credential) for label, credential, _ in _plan(ctx, case)]


def _plan(ctx: CheckContext, case: FuzzCase) -> list[tuple[str, Credential | None, bool]]:
    """``credential_plan`` with, per credential, whether a write carrying it may succeed (and
    so change the target's state)."""
    state = ctx.state
    is_status = case.method == "GET"
    plan: list[tuple[str, Credential | None, bool]] = [
        ("no token", None, False),
        ("invalid token", state.invalid, False),
        ("invalid Bearer token", state.invalid.as_bearer(), False),
    ]
    sudo_only = case.path.endswith("/reindex")
    if state.non_sudo is not None and (sudo_only or is_status or ctx.profile == "full"):
        plan.append(("token without sudo", state.non_sudo, not (sudo_only or is_status)))
    if state.no_update is not None:
        plan.append(("token without update", state.no_update, False))
    if state.sudo is not None and (is_status or ctx.profile == "full"):
        plan.append(("sudo token", state.sudo, not is_status))
        plan.append(("sudo Bearer token", state.sudo.as_bearer(), not is_status))
    return plan


def with_credentials(
    ctx: CheckContext, cases: list[FuzzCase], first: int = 0
) -> Iterator[tuple[FuzzCase, str, Credential | None, bool]]:
    """Each case with every credential of its plan that cannot change state, and one of those
    that can (in turn, case by case): breadth where it is free, while successful
    state-changing calls stay at most one per generated case. The last member says whether
    the request may change state."""
    for index, case in enumerate(cases, first):
        plan = _plan(ctx, case)
        changing = [(label, credential) for label, credential, may in plan if may]
        for label, credential, may in plan:
            if not may:
                yield case, label, credential, False
        if changing:
            label, credential = changing[index % len(changing)]
            yield case, label, credential, True

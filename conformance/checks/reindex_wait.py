"""Waiting out a running reindex before a state-changing call that must succeed.

A target may refuse a second reindex while one runs, and the wording of that refusal is Vault
Enterprise's own and not published; so the waiting relies on the status (``reindex_in_progress``),
never on the text. Used by the checks that need a reindex (or recover) to succeed.
"""

from __future__ import annotations

import time
from typing import Any

from replcheck.conformance.checks.context import STATUS, CheckContext
from replcheck.conformance.transport.exchange import Exchange
from replcheck.spec import domains

#: A section in this mode carries nothing but its mode: no ``reindex_in_progress`` either.
_DISABLED = domains.member("cluster-section.json#/properties/mode", "disabled")


def send_when_idle(
    ctx: CheckContext, method: str, path: str, purpose: str, **kwargs: Any
) -> Exchange:
    """Send a reindex (or recover) that must succeed, the way a careful client does.

    A target may refuse a second reindex while one runs. So first wait while the status
    reports ``reindex_in_progress``; and if the answer is still a 400 while the status,
    read again, shows a reindex running, or cannot show one (every section disabled: the
    spec allows no other member there), wait and send again. The wording of such a refusal
    is Vault Enterprise's own and not published, so the suite relies on the status, never
    on the text. The waiting is bounded per run (``RunState.busy_budget_s``); the last
    answer is judged.
    """
    pause = 0.02
    while True:
        _wait_while_status_shows_reindex(ctx)
        exchange = ctx.send(method, path, purpose, **kwargs)
        busy = exchange.status == 400 and _status_shows_reindex(ctx) is not False
        if not busy or ctx.state.busy_budget_s <= 0:
            return exchange
        ctx.note("the target refused a reindex, maybe as already running; waited and retried")
        time.sleep(pause)
        ctx.state.busy_budget_s -= pause
        pause = min(pause * 2, 0.5)


def _wait_while_status_shows_reindex(ctx: CheckContext) -> None:
    if ctx.planning:
        return
    pause = 0.02
    while True:
        if not _status_shows_reindex(ctx):  # None (cannot tell) does not wait here
            return
        if ctx.state.busy_budget_s <= 0:
            ctx.note("gave up waiting for a running reindex: the waiting budget is spent")
            return
        time.sleep(pause)
        ctx.state.busy_budget_s -= pause
        pause = min(pause * 2, 0.5)


def _status_shows_reindex(ctx: CheckContext) -> bool | None:
    """Whether the status shows a reindex running; ``None`` when it cannot show one (no
    section, or every section disabled)."""
    if ctx.planning:
        return False
    status = ctx.state.client.send(
        "GET", STATUS, purpose="is a reindex running?", origin=ctx.name, record=False
    )
    found = [s for s in (status.data() or {}).values() if isinstance(s, dict)]
    if any(s.get("reindex_in_progress") is True for s in found):
        return True
    if all(s.get("mode") == _DISABLED for s in found):
        return None
    return False

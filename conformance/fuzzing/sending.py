"""The fuzzer's sending side: a ``--budget``'s clock, one generated request sent, and the
tally of what was sent."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from replcheck.conformance.checks.context import CheckContext
from replcheck.conformance.concurrency.worker_pool import Pending
from replcheck.conformance.fuzzing.generation import FuzzCase
from replcheck.conformance.judging import contract
from replcheck.conformance.transport.client import Credential, UnsendableRequest
from replcheck.conformance.transport.exchange import Exchange

#: Requests one generated case costs at most: seven credentials for the status; for a write, five
#: refused ones, one sufficient (full profile) and a path variant.
REQUESTS_PER_CASE = 7
#: With a budget: the time kept for what follows the generated requests (the run's last
#: status read, cleanup), and the first guess at one request's cost before any was timed.
RESERVE_S = 0.3
FIRST_GUESS_S = 0.005


class Clock:
    """A budget's clock for the generated requests: each slot draws while the time left,
    shared among the slots still to come, covers sending what it drew (at the cost per
    request measured so far)."""

    def __init__(self, ctx: CheckContext, slots: int) -> None:
        assert ctx.state.deadline is not None
        self.end = ctx.state.deadline - RESERVE_S
        self.slots_left = slots
        exchanges = ctx.state.client.exchanges
        timed = [e.response.elapsed_ms for e in exchanges[-50:] if e.response is not None]
        self.per_request = (sum(timed) / len(timed) / 1000) if timed else FIRST_GUESS_S
        self.requests = 0
        self.sending = 0.0

    def slot(self) -> Callable[[int], bool]:
        share = (self.end - time.perf_counter()) / max(self.slots_left, 1)
        slot_end = time.perf_counter() + share
        self.slots_left -= 1
        cost = REQUESTS_PER_CASE * self.per_request
        return lambda drawn: time.perf_counter() + (drawn + 1) * cost < slot_end

    def sent(self, requests: int, seconds: float) -> None:
        """Learn the cost per request from what was sent (judging included)."""
        self.requests += requests
        self.sending += seconds
        if self.requests:
            self.per_request = self.sending / self.requests

    def over(self) -> bool:
        return time.perf_counter() >= self.end


def send_case(
    ctx: CheckContext,
    clock: Clock | None,
    case: FuzzCase,
    path: str,
    label: str,
    credential: Credential | None,
) -> Exchange | None:
    """Send one generated request, or nothing (None) once the ``--budget`` ran out. It may run
    on another thread: the check's result is only touched by ``Tally.collect``, in the
    check's own thread."""
    if clock is not None and clock.over():
        return None
    operation = contract.operation_for(case.method, path)
    return ctx.state.client.send(
        case.method,
        path,
        purpose=f"generated ({case.mode}), {label}",
        origin=ctx.name,
        operation=operation.key if operation else None,
        credential=credential,
        content=case.body,
        headers=dict(case.headers),
        params=dict(case.params) or None,
    )


@dataclass
class Tally:
    """What the fuzzer counts for its result and notes."""

    drawn: int = 0
    unsent: int = 0
    unsendable: int = 0
    sent: dict[str, set[FuzzCase]] = field(default_factory=dict)

    def collect(
        self, ctx: CheckContext, sending: list[tuple[FuzzCase, Pending[Exchange | None]]]
    ) -> int:
        """Wait for each request in turn, counting it as a sequential send would have been;
        gives how many were tried (sent, or found unsendable)."""
        tried = 0
        for case, pending in sending:
            try:
                exchange = pending.result()
            except UnsendableRequest:
                self.unsendable += 1
                tried += 1
                continue
            if exchange is None:
                self.unsent += 1
                continue
            tried += 1
            ctx.result.exchanges += 1
            self.sent.setdefault(case.operation, set()).add(case)
            if exchange.response is not None:
                # This check adds no rule of its own: what it judges is each answer it fed
                # the judges.
                ctx.judged()
        return tried

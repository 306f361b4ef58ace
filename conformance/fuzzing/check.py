"""The fuzzer as a check of SCHEMA-RESPONSES: slot by slot, cases drawn (or taken from those
drawn ahead), sent with their credentials and path variants, each answer judged by every
per-response judge.

Vault-aware on purpose: schemathesis's own checks are not used, because they flag legitimate
Vault behaviour (a 405 without ``Allow``, 204 with no body, lenient booleans); the judges encode
what real Vault does instead.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from replcheck.conformance.checks.context import CheckContext, RunState
from replcheck.conformance.checks.registry import check
from replcheck.conformance.concurrency import worker_pool
from replcheck.conformance.concurrency.worker_pool import Pending
from replcheck.conformance.fuzzing.generation import FuzzCase, draw, slots
from replcheck.conformance.fuzzing.path_variants import with_path_variants
from replcheck.conformance.fuzzing.prefetch import Prefetch
from replcheck.conformance.fuzzing.sending import Clock, Tally, send_case
from replcheck.conformance.judging import contract
from replcheck.conformance.transport.exchange import Exchange

#: Where the cases drawn ahead wait in the run's state (``RunState.prepared``).
PREPARED = "fuzzing.prefetch"


def _prefetch(state: RunState) -> None:
    """Start drawing every slot's cases (without a ``--budget``: with one, time decides how
    many a slot draws, so they are drawn when sent)."""
    if state.deadline is not None:
        return
    stop = state.client.stop

    def draws() -> list[Callable[[], list[FuzzCase]]]:
        return [
            functools.partial(draw, operation, mode, state.seed, state.max_examples, stop)
            for operation, mode in slots()
        ]

    state.prepared[PREPARED] = Prefetch(draws)


def _prefetched(state: RunState) -> Prefetch | None:
    """The cases drawn ahead for this run, handed out once."""
    held = state.prepared.pop(PREPARED, None)
    return held if isinstance(held, Prefetch) else None


@check(
    "SCHEMA-RESPONSES",
    uses=("non_sudo", "no_update"),
    fills_budget=True,
    sharing="parallel",
    fans_out=True,
    prepare=_prefetch,
)
def fuzz_openapi_operations(ctx: CheckContext) -> None:
    """Requests generated from spec/openapi.yaml (positive and negative), each judged by every
    per-response judge; this check adds no rule of its own, it feeds the judges.

    Slot by slot (operation and mode), cases are drawn, then sent. With a ``--budget``, each
    slot draws only what its share of the time left can send, and sending stops at the end.
    With ``--concurrency`` each request is a unit of its own (``worker_pool.fan_out``): a slot's
    requests are in flight while the next slot is drawn (with a budget, a slot's requests are
    awaited before the next is drawn, so the clock learns their cost)."""
    state, stop = ctx.state, ctx.state.client.stop
    every_slot = slots()
    clock = Clock(ctx, len(every_slot)) if state.deadline is not None else None
    turn = [0, 0]
    tally = Tally()
    prefetched = _prefetched(state)
    in_flight: list[tuple[FuzzCase, Pending[Exchange | None]]] = []
    for index, (operation, mode) in enumerate(every_slot):
        time_left = clock.slot() if clock is not None else None
        if prefetched is not None:
            cases = prefetched.cases(index)
        else:
            with stop.polled():
                cases = draw(operation, mode, state.seed, state.max_examples, stop, time_left)
        stop.check()
        tally.drawn += len(cases)
        started = time.perf_counter()
        sending: list[tuple[FuzzCase, Pending[Exchange | None]]] = []
        for case, path, label, credential, may in with_path_variants(ctx, cases, turn):
            send = functools.partial(send_case, ctx, clock, case, path, label, credential)
            reads = case.method == "GET"
            sending.append((case, worker_pool.fan_out(send, changes_state=may, reads_state=reads)))
        tally.collect(ctx, in_flight)
        in_flight = sending
        if clock is not None:
            clock.sent(tally.collect(ctx, in_flight), time.perf_counter() - started)
            in_flight = []
    tally.collect(ctx, in_flight)
    state.cases_per_operation = {
        key: len(tally.sent.get(key, ()))
        for key in sorted(op.key for op in contract.generated_operations())
    }
    ctx.note(
        f"{tally.drawn} generated case(s) over {len(contract.generated_operations())} "
        "operation(s)"
    )
    if tally.unsent:
        ctx.note(f"{tally.unsent} generated request(s) not sent: the --budget ran out")
    if tally.unsendable:
        ctx.note(
            f"{tally.unsendable} generated request(s) could not be put on the wire and were "
            "skipped"
        )

"""Spec-driven fuzzing: schemathesis generates requests from ``replcheck_spec.bundled_openapi()``.

Generation and sending are separate: for each operation and generation mode, Hypothesis draws up
to ``max_examples`` cases with the run's seed (no I/O inside Hypothesis, so no shrinking, no
replay, and a ``--plan`` run lists exactly what a real run would send). Each case is then sent
through the run's recording client, so every generated request is judged by the per-response
judges (schema per status code, content type, errors body, 403-not-401, no 5xx, no token echo).

Vault-aware on purpose: schemathesis's own checks are not used, because they flag legitimate
Vault behaviour (a 405 without ``Allow``, 204 with no body, lenient booleans); the judges encode
what real Vault does instead. Generated auth headers are replaced by the run's credentials, taken
from the profile's *credential plan*:

- ``safe``: writes carry no token, an invalid token, or (reindex) a token without sudo, (recover)
  a token without update — requests that cannot succeed at changing state; status any token.
- ``full``: the same, plus a sufficient token, so successful recover/reindex calls are exercised.

Breadth is cheap once a case is drawn (drawing costs far more than sending): each case is sent
with *every* credential of its plan that cannot change state, and with one of those that can,
in turn — so successful state-changing calls stay at most one per generated case, bounded by
``max_examples`` per operation and mode. Each write case is also sent once to a variant
spelling of its path (``PATH_VARIANTS``) with a refused credential.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import time
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import HypothesisWarning, Unsatisfiable
from schemathesis import GenerationMode

from replcheck import spec as replcheck_spec
from replcheck.conformance.checks.context import CheckContext, RunState
from replcheck.conformance.checks.registry import check
from replcheck.conformance.concurrency import worker_pool
from replcheck.conformance.concurrency.interruption import StopRequest
from replcheck.conformance.concurrency.worker_pool import Pending
from replcheck.conformance.fuzzing.sending import Clock, Prefetch, Tally, send_case
from replcheck.conformance.judging import contract
from replcheck.conformance.transport.client import Credential
from replcheck.conformance.transport.exchange import Exchange

_AUTH_HEADERS = {"x-vault-token", "authorization"}
_DROPPED_HEADERS = _AUTH_HEADERS | {
    "x-schemathesis-testcaseid",
    "user-agent",
    "accept-encoding",
    "accept",
    "connection",
}
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]*$")

#: A slot (operation and mode) stops drawing after this many draws in a row gave no new case:
#: an operation with few distinct inputs (a recover without parameters) would otherwise spend
#: a large ``--max-examples`` (or a budget's share) redrawing the same requests. Above the
#: default ``max_examples``, so a run without a budget draws what it always drew.
SATURATED_AFTER = 50
@dataclass(frozen=True)
class FuzzCase:
    """One generated request, independent of any token: the credential is chosen when sent."""

    operation: str
    mode: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    params: tuple[tuple[str, str], ...]
    body: str | None


@cache
def _schema() -> Any:
    return schemathesis.openapi.from_dict(replcheck_spec.bundled_openapi())


def generate(seed_value: int, max_examples: int, stop: StopRequest | None = None) -> list[FuzzCase]:
    """Every case of a run, deterministically: same seed and budget, same cases, same order.

    With ``stop``, a Ctrl-C ends the generation at the next draw (see ``StopRequest.polled``:
    raised from a signal handler, it could be dropped inside Hypothesis)."""
    stop = stop if stop is not None else StopRequest()
    cases: list[FuzzCase] = []
    with stop.polled():
        for operation, mode in _slots():
            cases.extend(_draw(operation, mode, seed_value, max_examples, stop))
    stop.check()
    return cases


def _slots() -> list[tuple[Any, GenerationMode]]:
    """(operation, generation mode) in the order a run draws them: reads first (the status
    has no inputs, so its slots end at once), so that under a budget the time they leave goes
    to the writes' slots, which come after."""
    operations = sorted(
        (result.ok() for result in _schema().get_all_operations()),
        key=lambda op: (op.method != "get", op.path, op.method),
    )
    return [
        (operation, mode)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]


class _SlotOver(Exception):
    """Ends a slot's drawing: it stopped giving new cases, or its share of the budget is used."""


def _draw(
    operation: Any,
    mode: GenerationMode,
    seed_value: int,
    budget: int,
    stop: StopRequest,
    time_left: Callable[[int], bool] | None = None,
) -> list[FuzzCase]:
    """Up to ``budget`` distinct cases of one slot; fewer once ``SATURATED_AFTER`` draws in a
    row gave nothing new, or once ``time_left(cases drawn)`` says the slot's time is used."""
    drawn: list[FuzzCase] = []
    seen: set[FuzzCase] = set()
    misses = 0

    @given(operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=budget,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(seed_value)
    def collect(case: Any) -> None:
        nonlocal misses
        stop.check()
        if misses >= SATURATED_AFTER or (time_left is not None and not time_left(len(drawn))):
            raise _SlotOver
        converted = _convert(case, mode.value)
        if converted is not None and converted not in seen:
            seen.add(converted)
            drawn.append(converted)
            misses = 0
        else:
            misses += 1

    # Unsatisfiable: e.g. no negative form exists for an operation without inputs.
    with (
        contextlib.suppress(Unsatisfiable, _SlotOver),
        _without_local_constants(),
        warnings.catch_warnings(),
    ):
        # With --concurrency the embedded server (same process) draws request ids from the
        # global `random` while cases are drawn; Hypothesis notices the global state moving
        # and warns, but its draws come from its own generator.
        warnings.filterwarnings("ignore", "Do not use the `random` module", HypothesisWarning)
        collect()
    return drawn


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Draw as if no local module were loaded, so one seed gives one set of cases everywhere.

    Hypothesis mixes literals harvested from every *local* module in ``sys.modules`` (not
    site-packages, not test files) into its draws; ``replcheck run``, the pytest plugin (with
    a user's own modules loaded) and each xdist worker load different modules, and would send
    different requests for the same seed. Hypothesis has no setting for this, so its private
    hook is replaced for the duration, and the cache of permitted constants is cleared on both
    sides so no one else's draws see ours (or theirs ours).
    """
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    original = providers._get_local_constants
    providers.CONSTANTS_CACHE.cache.clear()
    providers._get_local_constants = Constants
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def _convert(case: Any, mode: str) -> FuzzCase | None:
    kwargs = case.as_transport_kwargs(base_url="http://replcheck.invalid" + contract.api_prefix())
    headers = tuple(
        (str(name), str(value))
        for name, value in kwargs.get("headers", {}).items()
        if name.lower() not in _DROPPED_HEADERS
        and _HEADER_NAME.match(str(name))
        and _HEADER_VALUE.match(str(value))
    )
    if "json" in kwargs:
        body: str | None = json.dumps(kwargs["json"])
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    else:
        body = None
    params = tuple(sorted((str(k), str(v)) for k, v in (kwargs.get("params") or {}).items()))
    return FuzzCase(
        operation=f"{case.method.upper()} {case.path}",
        mode=mode,
        method=case.method.upper(),
        path=contract.api_prefix() + case.path,
        headers=headers,
        params=params,
        body=body,
    )


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


def _with_credentials(
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


#: Spellings of a write operation's path that real Vault refuses without reaching the
#: handler (a 400 for the trailing slash, 403 or 404 otherwise, a 301 from Go's mux for the
#: duplicate slashes): each write case is also sent to one of them with a refused credential,
#: so the judges (no 5xx, 403-not-401, errors body, no token echo) see the refusals of paths a
#: router might handle differently.
PATH_VARIANTS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("trailing slash", lambda path: path + "/"),
    ("upper-case last segment", lambda path: _upper_last(path)),
    ("duplicate slashes", lambda path: path.replace("/sys/", "/sys//")),
)


def _upper_last(path: str) -> str:
    head, _, last = path.rpartition("/")
    return f"{head}/{last.upper()}"


def _with_path_variants(
    ctx: CheckContext, cases: list[FuzzCase], turn: list[int] | None = None
) -> Iterator[tuple[FuzzCase, str, str, Credential | None, bool]]:
    """Every (case, path, credential label, credential) to send: each case on its own path
    with its credentials (``_with_credentials``), and each write case once more on a variant
    of its path with a credential that no variant lets through (both in turn).

    ``turn`` ([cases so far, write cases so far]) carries the turns from one slot to the next.
    """
    turn = turn if turn is not None else [0, 0]
    refused = [
        ("no token", None),
        ("invalid token", ctx.state.invalid),
        ("invalid Bearer token", ctx.state.invalid.as_bearer()),
    ]
    for case, label, credential, may in _with_credentials(ctx, cases, turn[0]):
        yield case, case.path, label, credential, may
        if case.method == "GET" or label != "no token":
            continue
        variant_label, spell = PATH_VARIANTS[turn[1] % len(PATH_VARIANTS)]
        refused_label, refused_credential = refused[turn[1] % len(refused)]
        turn[1] += 1
        purpose = f"{refused_label}, path with {variant_label}"
        yield case, spell(case.path), purpose, refused_credential, False
    turn[0] += len(cases)


#: Cases drawn ahead for a run, by ``id`` of its ``RunState`` (with a weak reference to it, so
#: a later state at the same address never takes them), taken by the fuzzer.
_PREFETCHED: dict[int, tuple[weakref.ref[RunState], Prefetch]] = {}


def _prefetched(state: RunState) -> Prefetch | None:
    """The cases drawn ahead for this run, handed out once."""
    held = _PREFETCHED.pop(id(state), None)
    return held[1] if held is not None and held[0]() is state else None


def _prefetch(state: RunState) -> None:
    """Start drawing every slot's cases (without a ``--budget``: with one, time decides how
    many a slot draws, so they are drawn when sent)."""
    if state.deadline is not None:
        return
    stop = state.client.stop

    def draws() -> list[Callable[[], list[FuzzCase]]]:
        return [
            functools.partial(_draw, operation, mode, state.seed, state.max_examples, stop)
            for operation, mode in _slots()
        ]

    for key in [key for key, (ref, _) in _PREFETCHED.items() if ref() is None]:
        del _PREFETCHED[key]  # left by a run that stopped before its fuzzer
    _PREFETCHED[id(state)] = (weakref.ref(state), Prefetch(draws))


@check(
    "SCHEMA-RESPONSES",
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
    slots = _slots()
    clock = Clock(ctx, len(slots)) if state.deadline is not None else None
    turn = [0, 0]
    tally = Tally()
    prefetched = _prefetched(state)
    in_flight: list[tuple[FuzzCase, Pending[Exchange | None]]] = []
    for index, (operation, mode) in enumerate(slots):
        time_left = clock.slot() if clock is not None else None
        if prefetched is not None:
            cases = prefetched.cases(index)
        else:
            with stop.polled():
                cases = _draw(operation, mode, state.seed, state.max_examples, stop, time_left)
        stop.check()
        tally.drawn += len(cases)
        started = time.perf_counter()
        sending: list[tuple[FuzzCase, Pending[Exchange | None]]] = []
        for case, path, label, credential, may in _with_path_variants(ctx, cases, turn):
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
        key: len(tally.sent.get(key, ())) for key in sorted(op.key for op in contract.operations())
    }
    ctx.note(f"{tally.drawn} generated case(s) over {len(contract.operations())} operation(s)")
    if tally.unsent:
        ctx.note(f"{tally.unsent} generated request(s) not sent: the --budget ran out")
    if tally.unsendable:
        ctx.note(
            f"{tally.unsendable} generated request(s) could not be put on the wire and were "
            "skipped"
        )

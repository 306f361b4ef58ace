"""Cases generated from the contract: schemathesis draws requests from the bundled spec
without the operations that change replication state (``contract.generation_document()``:
those marked ``x-replcheck-changes-replication`` would break a live replication set), with
Hypothesis seeded by the run.

Generation is separate from sending: for each operation and generation mode (a *slot*),
Hypothesis draws up to ``max_examples`` cases with the run's seed (no I/O inside Hypothesis, so
no shrinking, no replay, and a ``--plan`` run lists exactly what a real run would send). A case
is independent of any token: the credentials it is sent with are chosen when it is sent
(``replcheck.conformance.fuzzing.credentials``). Nothing here touches the target or a check.
"""

from __future__ import annotations

import contextlib
import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import HypothesisWarning, Unsatisfiable
from schemathesis import GenerationMode

from replcheck.conformance.concurrency.interruption import StopRequest
from replcheck.conformance.judging import contract

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
    return schemathesis.openapi.from_dict(contract.generation_document())


def generate(seed_value: int, max_examples: int, stop: StopRequest | None = None) -> list[FuzzCase]:
    """Every case of a run, deterministically: same seed and budget, same cases, same order.

    With ``stop``, a Ctrl-C ends the generation at the next draw (see ``StopRequest.polled``:
    raised from a signal handler, it could be dropped inside Hypothesis)."""
    stop = stop if stop is not None else StopRequest()
    cases: list[FuzzCase] = []
    with stop.polled():
        for operation, mode in slots():
            cases.extend(draw(operation, mode, seed_value, max_examples, stop))
    stop.check()
    return cases


def slots() -> list[tuple[Any, GenerationMode]]:
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


def draw(
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

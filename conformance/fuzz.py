"""Spec-driven fuzzing: schemathesis generates requests from ``replcheck_spec.bundled_openapi()``.

Generation and sending are separate: for each operation and generation mode, Hypothesis draws up
to ``max_examples`` cases with the run's seed (no I/O inside Hypothesis, so no shrinking, no
replay, and a ``--plan`` run lists exactly what a real run would send). Each case is then sent
through the run's recording client, so every generated request is judged by the per-response
judges (schema per status code, content type, errors body, 403-not-401, no 5xx, no token echo).

Vault-aware on purpose: schemathesis's own checks are not used, because they flag legitimate
Vault behaviour (a 405 without ``Allow``, 204 with no body, lenient booleans); the judges encode
what real Vault does instead. Generated auth headers are replaced by the run's credentials, chosen
per case from the profile's *credential plan*:

- ``safe``: writes carry no token, an invalid token, or (reindex) a token without sudo, (recover)
  a token without update — requests that cannot succeed at changing state; status any token.
- ``full``: the same, plus a sufficient token, so successful recover/reindex calls are exercised,
  bounded by ``max_examples`` per operation and mode.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

import replcheck_spec
from conformance import contract
from conformance.checks.context import CheckContext
from conformance.checks.registry import check
from conformance.client import Credential, UnsendableRequest
from conformance.interruption import StopRequest

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
    operations = sorted(
        (result.ok() for result in _schema().get_all_operations()),
        key=lambda op: (op.path, op.method),
    )
    with stop.polled():
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                cases.extend(_draw(operation, mode, seed_value, max_examples, stop))
    stop.check()
    return cases


def _draw(
    operation: Any, mode: GenerationMode, seed_value: int, budget: int, stop: StopRequest
) -> list[FuzzCase]:
    drawn: list[FuzzCase] = []
    seen: set[FuzzCase] = set()

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
        stop.check()
        converted = _convert(case, mode.value)
        if converted is not None and converted not in seen:
            seen.add(converted)
            drawn.append(converted)

    # Unsatisfiable: e.g. no negative form exists for an operation without inputs.
    with contextlib.suppress(Unsatisfiable), _without_local_constants():
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
    state = ctx.state
    plan: list[tuple[str, Credential | None]] = [
        ("no token", None),
        ("invalid token", state.invalid),
        ("invalid Bearer token", state.invalid.as_bearer()),
    ]
    is_status = case.method == "GET"
    sudo_only = case.path.endswith("/reindex")
    if state.non_sudo is not None and (sudo_only or is_status or ctx.profile == "full"):
        plan.append(("token without sudo", state.non_sudo))
    if state.no_update is not None:
        plan.append(("token without update", state.no_update))
    if state.sudo is not None and (is_status or ctx.profile == "full"):
        plan.append(("sudo token", state.sudo))
        plan.append(("sudo Bearer token", state.sudo.as_bearer()))
    return plan


def _with_credentials(
    ctx: CheckContext, cases: list[FuzzCase]
) -> Iterator[tuple[FuzzCase, str, Credential | None]]:
    for index, case in enumerate(cases):
        plan = credential_plan(ctx, case)
        label, credential = plan[index % len(plan)]
        yield case, label, credential


@check("SCHEMA-RESPONSES")
def fuzz_openapi_operations(ctx: CheckContext) -> None:
    """Requests generated from spec/openapi.yaml (positive and negative), each judged by every
    per-response judge; this check adds no rule of its own, it feeds the judges."""
    cases = generate(ctx.state.seed, ctx.state.max_examples, ctx.state.client.stop)
    unsendable = 0
    for case, label, credential in _with_credentials(ctx, cases):
        try:
            exchange = ctx.send(
                case.method,
                case.path,
                f"generated ({case.mode}), {label}",
                credential=credential,
                content=case.body,
                headers=dict(case.headers),
                params=dict(case.params) or None,
            )
        except UnsendableRequest:
            unsendable += 1
            continue
        if exchange.response is not None:
            # This check adds no rule of its own: what it judges is each answer it fed the
            # judges.
            ctx.judged()
    ctx.note(f"{len(cases)} generated request(s) over {len(contract.operations())} operation(s)")
    if unsendable:
        ctx.note(f"{unsendable} generated request(s) could not be put on the wire and were skipped")

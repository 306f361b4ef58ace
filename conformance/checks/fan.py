"""Independent requests of one check, sent beside each other under ``--concurrency``.

A check that sends many requests whose answers do not depend on each other (each a refusal on
a conformant target) lists them and judges the answers after: ``send_all`` sends them through
``replcheck.conformance.concurrency.worker_pool.fan_out`` (beside each other with
``--concurrency N``, one after another in the listed order without it) and gives the answers in the
listed order, so the check judges and reports exactly as a sequential run does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from replcheck.conformance.concurrency import worker_pool
from replcheck.conformance.judging.outcomes import CheckResult
from replcheck.conformance.transport.client import Credential
from replcheck.conformance.transport.exchange import Exchange


class Sender(Protocol):
    """What ``send_all`` needs of a check's context (``CheckContext`` is one): the check's
    result, a context of the same check with a result of its own, and its ``send``."""

    result: CheckResult

    def unit(self) -> Sender: ...

    def send(self, method: str, path: str, purpose: str, **kwargs: Any) -> Exchange: ...


@dataclass(frozen=True)
class Request:
    """One request as ``CheckContext.send`` takes it."""

    method: str
    path: str
    purpose: str
    credential: Credential | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None
    content: bytes | None = None


def send_all(ctx: Sender, requests: Sequence[Request]) -> list[Exchange]:
    """Send ``requests`` (none may change a conformant target's state); their answers, in
    order. Each is sent on a context of its own, so the check's result is only touched here,
    in the check's thread."""
    pending = [worker_pool.fan_out(_sender(ctx, request)) for request in requests]
    answers: list[Exchange] = []
    for one in pending:
        exchange, sent = one.result()
        ctx.result.exchanges += sent
        answers.append(exchange)
    return answers


def _sender(ctx: Sender, request: Request) -> worker_pool.Work[tuple[Exchange, int]]:
    def send() -> tuple[Exchange, int]:
        unit = ctx.unit()
        exchange = unit.send(
            request.method,
            request.path,
            request.purpose,
            credential=request.credential,
            json=request.json,
            headers=request.headers,
            content=request.content,
        )
        return exchange, unit.result.exchanges

    return send

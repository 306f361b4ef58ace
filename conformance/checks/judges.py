"""Per-response judges: rules every answer of the target must keep, applied to EVERY exchange.

A judge is a small plain function ``(exchange, tokens) -> iterable of (message, expected)``
registered under one requirement id. The runner attaches ``JudgePanel`` to the client, so the
requests of behaviour checks and of the fuzzer are all judged the same way. Judges see the raw
exchange and the tokens to look for in it (those sent with the request first, then every secret
the run holds, so a token sent earlier that leaks into a later answer is spotted too); findings
keep only the masked exchange.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import unquote_to_bytes, urlsplit

from replcheck import spec
from replcheck.conformance.checks.schema_owners import owns_body
from replcheck.conformance.judging import contract
from replcheck.conformance.judging.outcomes import (
    CheckResult,
    Finding,
    Outcome,
    conclude,
    enforcer_id,
    merge,
)
from replcheck.conformance.transport.exchange import Exchange
from replcheck.conformance.transport.secret_forms import decoded_views
from replcheck.spec import domains
from replcheck.spec.violations import violations

#: What a judge yields per deviation: (message, expected), or (message, expected, json_paths)
#: when the deviation is a schema violation at those paths of the body.
Verdicts = Iterable[tuple[str, str] | tuple[str, str, tuple[str, ...]]]
JudgeFunction = Callable[[Exchange, tuple[str, ...]], Verdicts]

#: Tokens shorter than this are not searched for in answers: a short token (e.g. "root") occurs
#: in legitimate bodies ("merkle_root"), and an echo finding must never be a false alarm.
MIN_ECHO_TOKEN_LENGTH = 12


def _answered(exchange: Exchange) -> bool:
    return exchange.response is not None


@dataclass(frozen=True)
class Judge:
    kind: ClassVar[str] = "judge"
    requirement: str
    name: str
    func: JudgeFunction
    doc: str
    #: Which answers the judge has something to say about; the others are not counted as
    #: judged (a judge that judged no answer is *not run*, never passed).
    applies: Callable[[Exchange], bool] = _answered
    #: False when the rule concerns the replication API itself (e.g. its documented answers):
    #: on a target without that API the judge is *unsupported*.
    any_edition: bool = True

    @property
    def id(self) -> str:
        return enforcer_id(self.requirement, self.name)

    @property
    def module(self) -> str:
        """The module that holds it, e.g. ``replcheck.conformance.checks.judges``."""
        return self.func.__module__


_JUDGES: list[Judge] = []


def judge(
    requirement: str,
    *,
    applies: Callable[[Exchange], bool] = _answered,
    any_edition: bool = True,
) -> Callable[[JudgeFunction], JudgeFunction]:
    spec.requirement(requirement)

    def decorate(func: JudgeFunction) -> JudgeFunction:
        doc = " ".join((func.__doc__ or "").split())
        _JUDGES.append(Judge(requirement, func.__name__, func, doc, applies, any_edition))
        return func

    return decorate


def registered() -> tuple[Judge, ...]:
    return tuple(_JUDGES)


def _is_redirect(exchange: Exchange) -> bool:
    # A standby's 307, Vault's 307 for a path with "." / ".." / "//" segments, or Go's ServeMux
    # cleaning a path with a 301: not an answer of Vault's JSON layer, so the body rules do not
    # apply (the redirect is not followed).
    return exchange.status is not None and 300 <= exchange.status < 400


#: A control character in a request path, raw or percent-encoded (``%09``, ``%00``, ``%7F``).
_NON_PRINTABLE_PATH = re.compile(r"%(?:[01][0-9A-Fa-f]|7[Ff])|[\x00-\x1f\x7f]")


def _non_printable_path(path: str) -> bool:
    """Whether Go's printable-path check refuses ``path``: a control character, raw or
    percent-encoded, or, once the path is decoded as Go decodes it (bytes that are not UTF-8
    read as U+FFFD), any character that is not printable, such as the C1 control U+0084 a
    generated path parameter may carry as ``%C2%84``."""
    if _NON_PRINTABLE_PATH.search(path):
        return True
    return not unquote_to_bytes(path).decode("utf-8", "replace").isprintable()


#: Request heads larger than this may be refused by the HTTP layer in front of Vault: Go's own
#: limit is 1 MiB (431), but proxies and load balancers commonly stop at 8 KiB (400).
LONG_HEAD_BYTES = 8 * 1024


def head_size(exchange: Exchange) -> int:
    """Bytes of the request's header lines (names, values and separators), as sent."""
    return sum(len(name) + len(value) + 4 for name, value in exchange.request.headers)


def from_http_layer(exchange: Exchange) -> bool:
    """True for an answer Vault's HTTP layer gives before any Vault handler runs, to which the
    rules of Vault's JSON answers do not apply:

    - a redirect (3xx): ``.``/``..``/``//`` segments, a standby node;
    - the 400 of Go's check that a path is printable (bare in Vault: no body, no Content-Type,
      no Cache-Control), for a path holding a control character such as ``%09`` or ``%00``:
      Vault's own layer never sees such a path, so its answer is not judged by Vault's rules;
    - a 400 or 431 to a request whose head is over ``LONG_HEAD_BYTES`` (an extreme token): the
      HTTP server or a proxy in front of Vault refused the head before Vault could read it.
    """
    if _is_redirect(exchange):
        return True
    response = exchange.response
    if response is None or response.status not in (400, 431):
        return False
    if head_size(exchange) > LONG_HEAD_BYTES:
        return True
    if response.status != 400:
        return False
    return _non_printable_path(urlsplit(exchange.request.url).path)


def _vault_answer(exchange: Exchange) -> bool:
    """An answer of Vault's own layer (the JSON conventions apply)."""
    return exchange.response is not None and not from_http_layer(exchange)


@judge("VAULT-NO-SERVER-ERROR")
def no_server_error(exchange: Exchange, tokens: tuple[str, ...]) -> Verdicts:
    """No request, however malformed, is answered with a 5xx."""
    if exchange.status is not None and exchange.status >= 500:
        yield f"answered {exchange.status}", "a 2xx or 4xx answer, never 5xx"


def _error_answer(exchange: Exchange) -> bool:
    # HEAD answers never carry a body; the HTTP layer's bare 400 is not Vault's JSON layer.
    return (
        _vault_answer(exchange)
        and exchange.status is not None
        and exchange.status >= 400
        and exchange.request.method != "HEAD"
    )


@judge("VAULT-ERROR-BODY", applies=_error_answer)
def error_body(exchange: Exchange, tokens: tuple[str, ...]) -> Verdicts:
    """Every status >= 400 of Vault's JSON layer carries {"errors": [string, ...]}."""
    if not _error_answer(exchange):
        return
    expected = '{"errors": [string, ...]} (the list may be empty)'
    if not exchange.is_json:
        yield f"{exchange.status} with a body that is not JSON: {_excerpt(exchange)}", expected
        return
    problems = violations(domains.ERROR_BODY, exchange.json())
    if problems:
        yield (
            f"{exchange.status} with a body that is not Vault's error body ({problems[0]}): "
            f"{_excerpt(exchange)}",
            expected,
            tuple(p.path for p in problems),
        )


@judge("VAULT-FORBIDDEN-NOT-401")
def forbidden_not_401(exchange: Exchange, tokens: tuple[str, ...]) -> Verdicts:
    """Authentication and authorization failures are 403, never 401."""
    if exchange.status == 401:
        yield "answered 401", "403 for a missing, invalid or insufficient token"


def _with_body(exchange: Exchange) -> bool:
    return _vault_answer(exchange) and bool(exchange.response and exchange.response.body)


@judge("VAULT-CONTENT-TYPE", applies=_with_body)
def content_type(exchange: Exchange, tokens: tuple[str, ...]) -> Verdicts:
    """Every answer with a body declares application/json."""
    response = exchange.response
    if response is None or not _with_body(exchange):
        return
    declared = (response.header("content-type") or "").split(";", 1)[0].strip().lower()
    if declared != "application/json":
        yield (
            f"{response.status} with a body declared as {declared or 'nothing'}",
            "Content-Type: application/json",
        )


@judge("VAULT-CACHE-CONTROL", applies=_vault_answer)
def cache_control(exchange: Exchange, tokens: tuple[str, ...]) -> Verdicts:
    """Every answer of Vault's JSON layer carries Cache-Control: no-store."""
    response = exchange.response
    if response is None or not _vault_answer(exchange):
        return
    value = response.header("cache-control") or ""
    if "no-store" not in [part.strip().lower() for part in value.split(",")]:
        yield (
            f"{response.status} with Cache-Control {value or 'absent'}",
            "Cache-Control: no-store",
        )


@judge("VAULT-NO-TOKEN-ECHO")
def no_token_echo(exchange: Exchange, tokens: tuple[str, ...]) -> Verdicts:
    """No token of the run comes back, in a header or in the body: neither one sent with this
    request nor one sent with any other request of the run."""
    response = exchange.response
    if response is None:
        return
    sent = {value for _, value in exchange.request.headers}
    long_enough = [token for token in tokens if len(token) >= MIN_ECHO_TOKEN_LENGTH]
    if not long_enough:
        return
    # The body as written and with its escape sequences decoded (JSON \u and short escapes,
    # percent, HTML references, twice over: the masker's views): an echo written in any of
    # them, JSON-quoted inside a string included, is an echo all the same.
    bodies = [response.body, *(view.text for view in decoded_views(response.body))]
    for token in long_enough:
        where = [
            f"header {name}" for name, value in response.headers if token in name or token in value
        ]
        if any(token in body for body in bodies):
            where.append("body")
        if where:
            # The message names the token: reports show a secret as its label ($VAULT_TOKEN).
            whose = (
                "sent with this request"
                if any(token in value for value in sent)
                else "sent with another request of the run"
            )
            yield (
                f"the token {token} ({whose}) came back in {', '.join(where)}",
                "no token in any header or body of the answer",
            )


def _documented(exchange: Exchange) -> bool:
    return _vault_answer(exchange) and exchange.operation is not None


@judge("SCHEMA-RESPONSES", applies=_documented, any_edition=False)
def documented_response(exchange: Exchange, tokens: tuple[str, ...]) -> Verdicts:
    """A documented operation answers a documented status, with a body valid for that status.
    The body of a status answer is left to the status requirements (``schema_owners``), so
    one deviation fails one requirement."""
    if exchange.status is None or exchange.operation is None or not _documented(exchange):
        return
    method, _, path = exchange.operation.partition(" ")
    operation = next(op for op in contract.operations() if op.key == exchange.operation)
    documented = operation.response_for(exchange.status)
    if documented is None:
        listed = ", ".join(sorted(operation.responses))
        yield (f"{exchange.status} is not a status {method} {path} documents", f"one of {listed}")
        return
    body = exchange.response.body if exchange.response else ""
    if owns_body(documented.schema):
        return  # judged by STATUS-SCHEMA, STATUS-MODE-SHAPE, STATUS-INTEGER-STRINGS (one each)
    if documented.schema is None:
        if body:
            yield f"{exchange.status} carries a body", f"{exchange.status} with no body"
        return
    if not exchange.is_json:
        yield (
            f"{exchange.status} body is not JSON: {_excerpt(exchange)}",
            f"a JSON body valid against {documented.schema}",
        )
        return
    problems = violations(documented.schema, exchange.json())
    if problems:
        shown = "; ".join(str(v) for v in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        yield (
            f"{exchange.status} body breaks {documented.schema}: {shown}{more}",
            f"a body valid against {documented.schema}",
            tuple(dict.fromkeys(v.path for v in problems)),
        )


def _excerpt(exchange: Exchange, limit: int = 160) -> str:
    body = exchange.response.body if exchange.response else ""
    body = " ".join(body.split())
    return repr(body if len(body) <= limit else body[:limit] + "...")


#: Findings kept per judge; a fuzzer can repeat one deviation hundreds of times.
MAX_FINDINGS_PER_JUDGE = 10


class JudgePanel:
    """Applies the selected judges to every exchange of a run and keeps their results."""

    def __init__(
        self,
        judges: Iterable[Judge],
        mask_exchange: Callable[[Exchange], Exchange],
        mask_text: Callable[[str], str],
    ) -> None:
        self._mask = mask_exchange
        self._mask_text = mask_text
        self.results: dict[str, CheckResult] = {
            j.id: CheckResult(j.requirement, j.name, Outcome.NOT_RUN) for j in judges
        }
        self._judges = {j.id: j for j in judges}

    def __call__(self, exchange: Exchange, tokens: tuple[str, ...]) -> None:
        masked: Exchange | None = None
        for judge_id, item in self._judges.items():
            result = self.results[judge_id]
            result.exchanges += 1
            if not item.applies(exchange):
                continue
            result.judged += 1
            for message, expected, *paths in item.func(exchange, tokens):
                if len(result.findings) >= MAX_FINDINGS_PER_JUDGE:
                    result.hidden += 1
                    continue
                masked = masked or self._mask(exchange)
                where = f"{exchange.request.method} {masked.request.url}"
                result.findings.append(
                    Finding(
                        item.requirement,
                        f"{where}: {self._mask_text(message)}",
                        expected,
                        masked,
                        source=item.name,
                        json_paths=paths[0] if paths else (),
                    )
                )

    def finish(self) -> list[CheckResult]:
        return [conclude(result, nothing_judged(result)) for result in self.results.values()]


def merge_judgements(pieces: Iterable[Iterable[CheckResult]]) -> list[CheckResult]:
    """One result per judge from judge results over parts of a run (e.g. one per check, from
    several processes), as one ``JudgePanel`` watching the whole run would have given (see
    ``outcomes.merge``): a judge that saw no answer at all stays not run."""
    return merge(
        (part for piece in pieces for part in piece), MAX_FINDINGS_PER_JUDGE, nothing_judged
    )


def nothing_judged(result: CheckResult) -> str:
    """Why a judge that judged no answer is not run: it saw none, or none its rule covers."""
    if not result.exchanges:
        return "no answer to judge"
    return f"none of the {result.exchanges} answer(s) it saw is one its rule covers"

"""Vault's HTTP conventions that the behaviour checks do not cover on their own."""

from __future__ import annotations

from replcheck.conformance.checks.context import (
    RECOVER,
    RECOVER_WRITE,
    REINDEX,
    REINDEX_WRITE,
    STATUS,
    CheckContext,
)
from replcheck.conformance.checks.fan import Request, send_all
from replcheck.conformance.checks.registry import check
from replcheck.conformance.checks.reindex_wait import send_when_idle
from replcheck.conformance.judging import contract
from replcheck.conformance.transport.client import Credential

UNKNOWN_PATH = contract.api_prefix() + "/sys/replication/replcheck-no-such-endpoint"

#: Bodies that are not valid UTF-8, each refused by Vault with a 4xx: inside a JSON string Go's
#: decoder turns a bad byte into U+FFFD (so ``{"diff": "\xff"}`` holds a string that is no
#: boolean: 400), other bytes are "error parsing JSON" (400), and a write without a token may be
#: refused first (403). None is valid for reindex, so none can start one.
NOT_UTF8_BODIES: tuple[tuple[str, bytes], ...] = (
    (r'{"diff": "\xff"}', b'{"diff": "\xff"}'),
    (r'{"force": "\xc3("}', b'{"force": "\xc3("}'),
    (r"\xff\xfe", b"\xff\xfe"),
)


@check("VAULT-BEARER-TOKEN", needs=("sudo",), any_edition=True, sharing="parallel")
def bearer_equals_header(ctx: CheckContext) -> None:
    """The same token as Bearer and in X-Vault-Token gets the same answer, on requests that
    cannot change state: a wrong method (405), an invalid flag (400), a status read (200)."""
    probes = (
        ("GET", RECOVER, None, "a wrong method on recover"),
        ("POST", REINDEX, {"diff": "maybe"}, "an invalid flag on reindex"),
        ("GET", STATUS, None, "a status read"),
    )
    for method, path, body, what in probes:
        header = ctx.send(
            method, path, f"{what}, token in X-Vault-Token", credential=ctx.sudo, json=body
        )
        bearer = ctx.send(
            method, path, f"{what}, token as Bearer", credential=ctx.sudo.as_bearer(), json=body
        )
        if header.response is not None and bearer.response is not None:
            ctx.judged()
        if header.response is not None and header.status != bearer.status:
            ctx.fail(
                f"{what}: {header.status} with X-Vault-Token but {bearer.status} as Bearer",
                f"{header.status} both ways",
                bearer,
            )


@check(
    "VAULT-UNKNOWN-PATH",
    needs=("sudo",),
    asks={UNKNOWN_PATH.removeprefix(contract.api_prefix() + "/"): ("read", "update")},
    any_edition=True,
    sharing="parallel",
)
def unknown_path_is_404(ctx: CheckContext) -> None:
    """An unknown path under sys/replication is answered 404 (GET and POST, sudo token)."""
    for method in ("GET", "POST"):
        exchange = ctx.send(method, UNKNOWN_PATH, f"{method} an unknown path", credential=ctx.sudo)
        ctx.expect_status(exchange, {404}, "404 unsupported path")


@check("VAULT-TRAILING-SLASH-WRITE", any_edition=True, sharing="parallel")
def trailing_slash_write_is_400(ctx: CheckContext) -> None:
    """POST or PUT to recover/ or reindex/ is 400; Vault checks this before the token, so no
    token is sent (nothing can succeed)."""
    for path in (RECOVER + "/", REINDEX + "/"):
        for method in ("POST", "PUT"):
            exchange = ctx.send(method, path, f"{method} to a path ending in '/'")
            ctx.expect_status(exchange, {400}, "400 cannot write to a path ending in '/'")


@check("VAULT-SUCCESS-ENVELOPE", needs=("sudo",), asks={**RECOVER_WRITE, **REINDEX_WRITE})
def success_body_is_envelope(ctx: CheckContext) -> None:
    """A 200 from recover or reindex is the Vault envelope (warnings-response.json)."""
    for path in (RECOVER, REINDEX):
        exchange = send_when_idle(ctx, "POST", path, "sudo token, no body", credential=ctx.sudo)
        if exchange.status != 200:
            if ctx.expect_success(exchange):
                ctx.note(f"{path} answered 204: no body to judge")
            continue
        ctx.expect_valid(exchange, "warnings")


@check("VAULT-NO-SERVER-ERROR", any_edition=True, sharing="parallel", on_dr_secondary=True)
def bodies_not_utf8_are_4xx(ctx: CheckContext) -> None:
    """Bodies that are not valid UTF-8 are refused with a 4xx, never a 5xx: to recover and
    reindex with no token, and to reindex with the sudo token when there is one (each body is
    invalid there, so nothing can change state; recover ignores its body, so it gets no token)."""
    sends: list[tuple[str, Credential | None, str]] = [
        (RECOVER, None, "no token"),
        (REINDEX, None, "no token"),
    ]
    if ctx.state.sudo is not None:
        sends.append((REINDEX, ctx.state.sudo, "sudo token"))
    requests = [
        Request(
            "POST",
            path,
            f"{how}, body {label} (not UTF-8)",
            credential,
            headers={"Content-Type": "application/json"},
            content=body,
        )
        for path, credential, how in sends
        for label, body in NOT_UTF8_BODIES
    ]
    for exchange in send_all(ctx, requests):
        status = exchange.status
        if status is not None:
            ctx.judged()
        # Only a 5xx is this requirement's deviation; a write that got through without a
        # token, or with an invalid body, is the AUTH and PARAMETERS checks' business.
        if status is not None and status >= 500:
            ctx.fail(
                f"{exchange.purpose}: answered {status}",
                "a 4xx refusal (Vault: 400 for the body, or 403 without a token), never 5xx",
                exchange,
            )

"""POST /sys/replication/reindex: sudo only, on every path spelling; lenient booleans; 400s."""

from __future__ import annotations

import json
from typing import Any

from replcheck.conformance.checks.context import (
    REINDEX,
    REINDEX_OTHER_METHODS,
    REINDEX_WRITE,
    STATUS,
    CheckContext,
)
from replcheck.conformance.checks.fan import Request, send_all
from replcheck.conformance.checks.registry import check
from replcheck.conformance.checks.reindex_wait import send_when_idle
from replcheck.conformance.checks.watch import sections
from replcheck.spec import domains

FLAGS = domains.reindex_flags()
#: Every form Vault's weak decode accepts as a bool (sdk/framework/field_data.go), from the spec.
BOOLEAN_FORMS: tuple[Any, ...] = domains.lenient_boolean_forms()
INVALID_VALUES: tuple[Any, ...] = ("maybe", "yes", 2, -1, {"value": True}, [True])
NON_JSON_BODIES: tuple[tuple[str, str | bytes], ...] = (
    ("malformed JSON", "{not json"),
    ("a JSON array", "[true]"),
    ("a JSON string", '"diff"'),
    # Go's JSON decoder stops at the first byte that cannot start a value: "error parsing JSON".
    (r"bytes that are not UTF-8 (\xff\xfe)", b"\xff\xfe"),
)
UNKNOWN_PARAMETER = "replcheck_unknown_parameter"

#: Spellings of the reindex path that a sudo check keyed on the exact path might miss.
#: (Dot segments are left out: the HTTP client normalises them before sending.)
PATH_VARIANTS = (
    ("trailing slash", "/sys/replication/reindex/"),
    ("upper case", "/sys/replication/REINDEX"),
    ("mixed case", "/sys/Replication/Reindex"),
    ("duplicate slashes", "/sys//replication//reindex"),
    ("leading duplicate slash", "//sys/replication/reindex"),
    ("percent-encoded letter", "/sys/replication/%72eindex"),
    ("percent-encoded slash", "/sys/replication%2Freindex"),
    ("encoded dot segment", "/sys/replication/%2e/reindex"),
    ("encoded trailing slash", "/sys/replication/reindex%2F"),
    ("query string", "/sys/replication/reindex?sudo=true"),
    # Real Vault routes "reindex " to no handler (404): white space is part of the path there,
    # so a router that strips it must not let the request past the sudo check either.
    ("encoded trailing space", "/sys/replication/reindex%20"),
    ("encoded trailing tab", "/sys/replication/reindex%09"),
    ("encoded leading space", "/sys/replication/%20reindex"),
)


def _reindex_epochs(ctx: CheckContext) -> dict[str, Any]:
    """(last_reindex_epoch, reindex_in_progress) per section: a reindex that ran moves them."""
    exchange = ctx.send("GET", STATUS, "note when the last reindex ran")
    return {
        name: (s.get("last_reindex_epoch"), s.get("reindex_in_progress"))
        for name, s in sections(exchange)
    }


def _expect_no_reindex(ctx: CheckContext, before: dict[str, Any], what: str) -> None:
    if ctx.planning:
        return
    after = _reindex_epochs(ctx)
    for name, values in after.items():
        if name in before:
            ctx.judged()
        if name in before and values != before[name]:
            ctx.fail(
                f"{what}: the {name} section's reindex state moved from {before[name]} to {values}",
                "no reindex started by a refused request",
            )


@check("REINDEX-AUTH", any_edition=True, sharing="parallel")
def refuses_missing_or_invalid_token(ctx: CheckContext) -> None:
    """No token, an invalid token, an invalid Bearer token: each is refused with 403."""
    ctx.expect_token_required(REINDEX)


@check("REINDEX-SUDO", needs=("non_sudo",), any_edition=True, sharing="parallel")
def refuses_token_without_sudo(ctx: CheckContext) -> None:
    """A token with update but no sudo is refused with 403, in X-Vault-Token and as Bearer,
    with POST and with PUT."""
    for method in ("POST", "PUT"):
        for credential, how in (
            (ctx.non_sudo, "X-Vault-Token"),
            (ctx.non_sudo.as_bearer(), "Bearer"),
        ):
            exchange = ctx.send(
                method, REINDEX, f"{method} with a non-sudo token in {how}", credential=credential
            )
            ctx.expect_denied(exchange)


@check("REINDEX-SUDO-PATH-VARIANTS", needs=("non_sudo",), any_edition=True, sharing="alone")
def path_variants_never_skip_sudo(ctx: CheckContext) -> None:
    """No spelling of the reindex path reaches the handler for a token without sudo: each is
    answered 4xx (or a redirect that is not followed) and no reindex starts."""
    from replcheck.conformance.judging import contract

    before = {} if ctx.planning else _reindex_epochs(ctx)
    requests = [
        Request(
            "POST",
            contract.api_prefix() + variant,
            f"{label} with a non-sudo token in {how}",
            credential,
        )
        for label, variant in PATH_VARIANTS
        for credential, how in (
            (ctx.non_sudo, "X-Vault-Token"),
            (ctx.non_sudo.as_bearer(), "Bearer"),
        )
    ]
    for exchange in send_all(ctx, requests):
        status = exchange.status
        if status is not None:
            ctx.judged()
        # Go's ServeMux answers a non-clean path with a 301 to the clean one, which never
        # reaches a handler; anything 2xx did reach one.
        if status is not None and not (300 <= status < 500):
            ctx.fail(
                f"{exchange.purpose}: answered {status}",
                "a 4xx refusal (or a redirect), never the handler's answer",
                exchange,
            )
    _expect_no_reindex(ctx, before, "after the path variants")


@check("REINDEX-SUCCESS", needs=("sudo",), asks=REINDEX_WRITE)
def succeeds_with_sudo_token(ctx: CheckContext) -> None:
    """A sudo token and no body (or ``{}``) start a reindex: 200 with the envelope, or 204."""
    ctx.expect_success(
        send_when_idle(ctx, "POST", REINDEX, "sudo token, no body", credential=ctx.sudo)
    )
    ctx.expect_success(
        send_when_idle(
            ctx,
            "POST", REINDEX, "sudo token, empty object", credential=ctx.sudo, json={}
        )
    )


@check("REINDEX-PUT", needs=("sudo",), asks=REINDEX_WRITE)
def put_behaves_as_post(ctx: CheckContext) -> None:
    """PUT is the same update operation as POST: it succeeds with a sudo token."""
    ctx.expect_success(
        send_when_idle(ctx, "PUT", REINDEX, "PUT with a sudo token", credential=ctx.sudo)
    )


@check("REINDEX-BOOLEAN-FORMS", needs=("sudo",), asks=REINDEX_WRITE)
def every_boolean_form_is_accepted(ctx: CheckContext) -> None:
    """Each lenient boolean form is accepted for diff, force and skip_flush (one request per
    form, all three flags set to it: bounded at one reindex per form)."""
    for form in BOOLEAN_FORMS:
        body = dict.fromkeys(FLAGS, form)
        exchange = send_when_idle(
            ctx,
            "POST", REINDEX, f"every flag = {json.dumps(form)}", credential=ctx.sudo, json=body
        )
        ctx.expect_success(exchange)


@check("REINDEX-INVALID-PARAMETERS", needs=("sudo",), asks=REINDEX_WRITE, sharing="alone")
def invalid_values_are_400(ctx: CheckContext) -> None:
    """Every flag value outside the boolean forms, in every flag, is answered 400 and starts
    no reindex (a conformant target refuses each one, so none changes its state)."""
    before = {} if ctx.planning else _reindex_epochs(ctx)
    requests = [
        Request("POST", REINDEX, f"{flag} = {json.dumps(value)}", ctx.sudo, {flag: value})
        for flag in FLAGS
        for value in INVALID_VALUES
    ]
    for exchange in send_all(ctx, requests):
        ctx.expect_status(exchange, {400}, "400 Field validation failed")
    _expect_no_reindex(ctx, before, "after the invalid values")


@check("REINDEX-UNKNOWN-PARAMETERS", needs=("sudo",), asks=REINDEX_WRITE)
def unknown_parameters_are_ignored(ctx: CheckContext) -> None:
    """An unknown member is ignored: the request succeeds, with a warning naming it if 200."""
    exchange = send_when_idle(
        ctx,
        "POST",
        REINDEX,
        "an unknown body member",
        credential=ctx.sudo,
        json={UNKNOWN_PARAMETER: True},
    )
    if not ctx.expect_success(exchange) or exchange.status != 200:
        return
    body = exchange.json()
    warnings = body.get("warnings") if isinstance(body, dict) else None
    if not any(UNKNOWN_PARAMETER in str(w) for w in warnings or ()):
        ctx.fail(
            f"{exchange.purpose}: 200 without a warning naming {UNKNOWN_PARAMETER}",
            "a warning 'Endpoint ignored these unrecognized parameters: [...]'",
            exchange,
        )


@check("REINDEX-NON-JSON-BODY", needs=("sudo",), asks=REINDEX_WRITE, sharing="parallel")
def non_json_bodies_are_400(ctx: CheckContext) -> None:
    """A body that is not a JSON object is answered 400."""
    for label, body in NON_JSON_BODIES:
        exchange = ctx.send(
            "POST",
            REINDEX,
            f"body is {label}",
            credential=ctx.sudo,
            content=body,
            headers={"Content-Type": "application/json"},
        )
        ctx.expect_status(exchange, {400}, "400 error parsing JSON")


@check("REINDEX-METHODS", needs=("sudo",), asks=REINDEX_OTHER_METHODS, sharing="parallel")
def other_methods_are_405(ctx: CheckContext) -> None:
    """Methods other than POST and PUT on reindex, with a sudo token, get Vault's refusals: 405 for
    GET, DELETE, HEAD and unknown methods; 404 or 405 for LIST; 400/415/405 for PATCH; 400 or 405
    for OPTIONS."""
    ctx.expect_other_methods_refused(REINDEX)

"""POST /sys/replication/recover: needs a token with update; POST and PUT alike; no other method."""

from __future__ import annotations

from replcheck.conformance.checks.context import RECOVER, RECOVER_OTHER_METHODS, CheckContext
from replcheck.conformance.checks.registry import check


@check("RECOVER-AUTH", any_edition=True, sharing="parallel")
def refuses_missing_or_invalid_token(ctx: CheckContext) -> None:
    """No token, an invalid token, an invalid Bearer token: each is refused with 403."""
    ctx.expect_token_required(RECOVER)


@check("RECOVER-CAPABILITY", needs=("no_update",), any_edition=True, sharing="parallel")
def refuses_token_without_update(ctx: CheckContext) -> None:
    """A valid token without update on sys/replication/recover is refused with 403."""
    for credential, how in (
        (ctx.no_update, "X-Vault-Token"),
        (ctx.no_update.as_bearer(), "Bearer"),
    ):
        exchange = ctx.send(
            "POST", RECOVER, f"token without update in {how}", credential=credential
        )
        ctx.expect_denied(exchange)


@check("RECOVER-SUCCESS", needs=("non_sudo",))
def succeeds_with_update_token(ctx: CheckContext) -> None:
    """A token with update (no sudo needed) recovers: 200 with the envelope, or 204."""
    ctx.expect_success(ctx.send("POST", RECOVER, "token with update", credential=ctx.non_sudo))


@check("RECOVER-PUT", needs=("non_sudo",))
def put_behaves_as_post(ctx: CheckContext) -> None:
    """PUT is the same update operation as POST: it succeeds with the same token."""
    ctx.expect_success(
        ctx.send("PUT", RECOVER, "PUT with a token with update", credential=ctx.non_sudo)
    )


@check("RECOVER-METHODS", needs=("sudo",), asks=RECOVER_OTHER_METHODS, sharing="parallel")
def other_methods_are_405(ctx: CheckContext) -> None:
    """Methods other than POST and PUT on recover, with a sudo token, get Vault's refusals: 405 for
    GET, DELETE, HEAD and unknown methods; 404 or 405 for LIST; 400/415/405 for PATCH; 400 or 405
    for OPTIONS."""
    ctx.expect_other_methods_refused(RECOVER)

"""What a DR secondary must do with the requests it does not serve.

A DR secondary replicates everything from its primary, tokens included, but serves no client:
Vault answers every request outside a short list (status reads, health, seal status, leader,
the DR operation-token endpoints) with 400 "path disabled in replication DR secondary mode".
Judged only when the status read at the start of the run showed a DR secondary; on any other
cluster the rule does not apply: the check is *not run*, which ``--strict`` does not count.
"""

from __future__ import annotations

from replcheck.conformance.checks.context import CheckContext
from replcheck.conformance.checks.registry import check

#: The error Vault gives on a DR secondary (a substring of the errors text: Vault may wrap it).
PATH_DISABLED = "path disabled in replication DR secondary mode"

#: Reads no DR secondary serves, harmless on any cluster: a token looking itself up, the mounts.
REFUSED_READS = ("auth/token/lookup-self", "sys/mounts")


@check("DR-SECONDARY-REFUSES", any_edition=True, sharing="parallel", on_dr_secondary=True)
def refuses_what_it_does_not_serve(ctx: CheckContext) -> None:
    """Reads a DR secondary does not serve, sent with the --token (without one when none is
    given: a DR secondary refuses before it looks at tokens), are answered 400 "path disabled
    in replication DR secondary mode"."""
    if not ctx.state.dr_secondary and not ctx.planning:
        ctx.not_applicable(
            "the target is not a DR secondary (the status read at the start of the run showed "
            "no dr section in mode secondary); the rule applies to DR secondaries only"
        )
        return
    for path in REFUSED_READS:
        exchange = ctx.send(
            "GET", f"/v1/{path}", "a read a DR secondary does not serve",
            credential=ctx.state.sudo,
        )
        if not ctx.expect_status(exchange, {400}, f"400 {PATH_DISABLED!r}"):
            continue
        if exchange.response is not None and PATH_DISABLED not in exchange.errors_text():
            ctx.fail(
                f"GET {path} on a DR secondary was refused with 400, but the error does not "
                f"say {PATH_DISABLED!r}",
                f"400 {PATH_DISABLED!r}",
                exchange,
            )

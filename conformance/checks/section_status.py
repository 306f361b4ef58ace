"""GET /sys/replication/dr/status and /performance/status: unauthenticated, and each the section
of sys/replication/status it names.

Each family's status endpoint answers one cluster section of ``sys/replication/status``, flat
under ``data``. Its body's schema (``section-status-response.json``, whose ``data`` is
``cluster-section.json``) is judged on every answer by the SCHEMA-RESPONSES judge, as every
documented answer is, so that one malformed body fails one requirement; these checks judge what a
schema cannot: that no token is needed, and that the section is the one the full status reports.
"""

from __future__ import annotations

from replcheck.conformance.checks.context import CheckContext
from replcheck.conformance.checks.registry import check
from replcheck.conformance.checks.watch import sections
from replcheck.conformance.judging import contract
from replcheck.conformance.transport.exchange import Exchange

#: Each family's status endpoint, by the name of its section in sys/replication/status.
SECTION_STATUS = {
    "dr": contract.api_prefix() + "/sys/replication/dr/status",
    "performance": contract.api_prefix() + "/sys/replication/performance/status",
}
#: Members only an operator's action changes; WAL counters, merkle roots and heartbeats move on
#: their own between two reads, so they are not compared.
STABLE_MEMBERS = ("mode", "cluster_id", "primary_cluster_addr", "secondary_id")


def _answers_without_token(ctx: CheckContext, section: str) -> None:
    path = SECTION_STATUS[section]
    untokened = ctx.send("GET", path, "no token")
    ctx.expect_status(untokened, {200}, f"200: {section}/status is unauthenticated")
    for credential, how in ((ctx.invalid, "X-Vault-Token"), (ctx.invalid.as_bearer(), "Bearer")):
        exchange = ctx.send("GET", path, f"invalid token in {how}", credential=credential)
        ctx.expect_status(exchange, {200}, f"200: a token sent to {section}/status is ignored")


def _section_of(ctx: CheckContext, exchange: Exchange, section: str) -> dict[str, object] | None:
    found = dict(sections(exchange)).get(section)
    if found is None and exchange.response is not None:
        ctx.nothing_to_judge(
            f"sys/replication/status answered {exchange.status} without a {section} section"
        )
    return found


def _matches_the_status(ctx: CheckContext, section: str) -> None:
    """Read the full status, the section alone, and the full status again: when the two full
    reads agree on the stable members (nothing changed the configuration meanwhile), the
    section alone must say the same."""
    before = ctx.read_status(f"the full status, before {section}/status")
    flat = ctx.send("GET", SECTION_STATUS[section], f"{section}/status between two full reads")
    after = ctx.read_status(f"the full status, after {section}/status")
    expected, again = _section_of(ctx, before, section), _section_of(ctx, after, section)
    if expected is None or again is None:
        return
    stable = [m for m in STABLE_MEMBERS if expected.get(m) == again.get(m)]
    if not stable:
        ctx.nothing_to_judge("the replication configuration changed between the reads")
        return
    alone = flat.data() if flat.status == 200 else None
    if not isinstance(alone, dict):
        # Another status, or no section object: the unauthenticated and schema requirements'.
        ctx.nothing_to_judge(f"{section}/status answered no section to compare")
        return
    ctx.judged()
    for member in stable:
        if alone.get(member) != expected.get(member):
            ctx.fail(
                f"$.data.{member} is {alone.get(member)!r}, where the {section} section of "
                f"sys/replication/status says {expected.get(member)!r}",
                f"the {section} section of sys/replication/status",
                flat,
                (f"$.data.{member}",),
            )


@check("DR-STATUS-UNAUTHENTICATED", sharing="parallel")
def dr_status_needs_no_token(ctx: CheckContext) -> None:
    """GET dr/status with no token, and with an invalid token (X-Vault-Token, Bearer), is 200."""
    _answers_without_token(ctx, "dr")


@check("DR-STATUS-MATCHES-STATUS", sharing="parallel")
def dr_status_is_the_dr_section(ctx: CheckContext) -> None:
    """GET dr/status reports the dr section of sys/replication/status: the same mode,
    cluster_id, primary_cluster_addr and secondary_id, read between two full status reads."""
    _matches_the_status(ctx, "dr")


@check("PERFORMANCE-STATUS-UNAUTHENTICATED", sharing="parallel")
def performance_status_needs_no_token(ctx: CheckContext) -> None:
    """GET performance/status with no token, and with an invalid token, is 200."""
    _answers_without_token(ctx, "performance")


@check("PERFORMANCE-STATUS-MATCHES-STATUS", sharing="parallel")
def performance_status_is_the_performance_section(ctx: CheckContext) -> None:
    """GET performance/status reports the performance section of sys/replication/status (the
    stable members), read between two full status reads."""
    _matches_the_status(ctx, "performance")

"""Which Vault edition answers: the replication API exists on Enterprise only.

``detect`` classifies the first status answer of a run. Community Edition answers a flat
``{"mode": "disabled"}`` (no ``dr``/``performance`` sections); then every replication
requirement is *unsupported*, while the conventions every Vault keeps are still judged.
"""

from __future__ import annotations

import enum

from conformance.checks.context import CheckContext
from conformance.checks.registry import check
from conformance.exchange import Exchange

COMMUNITY_REASON = (
    'the target is Vault Community Edition (status answers a flat {"mode": "disabled"}): '
    "replication is a Vault Enterprise feature and is not available there"
)


class Edition(enum.StrEnum):
    ENTERPRISE = "enterprise"
    COMMUNITY = "community"
    UNKNOWN = "unknown"


def detect(status: Exchange) -> Edition:
    data = status.data()
    if status.status != 200 or data is None:
        return Edition.UNKNOWN
    if "dr" in data or "performance" in data:
        return Edition.ENTERPRISE
    if data.get("mode") == "disabled":
        return Edition.COMMUNITY
    return Edition.UNKNOWN


@check("EDITION-ENTERPRISE")
def reports_enterprise_sections(ctx: CheckContext) -> None:
    """The status data carries a dr and a performance section."""
    exchange = ctx.read_status()
    if exchange.response is None:
        return
    data = exchange.data()
    missing = [
        name for name in ("dr", "performance") if not isinstance((data or {}).get(name), dict)
    ]
    if missing:
        ctx.fail(
            f"the status data lacks the {' and '.join(missing)} section(s)",
            "data.dr and data.performance (the Enterprise status shape)",
            exchange,
        )

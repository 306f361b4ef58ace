"""Which Vault edition answers: the replication API exists on Enterprise only.

``detect`` classifies the first status answer of a run:
- Community Edition answers a flat ``{"mode": "disabled"}`` (no ``dr``/``performance``
  sections); every replication requirement is then *unsupported*, while the conventions every
  Vault keeps are still judged;
- a target answering 404 on the status (OpenBao, which removed replication, or any build without
  it) has no replication API at all: every check is *unsupported* and nothing more is sent
  (no token is provisioned on a server the run will not judge).
Both give the verdict UNSUPPORTED (exit 1: a gate must not pass on a target without the API),
with zero failed requirements and one sentence saying what was observed.
"""

from __future__ import annotations

import enum
from urllib.parse import urlsplit

from replcheck.conformance.checks.context import CheckContext
from replcheck.conformance.checks.registry import check
from replcheck.conformance.transport.exchange import Exchange
from replcheck.spec import domains

#: The one mode Community Edition's flat status reports.
(_DISABLED,) = domains.enum("status-response.json#/$defs/community/properties/mode")

COMMUNITY_REASON = (
    'the target is Vault Community Edition (status answers a flat {"mode": "disabled"}): '
    "replication is a Vault Enterprise feature and is not available there"
)


class Edition(enum.StrEnum):
    ENTERPRISE = "enterprise"
    COMMUNITY = "community"
    #: No replication API at all: the status path is unknown to the target (404).
    ABSENT = "replication API absent"
    UNKNOWN = "unknown"

    @property
    def unsupported(self) -> bool:
        """True when the target has no replication to judge."""
        return self in (Edition.COMMUNITY, Edition.ABSENT)


def detect(status: Exchange) -> Edition:
    if status.status == 404:
        return Edition.ABSENT
    data = status.data()
    if status.status != 200 or data is None:
        return Edition.UNKNOWN
    if any(name in data for name in domains.sections()):
        return Edition.ENTERPRISE
    if data.get("mode") == _DISABLED:
        return Edition.COMMUNITY
    return Edition.UNKNOWN


def observed(edition: Edition, status: Exchange) -> str:
    """One sentence saying what the status answer showed, for an unsupported edition."""
    if edition is Edition.COMMUNITY:
        return COMMUNITY_REASON
    if edition is Edition.ABSENT:
        errors = " ".join(status.errors_text().split())
        said = f" ({errors[:120]})" if errors else ""
        path = urlsplit(status.request.url).path
        return (
            f"GET {path} answered 404{said}: the target has no replication API (e.g. OpenBao, "
            "or a Vault build without Enterprise replication)"
        )
    return ""


@check("EDITION-ENTERPRISE", sharing="parallel", on_dr_secondary=True)
def reports_enterprise_sections(ctx: CheckContext) -> None:
    """The status data carries a dr and a performance section."""
    exchange = ctx.read_status()
    if exchange.response is None:
        return
    if exchange.status != 200:
        ctx.nothing_to_judge(f"status answered {exchange.status}, not a status body")
        return
    ctx.judged()
    data = exchange.data()
    missing = [
        name for name in domains.sections() if not isinstance((data or {}).get(name), dict)
    ]
    if missing:
        ctx.fail(
            f"the status data lacks the {' and '.join(missing)} section(s)",
            "data.dr and data.performance (the Enterprise status shape)",
            exchange,
        )

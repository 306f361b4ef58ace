"""Synthetic topology runs for the report tests: the named sets (``dr-pair``, ``perf-pair``,
``six-cluster``) judged healthy, with one failing link, with a cluster that could not be read,
and with an orphan secondary nobody pairs with. Built from real requirement ids, as a topology
judgement names its results (per link by the link's label, per set ``set``), so the renderers
see what a topology run gives them."""

from __future__ import annotations

from replcheck.conformance.checks.edition import Edition
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.engine.topology_view import (
    ClusterView,
    Health,
    LinkView,
    TimelineEntry,
    TopologyView,
)
from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome, per_requirement

#: What each link is judged on here (a real run judges every TOPOLOGY-* id of scope link).
LINK_IDS = ("TOPOLOGY-SHARED-CLUSTER-ID", "TOPOLOGY-SECONDARY-KNOWN", "TOPOLOGY-HEALTHY-STATES")
SET_ID = "TOPOLOGY-ONE-PRIMARY"
#: The id a failing link fails on.
FAILED_ID = "TOPOLOGY-SHARED-CLUSTER-ID"
#: (mode, primary, secondary) of each named set, clusters in the set's order.
SETS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {
    "dr-pair": (("primary", "secondary"), (("dr", "primary", "secondary"),)),
    "perf-pair": (("primary", "secondary"), (("performance", "primary", "secondary"),)),
    "six-cluster": (
        ("A", "B", "C", "D", "E", "F"),
        (
            ("dr", "A", "B"),
            ("performance", "A", "C"),
            ("performance", "A", "E"),
            ("dr", "C", "D"),
            ("dr", "E", "F"),
        ),
    ),
}
#: The first read of every timeline (2026-12-04T19:00:00Z); reads are 2 s apart.
T0 = 1796410800.0
ORPHAN = "G"
#: As ``pairing.Unpaired`` says it.
ORPHAN_SENTENCE = (
    "G (dr, orphan-secondary): its primary's cluster id 5c3a... is no primary's in the set"
)
UNREAD = "connection refused at http://127.0.0.1:8205"


def label(mode: str, primary: str, secondary: str) -> str:
    return f"{mode}: {primary} -> {secondary}"


def _timeline(healthy: bool) -> tuple[TimelineEntry, ...]:
    states = [("merkle-sync", "connected"), ("stream-wals", "connected")]
    states.append(("stream-wals", "connected") if healthy else ("idle", "transient_failure"))
    return tuple((T0 + 2 * n, state, connection) for n, (state, connection) in enumerate(states))


def topology_run(
    name: str,
    *,
    failing: tuple[str, str, str] | None = None,
    unread: str | None = None,
    orphan: bool = False,
) -> RunResult:
    """A topology run of the named set; ``failing`` fails FAILED_ID (and the healthy states)
    on that link; ``unread`` is a cluster that could not be read (its links not judged);
    ``orphan`` adds a DR secondary whose primary is not in the set."""
    names, links = SETS[name]
    checks: list[CheckResult] = []
    views: list[LinkView] = []
    for mode, primary, secondary in links:
        tag = label(mode, primary, secondary)
        failed: tuple[str, ...] = ()
        health: Health = "healthy"
        if unread in (primary, secondary):
            reason = f"{unread} could not be read: {UNREAD}"
            checks += [CheckResult(rid, tag, Outcome.NOT_RUN, reason) for rid in LINK_IDS]
            views.append(LinkView(tag, mode, primary, secondary, "unjudged", (), ()))
            continue
        if (mode, primary, secondary) == failing:
            failed, health = (FAILED_ID, "TOPOLOGY-HEALTHY-STATES"), "failing"
        for rid in LINK_IDS:
            findings = [
                Finding(
                    rid,
                    f"{tag}: {secondary}'s {mode} section does not hold {primary}'s "
                    f"({rid.lower()})",
                    f"what {rid} asks of {tag}",
                    source=tag,
                )
            ] if rid in failed else []
            checks.append(
                CheckResult(
                    rid, tag, Outcome.FAILED if findings else Outcome.PASSED,
                    findings=findings, judged=1,
                )
            )
        views.append(
            LinkView(tag, mode, primary, secondary, health, failed, _timeline(not failed))
        )
    checks.append(CheckResult(SET_ID, "set", Outcome.PASSED, judged=1))
    clusters = [
        ClusterView(
            cluster,
            f"http://127.0.0.1:{8200 + n}",
            _roles(cluster, links),
            None if cluster == unread else "1.17.3+ent",
            UNREAD if cluster == unread else None,
        )
        for n, cluster in enumerate(names)
    ]
    unpaired: tuple[str, ...] = ()
    if orphan:
        clusters.append(
            ClusterView(ORPHAN, "http://127.0.0.1:8299", {"dr": "secondary",
                        "performance": "disabled"}, "1.17.3+ent", None)
        )
        unpaired = (ORPHAN_SENTENCE,)
    view = TopologyView(tuple(clusters), tuple(views), unpaired)
    return RunResult(
        target=f"topology {name}",
        target_url=clusters[0].url or "",
        settings={},
        seed=7,
        profile="safe",
        plan=False,
        edition=Edition.ENTERPRISE,
        results=per_requirement(checks),
        checks=checks,
        exchanges=[],
        started_at="2026-12-04T19:00:00Z",
        duration_s=4.2,
        target_kind=f"embedded reference topology '{name}'",
        topology=view,
    )


def _roles(cluster: str, links: tuple[tuple[str, str, str], ...]) -> dict[str, str]:
    roles = {"dr": "disabled", "performance": "disabled"}
    for mode, primary, secondary in links:
        if cluster == primary:
            roles[mode] = "primary"
        elif cluster == secondary:
            roles[mode] = "secondary"
    return roles

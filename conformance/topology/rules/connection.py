"""Whether both sides of a link see it alike: connection, heartbeats, clock skew, canary.

No official heartbeat interval or alert threshold is published (docs/replication-facts.md,
fact 16): every bound is a ``TopologySettings`` field.
"""

from __future__ import annotations

from typing import Any

from replcheck.conformance.topology.pairing import Link
from replcheck.conformance.topology.relations import RelationContext, relation
from replcheck.conformance.topology.rules.fields import (
    PRE_LISTS,
    as_number,
    as_time,
    lists_peers,
    path,
    primary_peer,
    secondary_peer,
)
from replcheck.conformance.topology.snapshot import ClusterRead

#: (cluster, what, peer entry, json path) for each side that lists the other.
Side = tuple[str, str, dict[str, Any], str]


def _sides(link: Link, primary: ClusterRead, secondary: ClusterRead) -> list[Side]:
    sides: list[Side] = []
    upstream = primary_peer(secondary, link.mode)
    if upstream is not None:
        sides.append((link.secondary, "primaries[0]", upstream,
                      path(link.mode, "primaries", 0)))
    downstream = secondary_peer(primary, link)
    if downstream is not None:
        index, entry = downstream
        sides.append((link.primary, f"secondaries[{index}]", entry,
                      path(link.mode, "secondaries", index)))
    return sides


def _connected(sides: list[Side]) -> bool:
    return len(sides) == 2 and all(s[2].get("connection_status") == "connected" for s in sides)


@relation("TOPOLOGY-CONNECTION-AGREES", over="link")
def connection_agrees(ctx: RelationContext, link: Link, primary: ClusterRead,
                      secondary: ClusterRead) -> None:
    if not lists_peers(primary, secondary, link.mode):
        ctx.not_applicable(PRE_LISTS)
        return
    sides = _sides(link, primary, secondary)
    if not sides:
        ctx.nothing_to_judge("neither side lists the other: no connection_status to compare")
        return
    if len(sides) == 1:
        cluster, what, entry, json_path = sides[0]
        if cluster == link.secondary and entry.get("connection_status") == "connected":
            ctx.nothing_to_judge(f"{link.primary} lists no secondary of node_id "
                                 f"{link.secondary_id!r}: its side cannot be compared "
                                 "(TOPOLOGY-PEER-IDS judges the missing entry)")
        elif entry.get("connection_status") == "connected":
            other = link.primary if cluster == link.secondary else link.secondary
            ctx.fail(f"its {what}.connection_status is 'connected', but {other} does not list "
                     "it", "the same connection_status on both sides", cluster=cluster,
                     json_path=f"{json_path}.connection_status")
        else:
            ctx.judged()
        return
    (c1, w1, e1, p1), (c2, w2, e2, _) = sides
    s1, s2 = e1.get("connection_status"), e2.get("connection_status")
    if s1 == s2:
        ctx.judged()
        return
    ctx.fail(f"its {w1}.connection_status is {s1!r}, {c2}'s {w2}.connection_status is {s2!r}",
             "the same connection_status on both sides", cluster=c1,
             json_path=f"{p1}.connection_status")


@relation("TOPOLOGY-HEARTBEAT-AGE", over="link")
def heartbeat_age(ctx: RelationContext, link: Link, primary: ClusterRead,
                  secondary: ClusterRead) -> None:
    if not lists_peers(primary, secondary, link.mode):
        ctx.not_applicable(PRE_LISTS)
        return
    sides = _sides(link, primary, secondary)
    if not _connected(sides):
        ctx.not_applicable("the link is not connected on both sides: its heartbeats stopped "
                           "by design (TOPOLOGY-CONNECTION-AGREES and HEALTHY-STATES judge it)")
        return
    bound = ctx.settings.heartbeat_max_age_s
    reads = {link.primary: primary, link.secondary: secondary}
    times: list[float] = []
    for cluster, what, entry, json_path in sides:
        beat = as_time(entry.get("last_heartbeat"))
        if beat is None:
            ctx.fail(f"its {what}.last_heartbeat {entry.get('last_heartbeat')!r} is no RFC 3339 "
                     "time", "an RFC 3339 last_heartbeat", cluster=cluster,
                     json_path=f"{json_path}.last_heartbeat")
            continue
        times.append(beat)
        read = reads[cluster]
        if not read.read_time_known:
            continue
        age = read.read_at - beat
        if -bound <= age <= bound:
            ctx.judged()
        else:
            ctx.fail(f"its {what}.last_heartbeat is {age:.0f} s "
                     f"{'old' if age > 0 else 'in the future'} at the read",
                     f"within {bound:g} s of the read (heartbeat_max_age_s)", cluster=cluster,
                     json_path=f"{json_path}.last_heartbeat")
    if not all(reads[c].read_time_known for c, *_ in sides):
        ctx.note("a snapshot without its read time: heartbeat ages not judged, only the two "
                 "sides compared")
    if len(times) == 2:
        apart = abs(times[0] - times[1])
        if apart <= ctx.settings.heartbeat_agree_s:
            ctx.judged()
        else:
            ctx.fail(f"the two sides' last_heartbeat are {apart:.0f} s apart",
                     f"within {ctx.settings.heartbeat_agree_s:g} s (heartbeat_agree_s)",
                     cluster=sides[0][0], json_path=f"{sides[0][3]}.last_heartbeat")


def _both(ctx: RelationContext, link: Link, primary: ClusterRead, secondary: ClusterRead,
          member: str) -> list[tuple[Side, float]] | None:
    """Each side's numeric ``member``, or None (with the reason given) when not comparable."""
    if not lists_peers(primary, secondary, link.mode):
        ctx.not_applicable(PRE_LISTS)
        return None
    sides = _sides(link, primary, secondary)
    if not _connected(sides):
        ctx.not_applicable(f"the link is not connected on both sides: {member} is not current")
        return None
    found = [(side, as_number(side[2].get(member))) for side in sides]
    if all(value is None and member not in side[2] for side, value in found):
        ctx.not_applicable(f"neither side shows {member} (Vault before 1.17)")
        return None
    values: list[tuple[Side, float]] = []
    for side, value in found:
        if value is None:
            ctx.fail(f"its {side[1]}.{member} {side[2].get(member)!r} is no number of "
                     "milliseconds", f"{member} as a decimal string", cluster=side[0],
                     json_path=f"{side[3]}.{member}")
        else:
            values.append((side, value))
    return values


@relation("TOPOLOGY-CLOCK-SKEW", over="link")
def clock_skew(ctx: RelationContext, link: Link, primary: ClusterRead,
               secondary: ClusterRead) -> None:
    values = _both(ctx, link, primary, secondary, "clock_skew_ms")
    if values is None:
        return
    bound = ctx.settings.clock_skew_max_ms
    for side, skew in values:
        if abs(skew) <= bound:
            ctx.judged()
        else:
            ctx.fail(f"its {side[1]}.clock_skew_ms is {skew:.0f}",
                     f"|clock_skew_ms| <= {bound:g} (clock_skew_max_ms)", cluster=side[0],
                     json_path=f"{side[3]}.clock_skew_ms")
    if len(values) == 2:
        slack = ctx.settings.clock_skew_agree_ms + max(
            as_number(side[2].get("last_heartbeat_duration_ms")) or 0.0 for side, _ in values)
        apart = abs(values[0][1] - values[1][1])
        if apart <= slack:
            ctx.judged()
        else:
            ctx.fail(f"the two sides' clock_skew_ms differ by {apart:.0f} ms",
                     f"within {slack:g} ms (clock_skew_agree_ms plus the heartbeat duration)",
                     cluster=values[0][0][0], json_path=f"{values[0][0][3]}.clock_skew_ms")


@relation("TOPOLOGY-CANARY-AGE", over="link")
def canary_age(ctx: RelationContext, link: Link, primary: ClusterRead,
               secondary: ClusterRead) -> None:
    values = _both(ctx, link, primary, secondary, "replication_primary_canary_age_ms")
    if values is None:
        return
    bound = ctx.settings.canary_max_age_ms
    for side, age in values:
        if 0 <= age <= bound:
            ctx.judged()
        else:
            ctx.fail(f"its {side[1]}.replication_primary_canary_age_ms is {age:.0f}",
                     f"0 to {bound:g} ms (canary_max_age_ms)", cluster=side[0],
                     json_path=f"{side[3]}.replication_primary_canary_age_ms")

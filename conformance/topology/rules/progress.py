"""How far each secondary got: the WAL bound and the merkle roots.

The WAL bound (docs/replication-facts.md, fact 14; docs/topology-gate.md):
``S.last_remote_wal`` counts in the primary's index, so read secondary first, then primary:
``S.last_remote_wal <= P.last_performance_wal`` (performance) or ``P.last_dr_wal`` (DR), else
``P.last_wal`` where those are absent. Zero is allowed (a fresh set until the primary writes).
After a promotion or an ``update-primary`` the two counters are unrelated, so the bound is not
applied when the status shows one:

- the secondary's stream did not come from this primary: ``primaries[0].cluster_address``
  names another host than the primary's ``sys/leader`` cluster address;
- the primary's section still carries a ``last_remote_wal`` (a promoted secondary's counter,
  our reading: a primary that never was a secondary has none);
- the stream (re)started after the primary's last reindex or promotion cannot be told from the
  status alone, so a run that drove a failover names the clusters it repointed in
  ``TopologySettings.after_failover``.
"""

from __future__ import annotations

from replcheck.conformance.topology.pairing import Link
from replcheck.conformance.topology.relations import RelationContext, relation
from replcheck.conformance.topology.rules.fields import (
    as_number,
    host,
    path,
    primary_peer,
    section,
)
from replcheck.conformance.topology.snapshot import ClusterRead, Mode

#: The primary's member per mode that counts what it shipped to that mode's secondaries.
SHIPPED = {"dr": "last_dr_wal", "performance": "last_performance_wal"}


def primary_wal(primary: ClusterRead, mode: Mode) -> tuple[str, float] | None:
    """The primary's WAL index the secondary's ``last_remote_wal`` is bounded by, and the
    member it came from."""
    own = section(primary, mode)
    for member in (SHIPPED[mode], "last_wal"):
        value = as_number(own.get(member))
        if value is not None:
            return member, value
    return None


def _failover_sign(link: Link, primary: ClusterRead, secondary: ClusterRead,
                   after_failover: frozenset[str]) -> str | None:
    if link.secondary in after_failover or link.primary in after_failover:
        return "the run repointed the link (a failover or update-primary)"
    if "last_remote_wal" in section(primary, link.mode):
        return (f"{link.primary} still shows a last_remote_wal in its {link.mode} section "
                "(a promoted secondary)")
    leader = (primary.leader or {}).get("leader_cluster_address")
    upstream = primary_peer(secondary, link.mode)
    if leader and upstream and upstream.get("cluster_address") and \
            host(upstream.get("cluster_address")) != host(leader):
        return (f"{link.secondary} streams from {upstream.get('cluster_address')}, not from "
                f"{link.primary}'s leader {leader}")
    return None


@relation("TOPOLOGY-WAL-BOUND", over="link")
def wal_bound(ctx: RelationContext, link: Link, primary: ClusterRead,
              secondary: ClusterRead) -> None:
    own = section(secondary, link.mode)
    if own.get("state") == "idle" or "last_remote_wal" not in own:
        ctx.not_applicable(f"{link.secondary} is idle (no last_remote_wal): no WAL bound")
        return
    sign = _failover_sign(link, primary, secondary, ctx.settings.after_failover)
    if sign:
        ctx.not_applicable(f"the WAL counters are unrelated after a failover: {sign}")
        return
    order = ctx.read_before(link.secondary, link.primary)
    if not order:
        ctx.nothing_to_judge(f"{link.primary} was read before {link.secondary}: its WAL may "
                             "have moved since, so the bound cannot be judged (read "
                             "secondaries first)")
        return
    remote = as_number(own.get("last_remote_wal"))
    bound = primary_wal(primary, link.mode)
    if remote is None or bound is None:
        ctx.nothing_to_judge(f"no numeric last_remote_wal on {link.secondary} or WAL index on "
                             f"{link.primary}")
        return
    member, value = bound
    if remote == 0:
        ctx.note(f"{link.secondary}'s last_remote_wal is 0: normal right after the set-up, "
                 "until the primary writes")
        ctx.judged()
        return
    if remote <= value:
        ctx.judged()
        return
    ctx.fail(f"its last_remote_wal {remote:.0f} is ahead of {link.primary}'s {member} "
             f"{value:.0f}, read after it",
             f"last_remote_wal <= the primary's {member} ({value:.0f})",
             cluster=link.secondary, json_path=path(link.mode, "last_remote_wal"))


@relation("TOPOLOGY-MERKLE-CONVERGE", over="link", converges=True)
def merkle_converge(ctx: RelationContext, link: Link, primary: ClusterRead,
                    secondary: ClusterRead) -> None:
    own = section(secondary, link.mode)
    if own.get("state") != "stream-wals":
        ctx.nothing_to_judge(f"{link.secondary} is {own.get('state')!r}, not streaming: its "
                             "root meets the primary's once it streams and catches up")
        return
    remote = as_number(own.get("last_remote_wal"))
    bound = primary_wal(primary, link.mode)
    if remote is None or bound is None:
        ctx.nothing_to_judge("no WAL indexes to tell whether the secondary caught up")
        return
    mine, theirs = section(primary, link.mode).get("merkle_root"), own.get("merkle_root")
    if remote == 0 and mine and mine == theirs:
        ctx.note(f"{link.secondary}'s last_remote_wal is 0: bootstrapped by the merkle sync, "
                 "with no write since")
        ctx.judged()
        return
    if remote == 0:
        ctx.nothing_to_judge(f"{link.secondary}'s last_remote_wal is 0 and its root is not "
                             f"{link.primary}'s: no write has streamed since the bootstrap yet")
        return
    if remote != bound[1]:
        ctx.nothing_to_judge(f"{link.secondary} is not caught up (last_remote_wal "
                             f"{remote:.0f}, {link.primary}'s {bound[0]} {bound[1]:.0f}): "
                             "roots differ while it lags")
        return
    if mine and mine == theirs:
        ctx.judged()
        return
    ctx.fail(f"caught up (last_remote_wal {remote:.0f}) and streaming, its {link.mode} "
             f"merkle_root {theirs!r} is not {link.primary}'s {mine!r}",
             f"the primary's merkle_root {mine!r}", cluster=link.secondary,
             json_path=path(link.mode, "merkle_root"))

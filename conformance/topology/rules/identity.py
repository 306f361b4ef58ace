"""Who belongs to which set: cluster ids, secondary ids, one primary, the expected roles."""

from __future__ import annotations

from replcheck.conformance.topology.pairing import Link, Pairing
from replcheck.conformance.topology.relations import RelationContext, relation
from replcheck.conformance.topology.rules.fields import (
    PRE_LISTS,
    lists_peers,
    path,
    secondary_peer,
    section,
)
from replcheck.conformance.topology.snapshot import MODES, ClusterRead, Round


@relation("TOPOLOGY-SHARED-CLUSTER-ID", over="link")
def shared_cluster_id(ctx: RelationContext, link: Link, primary: ClusterRead,
                      secondary: ClusterRead) -> None:
    mine = section(primary, link.mode).get("cluster_id")
    theirs = section(secondary, link.mode).get("cluster_id")
    if mine == theirs:
        ctx.judged()
        return
    ctx.fail(f"its {link.mode} cluster_id is {theirs!r}, its primary {link.primary}'s is "
             f"{mine!r}", f"the {link.mode} cluster_id of its primary, {mine!r}",
             cluster=link.secondary, json_path=path(link.mode, "cluster_id"))


@relation("TOPOLOGY-SECONDARY-KNOWN", over="link")
def secondary_known(ctx: RelationContext, link: Link, primary: ClusterRead,
                    secondary: ClusterRead) -> None:
    known = section(primary, link.mode).get("known_secondaries")
    if isinstance(known, list) and link.secondary_id in known:
        ctx.judged()
        return
    ctx.fail(f"its {link.mode} known_secondaries {known!r} do not hold the secondary_id "
             f"{link.secondary_id!r} of {link.secondary}",
             f"known_secondaries holding {link.secondary_id!r}", cluster=link.primary,
             json_path=path(link.mode, "known_secondaries"))


@relation("TOPOLOGY-PEER-IDS", over="link")
def peer_ids(ctx: RelationContext, link: Link, primary: ClusterRead,
             secondary: ClusterRead) -> None:
    own = section(secondary, link.mode)
    if not lists_peers(primary, secondary, link.mode):
        ctx.not_applicable(PRE_LISTS)
        return
    if own.get("state") == "idle" or not own.get("primaries"):
        ctx.not_applicable(f"{link.secondary} is not connected to a primary: the primary "
                           "need not list it")
        return
    if secondary_peer(primary, link) is not None:
        ctx.judged()
        return
    peers = section(primary, link.mode).get("secondaries")
    ids = [p.get("node_id") for p in peers if isinstance(p, dict)] if isinstance(peers, list) \
        else []
    ctx.fail(f"no entry of its {link.mode} secondaries has the node_id {link.secondary_id!r} "
             f"of {link.secondary}, which streams from it (node_ids {ids!r})",
             f"a secondaries[] entry with node_id {link.secondary_id!r}",
             cluster=link.primary, json_path=path(link.mode, "secondaries"))


@relation("TOPOLOGY-ONE-PRIMARY", over="set")
def one_primary(ctx: RelationContext, round: Round, pairing: Pairing) -> None:
    for mode in MODES:
        for cluster_id, names in pairing.primaries(mode).items():
            if len(names) > 1:
                ctx.fail(f"{len(names)} clusters ({', '.join(names)}) are {mode} primaries of "
                         f"the cluster_id {cluster_id}",
                         f"at most one {mode} primary per cluster_id")
            else:
                ctx.judged()
    if not ctx.failed and not any(pairing.primaries(mode) for mode in MODES):
        ctx.nothing_to_judge("no cluster of the round is a primary")


@relation("TOPOLOGY-EXPECTED-ROLES", over="set")
def expected_roles(ctx: RelationContext, round: Round, pairing: Pairing) -> None:
    expected = ctx.settings.expected_roles
    if not expected:
        ctx.nothing_to_judge("the targets give no expected role")
        return
    reads = {read.cluster: read for read in round}
    for cluster, roles in expected.items():
        read = reads.get(cluster)
        if read is None or read.status is None:
            ctx.note(f"{cluster} was not read: its expected roles were not judged")
            continue
        for mode in MODES:
            role = roles.get(mode)
            if role is None:
                continue
            found = read.mode_of(mode)
            if found == role:
                ctx.judged()
            else:
                ctx.fail(f"it is {found or 'not shown'} in {mode}, the targets expect {role}",
                         f"{mode} {role}", cluster=cluster, json_path=f"$.data.{mode}.mode")

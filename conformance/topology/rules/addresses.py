"""Where each side says the other is: the primary's addresses on the secondary and back.

Hosts are compared, not whole strings: cluster addresses are ``https://…:8201`` even when the
API is plain HTTP, and a load balancer may stand between (docs/replication-facts.md, facts 10
and 11). The other side's own address comes from its ``sys/leader`` (``leader_address``,
``leader_cluster_address``): without that read there is nothing to compare with.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from replcheck.conformance.topology.pairing import Link
from replcheck.conformance.topology.relations import RelationContext, relation
from replcheck.conformance.topology.rules.fields import (
    PRE_LISTS,
    host,
    lists_peers,
    path,
    primary_peer,
    secondary_peer,
    section,
)
from replcheck.conformance.topology.snapshot import ClusterRead


def _normal(address: Any) -> str | None:
    """``https://Host:8201/`` -> ``host:8201`` (scheme, case and a trailing slash ignored)."""
    name = host(address)
    if name is None:
        return None
    try:
        port = urlsplit(address if "//" in address else f"//{address}").port
    except ValueError:
        port = None
    return f"{name}:{port}" if port else name


def _leader(read: ClusterRead, member: str) -> str | None:
    value = (read.leader or {}).get(member)
    return value if isinstance(value, str) and value else None


@relation("TOPOLOGY-PRIMARY-ADDRS", over="link")
def primary_addrs(ctx: RelationContext, link: Link, primary: ClusterRead,
                  secondary: ClusterRead) -> None:
    own = section(secondary, link.mode)
    if own.get("state") != "stream-wals":
        ctx.not_applicable(f"{link.secondary} is not streaming ({own.get('state')!r}): only a "
                           "streaming secondary must know its primary's addresses")
        return
    addrs = own.get("known_primary_cluster_addrs")
    json_path = path(link.mode, "known_primary_cluster_addrs")
    if not isinstance(addrs, list) or not addrs:
        ctx.fail(f"it streams from {link.primary} with known_primary_cluster_addrs {addrs!r}",
                 "a non-empty known_primary_cluster_addrs while streaming",
                 cluster=link.secondary, json_path=json_path)
        return
    ctx.judged()
    leader = _leader(primary, "leader_cluster_address")
    if leader is None:
        ctx.note(f"sys/leader of {link.primary} was not read: whether "
                 "known_primary_cluster_addrs holds its leader's cluster address was not judged")
        return
    if _normal(leader) in {_normal(a) for a in addrs}:
        ctx.judged()
        return
    ctx.fail(f"its known_primary_cluster_addrs {addrs!r} do not hold {link.primary}'s leader "
             f"cluster address {leader!r} (sys/leader)",
             f"known_primary_cluster_addrs holding {leader!r}", cluster=link.secondary,
             json_path=json_path)


def _compare(ctx: RelationContext, seen_on: str, what: str, value: Any, other: str,
             own: str | None, json_path: str) -> None:
    """One address ``seen_on`` a side names ``other``, whose own address is ``own``."""
    if own is None or value is None:
        return
    if host(value) == host(own):
        ctx.judged()
        return
    ctx.fail(f"its {what} {value!r} does not name the host of {other} ({own!r}, sys/leader)",
             f"an address on the host of {own!r}", cluster=seen_on, json_path=json_path)


@relation("TOPOLOGY-PEER-ADDRESSES", over="link")
def peer_addresses(ctx: RelationContext, link: Link, primary: ClusterRead,
                   secondary: ClusterRead) -> None:
    if not lists_peers(primary, secondary, link.mode):
        ctx.not_applicable(PRE_LISTS)
        return
    upstream = primary_peer(secondary, link.mode)
    downstream = secondary_peer(primary, link)
    if upstream is None and downstream is None:
        ctx.not_applicable("neither side lists the other (not connected)")
        return
    if primary.leader is None and secondary.leader is None:
        ctx.nothing_to_judge("sys/leader was read on neither side: no own address to compare "
                             "the other side's view with")
        return
    mode = link.mode
    if upstream is not None:
        for member, leader in (("cluster_address", "leader_cluster_address"),
                               ("api_address", "leader_address")):
            _compare(ctx, link.secondary, f"primaries[0].{member}", upstream.get(member),
                     link.primary, _leader(primary, leader), path(mode, "primaries", 0, member))
    if downstream is not None:
        index, entry = downstream
        for member, leader in (("cluster_address", "leader_cluster_address"),
                               ("api_address", "leader_address")):
            _compare(ctx, link.primary, f"secondaries[{index}].{member}", entry.get(member),
                     link.secondary, _leader(secondary, leader),
                     path(mode, "secondaries", index, member))
    if not ctx.failed:
        ctx.nothing_to_judge("the side whose view was read had no sys/leader of the other")

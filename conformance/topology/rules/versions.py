"""Upstream runs the older version: "upstream clusters are always on older versions of Vault
than downstream clusters" (DR API, promote; docs/replication-facts.md, fact 6)."""

from __future__ import annotations

import re

from replcheck.conformance.topology.pairing import Link
from replcheck.conformance.topology.relations import RelationContext, relation
from replcheck.conformance.topology.snapshot import ClusterRead

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


def version_of(read: ClusterRead) -> tuple[str, tuple[int, int, int]] | None:
    """``sys/health``'s ``version`` (``1.15.2+ent``) as text and as numbers."""
    text = (read.health or {}).get("version")
    match = _VERSION.match(text) if isinstance(text, str) else None
    if match is None or not isinstance(text, str):
        return None
    major, minor, patch = match.groups()
    return text, (int(major), int(minor), int(patch or 0))


@relation("TOPOLOGY-VERSION-ORDER", over="link")
def version_order(ctx: RelationContext, link: Link, primary: ClusterRead,
                  secondary: ClusterRead) -> None:
    upstream, downstream = version_of(primary), version_of(secondary)
    if upstream is None or downstream is None:
        missing = [c.cluster for c, v in ((primary, upstream), (secondary, downstream))
                   if v is None]
        ctx.nothing_to_judge(f"no version from sys/health of {', '.join(missing)}")
        return
    if downstream[1] >= upstream[1]:
        ctx.judged()
        return
    ctx.fail(f"it runs {downstream[0]}, older than its primary {link.primary}'s {upstream[0]}",
             f"{upstream[0]} or newer", cluster=link.secondary, json_path="$.version")

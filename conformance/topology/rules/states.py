"""Whether each link is in a healthy state (docs/replication-facts.md, fact 12).

A primary is ``running``; a healthy secondary ``stream-wals`` with ``connection_state``
``ready``. ``merkle-diff``, ``merkle-sync`` and ``connecting`` are catching up: acceptable
while a live run converges (the relation converges, so the run polls it), a deviation when
the bound ends there. ``idle``, and ``connection_state`` ``transient_failure`` or
``shutdown``, are unhealthy.
"""

from __future__ import annotations

from replcheck.conformance.topology.pairing import Link
from replcheck.conformance.topology.relations import RelationContext, relation
from replcheck.conformance.topology.rules.fields import path, section
from replcheck.conformance.topology.snapshot import ClusterRead

CONVERGING = ("merkle-diff", "merkle-sync", "connecting")


@relation("TOPOLOGY-HEALTHY-STATES", over="link", converges=True)
def healthy_states(ctx: RelationContext, link: Link, primary: ClusterRead,
                   secondary: ClusterRead) -> None:
    mode = link.mode
    state = section(primary, mode).get("state")
    if state is None:
        ctx.note(f"{link.primary} shows no state in its {mode} section (Vault before 1.15 "
                 "omits it on a primary): its side was not judged")
    elif state == "running":
        ctx.judged()
    else:
        ctx.fail(f"its {mode} state is {state!r}", "running", cluster=link.primary,
                 json_path=path(mode, "state"))
    own = section(secondary, mode)
    state = own.get("state")
    if state == "stream-wals":
        ctx.judged()
    elif state in CONVERGING:
        ctx.fail(f"its {mode} state is still {state!r} (catching up, acceptable only for a "
                 "while)", "stream-wals", cluster=link.secondary, json_path=path(mode, "state"))
    else:
        ctx.fail(f"its {mode} state is {state!r}", "stream-wals", cluster=link.secondary,
                 json_path=path(mode, "state"))
    connection = own.get("connection_state")
    if connection is None:
        return
    if connection == "ready":
        ctx.judged()
    else:
        ctx.fail(f"its {mode} connection_state is {connection!r}", "ready",
                 cluster=link.secondary, json_path=path(mode, "connection_state"))

"""What only several reads over time show: a merkle loop, a stream that never resumes, a
heartbeat that stops (docs/replication-facts.md, facts 12 and 16)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from replcheck.conformance.topology.pairing import Link
from replcheck.conformance.topology.relations import RelationContext, relation
from replcheck.conformance.topology.rules.fields import as_time, primary_peer, section
from replcheck.conformance.topology.snapshot import ClusterRead, Round

MERKLE = ("merkle-diff", "merkle-sync")


def _reads(link: Link, rounds: Sequence[Round]) -> list[tuple[ClusterRead, dict[str, Any]]]:
    """The secondary's reads of the link's mode, oldest first (unread rounds left out)."""
    found = []
    for round_ in rounds:
        for read in round_:
            if read.cluster == link.secondary and read.status is not None:
                found.append((read, section(read, link.mode)))
    return found


def _streaming(own: dict[str, Any]) -> bool:
    return own.get("state") == "stream-wals" and own.get("connection_state") in (None, "ready")


@relation("TOPOLOGY-MERKLE-LOOP", over="history")
def merkle_loop(ctx: RelationContext, link: Link, rounds: Sequence[Round]) -> None:
    """A loop is a secondary back in ``merkle-diff`` after ``merkle-sync`` with no
    ``stream-wals`` between, or back in a merkle state after a stay in ``stream-wals`` shorter
    than ``merkle_settle_s`` (HashiCorp's support article: the loop may pass through
    ``stream-wals`` "and then immediately" go back). A stay that spans the bound, or a first
    merkle phase (a reindex, a new secondary), is no loop."""
    reads = _reads(link, rounds)
    if len(reads) < 2:
        ctx.nothing_to_judge("fewer than two reads of the secondary (watch the set to judge it)")
        return
    bound = ctx.settings.merkle_settle_s
    synced = False
    merkle_before = False
    stay: list[ClusterRead] = []
    json_path = f"$.data.{link.mode}.state"
    for read, own in reads:
        state = own.get("state")
        if state in MERKLE:
            if state == "merkle-diff" and synced:
                ctx.fail(f"back in merkle-diff after merkle-sync without reaching stream-wals "
                         f"(read at {read.read_at:.1f})", "merkle-sync leads to stream-wals",
                         cluster=link.secondary, json_path=json_path)
                return
            if stay and merkle_before and not _settled(stay, bound):
                ctx.fail(f"back in {state} after {_span(stay)} in stream-wals (read at "
                         f"{read.read_at:.1f})",
                         f"stream-wals held at least {bound:g} s (merkle_settle_s)",
                         cluster=link.secondary, json_path=json_path)
                return
            synced = synced or state == "merkle-sync"
            merkle_before, stay = True, []
        elif state == "stream-wals":
            synced = False
            stay.append(read)
        else:
            synced, merkle_before, stay = False, False, []
    ctx.judged(len(reads))


def _settled(stay: list[ClusterRead], bound: float) -> bool:
    """Whether a stretch of ``stream-wals`` reads lasted the bound (two reads at least when
    their times are unknown)."""
    if all(read.read_time_known for read in stay):
        return stay[-1].read_at - stay[0].read_at >= bound
    return len(stay) >= 2


def _span(stay: list[ClusterRead]) -> str:
    if all(read.read_time_known for read in stay):
        return f"{stay[-1].read_at - stay[0].read_at:.0f} s"
    return f"{len(stay)} read(s)"


@relation("TOPOLOGY-STREAM-RESUMES", over="history")
def stream_resumes(ctx: RelationContext, link: Link, rounds: Sequence[Round]) -> None:
    reads = _reads(link, rounds)
    if len(reads) < 2:
        ctx.nothing_to_judge("fewer than two reads of the secondary (watch the set to judge it)")
        return
    if not all(read.read_time_known for read, _ in reads):
        ctx.nothing_to_judge("reads without their times: how long a stream stopped is unknown")
        return
    bound = ctx.settings.converge_timeout_s
    since: float | None = None
    for read, own in reads:
        if _streaming(own):
            if since is not None and read.read_at - since > bound:
                ctx.fail(f"not streaming for {read.read_at - since:.0f} s before it resumed",
                         f"back in stream-wals within {bound:g} s (converge_timeout_s)",
                         cluster=link.secondary, json_path=f"$.data.{link.mode}.state")
            since = None
            ctx.judged()
        elif since is None:
            since = read.read_at
    last = reads[-1][0].read_at
    if since is not None:
        if last - since > bound:
            ctx.fail(f"not streaming since {last - since:.0f} s before the last read "
                     f"({reads[-1][1].get('state')!r})",
                     f"back in stream-wals within {bound:g} s (converge_timeout_s)",
                     cluster=link.secondary, json_path=f"$.data.{link.mode}.state")
        else:
            ctx.note(f"not streaming at the last read, for {last - since:.0f} s: under the "
                     "bound, not judged yet")


@relation("TOPOLOGY-HEARTBEAT-ADVANCES", over="history")
def heartbeat_advances(ctx: RelationContext, link: Link, rounds: Sequence[Round]) -> None:
    reads = [(read, primary_peer(read, link.mode)) for read, _ in _reads(link, rounds)]
    beats = [(read.read_at, as_time(peer.get("last_heartbeat")))
             for read, peer in reads
             if peer is not None and peer.get("connection_status") == "connected"
             and read.read_time_known]
    gap = ctx.settings.heartbeat_advance_s
    earlier: tuple[float, float | None] | None = None
    for at, beat in beats:
        if earlier is None or beat is None or earlier[1] is None:
            earlier = (at, beat)
            continue
        if at - earlier[0] < gap:
            continue
        if beat > earlier[1]:
            ctx.judged()
        else:
            ctx.fail(f"its primaries[0].last_heartbeat did not advance in {at - earlier[0]:.0f}"
                     " s while connected", f"a newer heartbeat after {gap:g} s",
                     cluster=link.secondary,
                     json_path=f"$.data.{link.mode}.primaries[0].last_heartbeat")
        earlier = (at, beat)
    ctx.nothing_to_judge(f"no two connected reads of the secondary at least {gap:g} s apart "
                         "(heartbeat_advance_s)")

"""GET /sys/replication/status: unauthenticated, schema-valid, and internally consistent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from replcheck.conformance.checks.context import STATUS, STATUS_LIST, CheckContext
from replcheck.conformance.checks.probes import (
    LIST_PROBES,
    STATUS_OTHER_PROBES,
    STATUS_WRITE_PROBES,
)
from replcheck.conformance.checks.registry import check
from replcheck.conformance.checks.schema_owners import (
    INTEGER_STRINGS,
    MODE_SHAPE,
    OTHERWISE,
    STATUS_KIND,
    owned,
    owner,
)
from replcheck.conformance.checks.watch import sections, without_wal
from replcheck.conformance.transport.exchange import Exchange
from replcheck.spec import domains

#: A heartbeat this far in the future is implausible even with generous clock skew.
HEARTBEAT_FUTURE_TOLERANCE = timedelta(minutes=5)
#: Reads made in a row to watch ids and WAL counters over time.
REPEATED_READS = 3
_PRIMARY = domains.member("cluster-section.json#/properties/mode", "primary")
_CONNECTED = domains.member("peer.json#/properties/connection_status", "connected")


def _peers(section: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for member in ("secondaries", "primaries"):
        peers = section.get(member)
        if isinstance(peers, list):
            for index, peer in enumerate(peers):
                if isinstance(peer, dict):
                    yield member, index, peer


def _status_sections(ctx: CheckContext, exchange: Exchange) -> list[tuple[str, dict[str, Any]]]:
    """The cluster sections of a status answer; when there are none, the check says why it
    has nothing to judge (e.g. status answered 401: there is no status body to look into)."""
    found = list(sections(exchange))
    if not found and exchange.response is not None:
        if exchange.status != 200:
            ctx.nothing_to_judge(f"status answered {exchange.status}: no status body to judge")
        else:
            ctx.nothing_to_judge("the status answer carries no dr or performance section")
    return found


@check("STATUS-UNAUTHENTICATED", any_edition=True, sharing="parallel", on_dr_secondary=True)
def answers_without_token(ctx: CheckContext) -> None:
    """GET status with no token at all is answered 200."""
    ctx.expect_status(ctx.read_status("no token"), {200}, "200: status is unauthenticated")


@check("STATUS-IGNORES-TOKEN", any_edition=True, sharing="parallel", on_dr_secondary=True)
def ignores_invalid_token(ctx: CheckContext) -> None:
    """An invalid token, in X-Vault-Token or as a Bearer token, is ignored by status."""
    for credential, how in ((ctx.invalid, "X-Vault-Token"), (ctx.invalid.as_bearer(), "Bearer")):
        exchange = ctx.send("GET", STATUS, f"invalid token in {how}", credential=credential)
        ctx.expect_status(exchange, {200}, "200: a token sent to status is ignored")


@check(
    "STATUS-IGNORES-TOKEN",
    needs=("sudo",),
    any_edition=True,
    sharing="parallel",
    on_dr_secondary=True,
)
def accepts_valid_token(ctx: CheckContext) -> None:
    """A valid token sent to status changes nothing: still 200."""
    exchange = ctx.send("GET", STATUS, "valid token", credential=ctx.sudo)
    ctx.expect_status(exchange, {200}, "200: a token sent to status is ignored")


@check("STATUS-METHODS", any_edition=True, asks=STATUS_LIST, sharing="parallel")
def writes_and_other_methods_are_refused(ctx: CheckContext) -> None:
    """A write (POST, PUT) to status is refused with 405, with no token and with the sudo token;
    DELETE, HEAD, PATCH, OPTIONS, LIST and unknown methods get Vault's answers."""
    ctx.expect_probes(STATUS, STATUS_WRITE_PROBES, None, "with no token")
    ctx.expect_probes(STATUS, STATUS_OTHER_PROBES, None, "with no token")
    # LIST only with a token: without one, Vault refuses it at the ACL ("status/" is not an
    # unauthenticated path), which the AUTH requirements and the 403-not-401 judge cover.
    if ctx.state.sudo is not None:
        ctx.expect_probes(STATUS, STATUS_WRITE_PROBES, ctx.state.sudo, "with a sudo token")
        ctx.expect_probes(STATUS, LIST_PROBES, ctx.state.sudo, "with a sudo token")


def _status_reads(ctx: CheckContext) -> list[Exchange]:
    """The status answers a body requirement judges: one read without a token, and one with
    each token of the run (an invalid one, and the sudo, non-sudo and no-update tokens it has).
    A token changes nothing at status, so every body must keep the contract; a target whose
    body changes with the token is caught by the requirement the broken member belongs to."""
    state = ctx.state
    tokens = [("an invalid token", state.invalid), ("the sudo token", state.sudo),
              ("a token without sudo", state.non_sudo), ("a token without update", state.no_update)]
    reads = [ctx.read_status()]
    reads += [
        ctx.send("GET", STATUS, f"read the status with {how}", credential=credential)
        for how, credential in tokens if credential is not None
    ]
    return reads


@check("STATUS-SCHEMA", sharing="parallel", on_dr_secondary=True)
def body_matches_schema(ctx: CheckContext) -> None:
    """The 200 body validates against schemas/status-response.json, read without a token and
    with each token of the run. A violation of a mode's shape or of a string-of-integer member
    is left to the requirement that names it (schema_owners)."""
    untokened, *tokened = _status_reads(ctx)
    if untokened.response is not None and ctx.expect_status(untokened, {200}, "200"):
        ctx.expect_valid(untokened, STATUS_KIND, keep=lambda v: owner(v) == OTHERWISE)
    for exchange in tokened:
        # Another status than 200 with a token is STATUS-IGNORES-TOKEN's to judge.
        if exchange.status == 200:
            ctx.expect_valid(exchange, STATUS_KIND, keep=lambda v: owner(v) == OTHERWISE)


@check("STATUS-MODE-SHAPE", sharing="parallel", on_dr_secondary=True)
def sections_follow_their_mode(ctx: CheckContext) -> None:
    """Each section matches the shape of its mode (the sub-schemas cluster-section.json's mode
    rules name: what it must carry, what it must not), read without a token and with each token
    of the run."""
    for exchange in _status_reads(ctx):
        found = _status_sections(ctx, exchange)
        if not found:
            continue
        ctx.judged(len(found))
        for problem in owned(MODE_SHAPE, exchange.json()):
            ctx.fail(str(problem), "the members its mode carries, and only those", exchange,
                     (problem.path,))


@check("STATUS-KNOWN-SECONDARIES", sharing="parallel", on_dr_secondary=True)
def secondaries_are_known(ctx: CheckContext) -> None:
    """Every secondary peer's node_id is listed in known_secondaries."""
    exchange = ctx.read_status()
    for name, section in _status_sections(ctx, exchange):
        if section.get("mode") != _PRIMARY:
            ctx.nothing_to_judge(f"no primary section (the {name} section is not a primary)")
            continue
        known = section.get("known_secondaries")
        if not isinstance(known, list):
            ctx.nothing_to_judge(f"the {name} primary carries no known_secondaries list")
            continue
        ctx.judged()
        for _member, index, peer in _peers(section):
            node_id = peer.get("node_id")
            if _member == "secondaries" and node_id is not None and node_id not in known:
                ctx.fail(
                    f"$.data.{name}.secondaries[{index}].node_id {node_id!r} is not in "
                    f"known_secondaries {known!r}",
                    "every secondary's node_id in known_secondaries",
                    exchange,
                )


@check("STATUS-INTEGER-STRINGS", sharing="parallel", on_dr_secondary=True)
def integer_strings_parse(ctx: CheckContext) -> None:
    """Members Vault encodes as strings of integers parse as base-10 integers (the integers
    their schema allows), read without a token and with each token of the run."""
    # Which members these are, and which integers each may hold, is the schema's: the members
    # whose schema is a string-of-integer domain (domains.integer_string_members()).
    for exchange in _status_reads(ctx):
        found = _status_sections(ctx, exchange)
        if not found:
            continue
        ctx.judged(len(found))
        for problem in owned(INTEGER_STRINGS, exchange.json()):
            ctx.fail(str(problem), "a string of a base-10 integer its member allows, e.g. \"42\"",
                     exchange, (problem.path,))


@check("STATUS-HEARTBEAT-PLAUSIBLE", sharing="parallel", on_dr_secondary=True)
def heartbeats_are_plausible(ctx: CheckContext) -> None:
    """A connected peer's last_heartbeat is an RFC 3339 time with an offset, not in the future."""
    exchange = ctx.read_status()
    now = datetime.now(UTC)
    for name, section in _status_sections(ctx, exchange):
        ctx.nothing_to_judge("no peer of the status is connected")
        for peers, index, peer in _peers(section):
            if peer.get("connection_status") != _CONNECTED:
                continue
            ctx.judged()
            where = f"$.data.{name}.{peers}[{index}].last_heartbeat"
            value = peer.get("last_heartbeat")
            moment = _parse_rfc3339(value)
            if moment is None:
                ctx.fail(
                    f"{where} is {value!r}", "an RFC 3339 timestamp with a zone offset", exchange
                )
            elif moment - now > HEARTBEAT_FUTURE_TOLERANCE:
                ctx.fail(
                    f"{where} {value} is {moment - now} in the future",
                    "a heartbeat that has already happened (5 min of clock skew allowed)",
                    exchange,
                )


def _parse_rfc3339(value: Any) -> datetime | None:
    if not isinstance(value, str) or not domains.conforms(domains.TIMESTAMP, value):
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@check("STATUS-STABLE-IDS", sharing="parallel", on_dr_secondary=True)
def ids_stay_stable(ctx: CheckContext) -> None:
    """Over repeated reads each section keeps its mode and cluster_id."""
    reads = [ctx.read_status(f"read {i + 1} of {REPEATED_READS}") for i in range(REPEATED_READS)]
    first = dict(_status_sections(ctx, reads[0]))
    for exchange in reads[1:]:
        for name, section in sections(exchange):
            before = first.get(name, {})
            if before:
                ctx.judged()
            for member in ("mode", "cluster_id"):
                if member in before and section.get(member) != before[member]:
                    ctx.fail(
                        f"$.data.{name}.{member} changed from {before[member]!r} to "
                        f"{section.get(member)!r} between two reads",
                        f"a stable {member}",
                        exchange,
                    )


@check("STATUS-WAL-MONOTONIC", sharing="alone", on_dr_secondary=True)
def wal_counters_never_go_back(ctx: CheckContext) -> None:
    """Over repeated reads WAL counters never decrease. The reads feed the run-wide WAL watcher,
    which compares every status answer of the run (the reads around reindex and recover too);
    what it has found so far is reported here, the rest after a last read at the end of the run."""
    before = ctx.state.wal.reads
    last = None
    for i in range(REPEATED_READS):
        last = ctx.read_status(f"read {i + 1} of {REPEATED_READS}")
        _status_sections(ctx, last)
    ctx.judged(ctx.state.wal.reads - before)
    why = without_wal(last) if last is not None else ""
    ctx.nothing_to_judge(
        "none of its status reads carried a WAL counter" + (f" ({why})" if why else "")
    )
    ctx.result.findings.extend(ctx.state.wal.take())

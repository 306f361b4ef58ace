"""GET /sys/replication/status: unauthenticated, schema-valid, and internally consistent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from replcheck.conformance.checks.context import STATUS, CheckContext
from replcheck.conformance.checks.probes import (
    LIST_PROBES,
    STATUS_OTHER_PROBES,
    STATUS_WRITE_PROBES,
)
from replcheck.conformance.checks.registry import check
from replcheck.conformance.checks.watch import sections
from replcheck.conformance.transport.exchange import Exchange
from replcheck.spec import domains
from replcheck.spec.violations import violations

INTEGER_STRING_FIELDS = ("last_reindex_epoch", "last_corruption_check_epoch")
PEER_INTEGER_STRING_FIELDS = (
    "clock_skew_ms",
    "last_heartbeat_duration_ms",
    "replication_primary_canary_age_ms",
)
#: A heartbeat this far in the future is implausible even with generous clock skew.
HEARTBEAT_FUTURE_TOLERANCE = timedelta(minutes=5)
#: Reads made in a row to watch ids and WAL counters over time.
REPEATED_READS = 3
MODE_RULE = "/then/"
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


@check("STATUS-UNAUTHENTICATED", any_edition=True, sharing="parallel")
def answers_without_token(ctx: CheckContext) -> None:
    """GET status with no token at all is answered 200."""
    ctx.expect_status(ctx.read_status("no token"), {200}, "200: status is unauthenticated")


@check("STATUS-IGNORES-TOKEN", any_edition=True, sharing="parallel")
def ignores_invalid_token(ctx: CheckContext) -> None:
    """An invalid token, in X-Vault-Token or as a Bearer token, is ignored by status."""
    for credential, how in ((ctx.invalid, "X-Vault-Token"), (ctx.invalid.as_bearer(), "Bearer")):
        exchange = ctx.send("GET", STATUS, f"invalid token in {how}", credential=credential)
        ctx.expect_status(exchange, {200}, "200: a token sent to status is ignored")


@check("STATUS-IGNORES-TOKEN", needs=("sudo",), any_edition=True, sharing="parallel")
def accepts_valid_token(ctx: CheckContext) -> None:
    """A valid token sent to status changes nothing: still 200."""
    exchange = ctx.send("GET", STATUS, "valid token", credential=ctx.sudo)
    ctx.expect_status(exchange, {200}, "200: a token sent to status is ignored")


@check("STATUS-METHODS", any_edition=True, sharing="parallel")
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


@check("STATUS-SCHEMA", sharing="parallel")
def body_matches_schema(ctx: CheckContext) -> None:
    """The 200 body validates against schemas/status-response.json."""
    exchange = ctx.read_status()
    if exchange.response is None or not ctx.expect_status(exchange, {200}, "200"):
        return
    ctx.expect_valid(exchange, "status")


@check("STATUS-MODE-SHAPE", sharing="parallel")
def sections_follow_their_mode(ctx: CheckContext) -> None:
    """Each section keeps the members its mode allows (the schema's per-mode rules)."""
    exchange = ctx.read_status()
    found = _status_sections(ctx, exchange)
    if not found:
        return
    ctx.judged(len(found))
    for problem in violations("status", exchange.json()):
        # The mode-dependent rules are the ``if mode == ... then`` branches of
        # cluster-section.json; other violations belong to STATUS-SCHEMA.
        if MODE_RULE in problem.schema_path:
            ctx.fail(str(problem), "only the members its mode allows", exchange)


@check("STATUS-KNOWN-SECONDARIES", sharing="parallel")
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


@check("STATUS-INTEGER-STRINGS", sharing="parallel")
def integer_strings_parse(ctx: CheckContext) -> None:
    """Members Vault encodes as strings of integers parse as base-10 integers."""
    exchange = ctx.read_status()
    for name, section in _status_sections(ctx, exchange):
        ctx.judged()
        for member in INTEGER_STRING_FIELDS:
            _expect_integer_string(ctx, exchange, f"$.data.{name}.{member}", section.get(member))
        for peers, index, peer in _peers(section):
            for member in PEER_INTEGER_STRING_FIELDS:
                _expect_integer_string(
                    ctx, exchange, f"$.data.{name}.{peers}[{index}].{member}", peer.get(member)
                )


def _expect_integer_string(ctx: CheckContext, exchange: Exchange, where: str, value: Any) -> None:
    if isinstance(value, str) and not domains.conforms(domains.INTEGER_STRING, value):
        ctx.fail(f"{where} is {value!r}", 'a string of a base-10 integer, e.g. "42"', exchange)


@check("STATUS-HEARTBEAT-PLAUSIBLE", sharing="parallel")
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


@check("STATUS-STABLE-IDS", sharing="parallel")
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


@check("STATUS-WAL-MONOTONIC", sharing="alone")
def wal_counters_never_go_back(ctx: CheckContext) -> None:
    """Over repeated reads WAL counters never decrease. The reads feed the run-wide WAL watcher,
    which compares every status answer of the run (the reads around reindex and recover too);
    what it has found so far is reported here, the rest after a last read at the end of the run."""
    before = ctx.state.wal.reads
    for i in range(REPEATED_READS):
        _status_sections(ctx, ctx.read_status(f"read {i + 1} of {REPEATED_READS}"))
    ctx.judged(ctx.state.wal.reads - before)
    ctx.nothing_to_judge("none of its status reads carried a WAL counter")
    ctx.result.findings.extend(ctx.state.wal.take())

"""The zoo's schema category. Shapes of the status and success bodies."""

from __future__ import annotations

import json
from typing import Any

from replcheck.spec import domains

from .asgi import RECOVER, REINDEX, STATUS, WRITES, ZooRequest, ZooResponse
from .model import BrokenServer, deviate, on_status, peers, primaries, reads_status


def _cluster_id_not_uuid(data: dict[str, Any]) -> None:
    data["dr"]["cluster_id"] = data["dr"]["cluster_id"].replace("-", "")


def _last_wal_as_string(data: dict[str, Any]) -> None:
    for section in primaries(data):
        section["last_wal"] = str(section["last_wal"])


def _heartbeat_without_zone(data: dict[str, Any]) -> None:
    for peer in peers(data):
        peer["last_heartbeat"] = peer["last_heartbeat"][:19]


def _no_known_secondaries(data: dict[str, Any]) -> None:
    for section in primaries(data):
        del section["known_secondaries"]


def _disabled_with_cluster_id(data: dict[str, Any]) -> None:
    for section in data.values():
        if isinstance(section, dict) and section.get("mode") == "disabled":
            section["cluster_id"] = "0b5e7a3c-5f9e-4c1b-9a51-6f1d2a7c9e04"


def _warnings_as_string(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    body = response.json()
    if (request.method in WRITES and request.clean in (RECOVER, REINDEX)
            and response.status == 200 and isinstance(body, dict)
            and isinstance(body.get("warnings"), list)):
        body["warnings"] = "\n".join(body["warnings"])
        return response.with_json(body)
    return response


def _token_changes_status(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """Status read with a token (which it must ignore) renders last_wal as a string: the status
    requirements read with each token of the run, not only without one."""
    if reads_status(request) and request.token is not None and response.status == 200:
        body = response.json()
        for section in primaries(body["data"]):
            section["last_wal"] = str(section["last_wal"])
        return response.with_json(body)
    return response


def _unknown_member_refused_first(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """A reindex body with a member the endpoint does not declare is refused 422, before the
    token is looked at: a status the contract does not list. Only generated requests carry
    such a body without a usable token (the checks send unknown members with the sudo token,
    and only in the full profile), so only the judge of every documented answer sees it."""
    if (request.method in WRITES and request.clean == REINDEX and response.status == 403
            and _unknown_members(request.body)):
        return ZooResponse.of_json(422, {"errors": ["unknown field in the request body"]})
    return response


def _unknown_members(body: bytes) -> list[str]:
    try:
        value = json.loads(body) if body else None
    except ValueError:
        return []
    if not isinstance(value, dict):
        return []
    return [name for name in value if name not in domains.reindex_flags()]


def _no_performance_section(data: dict[str, Any]) -> None:
    del data["performance"]


ENTRIES: tuple[BrokenServer, ...] = (
    BrokenServer(
        "cluster-id-not-uuid", "dr.cluster_id is 32 hex digits without the UUID dashes",
        ("STATUS-SCHEMA",), deviate(on_response=on_status(_cluster_id_not_uuid)),
        lambda p: "-" not in p.status()["dr"]["cluster_id"],
        category="schema",
        # Only sys/replication/status is rewritten: dr/status still reports the real id.
        may_fail=("DR-STATUS-MATCHES-STATUS",),
    ),
    BrokenServer(
        "last-wal-as-string", "a primary's last_wal is a JSON string, not an integer",
        ("STATUS-SCHEMA",), deviate(on_response=on_status(_last_wal_as_string)),
        lambda p: isinstance(p.status()["dr"]["last_wal"], str),
        category="schema",
    ),
    BrokenServer(
        "heartbeat-without-zone", "last_heartbeat has no zone offset (2024-05-01T10:00:00)",
        ("STATUS-HEARTBEAT-PLAUSIBLE", "STATUS-SCHEMA"),
        deviate(on_response=on_status(_heartbeat_without_zone)),
        lambda p: len(p.status()["dr"]["secondaries"][0]["last_heartbeat"]) == 19,
        category="schema",
    ),
    BrokenServer(
        "known-secondaries-missing", "a primary section lacks known_secondaries",
        ("STATUS-MODE-SHAPE",),
        deviate(on_response=on_status(_no_known_secondaries)),
        lambda p: "known_secondaries" not in p.status()["dr"],
        category="schema",
    ),
    BrokenServer(
        "disabled-with-cluster-id", "a disabled section carries a cluster_id",
        ("STATUS-MODE-SHAPE",),
        deviate(on_response=on_status(_disabled_with_cluster_id)),
        lambda p: "cluster_id" in p.status()["dr"],
        scenario="disabled",
        category="schema",
        # Only sys/replication/status is rewritten: the sections alone still report none.
        may_fail=("DR-STATUS-MATCHES-STATUS", "PERFORMANCE-STATUS-MATCHES-STATUS"),
    ),
    BrokenServer(
        "warnings-as-string", "a 200 from recover or reindex carries warnings as one string",
        ("VAULT-SUCCESS-ENVELOPE",), deviate(on_response=_warnings_as_string),
        lambda p: isinstance(p.send("POST", RECOVER, token=p.root).json()["warnings"], str),
        profile="full",
        category="schema",
        may_fail=("REINDEX-UNKNOWN-PARAMETERS", "SCHEMA-RESPONSES"),
    ),
    BrokenServer(
        "status-with-token-off-schema",
        "a status read that carries a token gets last_wal as a string (untokened reads are right)",
        ("STATUS-SCHEMA",), deviate(on_response=_token_changes_status),
        lambda p: isinstance(p.send("GET", STATUS, token=p.root).json()["data"]["dr"]["last_wal"],
                             str),
        category="schema",
        # A token sent to status must change nothing: a check comparing the bodies may say so.
        may_fail=("STATUS-IGNORES-TOKEN",),
    ),
    BrokenServer(
        "unknown-member-refused-422",
        "a reindex body with an undeclared member is refused 422 (not a documented status), "
        "before the token is checked",
        ("SCHEMA-RESPONSES",), deviate(on_response=_unknown_member_refused_first),
        lambda p: p.send("POST", REINDEX, json={"surprise": True}).status_code == 422,
        category="schema",
    ),
    BrokenServer(
        "performance-section-missing", "the status data has a dr section but no performance",
        ("EDITION-ENTERPRISE",), deviate(on_response=on_status(_no_performance_section)),
        lambda p: "performance" not in p.status(),
        category="schema", may_fail=("STATUS-SCHEMA", "SCHEMA-RESPONSES"),
    ),
)

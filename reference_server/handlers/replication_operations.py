"""``sys/replication/{dr,performance}/{primary,secondary}/*`` and ``merkle-check``: the
operations that set a replication set up, fail it over and check it.

The handlers decode and check the request; the cluster's node (``core.node``,
``replcheck.reference_server.topology.node``) does the operation across the clusters of its
network. On a DR secondary, the secondary operations need a DR operation token in
``dr_operation_token`` instead of a client token, as in Vault: a DR secondary serves no
ordinary token (``Route.dr_operation_token``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..conventions.errors import VaultError
from ..dr_operation_tokens import INVALID_DR_OPERATION_TOKEN
from ..replication import rfc3339
from ..routing import Reply, Request, Route
from ..status_values import DR, SECONDARY, SECTIONS
from ..topology.node import DEFAULT_TOKEN_TTL
from .dr_operation import NOT_A_DR_SECONDARY
from .replication import reindex

__all__ = ["ROUTES"]


_TOKEN_FIELDS = {"token": "string", "primary_api_addr": "string", "ca_file": "string",
                 "ca_path": "string"}
_OPERATION_TOKEN = {"dr_operation_token": "string"}


def _dr_secondary(request: Request) -> bool:
    return request.core.replication.modes()[DR] == SECONDARY


def _check_operation_token(request: Request, mode: str) -> None:
    """On a DR secondary, a valid DR operation token is what authorises the request (these
    routes take no client token there: ``Route.dr_operation_token``)."""
    if mode != DR or not _dr_secondary(request):
        return
    given = request.params.get("dr_operation_token", "")
    if not given or not request.core.dr_operation_tokens.valid(given):
        raise VaultError(400, INVALID_DR_OPERATION_TOKEN)


def _require_dr_secondary(request: Request) -> None:
    """The DR secondary's own reindex and merkle check: nothing to do elsewhere."""
    if not _dr_secondary(request):
        raise VaultError(400, NOT_A_DR_SECONDARY)
    _check_operation_token(request, DR)


def _mode_handlers(mode: str) -> list[Route]:
    prefix = f"sys/replication/{mode}"
    gated = mode == DR

    def enable_primary(request: Request) -> Reply:
        return Reply(warnings=request.core.node.enable_primary(
            mode, request.params.get("primary_cluster_addr", "")
        ))

    def demote(request: Request) -> Reply:
        return Reply(warnings=request.core.node.demote(mode))

    def disable_primary(request: Request) -> Reply:
        return Reply(warnings=request.core.node.disable_primary(mode))

    def secondary_token(request: Request) -> Reply:
        params = request.params
        public_key = params.get("secondary_public_key", "")
        token, record = request.core.node.secondary_token(
            mode, params.get("id", ""), params.get("ttl", DEFAULT_TOKEN_TTL), public_key
        )
        if public_key:
            # Encrypted for the secondary's key: the answer is data, not a wrapping token.
            return Reply(data={"token": token})
        created = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="microseconds")
        return Reply(wrap_info={
            "token": token,
            "accessor": record.accessor,
            "ttl": record.ttl,
            "creation_time": created,
            "creation_path": f"{prefix}/primary/secondary-token",
            "wrapped_accessor": "",
        })

    def revoke_secondary(request: Request) -> Reply:
        request.core.node.revoke_secondary(mode, request.params.get("id", ""))
        return Reply()

    def generate_public_key(request: Request) -> Reply:
        return Reply(data={"public_key": request.core.node.generate_public_key()})

    def enable_secondary(request: Request) -> Reply:
        params = request.params
        return Reply(warnings=request.core.node.enable_secondary(
            mode, params.get("token", ""), params.get("primary_api_addr", "")
        ))

    def promote(request: Request) -> Reply:
        _check_operation_token(request, mode)
        return Reply(warnings=request.core.node.promote(
            mode, request.params.get("primary_cluster_addr", "")
        ))

    def disable_secondary(request: Request) -> Reply:
        _check_operation_token(request, mode)
        return Reply(warnings=request.core.node.disable_secondary(mode))

    def update_primary(request: Request) -> Reply:
        _check_operation_token(request, mode)
        params = request.params
        return Reply(warnings=request.core.node.update_primary(
            mode, params.get("token"), params.get("primary_api_addr", ""),
            params.get("update_primary_addrs"),
        ))

    routes = [
        Route(f"{prefix}/primary/enable", {"update": enable_primary},
              fields={"primary_cluster_addr": "string"}, enterprise_only=True),
        Route(f"{prefix}/primary/demote", {"update": demote}, enterprise_only=True),
        Route(f"{prefix}/primary/disable", {"update": disable_primary}, enterprise_only=True),
        Route(f"{prefix}/primary/secondary-token", {"update": secondary_token},
              fields={"id": "string", "ttl": "duration", "secondary_public_key": "string"},
              sudo=True, enterprise_only=True),
        Route(f"{prefix}/primary/revoke-secondary", {"update": revoke_secondary},
              fields={"id": "string"}, enterprise_only=True),
        Route(f"{prefix}/secondary/generate-public-key", {"update": generate_public_key},
              enterprise_only=True),
        Route(f"{prefix}/secondary/enable", {"update": enable_secondary}, fields=_TOKEN_FIELDS,
              enterprise_only=True),
        Route(f"{prefix}/secondary/promote", {"update": promote},
              fields={**_OPERATION_TOKEN, "primary_cluster_addr": "string", "force": "bool"},
              dr_operation_token=gated, enterprise_only=True),
        Route(f"{prefix}/secondary/disable", {"update": disable_secondary},
              fields=_OPERATION_TOKEN, dr_operation_token=gated,
              enterprise_only=True),
        Route(f"{prefix}/secondary/update-primary", {"update": update_primary},
              fields={**_TOKEN_FIELDS, **_OPERATION_TOKEN, "update_primary_addrs": "string_list"},
              dr_operation_token=gated, enterprise_only=True),
    ]
    return routes


def _merkle_report(request: Request) -> dict[str, Any]:
    """Check the trees (the reference's are never corrupted) and say so as Vault does."""
    replication = request.core.replication
    now = request.core.clock()
    with replication.lock:
        replication.last_corruption_check_epoch = int(now)
        replication.version += 1
    return {"merkle_corruption_report": {
        "corrupted_root": False,
        "corrupted_tree_map": None,
        "last_corruption_check_epoch": rfc3339(now),
    }}


def merkle_check(request: Request) -> Reply:
    return Reply(data=_merkle_report(request))


def dr_secondary_merkle_check(request: Request) -> Reply:
    _require_dr_secondary(request)
    return Reply(data=_merkle_report(request))


def dr_secondary_reindex(request: Request) -> Reply:
    """``dr/secondary/reindex``: the DR secondary's own reindex, authorised by its DR
    operation token; the stream from its primary restarts from the merkle diff."""
    _require_dr_secondary(request)
    return reindex(request)


ROUTES = [
    *(route for mode in SECTIONS for route in _mode_handlers(mode)),
    Route("sys/replication/merkle-check", {"update": merkle_check}, enterprise_only=True),
    Route("sys/replication/dr/secondary/merkle-check", {"update": dr_secondary_merkle_check},
          fields=_OPERATION_TOKEN, dr_operation_token=True, enterprise_only=True),
    Route("sys/replication/dr/secondary/reindex", {"update": dr_secondary_reindex},
          fields={**_OPERATION_TOKEN, "diff": "bool", "force": "bool", "skip_flush": "bool"},
          dr_operation_token=True, enterprise_only=True),
]

"""``sys/replication/dr/secondary/``: generating and deleting DR operation tokens.

``generate-operation-token/attempt`` (GET status, POST/PUT start, DELETE cancel) and
``generate-operation-token/update`` are, in Vault, the generate-root HTTP handlers with the DR
strategy: paths with their own handler (no client token, raw JSON answers, the body decoded
into a Go struct), so they are ``dedicated`` routes here. ``operation-token/delete`` is a
logical path that takes the DR operation token as its ``dr_operation_token`` parameter instead
of a client token (a DR secondary has none it can use): ``Route.dr_operation_token``.

They answer on a DR secondary only; anywhere else the server answers ``400 {"errors":["this
cluster is not a DR secondary"]}`` (Vault's own text for that case is not public).
"""

from __future__ import annotations

import json
from typing import Any

from ..conventions.errors import VaultError
from ..dr_operation_tokens import INVALID_DR_OPERATION_TOKEN
from ..routing import Reply, Request, Route
from ..status_values import DR, SECONDARY

__all__ = ["ATTEMPT", "NOT_A_DR_SECONDARY", "ROUTES", "UPDATE"]

_PREFIX = "sys/replication/dr/secondary/"
ATTEMPT = _PREFIX + "generate-operation-token/attempt"
UPDATE = _PREFIX + "generate-operation-token/update"
DELETE = _PREFIX + "operation-token/delete"
NOT_A_DR_SECONDARY = "this cluster is not a DR secondary"

_JSON_KINDS = {dict: "object", list: "array", bool: "bool", int: "number", float: "number"}


def _require_dr_secondary(request: Request) -> None:
    if request.core.replication.modes()[DR] != SECONDARY:
        raise VaultError(400, NOT_A_DR_SECONDARY)


def _go_struct(raw: bytes, struct: str, fields: dict[str, str]) -> dict[str, str] | None:
    """The body decoded as Go's ``json.Decoder`` fills a struct of string fields.

    ``None`` for an empty body (Go's ``io.EOF``). JSON keys match the fields' names ignoring
    case; other keys are ignored; ``null`` leaves a field empty. ``fields`` maps each JSON name
    to the field's name in Go's error texts.
    """
    text = raw.decode("utf-8", "replace").lstrip(" \t\r\n")
    if not text:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except ValueError as exc:
        reason = ("unexpected EOF" if getattr(exc, "pos", 0) >= len(text)
                  else f"invalid character {text[getattr(exc, 'pos', 0)]!r} in JSON input")
        raise VaultError(400, f"failed to parse JSON input: {reason}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), "string")
        raise VaultError(400, f"failed to parse JSON input: json: cannot unmarshal {kind} into "
                              f"Go value of type http.{struct}")
    out: dict[str, str] = {}
    for key, item in value.items():
        name = next((n for n in fields if n.lower() == str(key).lower()), None)
        if name is None or item is None:
            continue
        if not isinstance(item, str):
            kind = _JSON_KINDS.get(type(item), "string")
            raise VaultError(400, f"failed to parse JSON input: json: cannot unmarshal {kind} "
                                  f"into Go struct field {struct}.{fields[name]} of type string")
        out[name] = item
    return out


def _raw(reply: dict[str, Any]) -> Reply:
    return Reply(raw=json.dumps(reply, separators=(",", ":")).encode())


def read_attempt(request: Request) -> Reply:
    _require_dr_secondary(request)
    return _raw(request.core.dr_operation_tokens.status())


def start_attempt(request: Request) -> Reply:
    _require_dr_secondary(request)
    body = _go_struct(request.params.get("raw_body", b""), "GenerateRootInitRequest",
                      {"otp": "otp", "pgp_key": "pgp_key"}) or {}
    return _raw(request.core.dr_operation_tokens.start(body.get("otp", ""),
                                                       body.get("pgp_key", "")))


def cancel_attempt(request: Request) -> Reply:
    _require_dr_secondary(request)
    request.core.dr_operation_tokens.cancel()
    return Reply()


def update_attempt(request: Request) -> Reply:
    """One key share. An empty body is Go's ``io.EOF``, which Vault's handler answers as is."""
    _require_dr_secondary(request)
    body = _go_struct(request.params.get("raw_body", b""), "GenerateRootUpdateRequest",
                      {"nonce": "Nonce", "key": "Key"})
    if body is None:
        raise VaultError(400, "EOF")
    return _raw(request.core.dr_operation_tokens.update(body.get("key", ""),
                                                        body.get("nonce", "")))


def delete_operation_token(request: Request) -> Reply:
    """Revoke the DR operation token given as ``dr_operation_token`` (it authorizes itself)."""
    _require_dr_secondary(request)
    token = request.params.get("dr_operation_token", "")
    tokens = request.core.dr_operation_tokens
    if not tokens.valid(token):
        raise VaultError(400, INVALID_DR_OPERATION_TOKEN)
    tokens.revoke(token)
    return Reply()


ROUTES = [
    Route(ATTEMPT, {"read": read_attempt, "update": start_attempt, "delete": cancel_attempt},
          dedicated=True, json_body=True),
    Route(UPDATE, {"update": update_attempt}, dedicated=True, json_body=True),
    Route(DELETE, {"update": delete_operation_token},
          fields={"dr_operation_token": "string"}, dr_operation_token=True),
]

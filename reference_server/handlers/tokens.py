"""The token store endpoints a client needs to provision a limited token, as in Vault."""

from __future__ import annotations

from typing import Any

from ..acl import TokenEntry, sanitize_policy_name, token_hash
from ..conventions.errors import VaultError, multierror
from ..replication import rfc3339
from ..routing import Reply, Request, Route
from ..topology.wal import TokenPut, TokenRevoke

__all__ = ["ROUTES"]

#: Vault's default and maximum token TTL (``default_lease_ttl`` / ``max_lease_ttl``): 768h.
MAX_TTL = 768 * 3600

CREATE_FIELDS = {
    "policies": "string_list",
    "ttl": "go_duration",
    "explicit_max_ttl": "go_duration",
    "period": "go_duration",
    "no_default_policy": "bool",
    "no_parent": "bool",
    "display_name": "string",
    "num_uses": "int",
    "renewable": "bool",
    "meta": "kv",
    "id": "string",
    "type": "string",
}


def _caller(request: Request) -> TokenEntry:
    """The authenticated caller (the dispatcher only routes here with a live token)."""
    if request.token is None or request.token_value is None:
        raise VaultError(403, "permission denied")
    return request.token


def _has_sudo(request: Request, parent: TokenEntry) -> bool:
    """Root, or ``sudo`` on the path asked for (``auth/token/create``): what Vault's token
    store requires to choose a token's id or to create an orphan."""
    if parent.is_root:
        return True
    caps = request.core.policies.acl(parent.policies).capabilities(request.path)
    return "sudo" in caps and "deny" not in caps


def _child_policies(request: Request, parent: TokenEntry) -> list[str]:
    params = request.params
    requested = params.get("policies")
    if not requested:
        policies = [p for p in parent.policies if not (p == "default" and not parent.is_root)]
        if parent.is_root:
            return ["root"]
    else:
        # Vault's policyutil.SanitizePolicies: trimmed, lower case, unnamed ones dropped.
        policies = sorted({sanitize_policy_name(p) for p in requested} - {""})
    if not parent.is_root:
        sudo = request.core.policies.acl(parent.policies).allows(
            "auth/token/create", "update", sudo=True
        )
        wanted = set(policies) - {"default"}
        if not sudo and not wanted <= set(parent.policies):
            raise VaultError(400, "child policies must be subset of parent")
    if "root" in policies and not parent.is_root:
        raise VaultError(400, "root tokens may not be created without parent token being root")
    if "root" in policies:
        return ["root"]
    if not params.get("no_default_policy", False) and "default" not in policies:
        policies.append("default")
    return sorted(policies)


def create_token(request: Request) -> Reply:
    params = request.params
    parent = _caller(request)
    if params.get("type", "service") not in ("service", "default"):
        raise VaultError(400, "only service tokens are supported by this server")
    if params.get("num_uses", 0) < 0:
        raise VaultError(400, "number of uses cannot be negative")
    sudo = _has_sudo(request, parent)
    if "id" in params and not sudo:
        raise VaultError(400, "root or sudo privileges required to specify token id")
    if params.get("no_parent") and not sudo:
        raise VaultError(400, "root or sudo privileges required to create orphan token")
    policies = _child_policies(request, parent)
    warnings = []
    ttl = params.get("period") or params.get("ttl") or 0
    explicit_max = params.get("explicit_max_ttl", 0)
    if policies != ["root"] or ttl:
        ttl = ttl or MAX_TTL
        if ttl > MAX_TTL:
            warnings.append(f"TTL of {ttl}s exceeded the effective max_ttl of {MAX_TTL}s; "
                            f"TTL value is capped accordingly")
            ttl = MAX_TTL
        if explicit_max:
            ttl = min(ttl, min(explicit_max, MAX_TTL))
        if parent.expire_time is not None:
            remaining = int(parent.expire_time - request.core.clock())
            ttl = max(1, min(ttl, remaining))
    try:
        value, entry = request.core.tokens.create(
            token=params.get("id") or None,
            policies=policies,
            parent=parent,
            display_name="token" + (f"-{params['display_name']}" if params.get("display_name")
                                    else ""),
            ttl=ttl,
            explicit_max_ttl=min(explicit_max, MAX_TTL),
            num_uses=params.get("num_uses", 0),
            meta=params.get("meta") or None,
            renewable=params.get("renewable", True) and ttl != 0,
            orphan=params.get("no_parent", False),
        )
    except ValueError as exc:
        raise VaultError(400, str(exc)) from None
    request.core.node.record(TokenPut(entry))
    auth = {
        "client_token": value,
        "accessor": entry.accessor,
        "policies": entry.policies,
        "token_policies": entry.policies,
        "identity_policies": None,
        "metadata": entry.meta,
        "lease_duration": entry.ttl,
        "renewable": entry.renewable,
        "entity_id": "",
        "token_type": "service",
        "orphan": entry.orphan,
        "mfa_requirement": None,
        "num_uses": entry.num_uses,
    }
    return Reply(auth=auth, warnings=warnings)


def _token_data(request: Request, entry: TokenEntry, value: bytes) -> dict[str, Any]:
    now = request.core.clock()
    expire = entry.expire_time
    return {
        "accessor": entry.accessor,
        "creation_time": int(entry.creation_time),
        "creation_ttl": entry.ttl,
        "display_name": entry.display_name,
        "entity_id": "",
        "expire_time": None if expire is None else rfc3339(expire),
        "explicit_max_ttl": entry.explicit_max_ttl,
        "id": value.decode("utf-8", "replace"),
        "issue_time": rfc3339(entry.creation_time),
        "meta": entry.meta,
        "num_uses": max(entry.num_uses, 0),
        "orphan": entry.orphan,
        "path": entry.path,
        "policies": entry.policies,
        "renewable": entry.renewable,
        "ttl": 0 if expire is None else max(0, int(expire - now)),
        "type": "service",
    }


def lookup_self(request: Request) -> Reply:
    entry = _caller(request)
    return Reply(data=_token_data(request, entry, request.token_value or b""))


def lookup(request: Request) -> Reply:
    """``auth/token/lookup``: the token in the body, or the caller's own when none is given."""
    token = request.params.get("token", "")
    if not token:
        return lookup_self(request)
    entry = request.core.tokens.lookup(token)
    if entry is None:
        raise VaultError(403, "bad token")
    return Reply(data=_token_data(request, entry, token.encode("utf-8", "surrogateescape")))


def revoke_self(request: Request) -> Reply:
    entry = _caller(request)
    request.core.tokens.revoke_entry(entry)
    request.core.node.record(TokenRevoke(entry.key))
    return Reply()


def revoke(request: Request) -> Reply:
    token = request.params.get("token", "")
    if not token:
        raise VaultError(400, "missing token ID")
    request.core.tokens.revoke(token)
    request.core.node.record(TokenRevoke(token_hash(token)))
    return Reply()


def list_accessors(request: Request) -> Reply:
    """``LIST auth/token/accessors``: every live token's accessor (a root path: sudo)."""
    return Reply(data={"keys": request.core.tokens.accessors()})


def _accessor(request: Request) -> str:
    accessor = request.params.get("accessor", "")
    if not accessor:
        raise VaultError(400, multierror("missing accessor"))
    return str(accessor)


def lookup_accessor(request: Request) -> Reply:
    """``auth/token/lookup-accessor``: the token's properties, its id blank, as Vault shows
    them; an unknown accessor is 400 "invalid accessor"."""
    entry = request.core.tokens.by_accessor(_accessor(request))
    if entry is None:
        raise VaultError(400, multierror("invalid accessor"))
    return Reply(data=_token_data(request, entry, b""))


def revoke_accessor(request: Request) -> Reply:
    """``auth/token/revoke-accessor``: revoke the token (204); an unknown accessor is answered
    200 with a warning, as Vault answers it."""
    entry = request.core.tokens.by_accessor(_accessor(request))
    if entry is None:
        return Reply(warnings=["No token found with this accessor"])
    request.core.tokens.revoke_entry(entry)
    request.core.node.record(TokenRevoke(entry.key))
    return Reply()


def capabilities_self(request: Request) -> Reply:
    """Capabilities of the caller's token on each path (``paths``, or the older ``path``)."""
    return _capabilities(request, _caller(request))


def capabilities(request: Request) -> Reply:
    """``sys/capabilities``: the same question about the token given in the body.

    Vault answers a missing token with a 500 (``no token found``); the reference server never
    answers 5xx to client input, so it says the same with 400.
    """
    token = request.params.get("token", "")
    if not token:
        raise VaultError(400, multierror("no token found"))
    entry = request.core.tokens.lookup(token)
    if entry is None:
        raise VaultError(400, multierror("invalid token"))
    return _capabilities(request, entry)


def _capabilities(request: Request, token: TokenEntry) -> Reply:
    paths = request.params.get("paths") or request.params.get("path")
    if not paths:
        raise VaultError(400, "paths must be supplied")
    acl = request.core.policies.acl(token.policies)
    data: dict[str, Any] = {}
    for path in paths:
        caps = acl.capabilities(path.lstrip("/"))
        data[path] = ["deny"] if not caps or "deny" in caps else sorted(caps)
    if len(paths) == 1:
        data["capabilities"] = data[paths[0]]
    # Vault copies each path's capabilities to the top level too (for older clients).
    return Reply(data=data, top_level=dict(data))


ROUTES = [
    Route("auth/token/create", {"update": create_token}, fields=CREATE_FIELDS),
    Route("auth/token/lookup-self", {"read": lookup_self, "update": lookup_self}),
    Route("auth/token/revoke-self", {"update": revoke_self}),
    Route("auth/token/revoke", {"update": revoke}, fields={"token": "string"}),
    Route("auth/token/lookup", {"read": lookup, "update": lookup}, fields={"token": "string"}),
    Route("auth/token/accessors", {"list": list_accessors}, sudo=True),
    Route("auth/token/lookup-accessor", {"update": lookup_accessor},
          fields={"accessor": "string"}),
    Route("auth/token/revoke-accessor", {"update": revoke_accessor},
          fields={"accessor": "string"}),
    Route("sys/capabilities-self", {"update": capabilities_self},
          fields={"paths": "string_list", "path": "string_list"}),
    Route("sys/capabilities", {"update": capabilities},
          fields={"token": "string", "paths": "string_list", "path": "string_list"}),
]

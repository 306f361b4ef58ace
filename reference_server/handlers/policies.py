"""``sys/policies/acl``: list, read, write and delete ACL policies (HCL text)."""

from __future__ import annotations

import base64
import binascii

from ..acl import sanitize_policy_name
from ..conventions.errors import VaultError
from ..hcl import PolicyParseError
from ..routing import Reply, Request, Route
from ..topology.wal import PolicyDelete, PolicyPut

__all__ = ["ROUTES"]


def list_policies(request: Request) -> Reply:
    return Reply(data={"keys": request.core.policies.names()})


def policy_exists(request: Request) -> bool:
    return request.core.policies.get(request.variables["name"]) is not None


def read_policy(request: Request) -> Reply:
    # The name is the rest of the path, as Vault's route captures it: ``acl/default/`` names
    # the policy ``default/``, which does not exist; the store trims and lower-cases it, so
    # ``acl/Default%20`` reads ``default`` (and answers that name).
    policy = request.core.policies.get(request.variables["name"])
    if policy is None:
        raise VaultError(404)
    return Reply(data={"name": policy.name, "policy": policy.text})


def _decode(text: str) -> str:
    """Vault accepts the policy text base64-encoded as well as plain."""
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return text
    return decoded


def write_policy(request: Request) -> Reply:
    given = request.variables["name"]
    name = sanitize_policy_name(given)
    if not name:
        raise VaultError(400, "policy name must be provided in the URL")
    if name == "root":
        raise VaultError(400, 'cannot update "root" policy')
    text = request.params.get("policy", "")
    if not text:
        raise VaultError(400, "'policy' parameter not supplied or empty")
    decoded = _decode(text)
    try:
        request.core.policies.put(name, decoded)
    except PolicyParseError as exc:
        raise VaultError(400, f"failed to parse policy: {exc}") from None
    request.core.node.record(PolicyPut(name, decoded))
    # Vault's handler lower-cases the name it was given and says so when that changed it
    # (a 200 with the warning instead of a 204); the trimming happens later, in the store,
    # without a word.
    lowered = given.lower()
    return Reply(warnings=[] if lowered == given else [f"policy name was converted to {lowered}"])


def delete_policy(request: Request) -> Reply:
    name = sanitize_policy_name(request.variables["name"])
    if name == "default":
        raise VaultError(400, "cannot delete default policy")
    if name == "root":
        raise VaultError(400, 'cannot delete "root" policy')
    request.core.policies.delete(name)
    request.core.node.record(PolicyDelete(name))
    return Reply()


ROUTES = [
    Route("sys/policies/acl", {"list": list_policies}),
    Route(
        "sys/policies/acl/:name",
        {"read": read_policy, "update": write_policy, "delete": delete_policy},
        fields={"name": "string", "policy": "string"},
        exists=policy_exists,
    ),
]

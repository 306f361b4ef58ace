"""Before any check: is each given token one the target knows and the run can use?

``token_problem`` looks a token up (``GET auth/token/lookup-self``, the suite's bookkeeping:
not judged, not in reports). A wrong token is the user's mistake, not the target's deviation, so
the runner stops with one sentence (exit 2) instead of blaming the target with dozens of 403s.
``capability_shortfalls`` then reads what a token may do (``POST sys/capabilities-self``) on the
paths the selected checks and provisioning need: a token without sudo on reindex would have
every sudo-token check fail with a 403, which is the token's shortfall, not the target's.

How Vault answers the lookup (verified on OpenBao 2.7.2, Vault 1.14's token store and ACL):
- a token it does not know (invalid, expired, revoked): 403 ``permission denied`` *unwrapped*,
  from the token check before any ACL (Vault >= 1.15 adds a second error, ``invalid token``);
- a valid token whose policies do not grant lookup-self (a token made with
  ``no_default_policy``): 403 wrapped by the ACL layer, ``1 error occurred:\n\t* permission
  denied\n\n`` — the token exists, so the run goes on;
- a token with a use limit answers 200 with ``num_uses`` > 0 (and the lookup spends one use):
  a run sends hundreds of requests, so such a token is unusable;
- any other answer says nothing about the token, and the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

from replcheck.conformance.transport.client import Credential, RecordingClient
from replcheck.conformance.transport.exchange import Exchange

LOOKUP_SELF = "/v1/auth/token/lookup-self"
#: Vault's ACL layer wraps its denials in a multierror; its token check does not.
_WRAPPED = "error occurred"


def token_problem(client: RecordingClient, credential: Credential) -> str | None:
    """Why the target cannot be judged with this token (a phrase following "the --token"),
    or None when it is usable (or valid but not allowed to look itself up)."""
    answer = client.send("GET", LOOKUP_SELF, credential=credential, record=False)
    errors = answer.errors_text()
    if answer.status == 403:
        if "invalid token" in errors or _WRAPPED not in errors:
            return (
                f"was refused by the target ({_said(answer)}): it is invalid, expired or "
                "revoked; pass a valid token"
            )
        return None
    if answer.status == 200:
        data = answer.data() or {}
        uses = data.get("num_uses")
        if isinstance(uses, int) and not isinstance(uses, bool) and uses > 0:
            return (
                f"can be used only {uses} more time(s) (num_uses), and a run sends hundreds "
                "of requests; pass a token without a use limit"
            )
        return None
    # Any other answer (a proxy that only forwards sys/replication, a standby's redirect) says
    # nothing about the token: the checks will show what it can do.
    return None


def _said(answer: Exchange) -> str:
    errors = " ".join(answer.errors_text().split())
    return f"GET {LOOKUP_SELF} answered {answer.status}" + (f" {errors[:120]}" if errors else "")


CAPABILITIES_SELF = "/v1/sys/capabilities-self"


def capabilities(
    client: RecordingClient, credential: Credential, paths: list[str]
) -> dict[str, list[str]] | None:
    """The token's capabilities on each path (``POST sys/capabilities-self``, bookkeeping:
    not judged, not in reports), or None when the target would not say (a token whose
    policies do not grant capabilities-self, a proxy that forwards only sys/replication).

    Vault answers each path under ``data`` and again at the top level (verified on OpenBao
    2.7.2): ``["root"]`` for a root token, ``["deny"]`` where nothing is granted."""
    answer = client.send(
        "POST", CAPABILITIES_SELF, credential=credential, json={"paths": paths}, record=False
    )
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict):
        return None
    nested = body.get("data")
    data = nested if isinstance(nested, dict) else body
    granted = {
        path: [str(c) for c in data[path]] for path in paths if isinstance(data.get(path), list)
    }
    return granted or None


@dataclass(frozen=True)
class Shortfall:
    """A path on which a token lacks capabilities the run needs."""

    path: str
    missing: list[str]
    #: What sys/capabilities-self said the token has there.
    granted: list[str]

    def words(self) -> str:
        *rest, last = self.missing
        return f"{', '.join(rest) + ' and ' if rest else ''}{last} on {self.path}"


def capability_shortfalls(
    granted: dict[str, list[str]] | None, needs: dict[str, tuple[str, ...]]
) -> list[Shortfall]:
    """Every path on which the token lacks a capability the run needs (``granted``: what
    ``capabilities`` read), those lacking sudo first; none when it has them all, or when the
    target would not say (the checks then show what the token can do, as before)."""
    if granted is None:
        return []
    shortfalls = []
    for path, wanted in needs.items():
        have = granted.get(path)
        if have is None or "root" in have:
            continue
        missing = [capability for capability in wanted if capability not in have]
        if missing:
            shortfalls.append(Shortfall(path, missing, have))
    return sorted(shortfalls, key=lambda s: "sudo" not in s.missing)

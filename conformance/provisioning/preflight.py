"""Before any check: is each given token one the target knows and the run can use?

``token_problem`` looks a token up (``GET auth/token/lookup-self``, the suite's bookkeeping:
not judged, not in reports). A wrong token is the user's mistake, not the target's deviation, so
the runner stops with one sentence (exit 2) instead of blaming the target with dozens of 403s.

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

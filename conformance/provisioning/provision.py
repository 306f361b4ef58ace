"""Provision the tokens the sudo and capability checks need, and always clean them up.

Only when asked (``--provision``, or the ``full`` profile) and only what a selected check
needs: with only a sudo token, the suite creates up to two policies and one token for each:
- *non-sudo*: ``update`` (no ``sudo``) on ``sys/replication/*`` — for REINDEX-SUDO, the path
  variants, and the successful recover (update is all recover needs);
- *no-update*: ``read`` only on ``sys/replication/*`` — for RECOVER-CAPABILITY.

``Provisioner`` is a context manager: on leaving it (normally, on an exception, or on Ctrl-C),
both tokens are revoked and both policies deleted. Whatever cannot be provisioned leaves its
credential None with the reason, and the checks needing it are reported *not run*, never passed.
Provisioning requests are the suite's bookkeeping: they are not judged and not in reports.

What to remove is written down *before* each request goes out, so an interruption while an
answer is in flight still leaves nothing behind:
- a policy's name before it is written (deleting a policy that was never made is harmless);
- a token's id before it is created: a root token (or one with sudo on ``auth/token/create``)
  may choose the id of the token it creates (Vault's ``id`` parameter), so the suite draws it
  and can revoke it whether or not the answer arrived. In Vault any token able to give a child
  a policy it does not hold itself has that sudo (else: "child policies must be subset of
  parent"), so this covers every token that can provision at all. A server that refuses the id
  (400 ``root or sudo privileges required to specify token id``; the reference server does for
  every token but root) gets a create without it; the token is then known by its display name,
  and if its answer is lost, cleanup looks for it among the token accessors
  (``LIST auth/token/accessors``, which needs sudo), or prints how to do it by hand. Vault
  stores a chosen id's hash as SHA1 rather than its HMAC (it warns so); the ids are 192-bit
  random and the tokens live 30 minutes at most.
Cleanup itself is shielded from Ctrl-C, SIGTERM and SIGHUP
(``replcheck.conformance.concurrency.interruption.shielded``).

What nothing can clean up at the time (SIGKILL, a lost machine) is left findable: every policy
is named ``replcheck-<run id>-<kind>`` (``POLICY_NAME``), every token carries the run id in its
metadata (``RUN_ID_META``) and display name and lives ``TOKEN_TTL`` at most, and
``replcheck cleanup`` (``replcheck.conformance.provisioning.leftovers``) finds and removes them
later.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from types import TracebackType

from replcheck.conformance.concurrency.interruption import shielded
from replcheck.conformance.judging import contract
from replcheck.conformance.transport.client import Credential, RecordingClient, TargetUnreachable
from replcheck.conformance.transport.exchange import Exchange
from replcheck.conformance.transport.masking import NO_UPDATE_LABEL, NON_SUDO_LABEL

POLICY_PATH = "/v1/sys/policies/acl/"
CREATE_PATH = "/v1/auth/token/create"
REVOKE_PATH = "/v1/auth/token/revoke"
NON_SUDO_POLICY = 'path "sys/replication/*" {\n  capabilities = ["update"]\n}\n'
NO_UPDATE_POLICY = 'path "sys/replication/*" {\n  capabilities = ["read"]\n}\n'
#: The policy each kind of provisioned token holds, as written (cleanup removes a policy only
#: when its rules are exactly these).
POLICY_TEXT = {"non-sudo": NON_SUDO_POLICY, "no-update": NO_UPDATE_POLICY}
#: The provisioned tokens' lifetime: a run whose cleanup never ran (SIGKILL, a lost machine)
#: leaves tokens that expire on their own within it (its policies stay until
#: ``replcheck cleanup``).
TOKEN_TTL = "30m"
#: The token metadata key holding the run id.
RUN_ID_META = "replcheck-run-id"
#: A provisioned policy's name; a token's display name is Vault's ``token-`` and the same.
POLICY_NAME = re.compile(r"replcheck-(?P<run_id>[0-9a-f]{8})-(?P<kind>non-sudo|no-update)")
#: Vault's answer when the caller may not choose a token's id.
_ID_REFUSED = "specify token id"
#: At most this many accessors are looked up when searching for a token whose answer was lost.
MAX_ACCESSOR_LOOKUPS = 2000


@dataclass
class PendingToken:
    """A token the run created or may have created: what it takes to revoke it."""

    name: str
    #: The token itself: chosen before the create request, or read from its answer.
    token: str | None = None
    accessor: str | None = None

    @property
    def display_name(self) -> str:
        return f"token-{self.name}"


@dataclass
class Provisioned:
    non_sudo: Credential | None = None
    no_update: Credential | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    policies: list[str] = field(default_factory=list)
    tokens: list[PendingToken] = field(default_factory=list)
    #: What cleanup removed, one line each, for the run to print.
    cleaned: list[str] = field(default_factory=list)
    #: What cleanup could not remove, each with the command to do it by hand.
    cleanup_problems: list[str] = field(default_factory=list)

    @property
    def made(self) -> int:
        """Tokens known to exist (their create answer arrived)."""
        return sum(1 for t in self.tokens if t.accessor is not None)


def _describe(exchange: Exchange) -> str:
    errors = " ".join(exchange.errors_text().split())
    return f"{exchange.request.method} {exchange.request.url} answered {exchange.status}" + (
        f" ({errors[:120]})" if errors else ""
    )


class Provisioner:
    """Creates what is missing on enter, removes what it created on exit."""

    def __init__(
        self,
        client: RecordingClient,
        sudo: Credential,
        *,
        want_non_sudo: bool,
        want_no_update: bool = True,
    ) -> None:
        self._client = client
        self._sudo = sudo
        self._want_non_sudo = want_non_sudo
        self._want_no_update = want_no_update
        #: Names every policy and token of this run, for ``replcheck cleanup --run-id``.
        self.run_id = secrets.token_hex(4)
        self._prefix = f"replcheck-{self.run_id}"
        #: False once the target said the sudo token may not choose token ids.
        self._may_choose_id = True
        self.result = Provisioned()

    @property
    def kinds(self) -> list[str]:
        """The tokens (each with its policy) this provisioner makes."""
        return (["non-sudo"] if self._want_non_sudo else []) + (
            ["no-update"] if self._want_no_update else []
        )

    def capabilities_needed(self) -> dict[str, tuple[str, ...]]:
        """What the sudo token must be allowed, path by path, to provision and clean up (as
        Vault's ACL sees it, verified on OpenBao 2.7.2): write and delete each policy; create
        a token whose policies are not a subset of its own (sudo on auth/token/create, else
        "child policies must be subset of parent"); revoke it."""
        needed: dict[str, tuple[str, ...]] = {
            f"{POLICY_PATH}{self._prefix}-{kind}".removeprefix("/v1/"): ("update", "delete")
            for kind in self.kinds
        }
        needed[CREATE_PATH.removeprefix("/v1/")] = ("update", "sudo")
        needed[REVOKE_PATH.removeprefix("/v1/")] = ("update",)
        return needed

    def plan_lines(self) -> list[str]:
        """What provisioning would send, for ``--plan``."""
        lines = []
        for kind in self.kinds:
            lines.append(f"PUT {POLICY_PATH}{self._prefix}-{kind}  (create the {kind} policy)")
            lines.append(f"POST {CREATE_PATH}  (a token with only the {kind} policy)")
        lines.append(
            "at the end: POST /v1/auth/token/revoke for each token, "
            f"DELETE {POLICY_PATH}<name> for each policy"
        )
        return lines

    def __enter__(self) -> Provisioned:
        try:
            if self._want_non_sudo:
                self.result.non_sudo = self._token("non-sudo", NON_SUDO_POLICY)
            if self._want_no_update:
                self.result.no_update = self._token("no-update", NO_UPDATE_POLICY)
        except BaseException:
            self._cleanup()
            raise
        return self.result

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cleanup()

    def _send(self, method: str, path: str, **kwargs: object) -> Exchange:
        return self._client.send(method, path, credential=self._sudo, record=False, **kwargs)  # type: ignore[arg-type]

    def _token(self, kind: str, policy: str) -> Credential | None:
        name = f"{self._prefix}-{kind}"
        self.result.policies.append(name)
        created = self._send("PUT", POLICY_PATH + name, json={"policy": policy})
        if created.status not in contract.write_successes():
            self.result.policies.remove(name)  # refused: nothing was made
            self.result.reasons[kind] = (
                f"the --token cannot create a policy ({_describe(created)}); "
                f"pass --non-sudo-token or a token allowed to write sys/policies/acl"
            )
            return None
        label = NON_SUDO_LABEL if kind == "non-sudo" else NO_UPDATE_LABEL
        pending = PendingToken(name)
        self.result.tokens.append(pending)
        answer = self._create(pending, label)
        if answer.status == 400 and _ID_REFUSED in answer.errors_text():
            self._may_choose_id = False
            answer = self._create(pending, label)
        body = answer.json() if answer.status == 200 else None
        auth = (body or {}).get("auth", {}) if isinstance(body, dict) else {}
        value = auth.get("client_token") if isinstance(auth, dict) else None
        if not isinstance(value, str) or not value:
            if answer.status is not None and 400 <= answer.status < 500:
                self.result.tokens.remove(pending)  # refused: nothing was made
            self.result.reasons[kind] = (
                f"the --token cannot create a token ({_describe(answer)}); pass --non-sudo-token"
            )
            return None
        # The answer comes back masked: the chosen id reads as its label there. A server that
        # ignored the id answers another token, which is the one to use (and to revoke).
        token = pending.token if value == label and pending.token else value
        pending.token = token
        accessor = auth.get("accessor")
        pending.accessor = accessor if isinstance(accessor, str) and accessor else ""
        self._client.masker.add(token, label)
        return Credential(token)

    def _create(self, pending: PendingToken, label: str) -> Exchange:
        """POST auth/token/create; the id (when the token may choose it) is noted first."""
        request: dict[str, object] = {
            "policies": [pending.name],
            "no_default_policy": True,
            "ttl": TOKEN_TTL,
            "renewable": False,
            "display_name": pending.name,
            "meta": {RUN_ID_META: self.run_id},
        }
        pending.token = None
        if self._may_choose_id:
            # Vault refuses ids holding a "." (so also its own hvs./s. shapes): the URL-safe
            # alphabet has none.
            pending.token = secrets.token_urlsafe(24)
            self._client.masker.add(pending.token, label)
            request["id"] = pending.token
        return self._send("POST", CREATE_PATH, json=request)

    def _cleanup(self) -> None:
        with shielded(self._client.stop):
            self._remove_tokens()
            for name in self.result.policies:
                if self._attempt(
                    "DELETE",
                    POLICY_PATH + name,
                    f"delete the policy {name}",
                    f"vault policy delete {name}",
                ):
                    self.result.cleaned.append(f"deleted the policy {name}")
            self.result.tokens.clear()
            self.result.policies.clear()

    def _remove_tokens(self) -> None:
        lost: list[PendingToken] = []
        for pending in self.result.tokens:
            what = f"revoke the token {pending.name}"
            if pending.token is not None:
                by_hand = (
                    f"vault token revoke -accessor {pending.accessor}"
                    if pending.accessor
                    else "vault token revoke -self, with that token"
                )
                if self._attempt(
                    "POST", REVOKE_PATH, what, by_hand, json={"token": pending.token}
                ):
                    self.result.cleaned.append(
                        f"revoked the token {pending.name}"
                        + ("" if pending.accessor is not None else " by the id it was given")
                    )
            else:
                lost.append(pending)
        if lost:
            self._revoke_by_display_name(lost)

    def _revoke_by_display_name(self, lost: list[PendingToken]) -> None:
        """Find tokens whose create answer never arrived among the accessors, and revoke them."""
        wanted = {p.display_name: p for p in lost}
        by_hand = (
            "vault list auth/token/accessors, then for each accessor "
            "vault token lookup -accessor ACCESSOR, and vault token revoke -accessor ACCESSOR "
            "for the one whose display_name is "
        )
        try:
            listed = self._send("LIST", "/v1/auth/token/accessors", cleanup=True)
            data = listed.data() or {}
            keys = data.get("keys") if listed.status == 200 else None
            if not isinstance(keys, list):
                raise LookupError(f"could not list token accessors ({_describe(listed)})")
            for accessor in keys[:MAX_ACCESSOR_LOOKUPS]:
                if not wanted:
                    break
                looked = self._send(
                    "POST",
                    "/v1/auth/token/lookup-accessor",
                    json={"accessor": accessor},
                    cleanup=True,
                )
                shown = (looked.data() or {}).get("display_name")
                pending = wanted.pop(shown, None) if isinstance(shown, str) else None
                if pending is None:
                    continue
                if self._attempt(
                    "POST",
                    "/v1/auth/token/revoke-accessor",
                    f"revoke the token {pending.name}",
                    f"vault token revoke -accessor {accessor}",
                    json={"accessor": accessor},
                ):
                    self.result.cleaned.append(
                        f"revoked the token {pending.name} (found by its accessor)"
                    )
        except (LookupError, TargetUnreachable) as exc:
            for pending in wanted.values():
                self.result.cleanup_problems.append(
                    f"the token {pending.name} may exist (its create answer never arrived) and "
                    f"could not be found: {exc}; by hand: {by_hand}{pending.display_name} "
                    f"(it expires within {TOKEN_TTL} and its policy is deleted)"
                )
            return
        for pending in wanted.values():
            self.result.cleaned.append(
                f"the token {pending.name} was never created (no accessor has its display name)"
            )

    def _attempt(self, method: str, path: str, what: str, by_hand: str, **kwargs: object) -> bool:
        try:
            answer = self._send(method, path, cleanup=True, **kwargs)
        except TargetUnreachable as exc:
            self.result.cleanup_problems.append(f"could not {what}: {exc}; by hand: {by_hand}")
            return False
        if answer.status not in contract.write_successes():
            self.result.cleanup_problems.append(
                f"could not {what}: {_describe(answer)}; by hand: {by_hand}"
            )
            return False
        return True


"""Provision the tokens the sudo and capability checks need, and always clean them up.

With only a sudo token, the suite creates two policies and one token for each:
- *non-sudo*: ``update`` (no ``sudo``) on ``sys/replication/*`` — for REINDEX-SUDO, the path
  variants, and the successful recover (update is all recover needs);
- *no-update*: ``read`` only on ``sys/replication/*`` — for RECOVER-CAPABILITY.

``Provisioner`` is a context manager: on leaving it (normally, on an exception, or on Ctrl-C),
both tokens are revoked and both policies deleted. Whatever cannot be provisioned leaves its
credential None with the reason, and the checks needing it are reported *not run*, never passed.
Provisioning requests are the suite's bookkeeping: they are not judged and not in reports.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from types import TracebackType

from conformance.client import Credential, RecordingClient, TargetUnreachable
from conformance.exchange import Exchange
from conformance.target import NO_UPDATE_LABEL, NON_SUDO_LABEL

POLICY_PATH = "/v1/sys/policies/acl/"
NON_SUDO_POLICY = 'path "sys/replication/*" {\n  capabilities = ["update"]\n}\n'
NO_UPDATE_POLICY = 'path "sys/replication/*" {\n  capabilities = ["read"]\n}\n'
TOKEN_TTL = "30m"


@dataclass
class Provisioned:
    non_sudo: Credential | None = None
    no_update: Credential | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    policies: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    cleanup_problems: list[str] = field(default_factory=list)


def _describe(exchange: Exchange) -> str:
    errors = " ".join(exchange.errors_text().split())
    return f"{exchange.request.method} {exchange.request.url} answered {exchange.status}" + (
        f" ({errors[:120]})" if errors else ""
    )


class Provisioner:
    """Creates what is missing on enter, removes what it created on exit."""

    def __init__(self, client: RecordingClient, sudo: Credential, *, want_non_sudo: bool) -> None:
        self._client = client
        self._sudo = sudo
        self._want_non_sudo = want_non_sudo
        self._prefix = f"replcheck-{secrets.token_hex(4)}"
        self.result = Provisioned()

    def plan_lines(self) -> list[str]:
        """What provisioning would send, for ``--plan``."""
        lines = []
        kinds = (["non-sudo"] if self._want_non_sudo else []) + ["no-update"]
        for kind in kinds:
            lines.append(f"PUT {POLICY_PATH}{self._prefix}-{kind}  (create the {kind} policy)")
            lines.append(f"POST /v1/auth/token/create  (a token with only the {kind} policy)")
        lines.append(
            "at the end: POST /v1/auth/token/revoke for each token, "
            f"DELETE {POLICY_PATH}<name> for each policy"
        )
        return lines

    def __enter__(self) -> Provisioned:
        try:
            if self._want_non_sudo:
                self.result.non_sudo = self._token("non-sudo", NON_SUDO_POLICY)
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
        created = self._send("PUT", POLICY_PATH + name, json={"policy": policy})
        if created.status not in (200, 204):
            self.result.reasons[kind] = (
                f"the --token cannot create a policy ({_describe(created)}); "
                f"pass --non-sudo-token or a token allowed to write sys/policies/acl"
            )
            return None
        self.result.policies.append(name)
        answer = self._send(
            "POST",
            "/v1/auth/token/create",
            json={
                "policies": [name],
                "no_default_policy": True,
                "ttl": TOKEN_TTL,
                "renewable": False,
                "display_name": name,
            },
        )
        body = answer.json() if answer.status == 200 else None
        token = (body or {}).get("auth", {}) if isinstance(body, dict) else {}
        value = token.get("client_token") if isinstance(token, dict) else None
        if not isinstance(value, str) or not value:
            self.result.reasons[kind] = (
                f"the --token cannot create a token ({_describe(answer)}); pass --non-sudo-token"
            )
            return None
        self.result.tokens.append(value)
        label = NON_SUDO_LABEL if kind == "non-sudo" else NO_UPDATE_LABEL
        self._client.masker.add(value, label)
        return Credential(value)

    def _cleanup(self) -> None:
        for token in self.result.tokens:
            self._attempt(
                "revoke a provisioned token", "POST", "/v1/auth/token/revoke", json={"token": token}
            )
        for name in self.result.policies:
            self._attempt(f"delete policy {name}", "DELETE", POLICY_PATH + name)
        self.result.tokens.clear()
        self.result.policies.clear()

    def _attempt(self, what: str, method: str, path: str, **kwargs: object) -> None:
        try:
            answer = self._send(method, path, **kwargs)
        except TargetUnreachable as exc:
            self.result.cleanup_problems.append(f"could not {what}: {exc}")
            return
        if answer.status not in (200, 204):
            self.result.cleanup_problems.append(f"could not {what}: {_describe(answer)}")


def has_sudo(client: RecordingClient, credential: Credential, path: str) -> bool | None:
    """Whether a token has sudo (or root) on ``path`` per sys/capabilities-self; None when the
    target cannot say."""
    answer = client.send(
        "POST",
        "/v1/sys/capabilities-self",
        credential=credential,
        json={"paths": [path]},
        record=False,
    )
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict):
        return None
    data = body.get("data") if isinstance(body.get("data"), dict) else body
    capabilities = data.get(path, data.get("capabilities"))
    if not isinstance(capabilities, list):
        return None
    return "sudo" in capabilities or "root" in capabilities

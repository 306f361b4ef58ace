"""``VaultTarget``: the target users' tests get from the ``vault_target`` fixture."""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from replcheck.conformance.judging import contract
from replcheck.conformance.provisioning.provision import Provisioner
from replcheck.conformance.settings.target import Profile, Settings
from replcheck.conformance.transport.client import Credential, RecordingClient
from replcheck.conformance.transport.masking import Masker
from replcheck.conformance.transport.tls import client_context, server_name_hook
from replcheck.spec.violations import violations

#: The label a masked sudo token reads as, the same as in the engine's reports.
#: Relative to ``VaultTarget.api_url``.
STATUS_PATH = "sys/replication/status"


@dataclass(frozen=True)
class VaultTarget(Settings):
    """Where the session points, with which tokens, and how TLS is verified: the engine's
    ``Settings`` (every setting declared once there, with its flag, variable and ini key), with
    ``url`` always given and what only the plugin knows.

    The tokens are left out of ``repr`` (as in ``Settings``) so that pytest's assertion
    rewriting and ``-l`` never show them; the plugin also masks them in every report of the
    session.
    """

    #: Narrowed: a target has an address, a profile and a seed (the plugin resolves them).
    url: str = ""
    profile: Profile = "safe"
    seed: int = 0
    #: True when the plugin started the reference server for this session.
    embedded: bool = False
    #: Called for each request a client of ``client()`` sends: the plugin counts the requests
    #: of each test, for its summary and reports.
    on_request: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.url:
            raise ValueError("a VaultTarget has an address: url must be given")

    @classmethod
    def of(cls, settings: Settings, **changes: Any) -> VaultTarget:
        """The target of ``settings`` (each of its values kept), with ``changes``."""
        values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(Settings)}
        return cls(**{**values, **changes})

    @property
    def api_url(self) -> str:
        """The address with the API prefix (``http://127.0.0.1:8200/v1``)."""
        return self.url.rstrip("/") + contract.api_prefix()

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context of the engine's client (``replcheck.conformance.transport.tls``), for
        httpx."""
        return client_context(self.settings())

    def schemathesis_tls(self, ca_file: str | None = None) -> dict[str, Any]:
        """The TLS settings of schemathesis's own client (requests, which takes a CA file as a
        string and has no setting for the server name). ``ca_file`` holds the certificates of
        ``ca_path`` (requests would read a folder through OpenSSL's hashed names only)."""
        verify: bool | str = True
        if self.tls_skip_verify:
            verify = False
        elif self.ca_cert or ca_file:
            verify = self.ca_cert or ca_file or True
        return {
            "tls_verify": verify,
            "request_cert": self.client_cert,
            "request_cert_key": self.client_key,
        }

    def headers(self, token: str | None = None) -> dict[str, str]:
        """Vault's headers for ``token`` (the sudo token when None), plus the namespace."""
        chosen = token if token is not None else self.token
        headers = {"X-Vault-Namespace": self.namespace} if self.namespace else {}
        if chosen:
            headers["X-Vault-Token"] = chosen
        return headers

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client on ``api_url`` sending ``headers(token)``; close it after use."""
        hooks = kwargs.pop("event_hooks", {})
        if self.tls_server_name:
            first = server_name_hook(self.tls_server_name)
            hooks = {**hooks, "request": [first, *hooks.get("request", [])]}
        if self.on_request is not None:
            counted = self.on_request
            hooks = {**hooks, "request": [*hooks.get("request", []), lambda _: counted()]}
        return httpx.Client(
            base_url=self.api_url,
            headers=self.headers(token),
            verify=self.ssl_context(),
            timeout=kwargs.pop("timeout", 15.0),
            event_hooks=hooks,
            **kwargs,
        )

    def masker(self) -> Masker:
        return Masker.for_tokens(self.token, self.non_sudo_token)

    def settings(self, **changes: Any) -> Settings:
        """The engine's settings for this target (a plain ``Settings``, with ``changes``)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(Settings)}
        return Settings(**{**values, **changes})


class StatusInvalid(AssertionError):
    """The status answer breaks the contract; the message lists each violation."""


def read_status(client: httpx.Client) -> dict[str, Any]:
    """GET sys/replication/status (no token needed) and validate it against the spec's status
    schema; return its ``data``. Raises ``StatusInvalid`` naming each violation's JSON path."""
    response = client.get(STATUS_PATH)
    where = f"GET {response.request.url}"
    if response.status_code != 200:
        raise StatusInvalid(f"{where} answered {response.status_code}: {response.text[:300]}")
    try:
        body = response.json()
    except ValueError:
        raise StatusInvalid(
            f"{where} answered a body that is not JSON: {response.text[:300]}"
        ) from None
    problems = violations("status", body)
    if problems:
        listed = "\n  ".join(str(problem) for problem in problems)
        raise StatusInvalid(
            f"{where}: {len(problems)} violation(s) of the status schema\n  {listed}"
        )
    data: dict[str, Any] = body["data"]
    return data


@contextmanager
def provision_non_sudo(target: VaultTarget, masker: Masker) -> Iterator[str]:
    """A non-sudo token made with the engine's provisioning (a policy and a token, plus the
    engine's no-update pair), revoked and deleted on exit; ``pytest.skip`` with the reason
    when the sudo token cannot make one."""
    settings = target.settings()
    with RecordingClient(settings, target.url, masker, plan=False) as client:
        credential = Credential(target.token or "")
        with Provisioner(client, credential, want_non_sudo=True) as made:
            if made.non_sudo is None:
                pytest.skip(f"replcheck: {made.reasons.get('non-sudo', 'no non-sudo token')}")
            yield made.non_sudo.token

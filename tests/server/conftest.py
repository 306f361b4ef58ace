"""Fixtures for the reference server's tests.

``client`` is a Starlette test client whose every response is checked against the contract:
the status/warnings/error schemas of ``spec/``, the envelope, and Vault's headers. A test that
only asserts a status code still proves the body and headers are conformant.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from replcheck import spec

with warnings.catch_warnings():
    # Starlette 1.x warns that its test client will move to httpx2; it works as is.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from replcheck.reference_server.app import create_app
from replcheck.reference_server.config import ServerConfig

ENVELOPE_MEMBERS = {
    "request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings",
    "auth", "mount_type",
}
_RAW_PATHS = ("/v1/sys/health", "/v1/sys/internal/specs/openapi", "/v1/sys/seal-status",
              "/v1/sys/leader", "/v1/sys/init",
              "/v1/sys/replication/dr/secondary/generate-operation-token/")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "filterwarnings", "ignore:Using `httpx` with `starlette.testclient`:DeprecationWarning"
    )


class ManualClock:
    """A clock the test moves by hand: reindex stages and heartbeats without sleeping."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def assert_conformant(response: httpx.Response) -> None:
    """Check one response against the contract, whatever endpoint produced it.

    Two answers come from Go's HTTP layer in Vault, not from Vault's handlers, and have their
    own forms: the printable-path check (bare 400: no body, no Content-Type, no
    Cache-Control) and the path-cleaning redirect (307 with Location, HTML for GET/HEAD).
    """
    path = response.request.url.path
    assert "allow" not in response.headers
    status = response.status_code
    if status == 400 and "content-type" not in response.headers:
        assert response.content == b"" and "cache-control" not in response.headers, path
        return
    if status == 307:
        assert response.headers["location"].startswith("/"), path
        assert response.headers.get("cache-control") == "no-store", path
        return
    assert response.headers.get("content-type") == "application/json", path
    assert response.headers.get("cache-control") == "no-store", path
    assert status < 500, f"{response.request.method} {path}: {status} {response.text[:300]}"
    if response.request.method == "HEAD":
        return
    if status == 204:
        assert response.content == b""
        return
    body = response.json()
    if any(path.startswith(raw) for raw in _RAW_PATHS):
        return
    if status >= 400:
        spec.validator("error").validate(body)
        return
    if path.endswith(("/sys/capabilities-self", "/sys/capabilities")):
        # Vault copies each path's capabilities to the top level, beside the envelope.
        assert set(body) - ENVELOPE_MEMBERS == set(body["data"]), sorted(body)
        assert set(body) >= ENVELOPE_MEMBERS, sorted(body)
    else:
        assert set(body) == ENVELOPE_MEMBERS, sorted(body)
    kind = "envelope"
    if path.endswith("/sys/replication/status") and "?" not in str(response.request.url):
        kind = "status"
    elif path.endswith(("/sys/replication/recover", "/sys/replication/reindex")):
        kind = "warnings"
    spec.validator(kind).validate(body)


class CheckingClient(TestClient):
    """A TestClient that validates every response with ``assert_conformant``.

    ``raw_request`` skips the check, for tests that provoke a deliberate 500.
    """

    def raw_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:
        return super().request(method, url, **kwargs)

    def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        response = super().request(method, url, **kwargs)
        assert_conformant(response)
        return response


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_client(clock: ManualClock) -> Iterator[Callable[..., CheckingClient]]:
    clients: list[CheckingClient] = []

    def factory(**settings: Any) -> CheckingClient:
        app = create_app(ServerConfig(**settings), clock=clock)
        client = CheckingClient(app, base_url="http://127.0.0.1:8200")
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., CheckingClient]) -> CheckingClient:
    return make_client()


@pytest.fixture
def root(client: CheckingClient) -> dict[str, str]:
    return {"X-Vault-Token": client.app.state.vault.root_token}


def vault(client: TestClient) -> Any:
    return client.app.state.vault


def token_with_policy(client: TestClient, policy: str, name: str = "ops", **create: Any) -> str:
    """Write ``policy`` under ``name`` and create a token holding it; returns the token."""
    headers = {"X-Vault-Token": vault(client).root_token}
    written = client.put(f"/v1/sys/policies/acl/{name}", headers=headers,
                         json={"policy": policy})
    assert written.status_code == 204, written.text
    created = client.post("/v1/auth/token/create", headers=headers,
                          json={"policies": [name], **create})
    assert created.status_code == 200, created.text
    return created.json()["auth"]["client_token"]


UPDATE_NO_SUDO = 'path "sys/replication/*" {\n  capabilities = ["update"]\n}\n'
UPDATE_AND_SUDO = 'path "sys/replication/*" {\n  capabilities = ["update", "sudo"]\n}\n'


def status_data(client: TestClient) -> dict[str, Any]:
    response = client.get("/v1/sys/replication/status")
    assert response.status_code == 200
    return json.loads(response.content)["data"]

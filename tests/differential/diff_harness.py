"""Send the cases to a server and describe each answer by what the comparison looks at.

An ``Observation`` keeps only what must agree between Vault and the reference server: status,
Content-Type, Cache-Control, whether Allow and Location are there (and where Location points),
the error texts, and the key sets of the body and of its ``data``. Values that differ by nature
(request ids, token values, times) are not compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

import httpx
from diff_cases import LIMITED_POLICY, SUDO_CREATOR_POLICY, TOKEN_HEADERS, Case
from raw_http import RawResponse, chunked_body, content_length_body, send_raw

__all__ = ["Difference", "Observation", "compare", "observe", "prepare", "run_cases"]


@dataclass(frozen=True)
class Observation:
    status: int
    content_type: str | None
    cache_control: str | None
    allow: bool
    location: str | None
    body: str  # "none", "json", "text"
    errors: tuple[str, ...] | None
    keys: tuple[str, ...] | None
    data_keys: tuple[str, ...] | None


@dataclass(frozen=True)
class Difference:
    case: str
    field: str
    reference: Any
    openbao: Any

    def __str__(self) -> str:
        return (f"{self.case}: {self.field}: reference {self.reference!r} "
                f"!= OpenBao {self.openbao!r}")


def prepare(url: str, root_token: str = "root") -> dict[str, str]:
    """Create the policy and tokens the cases refer to; returns the placeholder values."""
    headers = {"X-Vault-Token": root_token}
    with httpx.Client(base_url=url + "/v1", headers=headers, timeout=30) as client:
        written = client.put("sys/policies/acl/diff-limited", json={"policy": LIMITED_POLICY})
        written.raise_for_status()
        client.put(
            "sys/policies/acl/diff-sudo-creator", json={"policy": SUDO_CREATOR_POLICY}
        ).raise_for_status()

        def token(**body: Any) -> str:
            created = client.post("auth/token/create", json=body)
            created.raise_for_status()
            return str(created.json()["auth"]["client_token"])

        values = {
            "limited": token(policies=["diff-limited"], ttl="1h"),
            "sudo_creator": token(policies=["diff-sudo-creator"], ttl="1h"),
            "revoked": token(ttl="1h"),
            "self_revoking": token(ttl="1h"),
            "victim": token(ttl="1h"),
        }
        client.post("auth/token/revoke", json={"token": values["revoked"]}).raise_for_status()
    values["root"] = root_token
    return values


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def send(case: Case, port: int, values: dict[str, str], *, openbao: bool = False) -> RawResponse:
    values = {**values, "port": str(port)}
    target = case.openbao_target if openbao and case.openbao_target else case.target
    lines = [f"{case.method} {_fill(target, values)} HTTP/1.1",
             f"Host: 127.0.0.1:{port}", "Connection: close", "User-Agent: replcheck-differential"]
    for name, value in TOKEN_HEADERS[case.token]:
        lines.append(f"{name}: {_fill(value, values)}")
    payload = case.payload()
    if payload is not None and not case.big:
        payload = _fill(payload.decode("latin-1"), values).encode("latin-1")
    if case.content_type:
        lines.append(f"Content-Type: {case.content_type}")
    body = None
    if case.raw_chunks is not None:
        lines.append("Transfer-Encoding: chunked")
        body = iter([case.raw_chunks])
    elif payload is not None:
        if case.chunked:
            lines.append("Transfer-Encoding: chunked")
            body = chunked_body(payload)
        else:
            lines.append(f"Content-Length: {len(payload)}")
            body = content_length_body(payload)
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return send_raw(port, head, body)


def observe(response: RawResponse) -> Observation:
    headers = response.headers
    parsed: Any = None
    kind = "none"
    if response.body:
        try:
            parsed = json.loads(response.body)
            kind = "json"
        except ValueError:
            kind = "text"
    errors = keys = data_keys = None
    if isinstance(parsed, dict):
        keys = tuple(sorted(parsed))
        if isinstance(parsed.get("errors"), list):
            errors = tuple(str(e) for e in parsed["errors"])
        if isinstance(parsed.get("data"), dict):
            data_keys = tuple(sorted(parsed["data"]))
    return Observation(
        status=response.status,
        content_type=headers.get("content-type"),
        cache_control=headers.get("cache-control"),
        allow="allow" in headers,
        location=headers.get("location"),
        body=kind,
        errors=errors,
        keys=keys,
        data_keys=data_keys,
    )


def compare(case: Case, reference: Observation, openbao: Observation) -> list[Difference]:
    """The fields that differ. For an analog case (a replication endpoint against its OpenBao
    analog) two successes agree whatever their bodies: only refusals must match."""
    if case.openbao_target and reference.status < 300 and openbao.status < 300:
        return []
    out = []
    for item in fields(Observation):
        ours, theirs = getattr(reference, item.name), getattr(openbao, item.name)
        if ours != theirs:
            out.append(Difference(case.id, item.name, ours, theirs))
    return out


def run_cases(
    cases: list[Case], ports: tuple[int, int], values: tuple[dict[str, str], dict[str, str]]
) -> dict[str, tuple[Observation, Observation]]:
    """Each case to the reference server, then to OpenBao; observations by case id."""
    results = {}
    for case in cases:
        ours = observe(send(case, ports[0], values[0]))
        theirs = observe(send(case, ports[1], values[1], openbao=True))
        results[case.id] = (ours, theirs)
    return results

"""The documented operations, read from ``replcheck.spec.openapi()``: paths, statuses, schemas.

Nothing here restates the contract; it only indexes the OpenAPI document so that the judges can
ask "which operation is this request, which statuses may it answer, with which body schema".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from replcheck import spec

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_SCHEMA_PREFIX = "./schemas/"


@dataclass(frozen=True)
class DocumentedResponse:
    status: str
    #: Schema file name of the JSON body (``error-response.json``), or None for no body.
    schema: str | None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    responses: dict[str, DocumentedResponse]
    sudo: bool
    unauthenticated: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def success_statuses(self) -> frozenset[int]:
        """The 2xx statuses the document lists for this operation (a write: 200 and 204)."""
        return frozenset(int(s) for s in self.responses if s.isdigit() and s.startswith("2"))

    def response_for(self, status: int) -> DocumentedResponse | None:
        """The documented response for a status: exact code first, then ``4XX``, then default."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return self.responses[key]
        return None


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and node["$ref"].startswith("#/"):
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _schema_file(document: dict[str, Any], response: dict[str, Any]) -> str | None:
    content = _resolve(document, response).get("content") or {}
    media = content.get("application/json")
    if not media or "schema" not in media:
        return None
    ref = media["schema"].get("$ref", "")
    return ref.removeprefix(_SCHEMA_PREFIX) if ref.startswith(_SCHEMA_PREFIX) else None


@cache
def _index() -> tuple[str, tuple[Operation, ...]]:
    document = spec.openapi()
    servers = document.get("servers") or [{"url": "/v1"}]
    prefix = urlsplit(servers[0]["url"]).path.rstrip("/")
    operations = []
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if method not in item:
                continue
            op = item[method]
            responses = {
                status: DocumentedResponse(status, _schema_file(document, response))
                for status, response in op.get("responses", {}).items()
            }
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=op.get("operationId", f"{method} {path}"),
                    responses=responses,
                    sudo=bool(op.get("x-vault-sudo")),
                    unauthenticated=bool(op.get("x-vault-unauthenticated")),
                )
            )
    return prefix, tuple(operations)


def api_prefix() -> str:
    """The path prefix every operation lives under (``/v1``)."""
    return _index()[0]


def operations() -> tuple[Operation, ...]:
    return _index()[1]


def write_successes() -> frozenset[int]:
    """The statuses a successful write is answered with, as the document lists them for its
    writes (200 with the envelope, or 204): Vault's convention for every logical write, also
    those outside the contract (the policies and tokens a run provisions)."""
    return frozenset().union(*(op.success_statuses for op in operations() if op.method != "GET"))


def operation(key: str) -> Operation:
    """The documented operation of ``key`` (``"POST /sys/replication/reindex"``);
    ``KeyError`` when the document has none."""
    for op in operations():
        if op.key == key:
            return op
    raise KeyError(f"no documented operation {key!r}")


def operation_for(method: str, raw_path: str) -> Operation | None:
    """The documented operation a request addresses, by exact path (variants are not it)."""
    prefix, ops = _index()
    path = raw_path.split("?", 1)[0]
    if not path.startswith(prefix + "/"):
        return None
    path = path[len(prefix) :]
    return next((op for op in ops if op.method == method.upper() and op.path == path), None)

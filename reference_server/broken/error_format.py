"""The zoo's error format category. Vault's error body, headers and routing conventions."""

from __future__ import annotations

from .asgi import (
    API,
    RECOVER,
    REINDEX,
    STATUS,
    WRITES,
    ResponseHook,
    ZooRequest,
    ZooResponse,
    vault_error,
)
from .model import BrokenServer, deviate, ok, on_errors, status_code_of


def _errors_as_string(request: ZooRequest, response: ZooResponse, errors: list[str]) -> ZooResponse:
    return response.with_json({"errors": "; ".join(errors)})


def _error_member(request: ZooRequest, response: ZooResponse, errors: list[str]) -> ZooResponse:
    return response.with_json({"error": "; ".join(errors)})


def _html_error_page(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    if response.status < 400:
        return response
    page = f"<html><body><h1>Error {response.status}</h1></body></html>\n".encode()
    return response.replace(body=page).with_header(b"content-type", b"text/html; charset=utf-8")


def _without_header(name: bytes) -> ResponseHook:
    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        return response.without_header(name)

    return hook


def _unknown_path_405(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    if request.clean.startswith(API) and response.status == 404:
        return vault_error(405, "unsupported operation")
    return response


def _trailing_slash_write(request: ZooRequest) -> ZooRequest | ZooResponse:
    if request.method in WRITES and request.clean.startswith(API) and request.path.endswith("/"):
        return request.with_path(request.path.rstrip("/"))
    return request


ENTRIES: tuple[BrokenServer, ...] = (
    BrokenServer(
        "errors-as-string", 'error bodies carry {"errors": "one string"} instead of a list',
        ("VAULT-ERROR-BODY",), deviate(on_response=on_errors(_errors_as_string)),
        lambda p: isinstance(p.send("POST", REINDEX).json().get("errors"), str),
        category="error format",
        may_fail=("SCHEMA-RESPONSES",),
    ),
    BrokenServer(
        "error-member-singular", 'error bodies are {"error": "..."} with no errors list',
        ("VAULT-ERROR-BODY",), deviate(on_response=on_errors(_error_member)),
        lambda p: "errors" not in p.send("POST", REINDEX).json(),
        category="error format",
        may_fail=("SCHEMA-RESPONSES",),
    ),
    BrokenServer(
        "html-error-page", "every status >= 400 is an HTML page (text/html)",
        ("VAULT-ERROR-BODY", "VAULT-CONTENT-TYPE"), deviate(on_response=_html_error_page),
        lambda p: p.send("POST", REINDEX).text.startswith("<html>"),
        category="error format",
        may_fail=("SCHEMA-RESPONSES",),
    ),
    BrokenServer(
        "content-type-missing", "no response declares a Content-Type",
        ("VAULT-CONTENT-TYPE",), deviate(on_response=_without_header(b"content-type")),
        lambda p: "content-type" not in p.send("GET", STATUS).headers,
        category="error format",
    ),
    BrokenServer(
        "cache-control-missing", "no response carries Cache-Control: no-store",
        ("VAULT-CACHE-CONTROL",), deviate(on_response=_without_header(b"cache-control")),
        lambda p: "cache-control" not in p.send("GET", STATUS).headers,
        category="error format",
    ),
    BrokenServer(
        "unknown-path-405", "an unknown path under sys/replication answers 405, not 404",
        ("VAULT-UNKNOWN-PATH",), deviate(on_response=_unknown_path_405),
        lambda p: status_code_of(p, "GET", API + "zoo-nothing-here", token=p.root) == 405,
        category="error format",
    ),
    BrokenServer(
        "trailing-slash-write-routed", "POST or PUT to recover/ is served as recover, not 400",
        ("VAULT-TRAILING-SLASH-WRITE",), deviate(_trailing_slash_write),
        lambda p: ok(p.send("POST", RECOVER + "/", token=p.root)),
        category="error format",
    ),
)

"""The zoo's methods category. Vault's method semantics on the three endpoints."""

from __future__ import annotations

from .asgi import (
    RECOVER,
    REINDEX,
    STATUS,
    WRITES,
    RequestHook,
    ZooRequest,
    ZooResponse,
    vault_error,
)
from .model import BrokenServer, deviate, ok, status_code_of


def _recover_get_is_post(request: ZooRequest) -> ZooRequest | ZooResponse:
    if request.method == "GET" and request.clean == RECOVER:
        return request.replace(method="POST")
    return request


def _reindex_405_as_404(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    if request.clean == REINDEX and response.status == 405:
        return vault_error(404, "unsupported path")
    return response


def _refuse_put(path: str) -> RequestHook:
    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method == "PUT" and request.clean == path:
            return vault_error(405, "unsupported operation")
        return request

    return hook


def _method_runs_update(method: str, path: str, *, query: bytes | None = None) -> RequestHook:
    """``method`` on ``path`` (with ``query``, when given) is served as the update POST is."""

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if (request.method == method and request.clean == path
                and (query is None or query in request.query)):
            return request.replace(method="POST", query=b"")
        return request

    return hook


def _options_200(request: ZooRequest) -> ZooRequest | ZooResponse:
    if request.method == "OPTIONS" and request.clean == RECOVER:
        return ZooResponse(200, ((b"allow", b"OPTIONS, POST, PUT"),
                                 (b"cache-control", b"no-store")), b"")
    return request


def _status_writes_read(request: ZooRequest) -> ZooRequest | ZooResponse:
    if request.method in WRITES and request.clean == STATUS:
        return request.replace(method="GET", body=b"")
    return request


ENTRIES: tuple[BrokenServer, ...] = (
    BrokenServer(
        "recover-get-succeeds", "GET recover runs a recovery (200) instead of answering 405",
        ("RECOVER-METHODS",), deviate(_recover_get_is_post),
        lambda p: ok(p.send("GET", RECOVER, token=p.root)),
        category="methods",
    ),
    BrokenServer(
        "reindex-wrong-method-404", "a wrong method on reindex answers 404 instead of 405",
        ("REINDEX-METHODS",), deviate(on_response=_reindex_405_as_404),
        lambda p: status_code_of(p, "GET", REINDEX, token=p.root) == 404,
        category="methods",
    ),
    BrokenServer(
        "recover-put-refused", "PUT recover answers 405: only POST is an update",
        ("RECOVER-PUT",), deviate(_refuse_put(RECOVER)),
        lambda p: status_code_of(p, "PUT", RECOVER, token=p.root) == 405,
        profile="full",
        category="methods",
    ),
    BrokenServer(
        "reindex-put-refused", "PUT reindex answers 405: only POST is an update",
        ("REINDEX-PUT", "REINDEX-SUDO"), deviate(_refuse_put(REINDEX)),
        lambda p: status_code_of(p, "PUT", REINDEX, token=p.root) == 405,
        profile="full",
        category="methods",
    ),
    BrokenServer(
        "list-recover-succeeds", "LIST on recover runs a recovery (200) instead of a refusal",
        ("RECOVER-METHODS",), deviate(_method_runs_update("LIST", RECOVER)),
        lambda p: ok(p.send("LIST", RECOVER, token=p.root)),
        category="methods",
    ),
    BrokenServer(
        "patch-reindex-succeeds", "PATCH on reindex starts a reindex (200) instead of a refusal",
        ("REINDEX-METHODS",), deviate(_method_runs_update("PATCH", REINDEX)),
        lambda p: ok(p.send("PATCH", REINDEX, token=p.root)),
        category="methods",
    ),
    BrokenServer(
        "list-query-reindex-succeeds",
        "GET reindex?list=true starts a reindex (200) instead of Vault's 404 for a list",
        ("REINDEX-METHODS",),
        deviate(_method_runs_update("GET", REINDEX, query=b"list=true")),
        lambda p: ok(p.send("GET", REINDEX + "?list=true", token=p.root)),
        category="methods",
    ),
    BrokenServer(
        "options-recover-200", "OPTIONS on recover answers 200 with an Allow header, not 400",
        ("RECOVER-METHODS",), deviate(_options_200),
        lambda p: status_code_of(p, "OPTIONS", RECOVER, token=p.root) == 200,
        category="methods",
    ),
    BrokenServer(
        "status-accepts-writes", "POST and PUT on status answer 200 with the status, not 405",
        ("STATUS-METHODS",), deviate(_status_writes_read),
        lambda p: ok(p.send("POST", STATUS)) and ok(p.send("PUT", STATUS)),
        category="methods",
    ),
)

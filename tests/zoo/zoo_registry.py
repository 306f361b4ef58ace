"""The zoo: every broken server, its one deviation, and the requirement ids that must catch it.

This is the only place that names a broken server or says what it should be caught by. Each
entry also carries ``shows``: a direct request that makes the deviation visible, which the
sanity test runs against the broken server (must show it) and the reference server (must not).
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from zoo_asgi import (
    API,
    RECOVER,
    REINDEX,
    STATUS,
    WRITES,
    ASGIApp,
    Deviate,
    RequestHook,
    ResponseHook,
    ZooRequest,
    ZooResponse,
    vault_error,
)
from zoo_serving import Factory, Probe

import replcheck_spec
from conformance.target import Profile
from reference_server.replication import rfc3339

FLAGS = ("diff", "force", "skip_flush")
#: Vault's lenient boolean domain, restated here on purpose: the zoo must not borrow the
#: engine's own tables, or a mistake there would hide in both.
BOOLEAN_FORMS = (True, False, 1, 0, "1", "t", "T", "TRUE", "true", "True",
                 "0", "f", "F", "FALSE", "false", "False", "", None)
INVALID_TOKEN = "hvs.zoo0invalid0token00000000000"
PERMISSION_DENIED = "permission denied"
#: The kinds of deviation the zoo must cover (issue 4, "Checks of the suite itself").
CATEGORIES = ("auth", "sudo", "methods", "parameters", "schema", "error format", "invariants",
              "robustness")


@dataclass(frozen=True)
class BrokenServer:
    """One broken server: a name, its one deviation, what must catch it, how to build it."""

    name: str
    deviation: str
    #: Requirement ids of spec/requirements.yaml; the run must fail at least one of them.
    expected: tuple[str, ...]
    factory: Factory
    #: A direct request showing the deviation: True on this server, False on the reference.
    shows: Callable[[Probe], bool]
    #: One of ``CATEGORIES``: which kind of promise the deviation breaks.
    category: str
    #: ``full`` where only a successful mutating call can reveal the deviation.
    profile: Profile = "safe"
    scenario: str = "dr-perf-primary"


def deviate(
    on_request: RequestHook | None = None, on_response: ResponseHook | None = None
) -> Factory:
    """A factory wrapping the reference app with one request and/or response rewrite."""

    def build(app: Starlette) -> ASGIApp:
        hooks: dict[str, Any] = {}
        if on_request is not None:
            hooks["on_request"] = on_request
        if on_response is not None:
            hooks["on_response"] = on_response
        return Deviate(app, app.state.vault, **hooks)

    return build


# --- small predicates and rewrites ----------------------------------------------------------

def writes_to(request: ZooRequest, path: str) -> bool:
    return request.method in WRITES and request.clean == path


def reads_status(request: ZooRequest) -> bool:
    return request.method == "GET" and request.clean == STATUS


def ok(response: Any) -> bool:
    return response.status_code in (200, 204)


def body_flags(request: ZooRequest) -> dict[str, Any]:
    """The reindex flags present in a JSON-object body."""
    body = request.json()
    return {k: v for k, v in body.items() if k in FLAGS} if isinstance(body, dict) else {}


def is_boolean_form(value: Any) -> bool:
    return any(type(value) is type(form) and value == form for form in BOOLEAN_FORMS)


def on_status(change: Callable[[dict[str, Any]], None]) -> ResponseHook:
    """A response rewrite of the ``data`` of every 200 status read."""

    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        if not reads_status(request) or response.status != 200:
            return response
        body = response.json()
        change(body["data"])
        return response.with_json(body)

    return hook


def primaries(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for name in ("dr", "performance"):
        section = data.get(name)
        if isinstance(section, dict) and section.get("mode") == "primary":
            yield section


def peers(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for section in data.values():
        if isinstance(section, dict):
            yield from section.get("secondaries") or ()
            yield from section.get("primaries") or ()


def on_errors(change: Callable[[ZooRequest, ZooResponse, list[str]], ZooResponse]) -> ResponseHook:
    """A response rewrite of every answer carrying Vault's ``{"errors": [...]}``."""

    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        errors = response.errors
        return response if errors is None else change(request, response, errors)

    return hook


def bypass_sudo(variant: Callable[[ZooRequest], bool]) -> RequestHook:
    """A sudo check keyed on the exact path: a live token reaches the reindex handler through
    any spelling ``variant`` accepts, as if it had sudo."""

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method in WRITES and variant(request) and request.token_is_live:
            return request.with_path(REINDEX).as_root()
        return request

    return hook


def status_code_of(probe: Probe, method: str, path: str, **kwargs: Any) -> int:
    return probe.send(method, path, **kwargs).status_code


def reindex_as_update(probe: Probe, path: str) -> bool:
    """A token without sudo gets a success from the given spelling of the reindex path."""
    return ok(probe.send("POST", "/v1" + path, token=probe.update))


TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/replication/handlers.py", line 88, in reindex\n'
    "    flags = {name: parse_bool(body[name]) for name in FLAGS if name in body}\n"
    '  File "/srv/replication/fields.py", line 21, in parse_bool\n'
    "    raise ValueError(f\"not a boolean: {value!r}\")\n"
    "ValueError: not a boolean: 'maybe'\n"
)


# --- auth -----------------------------------------------------------------------------------

def _status_requires_token(request: ZooRequest) -> ZooRequest | ZooResponse:
    if reads_status(request) and request.token is None:
        return vault_error(403, PERMISSION_DENIED)
    return request


def _status_checks_token(request: ZooRequest) -> ZooRequest | ZooResponse:
    if reads_status(request) and request.token is not None and not request.token_is_live:
        return vault_error(403, PERMISSION_DENIED, "invalid token")
    return request


def _recover_without_token(request: ZooRequest) -> ZooRequest | ZooResponse:
    if writes_to(request, RECOVER) and request.token is None:
        return request.as_root()
    return request


def _reindex_invalid_token(request: ZooRequest) -> ZooRequest | ZooResponse:
    if writes_to(request, REINDEX) and request.token is not None and not request.token_is_live:
        return request.as_root()
    return request


def _recover_any_live_token(request: ZooRequest) -> ZooRequest | ZooResponse:
    if writes_to(request, RECOVER) and request.token_is_live:
        return request.as_root()
    return request


def _forbidden_as_401(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    return response.replace(status=401) if response.status == 403 else response


def _ignore_bearer(request: ZooRequest) -> ZooRequest | ZooResponse:
    return request.without_header(b"authorization")


def _bearer_skips_sudo(request: ZooRequest) -> ZooRequest | ZooResponse:
    if (writes_to(request, REINDEX) and request.header("x-vault-token") is None
            and request.token_is_live):
        return request.as_root()
    return request


def _recover_requires_sudo(request: ZooRequest) -> ZooRequest | ZooResponse:
    if not writes_to(request, RECOVER) or not request.token_is_live:
        return request
    entry = request.core.tokens.lookup(request.token or "")
    if entry is not None and not entry.is_root:
        acl = request.core.policies.acl(entry.policies)
        if "sudo" not in acl.capabilities("sys/replication/recover"):
            return vault_error(403, PERMISSION_DENIED)
    return request


# --- methods --------------------------------------------------------------------------------

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


# --- parameters -----------------------------------------------------------------------------

def _field_error(name: str, value: Any) -> ZooResponse:
    shown = value if isinstance(value, str) else json.dumps(value)
    return vault_error(400, f'Field validation failed: error converting input {shown} for field '
                            f'"{name}": cannot parse as bool')


def _refuse_flag_values(refused: Callable[[Any], bool]) -> RequestHook:
    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if writes_to(request, REINDEX):
            for name, value in body_flags(request).items():
                if refused(value):
                    return _field_error(name, value)
        return request

    return hook


def _invalid_flags_as_false(request: ZooRequest) -> ZooRequest | ZooResponse:
    flags = body_flags(request)
    if writes_to(request, REINDEX) and any(not is_boolean_form(v) for v in flags.values()):
        body = request.json()
        body.update({k: False for k, v in flags.items() if not is_boolean_form(v)})
        return request.with_json(body)
    return request


def _validate_after_starting(request: ZooRequest) -> ZooRequest | ZooResponse:
    """Start the reindex with the invalid flags taken as false; refuse them only afterwards."""
    flags = body_flags(request)
    invalid = {k: v for k, v in flags.items() if not is_boolean_form(v)}
    if writes_to(request, REINDEX) and invalid:
        name, value = next(iter(invalid.items()))
        started = request.with_json({**request.json(), **dict.fromkeys(invalid, False)})
        return started.replace(memo=_field_error(name, value))
    return request


def _refuse_when_told(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    return request.memo if isinstance(request.memo, ZooResponse) else response


def _refuse_unknown_parameters(request: ZooRequest) -> ZooRequest | ZooResponse:
    body = request.json()
    if writes_to(request, REINDEX) and isinstance(body, dict):
        unknown = sorted(set(body) - set(FLAGS))
        if unknown:
            return vault_error(400, f"unknown parameters: {', '.join(unknown)}")
    return request


def _drop_unknown_parameters(request: ZooRequest) -> ZooRequest | ZooResponse:
    body = request.json()
    if writes_to(request, REINDEX) and isinstance(body, dict) and set(body) - set(FLAGS):
        return request.with_json({k: v for k, v in body.items() if k in FLAGS})
    return request


def _not_a_json_object(request: ZooRequest) -> bool:
    return bool(request.body.strip()) and not isinstance(request.json(), dict)


def _skip_flush_any_string(request: ZooRequest) -> ZooRequest | ZooResponse:
    value = body_flags(request).get("skip_flush")
    if writes_to(request, REINDEX) and isinstance(value, str) and not is_boolean_form(value):
        return request.with_json({**request.json(), "skip_flush": False})
    return request


def _non_json_as_empty(request: ZooRequest) -> ZooRequest | ZooResponse:
    if writes_to(request, REINDEX) and _not_a_json_object(request):
        return request.replace(body=b"")
    return request


# --- schema ---------------------------------------------------------------------------------

def _cluster_id_not_uuid(data: dict[str, Any]) -> None:
    data["dr"]["cluster_id"] = data["dr"]["cluster_id"].replace("-", "")


def _last_wal_as_string(data: dict[str, Any]) -> None:
    for section in primaries(data):
        section["last_wal"] = str(section["last_wal"])


def _heartbeat_without_zone(data: dict[str, Any]) -> None:
    for peer in peers(data):
        peer["last_heartbeat"] = peer["last_heartbeat"][:19]


def _no_known_secondaries(data: dict[str, Any]) -> None:
    for section in primaries(data):
        del section["known_secondaries"]


def _disabled_with_cluster_id(data: dict[str, Any]) -> None:
    for section in data.values():
        if isinstance(section, dict) and section.get("mode") == "disabled":
            section["cluster_id"] = "0b5e7a3c-5f9e-4c1b-9a51-6f1d2a7c9e04"


def _warnings_as_string(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    body = response.json()
    if (request.method in WRITES and request.clean in (RECOVER, REINDEX)
            and response.status == 200 and isinstance(body, dict)
            and isinstance(body.get("warnings"), list)):
        body["warnings"] = "\n".join(body["warnings"])
        return response.with_json(body)
    return response


# --- error format ---------------------------------------------------------------------------

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


# --- invariants -----------------------------------------------------------------------------

def _known_secondaries_mismatch(data: dict[str, Any]) -> None:
    for section in primaries(data):
        section["known_secondaries"] = [f"node-{node}" for node in section["known_secondaries"]]


def _wal_goes_back() -> Callable[[dict[str, Any]], None]:
    """Every second read reports last_wal a few entries behind the read before it."""
    reads = itertools.count()

    def change(data: dict[str, Any]) -> None:
        if next(reads) % 2:
            for section in primaries(data):
                section["last_wal"] = max(0, section["last_wal"] - 5)

    return change


def _fresh_cluster_id(data: dict[str, Any]) -> None:
    data["dr"]["cluster_id"] = str(uuid.uuid4())


def _heartbeat_in_future(data: dict[str, Any]) -> None:
    for peer in peers(data):
        if peer.get("connection_status") == "connected":
            peer["last_heartbeat"] = rfc3339(time.time() + 86400)


def _skew_with_unit(data: dict[str, Any]) -> None:
    for peer in peers(data):
        peer["clock_skew_ms"] = f"{peer['clock_skew_ms']}ms"


def _wal(probe: Probe) -> list[Any]:
    return [probe.status()["dr"]["last_wal"] for _ in range(3)]


def _wal_restarts_after_reindex() -> ResponseHook:
    """After a reindex, last_wal counts from 0 again: the counter was rebuilt, not kept."""
    base = 0

    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        nonlocal base
        if writes_to(request, REINDEX) and response.status in (200, 204):
            base = request.core.replication.wal
        elif reads_status(request) and response.status == 200 and base:
            body = response.json()
            for section in primaries(body["data"]):
                section["last_wal"] = max(0, section["last_wal"] - base)
            return response.with_json(body)
        return response

    return hook


def _wal_around_reindex(probe: Probe) -> list[Any]:
    before = probe.status()["dr"]["last_wal"]
    probe.send("POST", REINDEX, token=probe.root)
    return [before, probe.status()["dr"]["last_wal"]]


def _goes_back(values: list[Any]) -> bool:
    return any(later < earlier for earlier, later in itertools.pairwise(values))


# --- robustness -----------------------------------------------------------------------------

def _crash_on_malformed_body(request: ZooRequest) -> ZooRequest | ZooResponse:
    if request.method in WRITES and request.clean.startswith(API) and _not_a_json_object(request):
        return vault_error(500, "internal error")
    return request


def _echo_token_in_error(request: ZooRequest, response: ZooResponse,
                         errors: list[str]) -> ZooResponse:
    token = request.token
    if response.status != 403 or token is None:
        return response
    return response.with_json({"errors": [f"{PERMISSION_DENIED} for token {token!r}"]})


def _echo_token_in_header(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    token = request.token
    if token is None:
        return response
    return response.with_header(b"x-vault-request-token", token.encode("latin-1"))


def _leak_last_token() -> ResponseHook:
    """A debug header on status answers (which need no token) names the last token seen."""
    last: str | None = None

    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        nonlocal last
        if request.token is not None:
            last = request.token
        elif reads_status(request) and last is not None:
            return response.with_header(b"x-debug-last-token", last.encode("latin-1"))
        return response

    return hook


def _crash_on_invalid_utf8(request: ZooRequest) -> ZooRequest | ZooResponse:
    if request.method in WRITES and request.clean.startswith(API):
        try:
            request.body.decode("utf-8")
        except UnicodeDecodeError:
            return vault_error(500, "internal error")
    return request


def _traceback_on_invalid_flag(request: ZooRequest) -> ZooRequest | ZooResponse:
    if writes_to(request, REINDEX) and any(not is_boolean_form(v)
                                          for v in body_flags(request).values()):
        return ZooResponse(500, ((b"content-type", b"text/plain; charset=utf-8"),
                                 (b"cache-control", b"no-store")), TRACEBACK.encode())
    return request


# --- the zoo --------------------------------------------------------------------------------

ZOO: tuple[BrokenServer, ...] = (
    BrokenServer(
        "status-requires-token", "GET status with no token is refused with 403",
        ("STATUS-UNAUTHENTICATED",), deviate(_status_requires_token),
        lambda p: status_code_of(p, "GET", STATUS) == 403,
        category="auth",
    ),
    BrokenServer(
        "status-rejects-invalid-token", "GET status with an invalid token is refused with 403",
        ("STATUS-IGNORES-TOKEN",), deviate(_status_checks_token),
        lambda p: status_code_of(p, "GET", STATUS, token=INVALID_TOKEN) == 403,
        category="auth",
    ),
    BrokenServer(
        "recover-without-token", "POST recover with no token at all succeeds",
        ("RECOVER-AUTH",), deviate(_recover_without_token),
        lambda p: ok(p.send("POST", RECOVER)),
        category="auth",
    ),
    BrokenServer(
        "reindex-invalid-token", "POST reindex with an invalid (unknown) token succeeds",
        ("REINDEX-AUTH",), deviate(_reindex_invalid_token),
        lambda p: ok(p.send("POST", REINDEX, token=INVALID_TOKEN)),
        category="auth",
    ),
    BrokenServer(
        "recover-ignores-capability",
        "POST recover succeeds for a live token whose policies grant no update on it",
        ("RECOVER-CAPABILITY",), deviate(_recover_any_live_token),
        lambda p: ok(p.send("POST", RECOVER, token=p.read)),
        category="auth",
    ),
    BrokenServer(
        "forbidden-as-401", "authentication and authorization failures answer 401, not 403",
        ("VAULT-FORBIDDEN-NOT-401",), deviate(on_response=_forbidden_as_401),
        lambda p: status_code_of(p, "POST", REINDEX) == 401,
        category="auth",
    ),
    BrokenServer(
        "bearer-ignored", "a token sent as Authorization: Bearer is ignored (treated as none)",
        ("VAULT-BEARER-TOKEN",), deviate(_ignore_bearer),
        lambda p: status_code_of(p, "GET", RECOVER, token=p.root, bearer=True) == 403,
        category="auth",
    ),
    BrokenServer(
        "bearer-skips-sudo", "reindex checks sudo only for X-Vault-Token, not for Bearer tokens",
        ("REINDEX-SUDO",), deviate(_bearer_skips_sudo),
        lambda p: ok(p.send("POST", REINDEX, token=p.update, bearer=True)),
        category="auth",
    ),
    BrokenServer(
        "recover-requires-sudo", "recover refuses a token with update but without sudo",
        ("RECOVER-SUCCESS",), deviate(_recover_requires_sudo),
        lambda p: status_code_of(p, "POST", RECOVER, token=p.update) == 403,
        profile="full",
        category="auth",
    ),
    BrokenServer(
        "reindex-without-sudo", "reindex succeeds for a token with update but without sudo",
        ("REINDEX-SUDO",), deviate(bypass_sudo(lambda r: r.clean == REINDEX)),
        lambda p: reindex_as_update(p, "/sys/replication/reindex"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-trailing-slash", "reindex/ (trailing slash) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: r.path == REINDEX + "/")),
        lambda p: reindex_as_update(p, "/sys/replication/reindex/"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-case", "REINDEX (any case change) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: r.path != REINDEX and r.path.lower() == REINDEX)),
        lambda p: reindex_as_update(p, "/sys/replication/REINDEX"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-double-slash", "sys//replication//reindex reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: "//" in r.path and r.clean == REINDEX)),
        lambda p: reindex_as_update(p, "/sys//replication//reindex"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-percent-encoding",
        "a percent-encoded spelling (re%69ndex, %2F, %2e) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: b"%" in r.raw_path and r.clean.rstrip("/") == REINDEX)),
        lambda p: reindex_as_update(p, "/sys/replication/re%69ndex"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-dot-segment",
        "a literal dot segment (replication/./reindex, x/../reindex) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: r.clean == REINDEX
                            and any(s in (".", "..") for s in r.path.split("/")))),
        lambda p: reindex_as_update(p, "/sys/replication/./reindex"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-trailing-space",
        "reindex%20 (trailing white space, stripped by the router) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: r.clean != REINDEX and r.clean.strip() == REINDEX)),
        lambda p: reindex_as_update(p, "/sys/replication/reindex%20"),
        category="sudo",
    ),
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
        ("REINDEX-PUT",), deviate(_refuse_put(REINDEX)),
        lambda p: status_code_of(p, "PUT", REINDEX, token=p.root) == 405,
        profile="full",
        category="methods",
    ),
    BrokenServer(
        "boolean-t-refused", 'the lenient boolean forms "t" and "T" are refused with 400',
        ("REINDEX-BOOLEAN-FORMS",), deviate(_refuse_flag_values(lambda v: v in ("t", "T"))),
        lambda p: status_code_of(p, "POST", REINDEX, token=p.root, json={"diff": "t"}) == 400,
        profile="full",
        category="parameters",
    ),
    BrokenServer(
        "boolean-null-refused", "a flag sent as JSON null is refused with 400, not taken as absent",
        ("REINDEX-BOOLEAN-FORMS",), deviate(_refuse_flag_values(lambda v: v is None)),
        lambda p: status_code_of(p, "POST", REINDEX, token=p.root, json={"force": None}) == 400,
        profile="full",
        category="parameters",
    ),
    BrokenServer(
        "invalid-flag-accepted",
        'a flag that is no boolean form ("maybe", 2, {}) is taken as false',
        ("REINDEX-INVALID-PARAMETERS",), deviate(_invalid_flags_as_false),
        lambda p: ok(p.send("POST", REINDEX, token=p.root, json={"diff": "maybe"})),
        category="parameters",
    ),
    BrokenServer(
        "skip-flush-any-string",
        'skip_flush takes any string that is no boolean form ("maybe", "yes") as false',
        ("REINDEX-INVALID-PARAMETERS",), deviate(_skip_flush_any_string),
        lambda p: ok(p.send("POST", REINDEX, token=p.root, json={"skip_flush": "maybe"})),
        category="parameters",
    ),
    BrokenServer(
        "invalid-flag-starts-reindex",
        "an invalid flag is refused with 400, but only after the reindex has started",
        ("REINDEX-INVALID-PARAMETERS",),
        deviate(_validate_after_starting, _refuse_when_told),
        lambda p: p.send("POST", REINDEX, token=p.root, json={"force": "maybe"}).status_code
        == 400 and p.status()["dr"]["last_reindex_epoch"] != "0",
        category="parameters",
    ),
    BrokenServer(
        "unknown-parameter-refused", "an unknown body member is refused with 400",
        ("REINDEX-UNKNOWN-PARAMETERS",), deviate(_refuse_unknown_parameters),
        lambda p: status_code_of(p, "POST", REINDEX, token=p.root, json={"zoo": 1}) == 400,
        profile="full",
        category="parameters",
    ),
    BrokenServer(
        "unknown-parameter-unwarned",
        "an unknown body member is dropped silently: 200 with no warning naming it",
        ("REINDEX-UNKNOWN-PARAMETERS",), deviate(_drop_unknown_parameters),
        lambda p: "zoo_member" not in p.send("POST", REINDEX, token=p.root,
                                              json={"zoo_member": 1}).text,
        profile="full",
        category="parameters",
    ),
    BrokenServer(
        "non-json-body-accepted", "a reindex body that is not a JSON object is taken as empty",
        ("REINDEX-NON-JSON-BODY",), deviate(_non_json_as_empty),
        lambda p: ok(p.send("POST", REINDEX, token=p.root, content=b"{not json")),
        category="parameters",
    ),
    BrokenServer(
        "cluster-id-not-uuid", "dr.cluster_id is 32 hex digits without the UUID dashes",
        ("STATUS-SCHEMA",), deviate(on_response=on_status(_cluster_id_not_uuid)),
        lambda p: "-" not in p.status()["dr"]["cluster_id"],
        category="schema",
    ),
    BrokenServer(
        "last-wal-as-string", "a primary's last_wal is a JSON string, not an integer",
        ("STATUS-SCHEMA",), deviate(on_response=on_status(_last_wal_as_string)),
        lambda p: isinstance(p.status()["dr"]["last_wal"], str),
        category="schema",
    ),
    BrokenServer(
        "heartbeat-without-zone", "last_heartbeat has no zone offset (2024-05-01T10:00:00)",
        ("STATUS-HEARTBEAT-PLAUSIBLE", "STATUS-SCHEMA"),
        deviate(on_response=on_status(_heartbeat_without_zone)),
        lambda p: len(p.status()["dr"]["secondaries"][0]["last_heartbeat"]) == 19,
        category="schema",
    ),
    BrokenServer(
        "known-secondaries-missing", "a primary section lacks known_secondaries",
        ("STATUS-MODE-SHAPE", "STATUS-SCHEMA"),
        deviate(on_response=on_status(_no_known_secondaries)),
        lambda p: "known_secondaries" not in p.status()["dr"],
        category="schema",
    ),
    BrokenServer(
        "disabled-with-cluster-id", "a disabled section carries a cluster_id",
        ("STATUS-MODE-SHAPE",), deviate(on_response=on_status(_disabled_with_cluster_id)),
        lambda p: "cluster_id" in p.status()["dr"],
        scenario="disabled",
        category="schema",
    ),
    BrokenServer(
        "warnings-as-string", "a 200 from recover or reindex carries warnings as one string",
        ("VAULT-SUCCESS-ENVELOPE",), deviate(on_response=_warnings_as_string),
        lambda p: isinstance(p.send("POST", RECOVER, token=p.root).json()["warnings"], str),
        profile="full",
        category="schema",
    ),
    BrokenServer(
        "errors-as-string", 'error bodies carry {"errors": "one string"} instead of a list',
        ("VAULT-ERROR-BODY",), deviate(on_response=on_errors(_errors_as_string)),
        lambda p: isinstance(p.send("POST", REINDEX).json().get("errors"), str),
        category="error format",
    ),
    BrokenServer(
        "error-member-singular", 'error bodies are {"error": "..."} with no errors list',
        ("VAULT-ERROR-BODY",), deviate(on_response=on_errors(_error_member)),
        lambda p: "errors" not in p.send("POST", REINDEX).json(),
        category="error format",
    ),
    BrokenServer(
        "html-error-page", "every status >= 400 is an HTML page (text/html)",
        ("VAULT-ERROR-BODY", "VAULT-CONTENT-TYPE"), deviate(on_response=_html_error_page),
        lambda p: p.send("POST", REINDEX).text.startswith("<html>"),
        category="error format",
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
    BrokenServer(
        "known-secondaries-mismatch", "known_secondaries names ids that no secondary has",
        ("STATUS-KNOWN-SECONDARIES",),
        deviate(on_response=on_status(_known_secondaries_mismatch)),
        lambda p: p.status()["dr"]["known_secondaries"] == ["node-3"],
        category="invariants",
    ),
    BrokenServer(
        "wal-goes-back", "every second status read reports last_wal 5 entries lower",
        ("STATUS-WAL-MONOTONIC",),
        # a fresh counter per server: the factory runs once per server it builds
        lambda app: deviate(on_response=on_status(_wal_goes_back()))(app),
        lambda p: _goes_back(_wal(p)),
        category="invariants",
    ),
    BrokenServer(
        "wal-restarts-after-reindex", "after a reindex, last_wal counts from 0 again",
        ("STATUS-WAL-MONOTONIC",),
        lambda app: deviate(on_response=_wal_restarts_after_reindex())(app),
        lambda p: _goes_back(_wal_around_reindex(p)),
        category="invariants", profile="full",
    ),
    BrokenServer(
        "cluster-id-changes", "dr.cluster_id is a fresh UUID on every read",
        ("STATUS-STABLE-IDS",), deviate(on_response=on_status(_fresh_cluster_id)),
        lambda p: p.status()["dr"]["cluster_id"] != p.status()["dr"]["cluster_id"],
        category="invariants",
    ),
    BrokenServer(
        "heartbeat-in-future", "a connected peer's last_heartbeat is one day ahead",
        ("STATUS-HEARTBEAT-PLAUSIBLE",), deviate(on_response=on_status(_heartbeat_in_future)),
        lambda p: p.status()["dr"]["secondaries"][0]["last_heartbeat"]
        > rfc3339(time.time() + 3600),
        category="invariants",
    ),
    BrokenServer(
        "integer-string-with-unit", 'clock_skew_ms carries a unit ("0ms"), so it does not parse',
        ("STATUS-INTEGER-STRINGS",), deviate(on_response=on_status(_skew_with_unit)),
        lambda p: p.status()["dr"]["secondaries"][0]["clock_skew_ms"].endswith("ms"),
        category="invariants",
    ),
    BrokenServer(
        "malformed-body-500", "a write whose body is not a JSON object answers 500",
        ("VAULT-NO-SERVER-ERROR",), deviate(_crash_on_malformed_body),
        lambda p: status_code_of(p, "POST", REINDEX, content=b"{not json") == 500,
        category="robustness",
    ),
    BrokenServer(
        "invalid-utf8-body-500", "a write whose body is not valid UTF-8 answers 500",
        ("VAULT-NO-SERVER-ERROR",), deviate(_crash_on_invalid_utf8),
        lambda p: status_code_of(p, "POST", REINDEX, content=b'{"diff": "\xff"}') == 500,
        category="robustness",
    ),
    BrokenServer(
        "token-echo-in-error", "a 403 names the token that was sent in its error message",
        ("VAULT-NO-TOKEN-ECHO",), deviate(on_response=on_errors(_echo_token_in_error)),
        lambda p: INVALID_TOKEN in p.send("POST", REINDEX, token=INVALID_TOKEN).text,
        category="robustness",
    ),
    BrokenServer(
        "token-echo-in-header", "every answer echoes the token sent in a response header",
        ("VAULT-NO-TOKEN-ECHO",), deviate(on_response=_echo_token_in_header),
        lambda p: INVALID_TOKEN in str(p.send("GET", STATUS, token=INVALID_TOKEN).headers),
        category="robustness",
    ),
    BrokenServer(
        "token-leak-across-requests",
        "a status answer (no token sent) carries the last token any request sent, in a header",
        ("VAULT-NO-TOKEN-ECHO",), lambda app: deviate(on_response=_leak_last_token())(app),
        lambda p: p.send("POST", RECOVER, token=p.update).is_success
        and p.update in str(p.send("GET", STATUS).headers),
        category="robustness",
    ),
    BrokenServer(
        "traceback-on-invalid-flag",
        "an invalid flag value answers 500 with a Python traceback as text/plain",
        ("VAULT-NO-SERVER-ERROR", "VAULT-ERROR-BODY", "REINDEX-INVALID-PARAMETERS"),
        deviate(_traceback_on_invalid_flag),
        lambda p: "Traceback" in p.send("POST", REINDEX, token=p.root, json={"diff": "maybe"}).text,
        category="robustness",
    ),
)


def _check_registry() -> None:
    """Names are unique and every expected id is a real requirement (fails at import)."""
    names = [server.name for server in ZOO]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"duplicate broken server names: {sorted(duplicates)}")
    known = {requirement.id for requirement in replcheck_spec.requirements()}
    for server in ZOO:
        unknown = set(server.expected) - known
        if unknown or not server.expected:
            raise ValueError(f"{server.name}: expected ids not in requirements.yaml: {unknown}")
        if server.category not in CATEGORIES:
            raise ValueError(f"{server.name}: category {server.category!r} not in {CATEGORIES}")


_check_registry()

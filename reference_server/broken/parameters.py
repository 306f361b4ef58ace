"""The zoo's parameters category: the reindex body (lenient booleans, invalid values, unknown
members, bodies that are no JSON object)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .asgi import REINDEX, RequestHook, ZooRequest, ZooResponse, vault_error
from .model import (
    FLAGS,
    BrokenServer,
    body_flags,
    deviate,
    is_boolean_form,
    not_a_json_object,
    ok,
    status_code_of,
    writes_to,
)


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


def _skip_flush_any_string(request: ZooRequest) -> ZooRequest | ZooResponse:
    value = body_flags(request).get("skip_flush")
    if writes_to(request, REINDEX) and isinstance(value, str) and not is_boolean_form(value):
        return request.with_json({**request.json(), "skip_flush": False})
    return request


def _non_json_as_empty(request: ZooRequest) -> ZooRequest | ZooResponse:
    if writes_to(request, REINDEX) and not_a_json_object(request):
        return request.replace(body=b"")
    return request


def _has_sudo_on_reindex(request: ZooRequest) -> bool:
    entry = request.core.tokens.lookup(request.token or "")
    if entry is None:
        return False
    acl = request.core.policies.acl(entry.policies)
    return entry.is_root or "sudo" in acl.capabilities("sys/replication/reindex")


def _reindex_requires_body(request: ZooRequest) -> ZooRequest | ZooResponse:
    """A reindex with no body is refused, though every flag is optional (after the token
    checks, as a handler would refuse it)."""
    if writes_to(request, REINDEX) and not request.body.strip() and _has_sudo_on_reindex(request):
        return vault_error(400, "missing request body: a JSON object with diff, force and "
                                "skip_flush is required")
    return request


ENTRIES: tuple[BrokenServer, ...] = (
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
        may_fail=("VAULT-NO-SERVER-ERROR",),
    ),
    BrokenServer(
        "reindex-requires-body", "a reindex with no body is refused with 400 ({} is accepted)",
        ("REINDEX-SUCCESS", "REINDEX-PUT"), deviate(_reindex_requires_body),
        lambda p: status_code_of(p, "POST", REINDEX, token=p.root) == 400,
        profile="full", category="parameters", may_fail=("VAULT-SUCCESS-ENVELOPE",),
    ),
)

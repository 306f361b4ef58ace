"""The zoo's robustness category: malformed input is never a 5xx, a token is never echoed."""

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
from .model import (
    INVALID_TOKEN,
    PERMISSION_DENIED,
    BrokenServer,
    body_flags,
    deviate,
    is_boolean_form,
    not_a_json_object,
    on_errors,
    reads_status,
    status_code_of,
    writes_to,
)

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/replication/handlers.py", line 88, in reindex\n'
    "    flags = {name: parse_bool(body[name]) for name in FLAGS if name in body}\n"
    '  File "/srv/replication/fields.py", line 21, in parse_bool\n'
    "    raise ValueError(f\"not a boolean: {value!r}\")\n"
    "ValueError: not a boolean: 'maybe'\n"
)

def _crash_on_malformed_body(request: ZooRequest) -> ZooRequest | ZooResponse:
    if request.method in WRITES and request.clean.startswith(API) and not_a_json_object(request):
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


ENTRIES: tuple[BrokenServer, ...] = (
    BrokenServer(
        "malformed-body-500", "a write whose body is not a JSON object answers 500",
        ("VAULT-NO-SERVER-ERROR",), deviate(_crash_on_malformed_body),
        lambda p: status_code_of(p, "POST", REINDEX, content=b"{not json") == 500,
        category="robustness",
        may_fail=("REINDEX-NON-JSON-BODY", "SCHEMA-RESPONSES"),
    ),
    BrokenServer(
        "invalid-utf8-body-500", "a write whose body is not valid UTF-8 answers 500",
        ("VAULT-NO-SERVER-ERROR",), deviate(_crash_on_invalid_utf8),
        lambda p: status_code_of(p, "POST", REINDEX, content=b'{"diff": "\xff"}') == 500,
        category="robustness",
        may_fail=("REINDEX-NON-JSON-BODY", "SCHEMA-RESPONSES"),
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
        ("VAULT-NO-SERVER-ERROR", "VAULT-ERROR-BODY", "REINDEX-INVALID-PARAMETERS",
         "VAULT-CONTENT-TYPE"),
        deviate(_traceback_on_invalid_flag),
        lambda p: "Traceback" in p.send("POST", REINDEX, token=p.root, json={"diff": "maybe"}).text,
        category="robustness",
        may_fail=("SCHEMA-RESPONSES",),
    ),
)

"""The zoo's auth category. Authentication and authorization: who may call what."""

from __future__ import annotations

from collections.abc import Callable

from .asgi import (
    API,
    DR_STATUS,
    PERFORMANCE_STATUS,
    RECOVER,
    REINDEX,
    STATUS,
    WRITES,
    RequestHook,
    ZooRequest,
    ZooResponse,
    vault_error,
)
from .model import (
    INVALID_TOKEN,
    PERMISSION_DENIED,
    BrokenServer,
    deviate,
    ok,
    reads_status,
    status_code_of,
    writes_to,
)


def _status_requires_token(request: ZooRequest) -> ZooRequest | ZooResponse:
    if reads_status(request) and request.token is None:
        return vault_error(403, PERMISSION_DENIED)
    return request


def _section_status_requires_token(path: str) -> RequestHook:
    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method == "GET" and request.clean == path and not request.token_is_live:
            return vault_error(403, PERMISSION_DENIED)
        return request

    return hook


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


# --- tokens that nearly match the root token, and tokens of extreme length ------------------

#: The check of this rule does not exist yet: the reference server's HTTP parser answers a head
#: of 16 KiB or more with a plain-text 400, where Go (Vault) takes 1 MiB of headers.
#: Longer than any real token, below the 16 KiB head limit of the reference server's parser
#: and far below Go's 1 MiB: Vault answers such a token like any other invalid one (403).
HUGE = 8 * 1024
#: What the probes send: the suite's shorter extreme token is 12 KiB.
HUGE_SENT = "h" * (12 * 1024)
NearMiss = Callable[[str, str], bool]


def _one_char_off(root: str, sent: str) -> bool:
    return len(sent) == len(root) and sum(a != b for a, b in zip(sent, root, strict=True)) == 1


def _prefix(root: str, sent: str) -> bool:
    return 0 < len(sent) < len(root) and root.startswith(sent)


def _suffixed(root: str, sent: str) -> bool:
    return len(sent) > len(root) and sent.startswith(root)


def _case_changed(root: str, sent: str) -> bool:
    return sent != root and sent.lower() == root.lower()


def _accept_near_miss(near: NearMiss) -> RequestHook:
    """A token compared loosely: a write to recover or reindex whose token is not live but
    ``near`` the root token is served as the root token's."""

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        token = request.token
        if (token is not None and request.method in WRITES
                and request.clean in (RECOVER, REINDEX) and not request.token_is_live
                and near(request.core.root_token, token)):
            return request.as_root()
        return request

    return hook


def _huge_token_500(request: ZooRequest) -> ZooRequest | ZooResponse:
    token = request.token
    if token is not None and len(token) > HUGE and request.clean.startswith(API):
        return vault_error(500, "internal error")
    return request


def _huge_token_accepted(request: ZooRequest) -> ZooRequest | ZooResponse:
    token = request.token
    if (token is not None and len(token) > HUGE and request.method in WRITES
            and request.clean in (RECOVER, REINDEX)):
        return request.as_root()
    return request


def _near_miss_entry(name: str, how: str, near: NearMiss,
                     sent: Callable[[str], str]) -> BrokenServer:
    return BrokenServer(
        name, f"recover and reindex accept a token that is the root token {how}",
        ("RECOVER-AUTH", "REINDEX-AUTH"), deviate(_accept_near_miss(near)),
        lambda p: ok(p.send("POST", REINDEX, token=sent(p.root))),
        category="auth",
    )


def _one_char_changed(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("b" if last == "a" else "a")


ENTRIES: tuple[BrokenServer, ...] = (
    BrokenServer(
        "status-requires-token", "GET status with no token is refused with 403",
        ("STATUS-UNAUTHENTICATED",), deviate(_status_requires_token),
        lambda p: status_code_of(p, "GET", STATUS) == 403,
        category="auth",
        may_fail=("STATUS-SCHEMA", "SCHEMA-RESPONSES", "EDITION-ENTERPRISE"),
    ),
    BrokenServer(
        "dr-status-requires-token",
        "GET dr/status with no token or an invalid one is refused with 403",
        ("DR-STATUS-UNAUTHENTICATED",), deviate(_section_status_requires_token(DR_STATUS)),
        lambda p: status_code_of(p, "GET", DR_STATUS) == 403,
        category="auth",
        may_fail=("SCHEMA-RESPONSES", "DR-STATUS-MATCHES-STATUS"),
    ),
    BrokenServer(
        "performance-status-requires-token",
        "GET performance/status with no token or an invalid one is refused with 403",
        ("PERFORMANCE-STATUS-UNAUTHENTICATED",),
        deviate(_section_status_requires_token(PERFORMANCE_STATUS)),
        lambda p: status_code_of(p, "GET", PERFORMANCE_STATUS, token=INVALID_TOKEN) == 403,
        category="auth",
        may_fail=("SCHEMA-RESPONSES", "PERFORMANCE-STATUS-MATCHES-STATUS"),
    ),
    BrokenServer(
        "status-rejects-invalid-token", "GET status with an invalid token is refused with 403",
        ("STATUS-IGNORES-TOKEN",), deviate(_status_checks_token),
        lambda p: status_code_of(p, "GET", STATUS, token=INVALID_TOKEN) == 403,
        category="auth",
        may_fail=("SCHEMA-RESPONSES",),
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
        ("VAULT-FORBIDDEN-NOT-401", "RECOVER-AUTH", "RECOVER-CAPABILITY", "REINDEX-AUTH",
         "REINDEX-SUDO"),
        deviate(on_response=_forbidden_as_401),
        lambda p: status_code_of(p, "POST", REINDEX) == 401,
        category="auth",
        may_fail=("SCHEMA-RESPONSES",),
    ),
    BrokenServer(
        "bearer-ignored", "a token sent as Authorization: Bearer is ignored (treated as none)",
        ("VAULT-BEARER-TOKEN",), deviate(_ignore_bearer),
        lambda p: status_code_of(p, "GET", RECOVER, token=p.root, bearer=True) == 403,
        category="auth",
    ),
    BrokenServer(
        "bearer-skips-sudo", "reindex checks sudo only for X-Vault-Token, not for Bearer tokens",
        ("REINDEX-SUDO", "REINDEX-SUDO-PATH-VARIANTS"), deviate(_bearer_skips_sudo),
        lambda p: ok(p.send("POST", REINDEX, token=p.update, bearer=True)),
        category="auth",
    ),
    BrokenServer(
        "recover-requires-sudo", "recover refuses a token with update but without sudo",
        ("RECOVER-SUCCESS", "RECOVER-PUT"), deviate(_recover_requires_sudo),
        lambda p: status_code_of(p, "POST", RECOVER, token=p.update) == 403,
        profile="full",
        category="auth",
    ),
    _near_miss_entry("token-one-char-off-accepted", "with one character changed",
                     _one_char_off, _one_char_changed),
    _near_miss_entry("token-prefix-accepted", "cut short (a prefix of it)",
                     _prefix, lambda token: token[:-3]),
    _near_miss_entry("token-suffix-accepted", "with characters appended",
                     _suffixed, lambda token: token + "zoo"),
    _near_miss_entry("token-case-changed-accepted", "in another case",
                     _case_changed, lambda token: token.swapcase()),
    BrokenServer(
        "huge-token-500", "a token longer than 8 KiB is answered 500 instead of 403",
        ("RECOVER-AUTH", "REINDEX-AUTH"), deviate(_huge_token_500),
        lambda p: status_code_of(p, "POST", RECOVER, token=HUGE_SENT) == 500,
        category="auth", may_fail=("VAULT-NO-SERVER-ERROR", "SCHEMA-RESPONSES"),
    ),
    BrokenServer(
        "huge-token-accepted", "a token longer than 8 KiB is not looked up: it passes as root",
        ("RECOVER-AUTH", "REINDEX-AUTH"), deviate(_huge_token_accepted),
        lambda p: ok(p.send("POST", REINDEX, token=HUGE_SENT)),
        category="auth",
    ),
)

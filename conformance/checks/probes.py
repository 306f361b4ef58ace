"""Requests a check sends to see them refused: methods an endpoint does not serve (with the
answers Vault gives each), tokens that nearly match a real one, and tokens far too long.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Near misses this long or longer are masked in every output.
NEAR_MISS_MASKED_LENGTH = 4


def near_misses(token: str) -> list[tuple[str, str]]:
    """Tokens that nearly match ``token``, the ways a loose comparison lets one through: one
    character changed, cut short, with characters appended, in another case."""
    last = token[-1:]
    found = [
        ("with one character changed", token[:-1] + ("b" if last == "a" else "a")),
        ("with characters appended", token + "zoo"),
    ]
    if len(token) > 3:
        found.append(("cut short", token[:-3]))
    if token.swapcase() != token:
        found.append(("in another case", token.swapcase()))
    return found


#: Lengths of the extreme tokens RECOVER-AUTH and REINDEX-AUTH send: far longer than any real
#: token (a service token is about 100 characters), one under and one over the head limits
#: common in front of Vault (8 KiB in proxies, 16 KiB in some servers; Go's is 1 MiB).
EXTREME_TOKEN_LENGTHS = (12 * 1024, 64 * 1024)


def extreme_token(length: int) -> tuple[str, str]:
    """A token of ``length`` characters, and the shell text that reproduces it in a curl line
    (the report shows that instead of kilobytes of one letter)."""
    return "h" * length, f"$(printf 'h%.0s' $(seq {length}))"


@dataclass(frozen=True)
class MethodProbe:
    """A request with a method the endpoint does not serve, and the answers Vault gives it."""

    method: str
    label: str
    allowed: frozenset[int]
    expected: str
    headers: tuple[tuple[str, str], ...] = ()
    query: str = ""
    body: bytes | None = None


_LIST_EXPECTED = "404 unsupported path (Vault's list appends '/' to the path), or 405"
_PATCH_JSON = (("Content-Type", "application/json"),)
_MERGE_PATCH = (("Content-Type", "application/merge-patch+json"),)

# Probes refused alike on every replication endpoint (verified on OpenBao 2.7.2).
_DELETE = MethodProbe("DELETE", "DELETE", frozenset({405}), "405 unsupported operation")
_HEAD = MethodProbe("HEAD", "HEAD", frozenset({405}), "405 (no body)")
#: HEAD with a token that is not root: Vault maps HEAD to the "header" operation, which no
#: policy capability grants, so the ACL refuses it before the method check (verified on
#: OpenBao 2.7.2 with every capability on the path: 403; root: 405).
HEAD_NOT_ROOT = MethodProbe(
    "HEAD",
    "HEAD",
    frozenset({403, 405}),
    "403 (a token that is not root: no capability grants HEAD), or 405 (no body)",
)
_PATCH_AS_JSON = MethodProbe(
    "PATCH",
    "PATCH as application/json",
    frozenset({415, 405}),
    "415 PATCH requires Content-Type of application/merge-patch+json, or 405",
    headers=_PATCH_JSON,
    body=b"{}",
)
_OPTIONS = MethodProbe(
    "OPTIONS",
    "OPTIONS",
    frozenset({400, 405}),
    "400 cannot handle internal-only request operation, or 405",
)
_UNKNOWN_METHOD = MethodProbe(
    "REPLCHECK", "an unknown method", frozenset({405}), '405 {"errors": []}'
)
#: LIST and its query form: Vault's list appends '/' to the path, which no route matches.
LIST_PROBES: tuple[MethodProbe, ...] = (
    MethodProbe("LIST", "LIST", frozenset({404, 405}), _LIST_EXPECTED),
    MethodProbe("GET", "GET ?list=true", frozenset({404, 405}), _LIST_EXPECTED, query="list=true"),
)

#: Vault's answers to the methods an update-only path (recover, reindex) does not serve, with a
#: token allowed to update it (verified on OpenBao 2.7.2, Vault 1.14's HTTP layer and router, on
#: the update-only paths sys/tools/random and sys/rotate). 405 is accepted wherever Vault's
#: answer is another 4xx: it refuses the method too, which is what a client relies on.
UPDATE_ONLY_PROBES: tuple[MethodProbe, ...] = (
    MethodProbe("GET", "GET", frozenset({405}), "405 unsupported operation"),
    _DELETE,
    _HEAD,
    *LIST_PROBES,
    MethodProbe(
        "PATCH",
        "PATCH without Content-Type",
        frozenset({400, 405}),
        "400 mime: no media type (Vault checks the merge-patch Content-Type first), or 405",
    ),
    _PATCH_AS_JSON,
    MethodProbe(
        "PATCH",
        "PATCH as application/merge-patch+json",
        frozenset({405}),
        "405 unsupported operation (the path has no patch operation)",
        headers=_MERGE_PATCH,
        body=b"{}",
    ),
    _OPTIONS,
    _UNKNOWN_METHOD,
)

#: Writes to the read-only status: each must be refused (405 unsupported operation).
STATUS_WRITE_PROBES: tuple[MethodProbe, ...] = (
    MethodProbe("POST", "POST (a write)", frozenset({405}), "405: status is read-only"),
    MethodProbe("PUT", "PUT (a write)", frozenset({405}), "405: status is read-only"),
    MethodProbe(
        "POST",
        "POST with a JSON body (a write)",
        frozenset({405}),
        "405: status is read-only",
        headers=_PATCH_JSON,
        body=b"{}",
    ),
)
#: The other methods status does not serve, as Vault answers them. Without a token, LIST is
#: 403: Vault's list appends '/', and "status/" is not an unauthenticated path.
STATUS_OTHER_PROBES: tuple[MethodProbe, ...] = (
    _DELETE,
    _HEAD,
    MethodProbe(
        "PATCH",
        "PATCH without Content-Type",
        frozenset({400, 405}),
        "400 mime: no media type, or 405",
    ),
    _PATCH_AS_JSON,
    _OPTIONS,
    _UNKNOWN_METHOD,
)

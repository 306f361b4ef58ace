"""Tokens, policies and capability evaluation, following Vault's ACL rules.

* A policy is a list of path rules (see ``hcl``). Rules for the same pattern from all of a
  token's policies are merged (union of capabilities, ``deny`` wins).
* A request path is judged by one pattern only: an exact pattern if there is one, else the
  highest-priority glob (``*`` suffix) / segment-wildcard (``+``) pattern, ranked as Vault ranks
  them (later first wildcard, no trailing ``*``, fewer ``+``, longer, lexicographically larger).
* Root paths (Vault's ``PathsSpecial.Root``, e.g. ``sys/replication/reindex``) need ``sudo`` on
  top of the operation's capability. Which paths those are is declared by the routes
  (``Route.sudo``, and ``RouteTable.needs_sudo`` for root paths without a handler here); the
  ACL only evaluates ``allows(path, operation, sudo=...)``.
* Tokens are kept by the SHA-256 of their value, so a lookup never compares secret bytes with
  ``==`` and the store never holds a token in clear.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
import string
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from .hcl import PathRule, parse_policy

__all__ = [
    "Acl",
    "Policy",
    "PolicyStore",
    "TokenEntry",
    "TokenStore",
    "sanitize_policy_name",
    "token_hash",
]

_OPERATION_CAPABILITY = {
    "read": "read",
    "list": "list",
    "update": "update",
    "create": "create",
    "delete": "delete",
}

_ALPHABET = string.ascii_letters + string.digits

DEFAULT_POLICY_TEXT = """\
# Allow tokens to look up and revoke themselves, and to ask what they may do.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
path "sys/capabilities-self" {
  capabilities = ["update"]
}
"""


def token_hash(token: str | bytes) -> bytes:
    """The key a token is stored under."""
    raw = token if isinstance(token, bytes) else token.encode("utf-8", "surrogateescape")
    return hashlib.sha256(raw).digest()


@dataclass(frozen=True)
class Policy:
    """A named policy with its source text and parsed rules."""

    name: str
    text: str
    rules: tuple[PathRule, ...]


def _priority(pattern: str) -> tuple[int, bool, int, int, str]:
    """Sort key: a larger key wins among matching wildcard patterns (Vault's priority rules)."""
    segments = pattern.split("/")
    first = len(pattern)
    offset = 0
    for segment in segments:
        if segment == "+":
            first = min(first, offset)
            break
        offset += len(segment) + 1
    if pattern.endswith("*"):
        first = min(first, len(pattern) - 1)
    plus = sum(1 for segment in segments if segment == "+")
    return (first, not pattern.endswith("*"), -plus, len(pattern), pattern)


def _compile(pattern: str) -> re.Pattern[str]:
    glob = pattern.endswith("*")
    body = pattern[:-1] if glob else pattern
    parts = [r"[^/]+" if segment == "+" else re.escape(segment) for segment in body.split("/")]
    return re.compile("/".join(parts) + (".*" if glob else "") + r"\Z", re.DOTALL)


class Acl:
    """The merged rules of a set of policies, answering "which capabilities on this path?"."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        merged: dict[str, set[str]] = {}
        self.root = False
        for policy in policies:
            if policy.name == "root":
                self.root = True
            for rule in policy.rules:
                merged.setdefault(rule.pattern, set()).update(rule.capabilities)
        caps = {p: frozenset({"deny"} if "deny" in c else c) for p, c in merged.items()}
        self._exact = {p: c for p, c in caps.items() if not _is_wildcard(p)}
        wild = [p for p in caps if _is_wildcard(p)]
        wild.sort(key=_priority, reverse=True)
        self._wild = [(_compile(p), caps[p]) for p in wild]

    def capabilities(self, path: str, *, listing: bool = False) -> frozenset[str]:
        """Capabilities granted on ``path`` (``{"root"}`` for a root token).

        ``listing``: the path of a list request ends in ``/``; as in Vault, an exact rule for
        the path without it counts, and wildcard rules are tried on the path with the slash
        first, then without.
        """
        if self.root:
            return frozenset({"root"})
        exact = self._exact.get(path)
        if exact is None and listing:
            exact = self._exact.get(path.removesuffix("/"))
        if exact is not None:
            return exact
        candidates = [path]
        if listing and path.endswith("/"):
            candidates.append(path[:-1])
        for candidate in candidates:
            for regex, caps in self._wild:
                if regex.match(candidate):
                    return caps
        return frozenset()

    def allows(self, path: str, operation: str, *, sudo: bool = False) -> bool:
        """Whether ``operation`` on ``path`` is allowed; ``sudo`` adds the sudo requirement."""
        if self.root:
            return True
        caps = self.capabilities(path, listing=operation == "list")
        if "deny" in caps:
            return False
        if sudo and "sudo" not in caps:
            return False
        return _OPERATION_CAPABILITY.get(operation, operation) in caps


def _is_wildcard(pattern: str) -> bool:
    return pattern.endswith("*") or "+" in pattern.split("/")


#: What Go's ``strings.TrimSpace`` trims (``unicode.IsSpace``); Python's ``str.strip`` also
#: trims the four ASCII separators 0x1C-0x1F, which Go keeps.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" \
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def sanitize_policy_name(name: str) -> str:
    """A policy name as Vault's policy store keys it: spaces trimmed, lower case.

    Vault's ``PolicyStore.sanitizeName`` (``strings.ToLower(strings.TrimSpace(name))``), applied
    on every read, write and delete, and by ``policyutil.SanitizePolicies`` to a token's
    policies: ``sys/policies/acl/default%20`` reads ``default``, and ``ROOT `` is ``root``.
    """
    return name.strip(_GO_SPACE).lower()


_BUILT_IN = frozenset({"root", "default"})


class PolicyStore:
    """Named policies, including the built-in ``root`` and ``default``, keyed by their
    sanitised names (``sanitize_policy_name``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._policies: dict[str, Policy] = {
            "root": Policy("root", "", ()),
            "default": Policy("default", DEFAULT_POLICY_TEXT,
                              tuple(parse_policy(DEFAULT_POLICY_TEXT))),
        }
        self._acl_cache: dict[frozenset[str], Acl] = {}

    def get(self, name: str) -> Policy | None:
        with self._lock:
            return self._policies.get(sanitize_policy_name(name))

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._policies)

    def put(self, name: str, text: str) -> Policy:
        """Store a policy; ``hcl.PolicyParseError`` if the text is outside the subset."""
        policy = Policy(sanitize_policy_name(name), text, tuple(parse_policy(text)))
        with self._lock:
            self._policies[policy.name] = policy
            self._acl_cache.clear()
        return policy

    def delete(self, name: str) -> None:
        with self._lock:
            self._policies.pop(sanitize_policy_name(name), None)
            self._acl_cache.clear()

    def items(self) -> list[tuple[str, str]]:
        """Every policy's name and text, by name (the data a replication tree holds)."""
        with self._lock:
            return sorted((name, p.text) for name, p in self._policies.items())

    def clear(self) -> None:
        """Forget every policy but the built-in ``root`` and ``default`` (a secondary's wipe)."""
        with self._lock:
            self._policies = {n: p for n, p in self._policies.items() if n in _BUILT_IN}
            self._acl_cache.clear()

    def acl(self, names: Iterable[str]) -> Acl:
        """The ACL of a token holding policies ``names`` (unknown names grant nothing)."""
        key = frozenset(names)
        with self._lock:
            acl = self._acl_cache.get(key)
            if acl is None:
                acl = Acl(self._policies[n] for n in sorted(key) if n in self._policies)
                self._acl_cache[key] = acl
            return acl


@dataclass
class TokenEntry:
    """What the server knows about one token (never the token itself)."""

    key: bytes = field(repr=False)
    accessor: str
    policies: list[str]
    display_name: str
    creation_time: float
    ttl: int
    explicit_max_ttl: int = 0
    num_uses: int = 0
    meta: dict[str, str] | None = None
    renewable: bool = False
    orphan: bool = False
    parent: bytes | None = field(default=None, repr=False)
    children: set[bytes] = field(default_factory=set, repr=False)
    path: str = "auth/token/create"

    @property
    def expire_time(self) -> float | None:
        return None if self.ttl == 0 else self.creation_time + self.ttl

    @cached_property
    def is_root(self) -> bool:
        return "root" in self.policies


class TokenStore:
    """Service tokens with TTLs, use limits and parent/child revocation."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[bytes, TokenEntry] = {}

    @staticmethod
    def new_token_value() -> str:
        return "hvs." + "".join(secrets.choice(_ALPHABET) for _ in range(24))

    def create(
        self,
        *,
        token: str | None = None,
        policies: list[str],
        parent: TokenEntry | None = None,
        display_name: str = "token",
        ttl: int = 0,
        explicit_max_ttl: int = 0,
        num_uses: int = 0,
        meta: dict[str, str] | None = None,
        renewable: bool = False,
        orphan: bool = False,
        path: str = "auth/token/create",
    ) -> tuple[str, TokenEntry]:
        """Create a token; returns its value (shown once) and its entry."""
        value = token or self.new_token_value()
        key = token_hash(value)
        entry = TokenEntry(
            key=key,
            accessor="".join(secrets.choice(_ALPHABET) for _ in range(24)),
            policies=sorted(set(policies)),
            display_name=display_name,
            creation_time=self._clock(),
            ttl=ttl,
            explicit_max_ttl=explicit_max_ttl,
            num_uses=num_uses,
            meta=meta,
            renewable=renewable,
            orphan=orphan or parent is None,
            parent=None if orphan or parent is None else parent.key,
            path=path,
        )
        with self._lock:
            if key in self._tokens:
                raise ValueError("cannot create a token with a duplicate ID")
            self._tokens[key] = entry
            if entry.parent is not None and entry.parent in self._tokens:
                self._tokens[entry.parent].children.add(key)
        return value, entry

    def entries(self) -> list[TokenEntry]:
        """Every live entry (the tokens a DR secondary's replicated data holds)."""
        with self._lock:
            return list(self._tokens.values())

    def insert(self, entry: TokenEntry) -> None:
        """Store a copy of another cluster's entry (a token replicated to a DR secondary)."""
        copy = dataclasses.replace(entry, children=set(entry.children))
        with self._lock:
            self._tokens[copy.key] = copy
            if copy.parent is not None and copy.parent in self._tokens:
                self._tokens[copy.parent].children.add(copy.key)

    def revoke_key(self, key: bytes) -> None:
        """Revoke the token stored under ``key`` and its children (a replicated revocation)."""
        with self._lock:
            self._revoke_locked(key)

    def clear(self, *, keep: bytes) -> None:
        """Forget every token but the one stored under ``keep`` (a secondary's wipe)."""
        with self._lock:
            kept = self._tokens.get(keep)
            self._tokens = {} if kept is None else {keep: kept}
            if kept is not None:
                kept.children.clear()

    def lookup(self, token: str | bytes) -> TokenEntry | None:
        """The live entry for a presented token, or ``None`` (unknown, expired or used up)."""
        key = token_hash(token)
        with self._lock:
            entry = self._tokens.get(key)
            if entry is None:
                return None
            expire = entry.expire_time
            if expire is not None and self._clock() >= expire:
                self._revoke_locked(key)
                return None
            return entry

    def accessors(self) -> list[str]:
        """The accessors of every live token (``LIST auth/token/accessors``)."""
        now = self._clock()
        with self._lock:
            return sorted(
                entry.accessor
                for entry in self._tokens.values()
                if entry.expire_time is None or now < entry.expire_time
            )

    def by_accessor(self, accessor: str) -> TokenEntry | None:
        """The live entry with this accessor, or ``None``."""
        live = self.accessors()
        with self._lock:
            return next(
                (e for e in self._tokens.values() if e.accessor == accessor and accessor in live),
                None,
            )

    def use(self, entry: TokenEntry) -> None:
        """Count one use of a limited-use token, revoking it after its last use."""
        if entry.num_uses <= 0:
            return
        with self._lock:
            entry.num_uses -= 1
            if entry.num_uses == 0:
                self._revoke_locked(entry.key)
                entry.num_uses = -1  # used up: reported as such if still in hand

    def revoke(self, token: str | bytes) -> bool:
        """Revoke a token and its children; ``False`` if it was not known."""
        key = token_hash(token)
        with self._lock:
            if key not in self._tokens:
                return False
            self._revoke_locked(key)
            return True

    def revoke_entry(self, entry: TokenEntry) -> None:
        with self._lock:
            self._revoke_locked(entry.key)

    def _revoke_locked(self, key: bytes) -> None:
        pending = [key]
        while pending:
            entry = self._tokens.pop(pending.pop(), None)
            if entry is None:
                continue
            pending.extend(entry.children)
            if entry.parent is not None and entry.parent in self._tokens:
                self._tokens[entry.parent].children.discard(entry.key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._tokens)

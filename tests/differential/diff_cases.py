"""The differential cases: one table of requests, sent in this order to both servers.

Each case is data: a method, a request target exactly as it goes on the wire, which token
headers to send, and a body with its framing. Cases that change state (policies, tokens) come
in the order that makes them meaningful (write, read, list, delete, read again), and both
servers receive the same sequence, so their states stay alike.

Token placeholders in a target, header or body (``{limited}``, ``{victim}``, ...) are replaced
by the values created on each server before the cases run (see ``diff_harness.prepare``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["CASES", "LIMITED_POLICY", "Case"]

MIB = 1024 * 1024

#: The policy of the ``limited`` token: enough to exercise allow, deny and sudo.
LIMITED_POLICY = """
path "sys/policies/acl" { capabilities = ["list"] }
path "sys/policies/acl/diff-*" { capabilities = ["read", "list"] }
path "sys/rotate" { capabilities = ["update"] }
path "auth/token/create" { capabilities = ["update"] }
"""

#: A policy with sudo on token creation: what Vault requires to choose a token's id or to make
#: an orphan (the suite provisions its tokens with ids it chooses).
SUDO_CREATOR_POLICY = """
path "auth/token/create" { capabilities = ["update", "sudo"] }
"""

#: Token headers by the name a case uses.
TOKEN_HEADERS: dict[str, tuple[tuple[str, str], ...]] = {
    "none": (),
    "root": (("X-Vault-Token", "root"),),
    "invalid": (("X-Vault-Token", "not-a-real-token"),),
    "bearer": (("Authorization", "Bearer root"),),
    "bearer-invalid": (("Authorization", "Bearer not-a-real-token"),),
    "both-header-wins": (("X-Vault-Token", "root"), ("Authorization", "Bearer not-a-real-token")),
    "both-header-bad": (("X-Vault-Token", "not-a-real-token"), ("Authorization", "Bearer root")),
    "basic": (("Authorization", "Basic cm9vdDpyb290"),),
    "limited": (("X-Vault-Token", "{limited}"),),
    "sudo-creator": (("X-Vault-Token", "{sudo_creator}"),),
    "revoked": (("X-Vault-Token", "{revoked}"),),
    "self-revoking": (("X-Vault-Token", "{self_revoking}"),),
    "victim": (("X-Vault-Token", "{victim}"),),
}


@dataclass(frozen=True)
class Case:
    """One request. ``big`` (bytes) replaces ``body`` by a JSON object of about that size."""

    id: str
    method: str
    target: str
    token: str = "none"
    body: bytes | None = None
    content_type: str | None = None
    chunked: bool = False
    big: int = 0
    #: Bytes sent as a chunked body exactly as given (broken framing), instead of ``body``.
    raw_chunks: bytes | None = None
    #: The analogous path on OpenBao, which has no replication endpoints (see ``ANALOGS``).
    openbao_target: str | None = None

    def payload(self) -> bytes | None:
        if self.big:
            filler = self.big - len(b'{"filler":""}')
            return b'{"filler":"' + b"a" * filler + b'"}'
        return self.body


def _v1(path: str) -> str:
    return "/v1/" + path


# --- the paths both servers serve ---------------------------------------------------------

#: Update-only logical paths (``sys/rotate`` also needs sudo, like replication/reindex).
UPDATE_ONLY = {"rotate": "sys/rotate", "token-create": "auth/token/create",
               "caps-self": "sys/capabilities-self"}
#: Read-only logical path.
READ_ONLY = {"lookup-self": "auth/token/lookup-self"}
#: Create/read/update/delete logical path (a policy nobody writes).
CRUD = {"policy": "sys/policies/acl/diff-matrix"}
#: Paths answered by dedicated HTTP handlers, not the system backend.
DEDICATED = {"health": "sys/health", "seal-status": "sys/seal-status", "leader": "sys/leader"}

METHODS = ("GET", "POST", "PUT", "DELETE", "LIST", "PATCH", "HEAD", "OPTIONS", "BREW")
MATRIX_TOKENS = ("none", "root", "invalid", "bearer", "limited")


def _method_matrix() -> Iterator[Case]:
    """Every method on every kind of path with every kind of token."""
    for kind in (UPDATE_ONLY, READ_ONLY, CRUD):
        for name, path in kind.items():
            for method in METHODS:
                for token in MATRIX_TOKENS:
                    if name == "token-create" and method in ("POST", "PUT") and token == "root":
                        continue  # creating root tokens is covered by the token cases
                    yield Case(f"method/{name}/{method}/{token}", method, _v1(path), token)
    for name, path in DEDICATED.items():
        for method in METHODS:
            yield Case(f"method/{name}/{method}/none", method, _v1(path))
    for name, path in (*UPDATE_ONLY.items(), *CRUD.items()):
        yield Case(f"method/{name}/GET-list-true/root", "GET", _v1(path) + "?list=true", "root")
        yield Case(f"method/{name}/GET-list-true/none", "GET", _v1(path) + "?list=true")
        yield Case(f"method/{name}/PATCH-merge/root", "PATCH", _v1(path), "root", b"{}",
                   "application/merge-patch+json")
        yield Case(f"method/{name}/PATCH-merge/none", "PATCH", _v1(path), "none", b"{}",
                   "application/merge-patch+json")
        yield Case(f"method/{name}/PATCH-json/root", "PATCH", _v1(path), "root", b"{}",
                   "application/json")


def _token_headers() -> Iterator[Case]:
    """The other ways of presenting (or mispresenting) a token."""
    for token in ("bearer-invalid", "both-header-wins", "both-header-bad", "basic", "revoked"):
        yield Case(f"auth/lookup-self/{token}", "GET", _v1("auth/token/lookup-self"), token)
        yield Case(f"auth/rotate/{token}", "POST", _v1("sys/rotate"), token)
        yield Case(f"auth/policy-read/{token}", "GET", _v1("sys/policies/acl/default"), token)


def _policies() -> Iterator[Case]:
    acl = "sys/policies/acl/"
    hcl = 'path "secret/diff/*" { capabilities = ["read", "list"] }'
    json_form = json.dumps({"path": {"secret/diff/*": {"capabilities": ["read"]}}})
    yield Case("policy/write-hcl", "PUT", _v1(acl + "diff-one"), "root",
               json.dumps({"policy": hcl}).encode())
    yield Case("policy/write-json-form", "POST", _v1(acl + "diff-two"), "root",
               json.dumps({"policy": json_form}).encode())
    yield Case("policy/write-invalid-hcl", "PUT", _v1(acl + "diff-bad"), "root",
               b'{"policy": "path \\"x\\" { capabilities = "}')
    yield Case("policy/write-empty", "PUT", _v1(acl + "diff-empty"), "root", b'{"policy": ""}')
    yield Case("policy/write-no-policy", "PUT", _v1(acl + "diff-empty"), "root", b"{}")
    yield Case("policy/write-root", "PUT", _v1(acl + "root"), "root",
               json.dumps({"policy": hcl}).encode())
    yield Case("policy/write-upper-case", "PUT", _v1(acl + "Diff-Upper"), "root",
               json.dumps({"policy": hcl}).encode())
    yield Case("policy/write-dotted", "PUT", _v1(acl + "diff.dotted"), "root",
               json.dumps({"policy": hcl}).encode())
    for name, spelled in (("space", "diff%20space"), ("slash", "diff/slash"),
                          ("unicode", "diff-%C3%A9t%C3%A9"), ("star", "diff*star"),
                          ("plus", "diff+plus"), ("quote", "diff%22quote")):
        yield Case(f"policy/odd-name-{name}/write", "PUT", _v1(acl + spelled), "root",
                   json.dumps({"policy": hcl}).encode())
        yield Case(f"policy/odd-name-{name}/read", "GET", _v1(acl + spelled), "root")
        yield Case(f"policy/odd-name-{name}/delete", "DELETE", _v1(acl + spelled), "root")
    yield Case("policy/write-limited-token", "PUT", _v1(acl + "diff-three"), "limited",
               json.dumps({"policy": hcl}).encode())
    yield Case("policy/write-no-token", "PUT", _v1(acl + "diff-three"), "none",
               json.dumps({"policy": hcl}).encode())
    yield Case("policy/read", "GET", _v1(acl + "diff-one"), "root")
    yield Case("policy/read-json-form", "GET", _v1(acl + "diff-two"), "root")
    yield Case("policy/read-upper-case", "GET", _v1(acl + "diff-upper"), "root")
    yield Case("policy/read-upper-case-as-written", "GET", _v1(acl + "Diff-Upper"), "root")
    yield Case("policy/read-limited", "GET", _v1(acl + "diff-one"), "limited")
    yield Case("policy/read-limited-denied", "GET", _v1(acl + "default"), "limited")
    yield Case("policy/read-missing", "GET", _v1(acl + "diff-missing"), "root")
    yield Case("policy/list-method", "LIST", _v1("sys/policies/acl"), "root")
    yield Case("policy/list-method-slash", "LIST", _v1("sys/policies/acl/"), "root")
    yield Case("policy/list-query", "GET", _v1("sys/policies/acl?list=true"), "root")
    yield Case("policy/list-query-false", "GET", _v1("sys/policies/acl?list=false"), "root")
    yield Case("policy/list-query-bad", "GET", _v1("sys/policies/acl?list=maybe"), "root")
    yield Case("policy/list-limited", "LIST", _v1("sys/policies/acl"), "limited")
    yield Case("policy/list-no-token", "LIST", _v1("sys/policies/acl"))
    yield Case("policy/delete", "DELETE", _v1(acl + "diff-one"), "root")
    yield Case("policy/read-after-delete", "GET", _v1(acl + "diff-one"), "root")
    yield Case("policy/delete-again", "DELETE", _v1(acl + "diff-one"), "root")
    yield Case("policy/delete-default", "DELETE", _v1(acl + "default"), "root")
    yield Case("policy/delete-root", "DELETE", _v1(acl + "root"), "root")
    yield Case("policy/delete-json-form", "DELETE", _v1(acl + "diff-two"), "root")
    yield Case("policy/delete-upper-case", "DELETE", _v1(acl + "diff-upper"), "root")
    yield Case("policy/delete-dotted", "DELETE", _v1(acl + "diff.dotted"), "root")
    yield from _sanitised_policy_names(acl, hcl)


def _sanitised_policy_names(acl: str, hcl: str) -> Iterator[Case]:
    """Vault's policy store trims and lower-cases every name it reads, writes or deletes."""
    body = json.dumps({"policy": hcl}).encode()
    yield Case("policy/sanitise/read-trailing-space", "GET", _v1(acl + "default%20"), "root")
    yield Case("policy/sanitise/read-padded-upper", "GET", _v1(acl + "%20Default%20%20"), "root")
    yield Case("policy/sanitise/write-padded", "PUT", _v1(acl + "%20Diff-Padded%20"), "root", body)
    yield Case("policy/sanitise/read-as-stored", "GET", _v1(acl + "diff-padded"), "root")
    yield Case("policy/sanitise/list-after-write", "LIST", _v1("sys/policies/acl"), "root")
    yield Case("policy/sanitise/patch-existing", "PATCH", _v1(acl + "diff-padded"), "root",
               body, "application/merge-patch+json")
    yield Case("policy/sanitise/write-root-padded", "PUT", _v1(acl + "ROOT%20"), "root", body)
    yield Case("policy/sanitise/delete-default-padded", "DELETE", _v1(acl + "Default%20"), "root")
    yield Case("policy/sanitise/delete-root-padded", "DELETE", _v1(acl + "%20root"), "root")
    yield Case("policy/sanitise/delete-padded", "DELETE", _v1(acl + "DIFF-PADDED%20"), "root")
    yield Case("policy/sanitise/read-after-delete", "GET", _v1(acl + "diff-padded"), "root")
    yield Case("policy/sanitise/list-after-delete", "LIST", _v1("sys/policies/acl"), "root")


def _tokens() -> Iterator[Case]:
    create = _v1("auth/token/create")
    yield Case("token/create-policies", "POST", create, "root",
               b'{"policies": ["diff-limited"], "ttl": "1h"}')
    yield Case("token/create-no-default", "POST", create, "root",
               b'{"policies": ["diff-limited"], "no_default_policy": true, "ttl": "30m"}')
    yield Case("token/create-ttl-seconds", "POST", create, "root", b'{"ttl": 600}')
    yield Case("token/create-unknown-params", "POST", create, "root",
               b'{"ttl": "1h", "colour": "blue", "shape": 3}')
    yield Case("token/create-bad-ttl", "POST", create, "root", b'{"ttl": "soon"}')
    yield Case("token/create-bad-bool", "POST", create, "root",
               b'{"ttl": "1h", "no_default_policy": "maybe"}')
    yield Case("token/create-limited-subset", "POST", create, "limited",
               b'{"policies": ["diff-limited"], "ttl": "10m"}')
    yield Case("token/create-limited-escalate", "POST", create, "limited",
               b'{"policies": ["root"]}')
    yield Case("token/create-limited-not-subset", "POST", create, "limited",
               b'{"policies": ["other"]}')
    for caller, policy in (("limited", "diff-limited"), ("sudo-creator", "diff-sudo-creator")):
        yield Case(f"token/create-chosen-id-{caller}", "POST", create, caller,
                   f'{{"id": "diff-chosen-by-{caller}", "policies": ["{policy}"]}}'.encode())
        yield Case(f"token/create-orphan-{caller}", "POST", create, caller,
                   f'{{"no_parent": true, "policies": ["{policy}"]}}'.encode())
    accessors = _v1("auth/token/accessors")
    yield Case("token/accessors-root", "LIST", accessors, "root")
    yield Case("token/accessors-limited", "LIST", accessors, "limited")
    yield Case("token/accessors-none", "LIST", accessors)
    for action in ("lookup-accessor", "revoke-accessor"):
        yield Case(f"token/{action}-unknown", "POST", _v1(f"auth/token/{action}"), "root",
                   b'{"accessor": "not-a-real-accessor"}')
        yield Case(f"token/{action}-limited", "POST", _v1(f"auth/token/{action}"), "limited",
                   b'{"accessor": "not-a-real-accessor"}')
    yield Case("token/lookup-self-root", "GET", _v1("auth/token/lookup-self"), "root")
    yield Case("token/lookup-self-limited", "GET", _v1("auth/token/lookup-self"), "limited")
    lookup = _v1("auth/token/lookup")
    yield Case("token/lookup-other", "POST", lookup, "root", b'{"token": "{limited}"}')
    yield Case("token/lookup-empty", "POST", lookup, "root", b"{}")
    yield Case("token/lookup-unknown", "POST", lookup, "root", b'{"token": "not-a-real-token"}')
    yield Case("token/lookup-limited-caller", "POST", lookup, "limited",
               b'{"token": "{limited}"}')
    yield Case("token/revoke-self", "POST", _v1("auth/token/revoke-self"), "self-revoking")
    yield Case("token/use-after-revoke-self", "GET", _v1("auth/token/lookup-self"),
               "self-revoking")
    yield Case("token/revoke-missing-param", "POST", _v1("auth/token/revoke"), "root", b"{}")
    yield Case("token/revoke-unknown", "POST", _v1("auth/token/revoke"), "root",
               b'{"token": "not-a-real-token"}')
    yield Case("token/revoke", "POST", _v1("auth/token/revoke"), "root",
               b'{"token": "{victim}"}')
    yield Case("token/use-after-revoke", "GET", _v1("auth/token/lookup-self"), "victim")
    yield Case("token/revoked-victim-lookup", "GET", _v1("auth/token/lookup-self"), "revoked")


def _capabilities() -> Iterator[Case]:
    caps = _v1("sys/capabilities-self")
    yield Case("caps/root-one-path", "POST", caps, "root", b'{"paths": ["sys/rotate"]}')
    yield Case("caps/root-two-paths", "POST", caps, "root",
               b'{"paths": ["sys/rotate", "secret/x"]}')
    yield Case("caps/limited-one-path", "POST", caps, "limited", b'{"paths": ["sys/rotate"]}')
    yield Case("caps/limited-glob", "POST", caps, "limited",
               b'{"paths": ["sys/policies/acl/diff-x", "sys/policies/acl/other"]}')
    yield Case("caps/limited-comma-string", "POST", caps, "limited",
               b'{"paths": "sys/rotate,auth/token/create"}')
    yield Case("caps/old-path-param", "POST", caps, "limited", b'{"path": "sys/rotate"}')
    yield Case("caps/no-paths", "POST", caps, "limited", b"{}")
    yield Case("caps/paths-named-like-envelope-members", "POST", caps, "root",
               b'{"paths": ["data", "warnings", "request_id"]}')
    yield Case("caps/no-token", "POST", caps, "none", b'{"paths": ["sys/rotate"]}')
    other = _v1("sys/capabilities")
    yield Case("caps/other-token", "POST", other, "root",
               b'{"token": "{limited}", "paths": ["sys/rotate", "sys/policies/acl/diff-x"]}')
    yield Case("caps/other-token-one-path", "POST", other, "root",
               b'{"token": "{limited}", "path": "auth/token/create"}')
    yield Case("caps/other-token-unknown", "POST", other, "root",
               b'{"token": "not-a-real-token", "paths": ["sys/rotate"]}')
    yield Case("caps/other-token-limited-caller", "POST", other, "limited",
               b'{"token": "{limited}", "paths": ["sys/rotate"]}')


def _path_forms() -> Iterator[Case]:
    """Spellings of a path: Go's cleaning and redirects, printable check, encodings."""
    forms = {
        "dot": "/v1/sys/policies/acl/./default",
        "dotdot": "/v1/sys/policies/acl/x/../default",
        "double-slash": "/v1/sys/policies//acl/default",
        "leading-double-slash": "//v1/sys/policies/acl/default",
        "pct-dot": "/v1/sys/policies/acl/%2e/default",
        "pct-dotdot": "/v1/sys/policies/acl/%2E%2E/default",
        "trailing-slash": "/v1/sys/policies/acl/default/",
        "pct-tab": "/v1/sys/policies/acl/a%09b",
        "pct-nul": "/v1/sys/policies/acl/a%00b",
        "pct-del": "/v1/sys/policies/acl/a%7Fb",
        "pct-space": "/v1/sys/policies/acl/a%20b",
        "pct-letter": "/v1/sys/policies/acl/%64efault",
        "pct-slash": "/v1/sys/policies/acl%2Fdefault",
        "query": "/v1/sys/policies/acl/default?foo=bar",
        "absolute-form": "http://127.0.0.1:{port}/v1/sys/policies/acl/default",
        "outside-v1": "/v2/sys/policies/acl/default",
        "no-v1": "/sys/policies/acl/default",
        "v1-only": "/v1/",
        "unknown-sys": "/v1/sys/no-such-thing",
        "unknown-mount": "/v1/nomount/thing",
    }
    for name, target in forms.items():
        for token in ("root", "none"):
            yield Case(f"path/{name}/GET/{token}", "GET", target, token)
    for name in ("dot", "pct-dot", "pct-tab", "trailing-slash", "double-slash"):
        yield Case(f"path/{name}/POST/root", "POST", forms[name], "root", b"{}")
    yield Case("path/rotate-trailing-slash/POST/none", "POST", "/v1/sys/rotate/", "none", b"{}")
    yield Case("path/rotate-dot/POST/none", "POST", "/v1/sys/./rotate", "none", b"{}")
    yield Case("path/health-dot/GET/none", "GET", "/v1/sys/./health", "none")


def _bodies() -> Iterator[Case]:
    """Body forms on an update path, with and without a token."""
    form = "application/x-www-form-urlencoded"
    bodies: dict[str, tuple[bytes | None, str | None]] = {
        "none": (None, None),
        "empty": (b"", "application/json"),
        "null": (b"null", "application/json"),
        "object": (b'{"ttl": "1h"}', "application/json"),
        "array": (b"[]", "application/json"),
        "string": (b'"text"', "application/json"),
        "number": (b"12", "application/json"),
        "truncated": (b'{"ttl": ', "application/json"),
        "two-objects": (b'{"ttl": "1h"}{"ttl": "2h"}', "application/json"),
        "trailing-garbage": (b'{"ttl": "1h"} garbage', "application/json"),
        "form": (b"ttl=1h&colour=blue", form),
        "form-looks-json": (b' {"ttl": "1h"}', form),
        "form-no-type": (b"ttl=1h", None),
        "invalid-utf8": (b'{"display_name": "\xff\xfe"}', "application/json"),
        "bom": (b'\xef\xbb\xbf{"ttl": "1h"}', "application/json"),
        "nan": (b'{"ttl": NaN}', "application/json"),
        "leading-space": (b'   \n {"ttl": "1h"}', "application/json"),
        "not-json": (b"this is not json", "application/json"),
        "text-plain": (b"this is not json", "text/plain"),
    }
    for name, (body, content_type) in bodies.items():
        for token in ("root", "none"):
            yield Case(f"body/{name}/{token}", "POST", _v1("auth/token/create"), token, body,
                       content_type)
    for token in ("root", "none"):
        yield Case(f"body/31MiB/{token}", "POST", _v1("auth/token/create"), token,
                   content_type="application/json", big=31 * MIB)
        yield Case(f"body/31MiB-chunked/{token}", "POST", _v1("auth/token/create"), token,
                   content_type="application/json", chunked=True, big=31 * MIB)
        yield Case(f"body/33MiB/{token}", "POST", _v1("auth/token/create"), token,
                   content_type="application/json", big=33 * MIB)
        yield Case(f"body/33MiB-chunked/{token}", "POST", _v1("auth/token/create"), token,
                   content_type="application/json", chunked=True, big=33 * MIB)
    for token in ("root", "none"):
        yield Case(f"body/broken-chunk/{token}", "POST", _v1("auth/token/create"), token,
                   content_type="application/json", raw_chunks=b"2\r\n{}\r\nzz\r\n")
    yield Case("body/33MiB/rotate-none", "POST", _v1("sys/rotate"), "none",
               content_type="application/json", big=33 * MIB)
    yield Case("body/null/rotate-root", "POST", _v1("sys/rotate"), "root", b"null",
               "application/json")
    yield Case("body/array/rotate-none", "POST", _v1("sys/rotate"), "none", b"[1]",
               "application/json")


#: Replication endpoints and the OpenBao path Vault's router treats the same way: recover and
#: reindex are update-only logical paths in sys, reindex needing sudo like ``sys/rotate``;
#: status is an unauthenticated read-only logical path like ``sys/internal/ui/mounts``.
ANALOGS = {
    "recover": ("sys/replication/recover", "sys/rotate"),
    "reindex": ("sys/replication/reindex", "sys/rotate"),
    "status": ("sys/replication/status", "sys/internal/ui/mounts"),
}
ANALOG_TOKENS = ("none", "root", "invalid", "bearer")


def _replication_analogs() -> Iterator[Case]:
    """The replication endpoints answer every method as their analog on OpenBao does.

    Successful answers are only compared on being successful (the handlers differ: reindex
    answers 200 with warnings where rotate answers 204); every refusal must be the same.
    """
    for name, (ours, theirs) in ANALOGS.items():
        for method in METHODS:
            for token in ANALOG_TOKENS:
                yield Case(f"analog/{name}/{method}/{token}", method, _v1(ours), token,
                           openbao_target=_v1(theirs))
        for token in ("root", "none"):
            yield Case(f"analog/{name}/GET-list-true/{token}", "GET", _v1(ours) + "?list=true",
                       token, openbao_target=_v1(theirs) + "?list=true")
            yield Case(f"analog/{name}/PATCH-merge/{token}", "PATCH", _v1(ours), token, b"{}",
                       "application/merge-patch+json", openbao_target=_v1(theirs))
            yield Case(f"analog/{name}/PATCH-json/{token}", "PATCH", _v1(ours), token, b"{}",
                       "application/json", openbao_target=_v1(theirs))
            yield Case(f"analog/{name}/POST-null/{token}", "POST", _v1(ours), token, b"null",
                       "application/json", openbao_target=_v1(theirs))
            yield Case(f"analog/{name}/POST-array/{token}", "POST", _v1(ours), token, b"[]",
                       "application/json", openbao_target=_v1(theirs))
            yield Case(f"analog/{name}/POST-trailing-slash/{token}", "POST", _v1(ours) + "/",
                       token, b"{}", "application/json", openbao_target=_v1(theirs) + "/")
            yield Case(f"analog/{name}/POST-33MiB/{token}", "POST", _v1(ours), token,
                       content_type="application/json", big=33 * MIB,
                       openbao_target=_v1(theirs))
        yield Case(f"analog/{name}/POST-form/root", "POST", _v1(ours), "root", b"diff=true",
                   "application/x-www-form-urlencoded", openbao_target=_v1(theirs))
        yield Case(f"analog/{name}/POST-limited/limited", "POST", _v1(ours), "limited", b"{}",
                   "application/json", openbao_target=_v1(theirs))


def _unauthenticated() -> Iterator[Case]:
    yield Case("unauth/seal-status/invalid-token", "GET", _v1("sys/seal-status"), "invalid")
    yield Case("unauth/health/invalid-token", "GET", _v1("sys/health"), "invalid")
    yield Case("unauth/leader/root", "GET", _v1("sys/leader"), "root")
    yield Case("unauth/health/query", "GET", _v1("sys/health?standbyok=true"))
    yield Case("unauth/init/GET", "GET", _v1("sys/init"))
    yield Case("unauth/init/PUT", "PUT", _v1("sys/init"), "none",
               b'{"secret_shares": 1, "secret_threshold": 1}', "application/json")
    yield Case("unauth/init/DELETE", "DELETE", _v1("sys/init"))
    yield Case("unauth/health/HEAD-standby-query", "HEAD", _v1("sys/health?standbyok=true"))


CASES: list[Case] = [
    *_method_matrix(),
    *_token_headers(),
    *_policies(),
    *_tokens(),
    *_capabilities(),
    *_path_forms(),
    *_bodies(),
    *_unauthenticated(),
    *_replication_analogs(),
]

_ids = [case.id for case in CASES]
assert len(_ids) == len(set(_ids)), "case ids must be unique"

"""The auth matrix per endpoint, and the token and policy endpoints a client provisions with."""

from __future__ import annotations

import base64

import pytest

from replcheck import spec
from replcheck.reference_server.acl import Acl, Policy, sanitize_policy_name
from replcheck.reference_server.hcl import PolicyParseError, parse_policy

from .conftest import UPDATE_AND_SUDO, UPDATE_NO_SUDO, token_with_policy, vault

# endpoint -> expected status per credential kind
MATRIX = {
    ("GET", "/v1/sys/replication/status"): {
        "none": 200, "invalid": 200, "no_sudo": 200, "sudo": 200, "root": 200, "bearer": 200,
    },
    ("POST", "/v1/sys/replication/recover"): {
        "none": 403, "invalid": 403, "no_sudo": 200, "sudo": 200, "root": 200, "bearer": 200,
    },
    ("PUT", "/v1/sys/replication/recover"): {
        "none": 403, "invalid": 403, "no_sudo": 200, "sudo": 200, "root": 200, "bearer": 200,
    },
    ("POST", "/v1/sys/replication/reindex"): {
        "none": 403, "invalid": 403, "no_sudo": 403, "sudo": 200, "root": 200, "bearer": 200,
    },
    ("PUT", "/v1/sys/replication/reindex"): {
        "none": 403, "invalid": 403, "no_sudo": 403, "sudo": 200, "root": 200, "bearer": 200,
    },
}
CASES = [(m, p, kind, status) for (m, p), row in MATRIX.items() for kind, status in row.items()]


@pytest.mark.parametrize(("method", "path", "kind", "status"), CASES)
def test_auth_matrix(client, method, path, kind, status):
    root = vault(client).root_token
    if kind in ("no_sudo", "sudo"):
        policy = UPDATE_NO_SUDO if kind == "no_sudo" else UPDATE_AND_SUDO
        headers = {"X-Vault-Token": token_with_policy(client, policy, name=kind)}
    else:
        headers = {
            "none": {},
            "invalid": {"X-Vault-Token": "hvs.not-a-real-token"},
            "root": {"X-Vault-Token": root},
            "bearer": {"Authorization": f"Bearer {root}"},
        }[kind]
    response = client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert "permission denied" in response.json()["errors"][0]


@pytest.mark.parametrize("header", ["Basic abc", "bearer {root}", "Bearer", "Token {root}"])
def test_other_authorization_schemes_are_not_tokens(client, header):
    value = header.format(root=vault(client).root_token)
    response = client.post("/v1/sys/replication/recover", headers={"Authorization": value})
    assert response.status_code == 403


def test_x_vault_token_wins_over_bearer(client):
    root = vault(client).root_token
    response = client.post("/v1/sys/replication/recover",
                           headers={"X-Vault-Token": "bogus", "Authorization": f"Bearer {root}"})
    assert response.status_code == 403


def test_revoked_and_expired_tokens_are_403(client, clock):
    token = token_with_policy(client, UPDATE_NO_SUDO, ttl="60s")
    headers = {"X-Vault-Token": token}
    assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 200
    clock.advance(61)
    assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 403
    other = token_with_policy(client, UPDATE_NO_SUDO)
    assert client.post("/v1/auth/token/revoke-self",
                       headers={"X-Vault-Token": other}).status_code == 204
    assert client.post("/v1/sys/replication/recover",
                       headers={"X-Vault-Token": other}).status_code == 403


def test_limited_use_tokens_run_out(client):
    token = token_with_policy(client, UPDATE_NO_SUDO, num_uses=2)
    headers = {"X-Vault-Token": token}
    assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 200
    assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 200
    assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 403


def test_revoking_a_parent_revokes_its_children(client, root):
    parent = token_with_policy(
        client, UPDATE_NO_SUDO + 'path "auth/token/create" { capabilities = ["update"] }'
    )
    child = client.post("/v1/auth/token/create", headers={"X-Vault-Token": parent},
                        json={"policies": ["ops"]}).json()["auth"]["client_token"]
    assert client.post("/v1/auth/token/revoke", headers=root,
                       json={"token": parent}).status_code == 204
    assert client.get("/v1/auth/token/lookup-self",
                      headers={"X-Vault-Token": child}).status_code == 403


def test_deny_overrides_and_exact_paths_win(client):
    token = token_with_policy(client, """
        path "sys/replication/*" { capabilities = ["update", "sudo"] }
        path "sys/replication/reindex" { capabilities = ["deny"] }
    """)
    headers = {"X-Vault-Token": token}
    assert client.post("/v1/sys/replication/reindex", headers=headers).status_code == 403
    assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 200


def test_segment_wildcard_grants_reindex_with_sudo(client):
    token = token_with_policy(client, 'path "sys/+/reindex" { capabilities = ["update","sudo"] }')
    headers = {"X-Vault-Token": token}
    assert client.post("/v1/sys/replication/reindex", headers=headers).status_code == 200
    assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 403


def test_lookup_self_and_capabilities_self(client):
    token = token_with_policy(client, UPDATE_NO_SUDO, display_name="ci", meta={"team": "x"})
    headers = {"X-Vault-Token": token}
    data = client.get("/v1/auth/token/lookup-self", headers=headers).json()["data"]
    assert data["policies"] == ["default", "ops"]
    assert data["display_name"] == "token-ci" and data["meta"] == {"team": "x"}
    assert 0 < data["ttl"] <= 768 * 3600 and data["expire_time"]
    caps = client.post("/v1/sys/capabilities-self", headers=headers,
                       json={"paths": ["sys/replication/reindex", "sys/other"]}).json()["data"]
    assert caps["sys/replication/reindex"] == ["update"]
    assert caps["sys/other"] == ["deny"]
    single = client.post("/v1/sys/capabilities-self", headers=headers,
                         json={"path": "sys/replication/recover"}).json()["data"]
    assert single["capabilities"] == ["update"]
    root = client.post("/v1/sys/capabilities-self",
                       headers={"X-Vault-Token": vault(client).root_token},
                       json={"paths": "sys/replication/reindex"}).json()["data"]
    assert root["capabilities"] == ["root"]


def test_token_create_rules(client, root):
    limited = token_with_policy(client, UPDATE_NO_SUDO)
    headers = {"X-Vault-Token": limited}
    # The default policy does not grant auth/token/create.
    assert client.post("/v1/auth/token/create", headers=headers, json={}).status_code == 403
    token_with_policy(client, 'path "auth/token/create" { capabilities = ["update"] }\n'
                      + UPDATE_NO_SUDO, name="creator")
    creator = client.post("/v1/auth/token/create", headers=root,
                          json={"policies": "creator"}).json()["auth"]["client_token"]
    headers = {"X-Vault-Token": creator}
    escalate = client.post("/v1/auth/token/create", headers=headers,
                           json={"policies": ["root"]})
    assert escalate.status_code == 400
    other = client.post("/v1/auth/token/create", headers=headers, json={"policies": ["ops"]})
    assert other.status_code == 400 and "subset" in other.json()["errors"][0]
    inherited = client.post("/v1/auth/token/create", headers=headers, json={"ttl": "1h"})
    assert inherited.json()["auth"]["policies"] == ["creator", "default"]
    assert inherited.json()["auth"]["lease_duration"] == 3600
    bad = client.post("/v1/auth/token/create", headers=root, json={"ttl": "soon"})
    assert bad.status_code == 400
    capped = client.post("/v1/auth/token/create", headers=root,
                         json={"policies": ["ops"], "ttl": "100000h"}).json()
    assert capped["auth"]["lease_duration"] == 768 * 3600 and capped["warnings"]
    no_default = client.post("/v1/auth/token/create", headers=root,
                             json={"policies": ["ops"], "no_default_policy": "true"}).json()
    assert no_default["auth"]["policies"] == ["ops"]
    custom = client.post("/v1/auth/token/create", headers=root, json={"id": "my-token"})
    assert custom.json()["auth"]["client_token"] == "my-token"
    assert client.post("/v1/auth/token/create", headers=root,
                       json={"id": "my-token"}).status_code == 400


def test_policy_endpoints(client, root):
    text = '# ops\npath "sys/replication/*" {\n  capabilities = ["update"]\n}\n'
    written = client.put("/v1/sys/policies/acl/Ops", headers=root, json={"policy": text})
    assert written.status_code == 200  # Vault says when it lower-cased the name
    assert written.json()["warnings"] == ["policy name was converted to ops"]
    assert client.put("/v1/sys/policies/acl/ops", headers=root,
                      json={"policy": text}).status_code == 204
    read = client.get("/v1/sys/policies/acl/ops", headers=root).json()["data"]
    assert read == {"name": "ops", "policy": text}
    listing = client.request("LIST", "/v1/sys/policies/acl", headers=root).json()["data"]
    assert listing["keys"] == ["default", "ops", "root"]
    assert client.get("/v1/sys/policies/acl?list=true", headers=root).json()["data"] == listing
    encoded = base64.b64encode(b'path "x" { capabilities = ["read"] }').decode()
    assert client.post("/v1/sys/policies/acl/b64", headers=root,
                       json={"policy": encoded}).status_code == 204
    assert client.get("/v1/sys/policies/acl/b64", headers=root).json()["data"]["policy"] \
        .startswith('path "x"')
    assert client.delete("/v1/sys/policies/acl/ops", headers=root).status_code == 204
    missing = client.get("/v1/sys/policies/acl/ops", headers=root)
    assert missing.status_code == 404 and missing.json() == {"errors": []}


@pytest.mark.parametrize(
    ("method", "name", "body", "message"),
    [
        ("PUT", "root", {"policy": 'path "x" { capabilities = ["read"] }'}, "root"),
        ("DELETE", "root", None, "root"),
        ("DELETE", "default", None, "default"),
        ("PUT", "ROOT%20", {"policy": 'path "x" { capabilities = ["read"] }'}, "root"),
        ("DELETE", "%20Root", None, "root"),
        ("DELETE", "Default%20%20", None, "default"),
        ("PUT", "%20", {"policy": 'path "x" { capabilities = ["read"] }'}, "name must be"),
        ("PUT", "p", {}, "'policy' parameter"),
        ("PUT", "p", {"policy": 'path "x" { capabilities = ["fly"] }'}, "invalid capability"),
        ("PUT", "p", {"policy": 'path "x" { allowed_parameters = {} }'}, "unsupported setting"),
        ("PUT", "p", {"policy": 'key "x" { policy = "read" }'}, "only 'path' blocks"),
        ("PUT", "p", {"policy": 'path "x" { capabilities = ["read"]'}, "end of policy"),
        ("PUT", "p", {"policy": 'path "a*b" { capabilities = ["read"] }'}, "'*'"),
    ],
)
def test_policy_errors_are_400(client, root, method, name, body, message):
    response = client.request(method, f"/v1/sys/policies/acl/{name}", headers=root, json=body)
    assert response.status_code == 400
    assert message in response.json()["errors"][0]


def test_policy_names_are_sanitised_as_vaults_store_does(client, root):
    """Trimmed and lower-cased on every read, write and delete, and in a token's policies."""
    text = 'path "sys/replication/status" { capabilities = ["read"] }'
    written = client.put("/v1/sys/policies/acl/%20Padded%20", headers=root, json={"policy": text})
    assert written.json()["warnings"] == ["policy name was converted to  padded "]
    assert client.put("/v1/sys/policies/acl/%20padded", headers=root,
                      json={"policy": text}).status_code == 204  # trimmed without a word
    read = client.get("/v1/sys/policies/acl/PADDED%20%20", headers=root)
    assert read.status_code == 200 and read.json()["data"]["name"] == "padded"
    listing = client.request("LIST", "/v1/sys/policies/acl", headers=root).json()["data"]
    assert listing["keys"] == ["default", "padded", "root"]
    created = client.post("/v1/auth/token/create", headers=root,
                          json={"policies": [" Padded ", "\tdefault\n", " "]})
    assert created.json()["auth"]["policies"] == ["default", "padded"]
    assert client.delete("/v1/sys/policies/acl/%20padded", headers=root).status_code == 204
    assert client.get("/v1/sys/policies/acl/padded", headers=root).status_code == 404


@pytest.mark.parametrize(
    ("name", "stored"),
    [("Ops", "ops"), (" ops\t\n", "ops"), ("\u3000ops\xa0", "ops"), ("\x1fops", "\x1fops"),
     ("o p s", "o p s")],
)
def test_sanitize_policy_name_trims_what_gos_trimspace_trims(name, stored):
    assert sanitize_policy_name(name) == stored


def test_create_versus_update_capability_on_policies(client):
    token = token_with_policy(client, 'path "sys/policies/acl/*" { capabilities = ["update"] }')
    headers = {"X-Vault-Token": token}
    body = {"policy": 'path "x" { capabilities = ["read"] }'}
    # "new" does not exist: writing it is a create, which the policy does not grant.
    assert client.put("/v1/sys/policies/acl/new", headers=headers, json=body).status_code == 403
    # "ops" exists (the helper wrote it): writing it is an update.
    assert client.put("/v1/sys/policies/acl/ops", headers=headers, json=body).status_code == 204


def test_hcl_subset():
    rules = parse_policy("""
        # hash comment
        // slash comment
        /* block
           comment */
        path "sys/replication/*" {
          capabilities = ["update", "sudo",]
        }
        path "/secret/old" { policy = "read" }
    """)
    assert [r.pattern for r in rules] == ["sys/replication/*", "secret/old"]
    assert rules[0].capabilities == {"update", "sudo"}
    assert rules[1].capabilities == {"read", "list"}
    json_rules = parse_policy('{"path": {"a/+": {"capabilities": ["list"]}}}')
    assert json_rules[0].pattern == "a/+"
    for bad in ['path x { }', 'path "x" { capabilities = "read" }', '{"path": 1}', "path",
                'path "x" { capabilities = [read] }', "path \"x\" { capabilities = ['read'] }"]:
        with pytest.raises(PolicyParseError):
            parse_policy(bad)


def test_acl_priority_follows_vault():
    policy = Policy("p", "", tuple(parse_policy("""
        path "secret/*" { capabilities = ["read"] }
        path "secret/team/*" { capabilities = ["list"] }
        path "secret/+/config" { capabilities = ["update"] }
        path "secret/team/config" { capabilities = ["delete"] }
    """)))
    acl = Acl([policy])
    assert acl.capabilities("secret/x") == {"read"}
    assert acl.capabilities("secret/team/x") == {"list"}
    assert acl.capabilities("secret/other/config") == {"update"}
    assert acl.capabilities("secret/team/config") == {"delete"}
    assert acl.capabilities("elsewhere") == frozenset()


def _needs_sudo(dispatcher, path: str) -> bool:
    matched = dispatcher.routes.match(path)
    return dispatcher.routes.needs_sudo(path, matched[0] if matched else None)


def test_reindex_is_a_root_path(client):
    """The route declares it; a root path with no route here is known to the table."""
    dispatcher = client.app.router.default
    assert _needs_sudo(dispatcher, "sys/replication/reindex")
    assert _needs_sudo(dispatcher, "sys/rotate")
    assert not _needs_sudo(dispatcher, "sys/replication/recover")
    assert not _needs_sudo(dispatcher, "sys/replication/status")
    assert _needs_sudo(dispatcher, "sys/raw/anything")
    assert not _needs_sudo(dispatcher, "sys/replication/reindex/")


def test_routes_declare_what_the_contract_says_of_their_operations(client):
    """``x-vault-sudo``, ``x-vault-unauthenticated`` and ``x-vault-dr-operation-token`` of the
    OpenAPI document are what the routes declare, so the ACL's rule and the published contract
    cannot part. A dedicated route (its own HTTP handler in Vault) never reads a token."""
    routes = client.app.router.default.routes
    unserved = []
    for path, item in spec.openapi()["paths"].items():
        matched = routes.match(path.lstrip("/"))
        if matched is None:
            unserved.append(path)
            continue
        route = matched[0]
        for method, operation in item.items():
            if method not in ("get", "post", "put"):
                continue
            assert ("read" if method == "get" else "update") in route.operations, (path, method)
            assert route.sudo is bool(operation.get("x-vault-sudo")), (path, method)
            unauthenticated = route.unauthenticated or route.dedicated
            assert unauthenticated is bool(operation.get("x-vault-unauthenticated")), path
            assert route.dr_operation_token is bool(operation.get("x-vault-dr-operation-token")), \
                path
    # Every path of the contract is served by a route of its own: the DR and performance
    # families too (the operations across clusters: reference_server/topology/).
    assert not unserved, unserved

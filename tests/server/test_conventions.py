"""Vault's HTTP conventions, endpoint by endpoint (every response is schema-checked)."""

from __future__ import annotations

import json

import httpx
import pytest

from replcheck.reference_server.conventions.paths import clean_path

from .conftest import UPDATE_NO_SUDO, token_with_policy, vault


def test_status_is_the_full_envelope_with_null_members(client):
    body = client.get("/v1/sys/replication/status").json()
    assert body["wrap_info"] is None and body["warnings"] is None and body["auth"] is None
    assert body["lease_id"] == "" and body["lease_duration"] == 0 and body["renewable"] is False
    assert body["mount_type"] == "system"
    assert set(body["data"]) == {"dr", "performance"}


def test_request_ids_differ(client):
    first = client.get("/v1/sys/replication/status").json()["request_id"]
    second = client.get("/v1/sys/replication/status").json()["request_id"]
    assert first != second


@pytest.mark.parametrize("headers", [{}, {"X-Vault-Token": "bogus"},
                                     {"Authorization": "Bearer bogus"}])
def test_status_ignores_any_token(client, headers):
    assert client.get("/v1/sys/replication/status", headers=headers).status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_post_and_put_are_the_same_update(client, root, method):
    response = client.request(method, "/v1/sys/replication/recover", headers=root)
    assert response.status_code == 200
    assert response.json()["warnings"]


def test_success_without_anything_to_say_is_204_without_body(client, root):
    response = client.put("/v1/sys/policies/acl/x", headers=root,
                          json={"policy": 'path "a" { capabilities = ["read"] }'})
    assert response.status_code == 204
    assert response.content == b""
    assert "content-length" not in response.headers


UNSUPPORTED_OPERATION = "1 error occurred:\n\t* unsupported operation\n\n"
UNSUPPORTED_PATH = "1 error occurred:\n\t* unsupported path\n\n"


@pytest.mark.parametrize(
    ("method", "path", "status", "errors"),
    [
        # status is an unauthenticated path: its routing errors are not wrapped.
        ("DELETE", "/v1/sys/replication/status", 405, ["unsupported operation"]),
        ("POST", "/v1/sys/replication/status", 405, ["unsupported operation"]),
        # LIST appends "/" to the path, which is no longer status (an exact entry): with a
        # token that may, it is an unknown path.
        ("LIST", "/v1/sys/replication/status", 404, [UNSUPPORTED_PATH]),
        ("GET", "/v1/sys/replication/status?list=true", 404, [UNSUPPORTED_PATH]),
        ("LIST", "/v1/sys/replication/reindex", 404, [UNSUPPORTED_PATH]),
        ("GET", "/v1/sys/replication/recover?list=true", 404, [UNSUPPORTED_PATH]),
        ("GET", "/v1/sys/replication/recover", 405, [UNSUPPORTED_OPERATION]),
        ("DELETE", "/v1/sys/replication/reindex", 405, [UNSUPPORTED_OPERATION]),
        ("PATCH", "/v1/sys/replication/recover", 400, ["mime: no media type"]),
        ("OPTIONS", "/v1/sys/replication/status", 400,
         ["cannot handle internal-only request operation"]),
        ("BREW", "/v1/sys/replication/status", 405, []),
        ("GET", "/v1/sys/replication/nope", 404, [UNSUPPORTED_PATH]),
        ("POST", "/v1/sys/replication/nope", 404, [UNSUPPORTED_PATH]),
        ("GET", "/v1/sys/nope", 404, [UNSUPPORTED_PATH]),
        ("GET", "/v1/kv/data/x", 404,
         ['no handler for route "kv/data/x". route entry not found.']),
        ("GET", "/elsewhere", 404, []),
    ],
)
def test_routing_errors(client, root, method, path, status, errors):
    response = client.request(method, path, headers=root)
    assert response.status_code == status
    assert response.json() == {"errors": errors}


@pytest.mark.parametrize("path", ["/v1/sys/replication/recover", "/v1/sys/replication/reindex",
                                  "/v1/sys/replication/status"])
def test_patch_needs_merge_patch_and_then_is_an_unsupported_operation(client, root, path):
    wrong = client.patch(path, headers={**root, "Content-Type": "application/json"},
                         content=b"{}")
    assert wrong.status_code == 415
    assert wrong.json() == {"errors": [
        "PATCH requires Content-Type of application/merge-patch+json, provided application/json"
    ]}
    right = client.patch(path, headers={**root, "Content-Type": "application/merge-patch+json"},
                         content=b"{}")
    assert right.status_code == 405
    wrapped = not path.endswith("/status")
    assert right.json() == {
        "errors": [UNSUPPORTED_OPERATION if wrapped else "unsupported operation"]
    }


@pytest.mark.parametrize("path", ["/v1/sys/replication/recover", "/v1/sys/replication/reindex",
                                  "/v1/sys/replication/status"])
def test_list_without_a_token_is_403(client, path):
    assert client.request("LIST", path).status_code == 403
    assert client.get(path + "?list=true").status_code == 403


def test_a_denied_token_gets_the_wrapped_permission_denied(client):
    token = token_with_policy(client, UPDATE_NO_SUDO)
    response = client.post("/v1/sys/replication/reindex", headers={"X-Vault-Token": token})
    assert response.status_code == 403
    assert response.json() == {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}
    assert client.post("/v1/sys/replication/reindex").json() == {"errors": ["permission denied"]}


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("path", ["/v1/sys/replication/reindex/",
                                  "/v1/sys/replication/recover/", "/v1/sys/nope/"])
def test_write_to_trailing_slash_is_400_before_auth(client, method, path):
    response = client.request(method, path)  # no token at all
    assert response.status_code == 400
    assert response.json() == {"errors": ["cannot write to a path ending in '/'"]}


def test_order_body_before_auth_before_routing(client):
    limited = token_with_policy(client, 'path "sys/replication/recover" '
                                        '{ capabilities = ["update"] }')
    # Unknown path, no token: 403 (auth first), with root: 404.
    assert client.get("/v1/sys/replication/nope").status_code == 403
    # Wrong method with no token: 403 before 405.
    assert client.get("/v1/sys/replication/recover").status_code == 403
    # The body is parsed before the token is looked at: a bad body is 400 even without one.
    assert client.post("/v1/sys/replication/reindex", content=b"{oops").status_code == 400
    bad = client.post("/v1/sys/replication/reindex", content=b"{oops",
                      headers={"X-Vault-Token": limited})
    assert bad.status_code == 400
    # A good body with a token lacking sudo: 403.
    denied = client.post("/v1/sys/replication/reindex", content=b"{}",
                         headers={"X-Vault-Token": limited})
    assert denied.status_code == 403
    # A token allowed to update but GETting: its policy lacks read -> 403 before 405.
    assert client.get("/v1/sys/replication/recover",
                      headers={"X-Vault-Token": limited}).status_code == 403


@pytest.mark.parametrize("body", [b"{oops", b"[]", b'"text"', b"1", b"\xff\xfe",
                                  b"[" * 100_000, b"\xef\xbb\xbf{}", b'{"a": NaN}'])
def test_body_that_is_not_a_json_object_is_400(client, root, body):
    response = client.post("/v1/sys/replication/reindex", headers=root, content=body)
    assert response.status_code == 400
    assert response.json() == {"errors": ["error parsing JSON"]}


@pytest.mark.parametrize("body", [b"", b"  \n", b"{}", b"null", b'{} {"second": "ignored"}',
                                  b"{} anything after the first value is never read"])
def test_empty_body_or_empty_object_is_valid(client, root, body):
    response = client.post("/v1/sys/replication/recover", headers=root, content=body)
    assert response.status_code == 200


def test_body_over_the_limit_is_413_while_streaming(make_client):
    client = make_client(max_request_bytes=1024)
    root = {"X-Vault-Token": vault(client).root_token}
    received: list[int] = []

    def chunks():
        for _ in range(64):
            received.append(1)
            yield b" " * 256

    response = client.post("/v1/sys/replication/recover", headers=root, content=chunks())
    assert response.status_code == 413
    assert response.json()["errors"]
    small = client.post("/v1/sys/replication/recover", headers=root, content=b" " * 1000)
    assert small.status_code == 200


def test_a_form_body_is_read_as_parameters(client, root):
    response = client.post("/v1/sys/replication/reindex", headers={
        **root, "Content-Type": "application/x-www-form-urlencoded"}, content=b"diff=true&x=1")
    assert response.status_code == 200
    assert vault(client).replication.job.diff is True
    assert "Endpoint ignored these unrecognized parameters: [x]" in response.json()["warnings"]


def test_a_body_over_the_limit_is_413_even_without_a_token(make_client):
    client = make_client(max_request_bytes=100)
    response = client.post("/v1/sys/replication/recover", content=b" " * 200)
    assert response.status_code == 413
    assert response.json() == {"errors": ["error parsing JSON"]}
    form = client.post("/v1/sys/replication/recover", content=b"a=" + b"b" * 200,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 413
    assert form.json() == {"errors": ["error parsing form data"]}


def test_only_writes_read_the_body(make_client):
    client = make_client(max_request_bytes=100)
    # A GET never reads its body, so a large one is no reason to refuse it (Vault reads the
    # body only while parsing the parameters of a write).
    response = client.request("GET", "/v1/sys/replication/status", content=b" " * 200)
    assert response.status_code == 200


def test_declared_content_length_over_the_limit_is_413(make_client):
    client = make_client(max_request_bytes=10)
    root = {"X-Vault-Token": vault(client).root_token}
    response = client.post("/v1/sys/replication/recover", headers=root, content=b"{}" * 20)
    assert response.status_code == 413


TRUE_VALUES = [True, 1, "1", "t", "T", "TRUE", "true", "True"]
FALSE_VALUES = [False, 0, "0", "f", "F", "FALSE", "false", "False", "", None]
BAD_VALUES = ["maybe", 2, -1, 1.0, 0.5, "yes", " true", {}, [], [True]]


@pytest.mark.parametrize("value", TRUE_VALUES + FALSE_VALUES)
def test_lenient_booleans_are_accepted(client, root, value):
    response = client.post("/v1/sys/replication/reindex", headers=root, json={"diff": value})
    assert response.status_code == 200
    job = vault(client).replication.job
    assert job.diff is (value in TRUE_VALUES and value is not None)


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("flag", ["diff", "force", "skip_flush"])
def test_values_outside_the_boolean_domain_are_400(client, root, flag, value):
    response = client.post("/v1/sys/replication/reindex", headers=root, json={flag: value})
    assert response.status_code == 400
    (message,) = response.json()["errors"]
    assert message.startswith("Field validation failed") and f'"{flag}"' in message
    assert vault(client).replication.job is None


def test_unknown_parameters_are_ignored_with_vaults_warning(client, root):
    response = client.post("/v1/sys/replication/reindex", headers=root,
                           json={"force": True, "zeta": 1, "alpha": "x"})
    assert response.status_code == 200
    warnings = response.json()["warnings"]
    assert "Endpoint ignored these unrecognized parameters: [alpha zeta]" in warnings
    assert vault(client).replication.job.force is True


def test_unknown_parameters_on_recover_are_warned_about(client, root):
    response = client.post("/v1/sys/replication/recover", headers=root, json={"x": 1})
    assert "Endpoint ignored these unrecognized parameters: [x]" in response.json()["warnings"]


def test_unknown_query_parameters_on_status_earn_a_warning(client):
    body = client.get("/v1/sys/replication/status?verbose=1").json()
    assert body["warnings"] == ["Endpoint ignored these unrecognized parameters: [verbose]"]


def test_unknown_parameters_on_a_204_stay_silent(client, root):
    response = client.put("/v1/sys/policies/acl/x", headers=root,
                          json={"policy": 'path "a" { capabilities = ["read"] }', "extra": 1})
    assert response.status_code == 204


def test_bad_list_flag_is_400(client):
    assert client.get("/v1/sys/replication/status?list=maybe").status_code == 400
    assert client.get("/v1/sys/replication/status?list=false").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sys/replication/reindex",
        "/v1/sys/replication//reindex",
        "//v1//sys//replication//reindex",
        "/v1/sys/replication/./reindex",
        "/v1/sys/replication/x/../reindex",
        "/v1/sys/replication/%72eindex",
        "/v1/sys/replication%2Freindex",
        "/v1/sys/Replication/reindex",
        "/v1/SYS/replication/reindex",
        "/v1/sys/replication/REINDEX",
        "/v1/sys/replication/reindex%20",
        "/v1/sys/replication/reindex%00",
        "/v1/sys/replication/reindex?x=/../recover",
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_no_spelling_of_reindex_escapes_the_sudo_check(client, path, method):
    token = token_with_policy(client, 'path "sys/*" { capabilities = ["update", "create"] }')
    response = client.request(method, path, headers={"X-Vault-Token": token})
    # 307: Go's redirect to the clean path (which is then checked); 400: a non-printable
    # character or a relative segment; 403/404: checked as the path it decodes to.
    assert response.status_code in (307, 400, 403, 404), response.text
    if response.status_code == 307:
        target = response.headers["location"]
        again = client.request(method, target, headers={"X-Vault-Token": token})
        assert again.status_code in (403, 404), again.text
    assert vault(client).replication.job is None


# ``.`` and ``..`` segments are removed by httpx before the request leaves; they are sent over
# a raw socket by the differential suite (tests/differential, path/dot and path/dotdot).
@pytest.mark.parametrize(
    ("path", "location"),
    [("/v1/sys//replication/status", "/v1/sys/replication/status"),
     ("/v1/sys/replication//status?a=1", "/v1/sys/replication/status?a=1")],
)
def test_unclean_paths_are_redirected_to_the_clean_path(client, path, location):
    raw = httpx.URL("http://127.0.0.1:8200").copy_with(raw_path=path.encode())
    response = client.get(raw, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == location
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    posted = client.post(raw, follow_redirects=False)
    assert posted.status_code == 307 and "content-type" not in posted.headers


@pytest.mark.parametrize("path", ["/v1/sys/replication/%2e/status",
                                  "/v1/sys/replication/%2E%2E/replication/status"])
def test_encoded_relative_segments_are_400(client, path):
    raw = httpx.URL("http://127.0.0.1:8200").copy_with(raw_path=path.encode())
    response = client.get(raw)
    assert response.status_code == 400
    assert response.json() == {"errors": ["relative paths not supported"]}


@pytest.mark.parametrize("char", ["%00", "%09", "%0A", "%7F"])
def test_non_printable_paths_get_a_bare_400(client, root, char):
    response = client.put(f"/v1/sys/policies/acl/a{char}b", headers=root,
                          json={"policy": 'path "a" { capabilities = ["read"] }'})
    assert response.status_code == 400
    assert response.content == b"" and "content-type" not in response.headers
    assert "a\tb" not in vault(client).policies.names()


def test_trailing_slash_variant_of_reindex_never_runs(client, root):
    response = client.post("/v1/sys/replication/reindex/", headers=root)
    assert response.status_code == 400
    assert vault(client).replication.job is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("/v1//sys/x", "/v1/sys/x"), ("/v1/sys/x/", "/v1/sys/x/"), ("/v1/a/../b", "/v1/b"),
     ("/../../v1/x", "/v1/x"), ("", "/"), ("/./", "/"), ("/v1/./sys//", "/v1/sys/")],
)
def test_clean_path(raw, clean):
    assert clean_path(raw) == clean


def test_errors_never_echo_the_token(client):
    token = token_with_policy(client, UPDATE_NO_SUDO)
    for path in ("/v1/sys/replication/reindex", "/v1/sys/nope", "/v1/other/x"):
        response = client.post(path, headers={"X-Vault-Token": token})
        assert token not in response.text
        assert all(token not in v for v in response.headers.values())


def test_head_is_only_supported_on_health(client, root):
    assert client.head("/v1/sys/health").status_code == 200
    assert client.head("/v1/sys/replication/status").status_code == 405
    assert client.head("/v1/sys/replication/recover").status_code == 403
    assert client.head("/v1/sys/replication/recover", headers=root).status_code == 405


def test_health_and_openapi_are_unauthenticated(client):
    health = client.get("/v1/sys/health").json()
    assert health["initialized"] is True and health["sealed"] is False
    assert health["replication_dr_mode"] == "primary"
    document = client.get("/v1/sys/internal/specs/openapi")
    assert document.status_code == 200
    assert "/sys/replication/status" in json.loads(document.content)["paths"]


def test_health_of_a_dr_secondary_is_472_unless_overridden(make_client):
    client = make_client(scenario="dr-secondary-idle")
    assert client.get("/v1/sys/health").status_code == 472
    assert client.get("/v1/sys/health?drsecondarycode=200").status_code == 200

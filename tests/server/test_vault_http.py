"""Vault's HTTP conventions as small functions: request targets, bodies, error texts, redirects."""

from __future__ import annotations

import json

import pytest

from replcheck.reference_server.conventions.bodies import parse_body
from replcheck.reference_server.conventions.envelope import envelope
from replcheck.reference_server.conventions.errors import VaultError, multierror, redirect
from replcheck.reference_server.conventions.paths import is_relative_path, request_target_path

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("target", "path"),
    [("/v1/sys/health", "/v1/sys/health"),
     ("http://127.0.0.1:8200/v1/sys/health", "/v1/sys/health"),
     ("HTTPS://vault.example/v1/x", "/v1/x"),
     ("http://host", "/"),
     ("//v1/sys/health", "/sys/health"),  # Go reads //host/path
     ("///v1/sys/health", "///v1/sys/health")],
)
def test_request_target_path(target, path):
    assert request_target_path(target) == path


@pytest.mark.parametrize(
    ("path", "relative"),
    [("sys/./x", True), ("sys/../x", True), ("..", True), ("./x", True), ("sys/x/.", True),
     ("sys/.x", False), ("sys/x..", False), ("sys//x", False), ("sys/x", False)],
)
def test_is_relative_path(path, relative):
    assert is_relative_path(path) is relative


def test_multierror_text():
    assert multierror("permission denied") == "1 error occurred:\n\t* permission denied\n\n"
    assert multierror("a", "b") == "2 errors occurred:\n\t* a\n\t* b\n\n"


@pytest.mark.parametrize(
    ("raw", "content_type", "data"),
    [(b"", None, None),
     (b"null", "application/json", None),
     (b" \n null ", None, None),
     (b'{"a": 1}', None, {"a": 1}),
     (b'{"a": 1} {"b": 2}', "application/json", {"a": 1}),
     (b'{"a": 1}\nnull', "application/json", {"a": 1}),
     (b'{"a": 1} garbage', "application/json", {"a": 1}),  # never read after the first value
     (b'{"s": "\xff"}', "application/json", {"s": "\ufffd"}),
     (b"a=1&b=2&a=3", FORM, {"a": "1,3", "b": "2"}),
     (b"a=1", FORM + "; charset=utf-8", {"a": "1"}),
     (b'  {"a": "x"}', FORM, {"a": "x"}),  # looks like JSON: parsed as JSON
     (b"", FORM, None)],
)
def test_bodies_vault_accepts(raw, content_type, data):
    assert parse_body(raw, content_type) == data


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [(b"a=1", None), (b"a=1", "application/json"), (b"[]", FORM), (b"[1]", None),
     (b'"s"', None), (b"1", None), (b'{"a": NaN}', None),
     (b"\xef\xbb\xbf{}", None), (b'{"a":', None), (b"[" * 100_000, None)],
)
def test_bodies_vault_refuses(raw, content_type):
    with pytest.raises(VaultError) as refused:
        parse_body(raw, content_type)
    assert refused.value.status == 400


def test_redirect_has_html_only_for_get():
    get = redirect("GET", "/v1/sys/health?a=1&b=2")
    assert get.status == 307
    assert (b"location", b"/v1/sys/health?a=1&b=2") in get.headers
    assert (b"content-type", b"text/html; charset=utf-8") in get.headers
    assert get.body == b'<a href="/v1/sys/health?a=1&amp;b=2">Temporary Redirect</a>.\n\n'
    head = redirect("HEAD", "/v1/x")
    assert (b"content-type", b"text/html; charset=utf-8") in head.headers and head.body == b""
    post = redirect("POST", "/v1/x")
    assert all(name != b"content-type" for name, _ in post.headers) and post.body == b""


def test_top_level_members_never_replace_the_envelope():
    body = json.loads(envelope("id", data={"data": ["root"], "x": ["read"]},
                              top_level={"data": ["root"], "x": ["read"]}))
    assert body["x"] == ["read"]
    assert body["data"] == {"data": ["root"], "x": ["read"]}
    assert body["request_id"] == "id"

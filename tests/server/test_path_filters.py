"""Paths filters on a performance primary, and the dynamic filters they imply."""

from __future__ import annotations

import pytest

from replcheck.reference_server.path_filters import PathFilters

from .conftest import token_with_policy, vault

FILTER = "/v1/sys/replication/performance/primary/paths-filter/"
DYNAMIC = "/v1/sys/replication/performance/primary/dynamic-filter/"
SECONDARY_DYNAMIC = "/v1/sys/replication/performance/secondary/dynamic-filter/"


@pytest.fixture
def primary(make_client):
    return make_client(scenario="dr-perf-primary")


def _root(client):
    return {"X-Vault-Token": vault(client).root_token}


def test_create_read_and_delete_a_filter(primary):
    root = _root(primary)
    assert primary.get(FILTER + "east", headers=root).status_code == 404
    written = primary.post(FILTER + "east", headers=root,
                           json={"mode": "deny", "paths": ["secret/", "kv"]})
    assert written.status_code == 204
    read = primary.get(FILTER + "east", headers=root)
    assert read.status_code == 200
    assert read.json()["data"] == {"mode": "deny", "paths": ["secret/", "kv"]}
    filters = vault(primary).path_filters
    assert not filters.allows("east", "secret/data/x") and not filters.allows("east", "kv/a")
    assert filters.allows("east", "other/x") and filters.allows("west", "secret/x")
    assert primary.delete(FILTER + "east", headers=root).status_code == 204
    assert primary.get(FILTER + "east", headers=root).status_code == 404
    assert filters.allows("east", "secret/x")


def test_mode_defaults_to_allow_and_paths_may_be_comma_separated(primary):
    root = _root(primary)
    primary.put(FILTER + "c", headers=root, json={"paths": "secret/,team/"})
    assert primary.get(FILTER + "c", headers=root).json()["data"] == {
        "mode": "allow", "paths": ["secret/", "team/"]}
    filters = vault(primary).path_filters
    assert filters.allows("c", "team/x") and not filters.allows("c", "other/")
    assert filters.allows("c", "sys/policies/acl/x")  # system mounts always replicate


def test_a_bad_mode_is_refused_and_keeps_the_filter(primary):
    root = _root(primary)
    primary.post(FILTER + "e", headers=root, json={"mode": "deny", "paths": ["secret/"]})
    refused = primary.post(FILTER + "e", headers=root, json={"mode": "block", "paths": []})
    assert refused.status_code == 400
    assert "allow" in refused.json()["errors"][0]
    assert primary.get(FILTER + "e", headers=root).json()["data"]["mode"] == "deny"
    wrong_type = primary.post(FILTER + "e", headers=root, json={"paths": {"a": 1}})
    assert wrong_type.status_code == 400
    assert primary.get(FILTER + "e", headers=root).json()["data"]["paths"] == ["secret/"]


def test_the_acl_applies_create_and_update_separately(primary):
    token = token_with_policy(primary, 'path "sys/replication/performance/primary/*" {\n'
                                       '  capabilities = ["update", "read"]\n}\n')
    headers = {"X-Vault-Token": token}
    refused = primary.post(FILTER + "new", headers=headers, json={"paths": ["a/"]})
    assert refused.status_code == 403  # creating needs ``create``
    assert vault(primary).path_filters.get("new") is None
    assert primary.post(FILTER + "new", json={"paths": ["a/"]}).status_code == 403  # no token
    primary.post(FILTER + "new", headers=_root(primary), json={"paths": ["a/"]})
    assert primary.post(FILTER + "new", headers=headers, json={"paths": ["b/"]}).status_code == 204


def test_dynamic_filters_list_the_mounts_a_filter_keeps_away(primary, make_client):
    root = _root(primary)
    core = vault(primary)
    core.mounts.extend(["team/", "ops/"])  # beside secret/, every cluster's KV mount
    primary.post(FILTER + "east", headers=root, json={"mode": "allow", "paths": ["team/"]})
    dynamic = primary.get(DYNAMIC + "east", headers=root)
    assert dynamic.status_code == 200
    assert dynamic.json()["data"] == {"dynamic_filtered_mounts": ["ops/", "secret/"],
                                      "dynamic_filtered_namespaces": []}
    assert primary.get(DYNAMIC + "west", headers=root).json()["data"][
        "dynamic_filtered_mounts"] == []
    secondary = make_client(scenario="perf-secondary")
    vault(secondary).path_filters.set("east", "deny", ["secret/"])
    seen = secondary.get(SECONDARY_DYNAMIC + "east", headers=_root(secondary))
    assert seen.json()["data"]["dynamic_filtered_mounts"] == ["secret/"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", FILTER + "x"), ("POST", FILTER + "x"), ("DELETE", FILTER + "x"),
    ("GET", DYNAMIC + "x"),
])
def test_elsewhere_than_a_performance_primary_they_are_refused(make_client, method, path):
    client = make_client(scenario="perf-secondary")
    refused = client.request(method, path, headers=_root(client), json={"paths": ["a/"]})
    assert refused.status_code == 400
    assert refused.json() == {"errors": ["this cluster is not a performance primary"]}
    assert vault(client).path_filters.get("x") is None


def test_the_secondary_dynamic_filter_needs_a_performance_secondary(primary):
    refused = primary.get(SECONDARY_DYNAMIC + "x", headers=_root(primary))
    assert refused.json() == {"errors": ["this cluster is not a performance secondary"]}


def test_community_edition_has_no_filters(make_client):
    client = make_client(scenario="community")
    answer = client.get(FILTER + "x", headers=_root(client))
    assert answer.status_code == 404


def test_the_store_refuses_unknown_modes():
    filters = PathFilters()
    with pytest.raises(ValueError, match="mode must be one of allow, deny"):
        filters.set("a", "block", [])
    assert filters.get("a") is None and filters.allows("a", "x/")

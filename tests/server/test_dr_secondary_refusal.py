"""A cluster made a DR secondary refuses what a DR secondary does not serve, before any check
of the token; of the presets of ``serve --state``, only the DR secondary's refuses."""

from __future__ import annotations

import pytest

from .conftest import vault

REFUSAL = {"errors": ["path disabled in replication DR secondary mode"]}
ATTEMPT = "/v1/sys/replication/dr/secondary/generate-operation-token/attempt"


@pytest.fixture
def secondary(make_client):
    client = make_client(scenario="dr-secondary-idle")
    vault(client).refuse_as_dr_secondary = True
    return client


@pytest.mark.parametrize("scenario", ["dr-perf-primary", "perf-secondary", "disabled"])
def test_the_presets_that_are_no_dr_secondary_serve_everything(make_client, scenario):
    client = make_client(scenario=scenario)
    core = vault(client)
    assert core.refuse_as_dr_secondary is False
    looked_up = client.get("/v1/auth/token/lookup-self",
                           headers={"X-Vault-Token": core.root_token})
    assert looked_up.status_code == 200


def test_the_dr_secondary_preset_refuses_as_a_dr_secondary(make_client):
    client = make_client(scenario="dr-secondary-idle")
    core = vault(client)
    assert core.refuse_as_dr_secondary is True
    looked_up = client.get("/v1/auth/token/lookup-self",
                           headers={"X-Vault-Token": core.root_token})
    assert looked_up.status_code == 400 and looked_up.json() == REFUSAL


@pytest.mark.parametrize(("method", "path", "token"), [
    ("GET", "/v1/auth/token/lookup-self", "root"),
    ("GET", "/v1/auth/token/lookup-self", None),
    ("GET", "/v1/auth/token/lookup-self", "bogus"),
    ("GET", "/v1/sys/mounts", None),
    ("GET", "/v1/no/such/path", None),
    ("LIST", "/v1/sys/policies/acl", "root"),
    ("OPTIONS", "/v1/sys/policies/acl", None),
    ("POST", "/v1/sys/replication/reindex", "root"),
    ("POST", "/v1/sys/replication/recover", "root"),
    ("GET", "/v1/sys/init", None),
    ("GET", "/v1/sys/replication/status/", None),
    ("GET", "/v1/sys/replication/dr/primary/secondary-token", "root"),
])
def test_everything_else_is_refused_before_the_token_is_looked_at(secondary, method, path,
                                                                   token):
    headers = {}
    if token is not None:
        headers["X-Vault-Token"] = vault(secondary).root_token if token == "root" else token
    refused = secondary.request(method, path, headers=headers)
    assert refused.status_code == 400
    assert refused.json() == REFUSAL


def test_a_refused_write_changes_nothing(secondary):
    core = vault(secondary)
    before = (core.policies.names(), core.replication.status_json())
    refused = secondary.put("/v1/sys/policies/acl/ops", json={"policy": 'path "x" {}'},
                            headers={"X-Vault-Token": core.root_token})
    assert refused.status_code == 400 and refused.json() == REFUSAL
    assert (core.policies.names(), core.replication.status_json()) == before


@pytest.mark.parametrize(("path", "status"), [
    ("/v1/sys/health", 472), ("/v1/sys/seal-status", 200), ("/v1/sys/leader", 200),
    ("/v1/sys/replication/status", 200), ("/v1/sys/replication/dr/status", 200),
    ("/v1/sys/replication/performance/status", 200), (ATTEMPT, 200),
])
def test_what_a_dr_secondary_serves_still_answers(secondary, path, status):
    answer = secondary.get(path)
    assert answer.status_code == status, answer.text


def test_its_own_operations_still_answer(secondary):
    assert secondary.post(ATTEMPT).json()["started"] is True
    refused = secondary.post("/v1/sys/replication/dr/secondary/operation-token/delete",
                             json={"dr_operation_token": "nope"})
    assert refused.json() == {"errors": ["invalid dr operation token"]}


def test_gos_layers_answer_first_and_no_spelling_reaches_a_refused_path(secondary):
    redirected = secondary.get("/v1/sys//mounts", follow_redirects=False)
    assert redirected.status_code == 307
    sneaky = secondary.get(
        "/v1/sys/replication/dr/secondary/%2e%2e/%2e%2e/%2e%2e/auth/token/lookup-self",
        headers={"X-Vault-Token": vault(secondary).root_token},
    )
    assert sneaky.status_code == 400
    assert sneaky.json() == {"errors": ["relative paths not supported"]}


def test_clearing_the_flag_serves_again(secondary):
    core = vault(secondary)
    core.refuse_as_dr_secondary = False
    looked_up = secondary.get("/v1/auth/token/lookup-self",
                              headers={"X-Vault-Token": core.root_token})
    assert looked_up.status_code == 200

"""The published documents are valid, self-consistent and loadable from the installed package."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from replcheck import spec


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_openapi_document_is_valid_openapi_3_1() -> None:
    document = spec.openapi()
    assert document["openapi"] == "3.1.0"
    validate_openapi(document, base_uri=(spec.spec_dir() / "openapi.yaml").as_uri())


def test_bundled_document_is_valid_and_self_contained() -> None:
    bundled = spec.bundled_openapi()
    validate_openapi(bundled)
    refs = [n["$ref"] for n in _walk(bundled) if isinstance(n.get("$ref"), str)]
    assert refs, "the bundle should still use internal references"
    assert all(ref.startswith("#/") for ref in refs), [r for r in refs if not r.startswith("#/")]
    assert not [n for n in _walk(bundled) if "externalValue" in n]


@pytest.mark.parametrize("name", spec.schema_names())
def test_schema_passes_its_metaschema_and_has_an_id(name: str) -> None:
    schema = spec.schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/" + name)


def test_every_ref_resolves_from_the_installed_package() -> None:
    registry = spec.registry()
    for name in spec.schema_names():
        schema = spec.schema(name)
        resolver = registry.resolver(base_uri=schema["$id"])
        for node in _walk(schema):
            ref = node.get("$ref")
            if isinstance(ref, str):
                resolver.lookup(ref)  # raises when it does not resolve
    spec_dir = spec.spec_dir()
    for node in _walk(spec.openapi()):
        for key in ("$ref", "externalValue"):
            target = node.get(key)
            if isinstance(target, str) and not target.startswith("#"):
                assert (spec_dir / target.split("#", 1)[0]).is_file(), target


def test_spec_files_are_package_data() -> None:
    spec_dir = spec.spec_dir()
    for relative in ("openapi.yaml", "requirements.yaml", "schemas", "examples"):
        assert (spec_dir / relative).exists(), relative


def _example_name(external: str) -> str:
    return external.rsplit("/", 1)[-1].removesuffix(".json")


def _media_examples() -> list[tuple[str, str, dict[str, Any]]]:
    """(example file, schema file) for every example the document references."""
    out = []
    for node in _walk(spec.openapi()):
        schema = node.get("schema")
        examples = node.get("examples")
        if isinstance(schema, dict) and isinstance(examples, dict) and "$ref" in schema:
            for example in examples.values():
                out.append((example["externalValue"], schema["$ref"], example))
    return out


def test_every_example_in_the_document_is_judged_by_a_schema_file() -> None:
    """No example escapes the validation below: each sits beside a schema given by file."""
    for node in _walk(spec.openapi()):
        if isinstance(node.get("examples"), dict) and "schema" in node:
            assert str(node["schema"].get("$ref", "")).startswith("./schemas/"), node["examples"]


def test_every_example_file_is_referenced_by_the_document() -> None:
    referenced = {_example_name(ext) for ext, _, _ in _media_examples()}
    assert referenced == set(spec.example_names())


@pytest.mark.parametrize(("external", "schema_ref"), [(e, s) for e, s, _ in _media_examples()])
def test_every_example_validates_against_its_media_schema(external: str, schema_ref: str) -> None:
    document = spec.example(_example_name(external))
    schema_file = schema_ref.rsplit("/", 1)[-1]
    errors = list(spec.validator(schema_file).iter_errors(document))
    assert not errors, [e.message for e in errors]


_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

#: The DR and performance families as the docs pages list them (method, path under
#: /sys/replication/), and the general page's merkle-check.
FAMILY = {
    ("post", "merkle-check"),
    ("get", "dr/status"),
    *(("post", f"dr/primary/{name}")
      for name in ("enable", "demote", "disable", "secondary-token", "revoke-secondary")),
    *(("post", f"dr/secondary/{name}")
      for name in ("generate-public-key", "enable", "promote", "disable", "update-primary",
                   "reindex", "merkle-check", "operation-token/delete")),
    ("get", "dr/secondary/generate-operation-token/attempt"),
    ("post", "dr/secondary/generate-operation-token/attempt"),
    ("delete", "dr/secondary/generate-operation-token/attempt"),
    ("post", "dr/secondary/generate-operation-token/update"),
    ("get", "performance/status"),
    *(("post", f"performance/primary/{name}")
      for name in ("enable", "demote", "disable", "secondary-token", "revoke-secondary")),
    *((method, "performance/primary/paths-filter/{id}") for method in ("get", "post", "delete")),
    ("get", "performance/primary/dynamic-filter/{id}"),
    ("get", "performance/secondary/dynamic-filter/{id}"),
    *(("post", f"performance/secondary/{name}")
      for name in ("generate-public-key", "enable", "promote", "disable", "update-primary")),
}

#: Operations that change no replication state: the single-cluster run may generate requests
#: for them. Every other family operation is marked x-replcheck-changes-replication.
READS = {
    ("post", "merkle-check"),
    ("get", "dr/status"),
    ("get", "performance/status"),
    ("get", "dr/secondary/generate-operation-token/attempt"),
    ("get", "performance/primary/paths-filter/{id}"),
    ("get", "performance/primary/dynamic-filter/{id}"),
    ("get", "performance/secondary/dynamic-filter/{id}"),
}


def _operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path.removeprefix("/sys/replication/")): operation
        for path, item in spec.openapi()["paths"].items()
        for method, operation in item.items()
        if method in _METHODS
    }


def test_operations_follow_the_documentation() -> None:
    operations = _operations()
    general = {("post", "recover"), ("put", "recover"), ("post", "reindex"), ("put", "reindex"),
               ("get", "status")}
    assert set(operations) == general | FAMILY
    status = operations[("get", "status")]
    assert status["security"] == []
    assert status["x-vault-unauthenticated"] is True
    for method in ("post", "put"):
        reindex = operations[(method, "reindex")]
        assert reindex["x-vault-sudo"] is True
        assert "sudo" in reindex["description"]
        assert reindex["requestBody"]["required"] is False
        for code in ("200", "204", "400", "403", "404", "405", "413"):
            assert code in reindex["responses"]
            assert code in operations[(method, "recover")]["responses"]
    servers = spec.openapi()["servers"]
    assert all(server["url"].endswith("/v1") for server in servers)


def test_the_family_declares_what_each_operation_needs() -> None:
    operations = _operations()
    sudo = {key for key in FAMILY if operations[key].get("x-vault-sudo")}
    assert sudo == {("post", "dr/primary/secondary-token"),
                    ("post", "performance/primary/secondary-token")}
    unauthenticated = {key for key in FAMILY if operations[key].get("security") == []}
    assert unauthenticated == {key for key in FAMILY if key[1].endswith("/status")
                               or "generate-operation-token" in key[1]}
    for key in unauthenticated:
        assert operations[key]["x-vault-unauthenticated"] is True, key
        refusal = operations[key]["responses"].get("403", {}).get("$ref", "")
        assert refusal in ("", "#/components/responses/NotUnauthenticatedHere"), key
    dr_token = {key for key in FAMILY if operations[key].get("x-vault-dr-operation-token")}
    assert dr_token == {("post", f"dr/secondary/{name}") for name in (
        "promote", "disable", "update-primary", "reindex", "merkle-check",
        "operation-token/delete")}
    for key in dr_token:
        body = operations[key]["requestBody"]
        assert body["required"] is True, key
        schema = spec.schema(body["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1])
        assert not spec.validator(schema["$id"].rsplit("/")[-1]).is_valid({}), key
    assert all(operations[key].get("x-vault-root-namespace-only") is True for key in FAMILY)
    changing = {key for key in FAMILY if operations[key].get("x-replcheck-changes-replication")}
    assert changing == FAMILY - READS
    for key in FAMILY:
        marks = {name for name in operations[key] if name.startswith("x-")}
        assert all(operations[key][name] is True for name in marks), key


def test_secondary_token_answers_a_wrapping_token() -> None:
    validator = spec.validator("wrapping-token-response.json")
    wrapped = spec.example("secondary-token-envelope")
    assert validator.is_valid(wrapped)
    assert wrapped["wrap_info"]["ttl"] == 1800 and wrapped["data"] is None
    assert not validator.is_valid({**wrapped, "wrap_info": None})
    expired = {"token": "x", "ttl": 0, "creation_time": "2026-01-01T00:00:00Z"}
    assert not validator.is_valid({**wrapped, "wrap_info": expired})
    assert not validator.is_valid({**wrapped, "data": {"token": "x"}})
    assert validator.is_valid({**wrapped, "wrap_info": None, "data": {"token": "encrypted"}})
    request = spec.validator("secondary-token-request.json")
    assert request.is_valid({"id": "us-east", "ttl": "1h30m"})
    assert request.is_valid({"id": "us-east", "ttl": 1800})
    assert not request.is_valid({"ttl": "30m"})
    assert not request.is_valid({"id": "us-east", "ttl": "soon"})


def test_mutually_exclusive_and_required_parameters_are_refused_by_the_schemas() -> None:
    update = spec.validator("update-primary-request.json")
    assert update.is_valid({"token": ""})
    assert update.is_valid({"update_primary_addrs": ["https://10.0.0.5:8201"]})
    assert not update.is_valid({"token": "t", "update_primary_addrs": ["https://10.0.0.5:8201"]})
    assert not update.is_valid({})
    dr_update = spec.validator("dr-update-primary-request.json")
    assert dr_update.is_valid({"dr_operation_token": "d", "token": ""})
    assert not dr_update.is_valid({"token": "t"})
    assert not dr_update.is_valid({"dr_operation_token": "d"})
    filters = spec.validator("paths-filter.json")
    assert filters.is_valid({}) and not filters.is_valid({"mode": "block"})
    enable = spec.validator("secondary-enable-request.json")
    assert not enable.is_valid({}) and not enable.is_valid({"token": ""})
    attempt = spec.validator("operation-token-attempt.json")
    assert not attempt.is_valid({"started": True, "progress": 0, "required": 0, "complete": False})
    assert not attempt.is_valid({**spec.example("operation-token-attempt-read-docs"),
                                 "encoded_token": "early"})


def test_the_flat_status_sections_reuse_the_cluster_section_schema() -> None:
    schema = spec.schema("section-status-response.json")
    assert schema["properties"]["data"] == {"$ref": "cluster-section.json"}
    validator = spec.validator("section-status-response.json")
    full = spec.example("status-dr-perf-primary-2024")["data"]
    assert validator.is_valid({"data": full["dr"]})
    assert not validator.is_valid({"data": full})
    assert not validator.is_valid({"data": {**full["dr"], "mode": "secondary"}})


def test_security_schemes_cover_both_token_forms() -> None:
    schemes = spec.openapi()["components"]["securitySchemes"]
    assert schemes["vaultToken"] == {**schemes["vaultToken"], "type": "apiKey", "in": "header",
                                     "name": "X-Vault-Token"}
    assert schemes["bearerToken"]["type"] == "http"
    assert schemes["bearerToken"]["scheme"] == "bearer"


def test_operation_ids_are_unique() -> None:
    ids = [op["operationId"] for op in _operations().values()]
    assert len(ids) == len(set(ids))


def test_requirement_catalogue_is_well_formed() -> None:
    raw = yaml.safe_load((spec.spec_dir() / "requirements.yaml").read_text())
    ids = [entry["id"] for entry in raw["requirements"]]
    assert len(ids) == len(set(ids)), "requirement ids must be unique"
    for requirement in spec.requirements():
        assert re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", requirement.id), requirement.id
        assert requirement.level in {"MUST", "SHOULD"}
        assert requirement.level in requirement.statement, requirement.id
        assert isinstance(requirement.mutating, bool)
        assert requirement.source and requirement.endpoint and requirement.category
        assert requirement.scope in spec.SCOPES, requirement.id
        assert requirement.topology is (requirement.scope == "topology")
    scopes = {entry["id"]: entry.get("scope") for entry in raw["requirements"]}
    assert scopes["STATUS-SCHEMA"] is None and spec.requirement("STATUS-SCHEMA").scope == "cluster"
    assert spec.requirement("DR-STATUS-UNAUTHENTICATED").scope == "cluster"
    assert spec.requirement("DR-SECONDARY-TOKEN-SUDO").topology
    assert {r.category for r in spec.requirements() if r.topology} == {
        "dr", "performance", "replication", "topology"}
    assert spec.requirement("REINDEX-SUDO").mutating is False
    with pytest.raises(KeyError, match="NOPE"):
        spec.requirement("NOPE")


def test_spec_hash_is_stable_hex() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", spec.spec_hash())
    assert spec.spec_hash() == spec.spec_hash()


def test_bundled_document_round_trips_through_json() -> None:
    bundled = spec.bundled_openapi()
    assert json.loads(json.dumps(bundled)) == bundled

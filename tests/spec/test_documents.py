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


def test_every_example_file_is_referenced_by_the_document() -> None:
    referenced = {_example_name(ext) for ext, _, _ in _media_examples()}
    assert referenced == set(spec.example_names())


@pytest.mark.parametrize(("external", "schema_ref"), [(e, s) for e, s, _ in _media_examples()])
def test_every_example_validates_against_its_media_schema(external: str, schema_ref: str) -> None:
    document = spec.example(_example_name(external))
    schema_file = schema_ref.rsplit("/", 1)[-1]
    errors = list(spec.validator(schema_file).iter_errors(document))
    assert not errors, [e.message for e in errors]


def test_operations_follow_the_documentation() -> None:
    paths = spec.openapi()["paths"]
    assert set(paths) == {
        "/sys/replication/recover",
        "/sys/replication/reindex",
        "/sys/replication/status",
    }
    assert set(paths["/sys/replication/recover"]) == {"post", "put"}
    assert set(paths["/sys/replication/reindex"]) == {"post", "put"}
    assert set(paths["/sys/replication/status"]) == {"get"}
    status = paths["/sys/replication/status"]["get"]
    assert status["security"] == []
    assert status["x-vault-unauthenticated"] is True
    for method in ("post", "put"):
        reindex = paths["/sys/replication/reindex"][method]
        assert reindex["x-vault-sudo"] is True
        assert "sudo" in reindex["description"]
        assert reindex["requestBody"]["required"] is False
        for code in ("200", "204", "400", "403", "404", "405", "413"):
            assert code in reindex["responses"]
            assert code in paths["/sys/replication/recover"][method]["responses"]
    servers = spec.openapi()["servers"]
    assert all(server["url"].endswith("/v1") for server in servers)


def test_security_schemes_cover_both_token_forms() -> None:
    schemes = spec.openapi()["components"]["securitySchemes"]
    assert schemes["vaultToken"] == {**schemes["vaultToken"], "type": "apiKey", "in": "header",
                                     "name": "X-Vault-Token"}
    assert schemes["bearerToken"]["type"] == "http"
    assert schemes["bearerToken"]["scheme"] == "bearer"


def test_operation_ids_are_unique() -> None:
    ids = [
        op["operationId"]
        for item in spec.openapi()["paths"].values()
        for op in item.values()
    ]
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
    assert spec.requirement("REINDEX-SUDO").mutating is False
    with pytest.raises(KeyError, match="NOPE"):
        spec.requirement("NOPE")


def test_spec_hash_is_stable_hex() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", spec.spec_hash())
    assert spec.spec_hash() == spec.spec_hash()


def test_bundled_document_round_trips_through_json() -> None:
    bundled = spec.bundled_openapi()
    assert json.loads(json.dumps(bundled)) == bundled

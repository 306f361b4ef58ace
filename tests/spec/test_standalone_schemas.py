"""Standalone schemas: one printed file validates offline and agrees with ``replcheck validate``."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from replcheck import spec
from replcheck.conformance.cli import main
from replcheck.reference_server.app import create_app
from replcheck.reference_server.config import SCENARIOS, ServerConfig
from replcheck.spec.violations import violations

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BIN = Path(sys.executable).parent


def _refuse(uri: str) -> Any:
    raise NoSuchResource(ref=uri)


def _offline_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator that fails on any reference outside the document (no registry, no network)."""
    return Draft202012Validator(
        schema,
        registry=Registry(retrieve=_refuse),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _live_status_answers() -> list[tuple[str, Any]]:
    """Real outputs: the reference server's status answer in every scenario."""
    answers = []
    for scenario in SCENARIOS:
        with TestClient(create_app(ServerConfig(scenario=scenario))) as client:
            answers.append((scenario, client.get("/v1/sys/replication/status").json()))
    return answers


def _status_samples() -> list[tuple[str, Any]]:
    samples = [(n, spec.example(n)) for n in spec.example_names()
               if n.startswith("status-")]
    return samples + _live_status_answers()


def _refs(node: Any, base: str) -> list[tuple[str, str]]:
    """Every ``$ref`` of a document with the base URI it resolves against."""
    out = []
    if isinstance(node, dict):
        if isinstance(node.get("$id"), str):
            base = urljoin(base, node["$id"])
        if isinstance(node.get("$ref"), str):
            out.append((base, node["$ref"]))
        for value in node.values():
            out += _refs(value, base)
    elif isinstance(node, list):
        for item in node:
            out += _refs(item, base)
    return out


@pytest.mark.parametrize("name", spec.standalone_names())
def test_every_standalone_schema_resolves_within_itself(name: str) -> None:
    schema = spec.standalone_schema(name)
    Draft202012Validator.check_schema(schema)
    registry = (Resource.from_contents(schema) @ Registry(retrieve=_refuse)).crawl()
    for base, ref in _refs(schema, schema["$id"]):
        registry.resolver(base_uri=base).lookup(ref)  # raises if it needs anything outside


def test_standalone_status_schema_validates_real_outputs_offline() -> None:
    validator = _offline_validator(spec.standalone_schema("status-response"))
    for name, answer in _status_samples():
        assert not list(validator.iter_errors(answer)), name


def test_standalone_status_schema_rejects_what_the_package_rejects() -> None:
    validator = _offline_validator(spec.standalone_schema("status-response"))
    document = spec.example("status-dr-perf-primary-2024")
    for change in (
        lambda d: d["data"]["dr"].__setitem__("cluster_id", "not-a-uuid"),
        lambda d: d["data"]["performance"].__setitem__("secondary_id", "x"),
        lambda d: d["data"]["dr"]["secondaries"][0].__setitem__("last_heartbeat", "yesterday"),
        lambda d: d["data"].pop("dr"),
    ):
        broken = copy.deepcopy(document)
        change(broken)
        assert violations("status", broken)
        assert not validator.is_valid(broken)


def _samples() -> list[tuple[str, str, Any, bool]]:
    """(schema name, kind, document, valid?) for the check-jsonschema comparison."""
    status = spec.example("status-dr-perf-primary-2024")
    bad_mode = copy.deepcopy(status)
    bad_mode["data"]["dr"]["primaries"] = []
    bad_uuid = copy.deepcopy(status)
    bad_uuid["data"]["dr"]["cluster_id"] = "EEF2A5AB-51E2-1C05-407C-8B4DC8D09EBF"
    return [
        *[("status-response", "status", doc, True) for _, doc in _status_samples()],
        ("status-response", "status", bad_mode, False),
        ("status-response", "status", bad_uuid, False),
        ("status-response", "status", {"data": {"mode": "enabled"}}, False),
        ("warnings-response", "warnings", spec.example("warnings-envelope"), True),
        ("warnings-response", "warnings", {"warnings": None, "data": None}, False),
        ("error-response", "error", spec.example("error-permission-denied"), True),
        ("error-response", "error", {"errors": "permission denied"}, False),
    ]


@pytest.mark.skipif(not (BIN / "check-jsonschema").exists(), reason="check-jsonschema (dev extra)")
def test_check_jsonschema_agrees_with_replcheck_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each sample judged by ``replcheck validate`` and by check-jsonschema with the printed
    schema alone. check-jsonschema takes the valid samples of a schema in one run (its exit
    status is 0 only if all are valid) and each invalid sample in a run of its own."""
    schemas = {}
    for name in ("status-response", "warnings-response", "error-response"):
        schemas[name] = tmp_path / f"{name}.json"
        assert main(["spec", "--schema", name, "-o", str(schemas[name])]) == 0
    valid_files: dict[str, list[Path]] = {name: [] for name in schemas}
    for index, (name, kind, document, valid) in enumerate(_samples()):
        sample = tmp_path / f"sample-{index}.json"
        sample.write_text(json.dumps(document), encoding="utf-8")
        assert main(["validate", "--kind", kind, str(sample)]) == (0 if valid else 1), (
            index, capsys.readouterr().out)
        if valid:
            valid_files[name].append(sample)
        else:
            assert _check_jsonschema(schemas[name], sample) == 1, index
    for name, files in valid_files.items():
        assert _check_jsonschema(schemas[name], *files) == 0, name


def _check_jsonschema(schema: Path, *instances: Path) -> int:
    result = subprocess.run(
        [BIN / "check-jsonschema", "--schemafile", schema, *instances],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert "Unretrievable" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result.returncode


def test_unknown_schema_name_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="status-response"):
        spec.standalone_schema("nope")


def test_report_schema_is_its_own_standalone_schema() -> None:
    assert spec.standalone_schema("report") == spec.report_schema()


def test_a_schema_file_alone_would_need_the_others() -> None:
    """The other way round: the file as written refers outside itself, which is why the
    standalone form exists (and why the check above can fail)."""
    schema = spec.schema("status-response.json")
    registry = (Resource.from_contents(schema) @ Registry(retrieve=_refuse)).crawl()
    with pytest.raises(Exception, match=r"envelope\.json|cluster-section\.json"):
        for base, ref in _refs(schema, schema["$id"]):
            registry.resolver(base_uri=base).lookup(ref)

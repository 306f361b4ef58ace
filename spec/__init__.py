"""The replcheck contract, loaded from the files beside this module.

This package is the single source of truth: ``openapi.yaml``, ``schemas/*.json`` (JSON Schema
2020-12, one document per file, each with an ``$id``), ``examples/*.json`` and
``requirements.yaml``; beside them ``report/report.json`` (the JSON report's schema),
``topology/topology-file.json`` (the schema of ``replcheck serve --topology FILE``'s files),
``topology/topology-targets.json`` (the clusters ``replcheck run --topology FILE`` reads),
``fleet/fleet-inventory.json`` and ``fleet/fleet-report.json`` (``replcheck fleet``'s inventory and
report),
``released/`` (bundles of released contract versions, for ``replcheck spec diff``) and
``templates/`` (the reference page). The reference server, the conformance suite and the
``replcheck spec`` command all read these files through the functions here; nothing restates a
schema in Python.

Installed, the folder ships as the ``replcheck.spec`` package (package data), so a wheel finds
its spec without the source tree.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

__all__ = [
    "KINDS",
    "SCOPES",
    "TOPOLOGY_PENDING",
    "TOPOLOGY_UNJUDGED",
    "Requirement",
    "bundled_openapi",
    "example",
    "example_names",
    "fleet_inventory_schema",
    "fleet_report_schema",
    "openapi",
    "registry",
    "released_openapi",
    "released_versions",
    "report_schema",
    "requirement",
    "requirements",
    "schema",
    "schema_names",
    "spec_dir",
    "spec_hash",
    "spec_version",
    "standalone_names",
    "standalone_schema",
    "topology_file_schema",
    "topology_targets_schema",
    "validator",
]

#: The response kinds a captured document can be validated as, and the schema file of each.
KINDS: dict[str, str] = {
    "status": "status-response.json",
    "warnings": "warnings-response.json",
    "error": "error-response.json",
    "envelope": "envelope.json",
    "reindex-request": "reindex-request.json",
    "section-status": "section-status-response.json",
    "wrapping-token": "wrapping-token-response.json",
    "public-key": "public-key-response.json",
    "operation-token-attempt": "operation-token-attempt.json",
    "filter": "filter-response.json",
    "merkle-check": "merkle-check-response.json",
}

_REF_PREFIX = "./schemas/"

#: The schema of replcheck's JSON report: not part of the Vault contract, so not in schemas/
#: (whose every file is a component of the OpenAPI document).
_REPORT_SCHEMA = "report/report.json"

#: The schema of a topology file (``replcheck serve --topology FILE``): not part of the Vault
#: contract either, so beside the report's, and published the same way.
_TOPOLOGY_FILE_SCHEMA = "topology/topology-file.json"

#: The schema of a targets file (``replcheck run --topology FILE``): the clusters of a set a
#: topology run reads.
_TOPOLOGY_TARGETS_SCHEMA = "topology/topology-targets.json"

#: The schemas of a fleet run (``replcheck fleet``): its inventory and its JSON report.
_FLEET_INVENTORY_SCHEMA = "fleet/fleet-inventory.json"
_FLEET_REPORT_SCHEMA = "fleet/fleet-report.json"


def spec_dir() -> Path:
    """The folder holding the spec files (inside the installed package)."""
    return Path(str(resources.files(__name__)))


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON document of the spec; every one is an object."""
    with path.open(encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a JSON object")
    return document


@cache
def _openapi() -> dict[str, Any]:
    with (spec_dir() / "openapi.yaml").open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def openapi() -> dict[str, Any]:
    """The OpenAPI document as written: its schemas are ``$ref``s to ``schemas/*.json``."""
    return copy.deepcopy(_openapi())


def schema_names() -> list[str]:
    """File names of every schema in ``schemas/``, sorted."""
    return sorted(p.name for p in (spec_dir() / "schemas").glob("*.json"))


@cache
def _schema(name: str) -> dict[str, Any]:
    path = spec_dir() / "schemas" / name
    if not path.is_file():
        raise KeyError(f"no schema named {name!r} in {path.parent}")
    return _read_json(path)


def schema(name: str) -> dict[str, Any]:
    """One schema document by file name, e.g. ``"peer.json"``."""
    return copy.deepcopy(_schema(name))


@cache
def registry() -> Registry:
    """A ``referencing`` registry holding every schema under its ``$id`` and its file name."""
    resources_ = []
    for name in schema_names():
        contents = _schema(name)
        resource = DRAFT202012.create_resource(contents)
        resources_.append((contents["$id"], resource))
    return Registry().with_resources(resources_)


@cache
def _validator(kind: str) -> Draft202012Validator:
    name = KINDS.get(kind, kind)
    contents = _schema(name)
    return Draft202012Validator(
        {"$ref": contents["$id"]},
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def validator(kind: str) -> Draft202012Validator:
    """A validator for a response kind (see ``KINDS``) or a schema file name.

    Formats (``uuid``, ``date-time``) are asserted, not just annotated: a malformed timestamp is
    a deviation from the contract.
    """
    return _validator(kind)


def example_names() -> list[str]:
    """Names (file stems) of the examples in ``examples/``, sorted."""
    return sorted(p.stem for p in (spec_dir() / "examples").glob("*.json"))


def example(name: str) -> Any:
    """One example document by name (file stem)."""
    return _read_json(spec_dir() / "examples" / f"{name}.json")


def _component_name(file_name: str) -> str:
    stem = file_name.removesuffix(".json")
    return "".join(part.capitalize() for part in stem.replace("_", "-").split("-"))


def _rewrite_refs(node: Any, base_file: str | None) -> Any:
    """Turn file ``$ref``s (``./schemas/x.json#/...`` or ``x.json``) into component refs, and
    examples given by ``externalValue`` into inline ``value``s."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = _bundle_ref(value, base_file)
            elif key == "externalValue" and isinstance(value, str):
                out["value"] = _read_json(spec_dir() / value)
            elif key == "$id" and base_file is not None:
                continue
            else:
                out[key] = _rewrite_refs(value, base_file)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, base_file) for item in node]
    return node


def _bundle_ref(ref: str, base_file: str | None) -> str:
    target, _, fragment = ref.partition("#")
    if not target:
        if base_file is None:
            return ref
        target = base_file
    file_name = target.removeprefix(_REF_PREFIX).rsplit("/", 1)[-1]
    return f"#/components/schemas/{_component_name(file_name)}{fragment}"


@cache
def _bundled() -> dict[str, Any]:
    document: dict[str, Any] = _rewrite_refs(_openapi(), None)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name in schema_names():
        body = _rewrite_refs(_schema(name), name)
        body.pop("$schema", None)
        components[_component_name(name)] = body
    return document


def spec_version() -> str:
    """The contract's own semantic version, ``info.version`` of ``openapi.yaml``.

    It is not the package version: MAJOR grows with a change ``replcheck spec diff`` calls
    breaking, MINOR with an addition, PATCH with a rewording (see CHANGELOG.md).
    """
    return str(_openapi()["info"]["version"])


def released_versions() -> list[str]:
    """Versions of the released contracts kept in ``released/`` (bundled), oldest first."""
    names = [p.stem.removeprefix("openapi-") for p in (spec_dir() / "released").glob("*.json")]
    return sorted(names, key=lambda v: tuple(int(n) for n in v.split(".")))


def released_openapi(version: str) -> dict[str, Any]:
    """The bundled document of a released contract version; ``KeyError`` when not kept."""
    path = spec_dir() / "released" / f"openapi-{version}.json"
    if not path.is_file():
        raise KeyError(f"no released spec {version!r} (kept: {', '.join(released_versions())})")
    return _read_json(path)


def standalone_names() -> list[str]:
    """Names ``standalone_schema`` knows: every schema's file stem, ``report`` and
    ``topology-file``, ``topology-targets``, ``fleet-inventory`` and ``fleet-report``."""
    return [name.removesuffix(".json") for name in schema_names()] + [
        "report", "topology-file", "topology-targets", "fleet-inventory", "fleet-report"
    ]


def report_schema() -> dict[str, Any]:
    """The JSON Schema of replcheck's JSON report (self-contained)."""
    return _read_json(spec_dir() / _REPORT_SCHEMA)


def topology_file_schema() -> dict[str, Any]:
    """The JSON Schema of a topology file (self-contained)."""
    return _read_json(spec_dir() / _TOPOLOGY_FILE_SCHEMA)


def topology_targets_schema() -> dict[str, Any]:
    """The JSON Schema of a targets file of ``replcheck run --topology`` (self-contained)."""
    return _read_json(spec_dir() / _TOPOLOGY_TARGETS_SCHEMA)


def fleet_inventory_schema() -> dict[str, Any]:
    """The JSON Schema of a fleet inventory (``replcheck fleet INVENTORY``; self-contained)."""
    return _read_json(spec_dir() / _FLEET_INVENTORY_SCHEMA)


def fleet_report_schema() -> dict[str, Any]:
    """The JSON Schema of a fleet report (``replcheck fleet --json``; self-contained)."""
    return _read_json(spec_dir() / _FLEET_REPORT_SCHEMA)


def standalone_schema(name: str) -> dict[str, Any]:
    """One schema with every schema it refers to embedded under ``$defs``.

    ``name`` is a file stem (``status-response``), a file name, ``report`` or
    ``topology-file``. The result validates offline, without this package or a network: see
    ``standalone.py``.
    """
    from replcheck.spec.standalone import standalone

    if name == "report":
        return report_schema()
    if name in ("topology-file", "topology-file.json"):
        return topology_file_schema()
    if name in ("topology-targets", "topology-targets.json"):
        return topology_targets_schema()
    if name in ("fleet-inventory", "fleet-inventory.json"):
        return fleet_inventory_schema()
    if name in ("fleet-report", "fleet-report.json"):
        return fleet_report_schema()
    file_name = name if name.endswith(".json") else f"{name}.json"
    if file_name not in schema_names():
        raise KeyError(f"no schema named {name!r} (known: {', '.join(standalone_names())})")
    return standalone(_schema(file_name), _schema)


def bundled_openapi() -> dict[str, Any]:
    """The OpenAPI document in one piece: every schema file inlined under components/schemas."""
    return copy.deepcopy(_bundled())


@cache
def spec_hash() -> str:
    """SHA-256 over every spec file, so a report says exactly which contract judged the target."""
    digest = hashlib.sha256()
    root = spec_dir()
    files = [root / "openapi.yaml", root / "requirements.yaml"]
    files += sorted((root / "schemas").glob("*.json"))
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


#: Who can judge a requirement: ``cluster``, the single-cluster engine (one target); ``topology``,
#: only a gate that reads a replication set of several clusters side by side.
SCOPES = ("cluster", "topology")

#: What every listing (catalogue, reports, reference page, zoo) and a single-cluster run say of
#: a ``topology`` requirement: how to judge it (never passed, never left out). A topology run
#: judges it instead.
TOPOLOGY_PENDING = (
    "judged across a replication set by replcheck run --topology, not by a single-cluster run"
)

#: What every listing and every run (single-cluster or topology) say of a ``topology``
#: requirement marked ``judged: false``: no check of this release judges it yet.
TOPOLOGY_UNJUDGED = "not judged by this release: no check makes the calls it needs yet"


@dataclass(frozen=True)
class Requirement:
    """One promise of the contract, as catalogued in ``requirements.yaml``."""

    id: str
    statement: str
    source: str
    endpoint: str
    level: str
    mutating: bool
    category: str
    scope: str = "cluster"
    judged: bool = True

    @property
    def topology(self) -> bool:
        """Only a multi-cluster gate can judge it (``scope: topology``)."""
        return self.scope == "topology"

    @property
    def pending_reason(self) -> str | None:
        """What a listing or a single-cluster run says of it instead of a verdict: the pending
        sentence for a topology requirement a topology run judges, ``TOPOLOGY_UNJUDGED`` for one
        no check judges yet (``judged: false``), ``None`` for a cluster requirement."""
        if not self.topology:
            return None
        return TOPOLOGY_PENDING if self.judged else TOPOLOGY_UNJUDGED


@cache
def _requirements() -> tuple[Requirement, ...]:
    with (spec_dir() / "requirements.yaml").open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return tuple(Requirement(**entry) for entry in raw["requirements"])


def requirements() -> tuple[Requirement, ...]:
    """Every requirement in catalogue order."""
    return _requirements()


def requirement(requirement_id: str) -> Requirement:
    """One requirement by id; ``KeyError`` names the unknown id."""
    for entry in _requirements():
        if entry.id == requirement_id:
            return entry
    raise KeyError(f"unknown requirement id {requirement_id!r}")

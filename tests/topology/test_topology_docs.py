"""The topology file format is published (spec/topology/topology-file.json, ``replcheck spec
--schema topology-file``) and docs/topology.md cannot drift from it: its full example loads and
uses every key, its tables list the schema's keys and the fault kinds, its pictures show the
named topologies' links."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from replcheck import spec
from replcheck.conformance.cli import main
from replcheck.reference_server.topology.definition import FAULT_KINDS, NAMED, load

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "topology.md").read_text(encoding="utf-8")
NAMED_FOLDER = REPO / "reference_server" / "topology" / "named"


def _section(heading: str) -> str:
    return DOC.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def _example() -> str:
    (block,) = re.findall(r"```yaml\n(.*?)```", _section("The file format"), re.S)
    return str(block)


def _published() -> Draft202012Validator:
    schema = spec.standalone_schema("topology-file")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_the_schema_is_published_by_replcheck_spec(tmp_path: Path) -> None:
    assert "topology-file" in spec.standalone_names()
    out = tmp_path / "topology-file.json"
    assert main(["spec", "--schema", "topology-file", "-o", str(out)]) == 0
    printed = json.loads(out.read_text(encoding="utf-8"))
    assert printed == spec.topology_file_schema() == spec.standalone_schema("topology-file.json")
    assert printed["$id"] == "https://replcheck.dev/spec/topology/topology-file.json"


@pytest.mark.parametrize("name", NAMED)
def test_each_named_file_is_valid_against_the_published_schema(name: str) -> None:
    document = yaml.safe_load((NAMED_FOLDER / f"{name}.yaml").read_text(encoding="utf-8"))
    assert not list(_published().iter_errors(document))


def test_the_published_schema_refuses_what_the_loader_refuses_by_schema() -> None:
    validator = _published()
    for bad in (
        {"clusters": []},
        {"clusters": [{"name": "A", "prot": 1}]},
        {"clusters": [{"name": "A"}], "faults": [{"kind": "clock-skew", "cluster": "A"}]},
        {"clusters": [{"name": "A"}], "faults": [{"kind": "partition", "cluster": "A",
                                                  "value": "1"}]},
    ):
        assert not validator.is_valid(bad), bad


def test_the_docs_full_example_loads_and_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "lab.yaml"
    path.write_text(_example(), encoding="utf-8")
    topology = load(str(path))
    assert topology.name == "lab" and [c.name for c in topology.clusters] == ["A", "B", "C"]
    assert not list(_published().iter_errors(yaml.safe_load(_example())))


def test_every_yaml_block_of_the_page_loads(tmp_path: Path) -> None:
    # The targets files of "Judging a replication set" and "Active scenarios" are another
    # format (tests/topology/test_topology_targets.py checks them).
    topology_files = DOC
    targets_sections = (
        "Judging a replication set",
        "Active scenarios (`replcheck run --topology … --profile full`)",
    )
    for heading in targets_sections:
        topology_files = topology_files.replace(_section(heading), "")
    blocks = re.findall(r"```yaml\n(.*?)```", topology_files, re.S)
    assert len(blocks) >= 2
    for index, block in enumerate(blocks):
        path = tmp_path / f"block-{index}.yaml"
        path.write_text(block, encoding="utf-8")
        load(str(path))


def _keys_used(node: Any, schema: dict[str, Any], defs: dict[str, Any], at: str) -> set[str]:
    """Every key path of ``schema`` that ``node`` (the docs' example) leaves out."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    missing: set[str] = set()
    if schema.get("type") == "object":
        for key, sub in schema.get("properties", {}).items():
            values = [item[key] for item in node if key in item]
            if not values:
                missing.add(f"{at}.{key}")
            elif "items" in sub:
                flat = [item for value in values for item in value]
                missing |= _keys_used(flat, sub["items"], defs, f"{at}.{key}[]")
    elif "items" in schema:
        missing |= _keys_used(node, schema["items"], defs, at)
    return missing


def test_the_docs_example_uses_every_key_of_the_format() -> None:
    schema = spec.topology_file_schema()
    example = yaml.safe_load(_example())
    assert _keys_used([example], schema, schema["$defs"], "") == set()


def test_the_docs_key_table_lists_the_top_level_keys() -> None:
    table = re.findall(r"^\| `([a-z_]+)` \|", _section("The file format"), re.M)
    assert table == list(spec.topology_file_schema()["properties"])


def test_the_docs_fault_table_is_the_fault_kinds() -> None:
    rows = re.findall(r"^\| `([a-z-]+)` \| ([^|]+) \| ([^|]+) \|$", _section("Faults"), re.M)
    assert [kind for kind, _, _ in rows] == list(FAULT_KINDS)
    for kind, value, what in rows:
        assert what.strip() == FAULT_KINDS[kind]
        assert (value.strip() == "none") == (kind not in ("clock-skew", "older-version"))


@pytest.mark.parametrize("name", NAMED)
def test_the_docs_pictures_show_each_named_topologys_links(name: str) -> None:
    section = _section("The named topologies")
    picture = section.split(f"**`{name}`**", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    drawn = sorted(
        (int(number), mode, secondary_id)
        for number, mode, secondary_id in re.findall(r"(\d) (DR|performance) \[(\w+)\]", picture)
    )
    links = load(name).links
    assert drawn == [
        (i, "DR" if link.mode == "dr" else "performance", link.secondary_id)
        for i, link in enumerate(links, start=1)
    ]
    for position, cluster in enumerate(load(name).clusters):
        port = "P" if position == 0 else f"P+{position}"
        assert f"{cluster.name} ({port})" in picture


def test_the_pages_are_linked_from_the_docs() -> None:
    assert "(topology.md)" in (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "(replication-facts.md" in DOC
    assert "## Driving it with the bao/vault CLI" in DOC

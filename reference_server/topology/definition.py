"""What a topology is: its clusters, the replication links between them and the faults to inject.

A topology comes from a name (``dr-pair``, ``perf-pair``, ``six-cluster``: the files in
``named/``) or from a YAML file (JSON is YAML too). A file is read with ``yaml.safe_load``
rules, a key given twice in one mapping is refused, and the document is checked against the
published schema ``spec/topology/topology-file.json`` and then against the rules a schema
cannot say (below, ``_check_topology``). Anything wrong is one ``TopologyError`` sentence that
names the file, the key and the value: the CLI prints it and exits 2.

The rules beyond the schema, from what Vault allows (docs/replication-facts.md):

- cluster names are unique, and so are fixed ports;
- a link joins two existing, different clusters; a cluster is the secondary of at most one
  primary per mode, and a primary gives each of its secondaries its own ``secondary_id``;
- a DR secondary takes part in no other link: it answers nothing but its status and its DR
  operations, so it can neither be enabled as anything else nor serve as a primary;
- links make no cycle;
- order: a primary is listed before its secondaries (ports follow the clusters' order, so the
  file is refused rather than silently reordered), and the link that makes a cluster a
  secondary comes before the links it is the primary of (enabling a secondary wipes its data);
- a fault concerns a secondary: the cluster named must be the secondary of a link (of the
  given mode, if one is given); each fault once; ``older-version`` must be older than the
  primary's version when the file gives that version.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from replcheck import spec

__all__ = [
    "FAULT_KINDS",
    "NAMED",
    "ClusterDef",
    "FaultDef",
    "FaultKind",
    "LinkDef",
    "Mode",
    "Topology",
    "TopologyError",
    "assign_ports",
    "fault_text",
    "load",
    "parse_fault",
    "with_faults",
]

Mode = Literal["dr", "performance"]
FaultKind = Literal[
    "partition", "stalled-stream", "merkle-loop", "stopped-heartbeats", "clock-skew",
    "older-version",
]

#: What each fault kind does to the set, for the flag's help and the docs' table (docs/topology.md;
#: a test keeps the three, and the schema's enum, the same).
FAULT_KINDS: dict[str, str] = {
    "partition": "the link is cut: both sides show it disconnected, nothing streams",
    "stalled-stream": "the link stays connected but no WAL reaches the secondary",
    "merkle-loop": "the secondary keeps going merkle-diff -> merkle-sync, never stream-wals",
    "stopped-heartbeats": "data streams but last_heartbeat no longer advances on either side",
    "clock-skew": "the secondary's clock is off by VALUE milliseconds (clock_skew_ms)",
    "older-version": "the secondary reports version VALUE, older than its primary's",
}

_MODE_WORDS: dict[str, str] = {"dr": "DR", "performance": "performance"}
_NAMED_FOLDER = "named"
_FLAG_SYNTAX = "KIND@CLUSTER[:MODE][=VALUE]"
_FAULT_TEXT = re.compile(
    r"^(?P<kind>[^@:=]*)@(?P<cluster>[^:=]*)(?::(?P<mode>[^=]*))?(?:=(?P<value>.*))?$", re.S
)


class TopologyError(Exception):
    """A topology that cannot be served, as one printable sentence (the CLI exits 2)."""


@dataclass(frozen=True)
class ClusterDef:
    """One cluster: ``name`` ([A-Za-z0-9_-]+), a fixed API ``port`` or None (assigned), the
    ``version`` it reports or None (the server's), and its dev root token."""

    name: str
    port: int | None = None
    version: str | None = None
    root_token: str = "root"


@dataclass(frozen=True)
class LinkDef:
    """A replication link between two clusters (names); ``secondary_id`` is the ``id`` given to
    ``primary/secondary-token`` (the secondary's name unless the file says otherwise)."""

    mode: Mode
    primary: str
    secondary: str
    secondary_id: str


@dataclass(frozen=True)
class FaultDef:
    """A fault on the secondary ``cluster``: on its ``mode`` link (None: the only link it has
    as a secondary); ``value`` is milliseconds for clock-skew, a version for older-version."""

    kind: FaultKind
    cluster: str
    mode: Mode | None = None
    value: str | None = None


@dataclass(frozen=True)
class Topology:
    """Clusters in serving order (a primary before its secondaries), links in set-up order,
    faults, and the delay before a primary's write reaches a secondary."""

    name: str
    clusters: tuple[ClusterDef, ...]
    links: tuple[LinkDef, ...]
    faults: tuple[FaultDef, ...] = ()
    lag_seconds: float = 0.05


def _named_files() -> dict[str, Any]:
    folder = resources.files(__package__ or "replcheck.reference_server.topology") / _NAMED_FOLDER
    return {
        entry.name.removesuffix(".yaml"): entry
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


#: The named topologies, from the files in ``named/`` (no list kept by hand).
NAMED: tuple[str, ...] = tuple(sorted(_named_files()))


# --- text ------------------------------------------------------------------------------------

def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` most likely misspells, or a choice it begins, if any."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return close[0]
    starts = [c for c in choices if word and c.lower().startswith(word.lower())]
    return starts[0] if len(starts) == 1 else None


def _hint(word: Any, choices: Sequence[str]) -> str:
    close = _closest(word, choices) if isinstance(word, str) else None
    return f" (did you mean {close!r}?)" if close else ""


def _key_path(parts: Sequence[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def fault_text(fault: FaultDef) -> str:
    """A fault written as the ``--fault`` flag takes it."""
    text = f"{fault.kind}@{fault.cluster}"
    if fault.mode is not None:
        text += f":{fault.mode}"
    return text if fault.value is None else f"{text}={fault.value}"


# --- YAML ------------------------------------------------------------------------------------

class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, mark: yaml.Mark) -> None:
        super().__init__(key)
        self.key = key
        self.mark = mark


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.safe_load``'s loader, refusing a key given twice in one mapping (PyYAML would
    keep the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if repeated:
                raise _DuplicateKey(key, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
    except _DuplicateKey as exc:
        raise TopologyError(
            f"{source}: the key {_shown(exc.key)} appears twice in one mapping (line "
            f"{exc.mark.line + 1}); give each key once"
        ) from None
    except yaml.MarkedYAMLError as exc:
        where = ""
        if exc.problem_mark is not None:
            where = f" at line {exc.problem_mark.line + 1}, column {exc.problem_mark.column + 1}"
        raise TopologyError(f"{source} is not valid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:  # the reader's errors: a character YAML does not allow
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TopologyError(f"{source} is not valid YAML: {first_line}") from None


# --- the schema ------------------------------------------------------------------------------

@cache
def _validator(definition: str | None = None) -> Draft202012Validator:
    """A validator for the whole file, or for one of its ``$defs`` (``fault``)."""
    schema = spec.topology_file_schema()
    if definition is None:
        return Draft202012Validator(schema)
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], DRAFT202012.create_resource(schema)
    )
    return Draft202012Validator(
        {"$ref": f"{schema['$id']}#/$defs/{definition}"}, registry=registry
    )


_TYPE_WORDS = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
    "number": "a number", "boolean": "true or false", "null": "null",
}


def _expected(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum":
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if isinstance(schema.get("title"), str):
        return str(schema["title"])
    if error.validator == "type":
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in types)
    return error.message


def _at(document: Any, parts: Sequence[str | int]) -> Any:
    node = document
    for part in parts:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


#: How the ``--fault`` flag's parts are named in its messages.
_FLAG_PARTS = {"kind": "KIND", "cluster": "CLUSTER", "mode": "MODE", "value": "VALUE"}


def _schema_sentence(error: ValidationError, document: Any, where: str, flag: bool = False) -> str:
    """One sentence for a schema error. ``where`` names the file (the error's key path follows
    it) or, with ``flag``, the ``--fault`` value (the part of it follows)."""
    parts = list(error.absolute_path)
    if error.validator is None and parts and parts[-1] != "value":
        parts.append("value")  # the false schema reports the fault, not its value
    path = _key_path(parts)
    if flag and parts:
        at = f"{where}: its {_FLAG_PARTS.get(str(parts[-1]), str(parts[-1]))}"
    else:
        at = f"{where}: {path}" if path else where
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        unknown = next(str(k) for k in instance if k not in allowed)
        full = _key_path([*parts, unknown])
        return (
            f"{where}: unknown key {full!r}{_hint(unknown, allowed)}; the keys there are "
            + ", ".join(allowed)
        )
    if error.validator == "required" and isinstance(instance, dict):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = next(str(k) for k in required if k not in instance)
        kind = instance.get("kind")
        if flag:
            return f"{where} needs a value: a {kind} fault is written {kind}@CLUSTER[:MODE]=VALUE"
        needs = f" (a {kind} fault needs a value)" if missing == "value" else ""
        return f"{at} lacks the key {missing!r}{needs}"
    if error.validator is None:  # the false schema: a value the fault's kind does not take
        fault = _at(document, parts[:-1])
        kind = fault.get("kind") if isinstance(fault, dict) else "this"
        if flag:
            return f"{where}: a {kind} fault takes no =VALUE; remove it"
        return f"{at} is not taken by a {kind} fault; remove it"
    if not parts and error.validator == "type":
        return f"{where} must hold a mapping with a 'clusters' list, got {_shown(instance)}"
    expected = _expected(error)
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = _hint(instance, schema.get("enum", [])) if error.validator == "enum" else ""
    quote = ""
    if isinstance(instance, int | float | bool) and schema.get("type") == "string":
        quote = " (quote it in YAML to make it a string)"
    return f"{at} must be {expected}, got {_shown(instance)}{hint}{quote}"


def _first_error(validator: Draft202012Validator, document: Any) -> ValidationError | None:
    errors: list[ValidationError] = list(validator.iter_errors(document))
    unknown = [e for e in errors if e.validator == "additionalProperties"]
    if unknown:  # a misspelled key explains the rest (a missing required key, say)
        return min(unknown, key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return None
    chosen: ValidationError = best_match(errors)
    return chosen


# --- building and checking -------------------------------------------------------------------

def _from_document(document: dict[str, Any], default_name: str) -> Topology:
    clusters = tuple(
        ClusterDef(
            name=c["name"], port=c.get("port"), version=c.get("version"),
            root_token=c.get("root_token", "root"),
        )
        for c in document["clusters"]
    )
    links = tuple(
        LinkDef(
            mode=cast(Mode, link["mode"]), primary=link["primary"], secondary=link["secondary"],
            secondary_id=link.get("secondary_id", link["secondary"]),
        )
        for link in document.get("links", [])
    )
    faults = tuple(_fault_from_mapping(f) for f in document.get("faults", []))
    return Topology(
        name=document.get("name", default_name), clusters=clusters, links=links, faults=faults,
        lag_seconds=float(document.get("lag_seconds", 0.05)),
    )


def _fault_from_mapping(raw: dict[str, Any]) -> FaultDef:
    value = raw.get("value")
    return FaultDef(
        kind=cast(FaultKind, raw["kind"]), cluster=raw["cluster"],
        mode=cast("Mode | None", raw.get("mode")), value=None if value is None else str(value),
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.split(r"[-+]", version, maxsplit=1)[0].split("."))


def _check_clusters(topology: Topology, prefix: str) -> dict[str, int]:
    index: dict[str, int] = {}
    ports: dict[int, int] = {}
    for i, cluster in enumerate(topology.clusters):
        if cluster.name in index:
            raise TopologyError(
                f"{prefix}clusters[{i}].name {cluster.name!r} is already the name of "
                f"clusters[{index[cluster.name]}]; each cluster needs a name of its own"
            )
        index[cluster.name] = i
        if cluster.port is not None:
            if cluster.port in ports:
                other = ports[cluster.port]
                raise TopologyError(
                    f"{prefix}clusters[{i}].port {cluster.port} is already the port of "
                    f"clusters[{other}] ({topology.clusters[other].name!r}); two clusters "
                    "cannot listen on one port"
                )
            ports[cluster.port] = i
    return index


def _check_links(topology: Topology, index: dict[str, int], prefix: str) -> None:
    names = list(index)
    upstream: dict[tuple[str, str], int] = {}
    ids: dict[tuple[str, str, str], int] = {}
    for j, link in enumerate(topology.links):
        for role in ("primary", "secondary"):
            name = getattr(link, role)
            if name not in index:
                raise TopologyError(
                    f"{prefix}links[{j}].{role} {name!r} names no cluster{_hint(name, names)}; "
                    f"the clusters are {', '.join(names)}"
                )
        if link.primary == link.secondary:
            raise TopologyError(
                f"{prefix}links[{j}] makes {link.primary!r} a secondary of itself; a link joins "
                "two clusters"
            )
        mode = _MODE_WORDS[link.mode]
        earlier = upstream.get((link.secondary, link.mode))
        if earlier is not None:
            raise TopologyError(
                f"{prefix}links[{j}] makes {link.secondary!r} a {mode} secondary of "
                f"{link.primary!r}, but links[{earlier}] already makes it one of "
                f"{topology.links[earlier].primary!r}; a cluster follows at most one primary "
                "per mode"
            )
        upstream[(link.secondary, link.mode)] = j
        given = ids.get((link.primary, link.mode, link.secondary_id))
        if given is not None:
            raise TopologyError(
                f"{prefix}links[{j}].secondary_id {link.secondary_id!r} is already given by "
                f"{link.primary!r} to {topology.links[given].secondary!r} in links[{given}]; a "
                f"primary's {mode} secondary ids are unique"
            )
        ids[(link.primary, link.mode, link.secondary_id)] = j
    _check_dr_secondaries(topology, prefix)
    _check_cycles(topology, prefix)
    _check_order(topology, index, upstream, prefix)


def _check_dr_secondaries(topology: Topology, prefix: str) -> None:
    for j, link in enumerate(topology.links):
        if link.mode != "dr":
            continue
        for k, other in enumerate(topology.links):
            if k == j or link.secondary not in (other.primary, other.secondary):
                continue
            if other.primary == link.secondary:
                role = f"{_MODE_WORDS[other.mode]} primary of {other.secondary!r}"
            else:
                role = f"{_MODE_WORDS[other.mode]} secondary of {other.primary!r}"
            raise TopologyError(
                f"{prefix}links[{j}] makes {link.secondary!r} a DR secondary, which takes part "
                f"in no other link, but links[{k}] makes it a {role}; a DR secondary answers "
                "nothing but its status and its DR operations"
            )


def _check_cycles(topology: Topology, prefix: str) -> None:
    downstream: dict[str, list[str]] = {}
    for link in topology.links:
        downstream.setdefault(link.primary, []).append(link.secondary)

    def walk(name: str, trail: list[str]) -> None:
        if name in trail:
            cycle = " -> ".join([*trail[trail.index(name):], name])
            raise TopologyError(
                f"{prefix}links make a cycle {cycle}; replication flows from a primary to its "
                "secondaries only"
            )
        for secondary in downstream.get(name, []):
            walk(secondary, [*trail, name])

    for start in downstream:
        walk(start, [])


def _check_order(
    topology: Topology, index: dict[str, int], upstream: dict[tuple[str, str], int], prefix: str
) -> None:
    for link in topology.links:
        if index[link.primary] > index[link.secondary]:
            raise TopologyError(
                f"{prefix}clusters[{index[link.secondary]}] {link.secondary!r} comes before its "
                f"primary {link.primary!r} (clusters[{index[link.primary]}]); list a primary "
                "before its secondaries, since ports follow this order"
            )
    for j, link in enumerate(topology.links):
        for (secondary, _), k in upstream.items():
            if secondary == link.primary and k > j:
                raise TopologyError(
                    f"{prefix}links[{j}] sets {link.primary!r} up as a primary before links[{k}] "
                    f"makes it a secondary of {topology.links[k].primary!r}; list the link that "
                    "makes a cluster a secondary first, since enabling a secondary wipes its data"
                )


def _check_fault(topology: Topology, fault: FaultDef, where: str) -> None:
    """``where`` is ``topology file 'x': faults[0]`` or ``--fault 'partition@X'``."""
    names = [c.name for c in topology.clusters]
    if fault.cluster not in names:
        raise TopologyError(
            f"{where} names the cluster {fault.cluster!r}, which the topology does not have"
            f"{_hint(fault.cluster, names)}; its clusters are {', '.join(names)}"
        )
    links = [link for link in topology.links if link.secondary == fault.cluster]
    if not links:
        raise TopologyError(
            f"{where} puts {fault.kind} on {fault.cluster!r}, which is the secondary of no link; "
            "a fault concerns a secondary"
        )
    if fault.mode is not None and all(link.mode != fault.mode for link in links):
        actual = " and ".join(_MODE_WORDS[link.mode] for link in links)
        raise TopologyError(
            f"{where} asks for the {_MODE_WORDS[fault.mode]} link of {fault.cluster!r}, which is a "
            f"{actual} secondary only"
        )
    if fault.kind == "older-version" and fault.value is not None:
        link = next(link for link in links if fault.mode in (None, link.mode))
        primary = next(c for c in topology.clusters if c.name == link.primary)
        if primary.version is not None and (
            _version_key(fault.value) >= _version_key(primary.version)
        ):
            raise TopologyError(
                f"{where} gives {fault.cluster!r} version {fault.value}, which is not older than "
                f"{primary.version}, the version of its primary {primary.name!r}"
            )


def _check_faults(topology: Topology, prefix: str) -> None:
    seen: dict[tuple[str, str], int] = {}
    for i, fault in enumerate(topology.faults):
        _check_fault(topology, fault, f"{prefix}faults[{i}]")
        earlier = seen.get((fault.kind, fault.cluster))
        if earlier is not None:
            raise TopologyError(
                f"{prefix}faults[{i}] repeats faults[{earlier}] ({fault.kind} on "
                f"{fault.cluster!r}); give each fault once"
            )
        seen[(fault.kind, fault.cluster)] = i


def _check_topology(topology: Topology, source: str) -> None:
    prefix = f"{source}: "
    index = _check_clusters(topology, prefix)
    _check_links(topology, index, prefix)
    _check_faults(topology, prefix)


# --- the public functions --------------------------------------------------------------------

def _looks_like_a_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.endswith((".yaml", ".yml", ".json"))


def load(name_or_path: str) -> Topology:
    """A named topology (``NAMED``) or a YAML file; ``TopologyError`` says what is wrong.

    A name wins over a file of the same name in the working folder: write ``./dr-pair`` for
    the file.
    """
    if name_or_path in NAMED:
        source = f"named topology {name_or_path!r}"
        text = _named_files()[name_or_path].read_text(encoding="utf-8")
        default_name = name_or_path
    else:
        path = Path(name_or_path)
        if not path.exists() and not _looks_like_a_path(name_or_path):
            raise TopologyError(
                f"unknown topology {name_or_path!r}{_hint(name_or_path, NAMED)}; give one of "
                f"{', '.join(NAMED)} or a YAML file"
            )
        source = f"topology file {name_or_path!r}"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise TopologyError(f"{source} cannot be read: {reason}") from None
        default_name = path.stem
    document = _parse_yaml(text, source)
    if document is None:
        raise TopologyError(f"{source} is empty; a topology needs at least a 'clusters' list")
    error = _first_error(_validator(), document)
    if error is not None:
        raise TopologyError(_schema_sentence(error, document, source))
    topology = _from_document(document, default_name)
    _check_topology(topology, source)
    return topology


def parse_fault(text: str, topology: Topology) -> FaultDef:
    """The ``--fault`` flag's value, ``KIND@CLUSTER[:MODE][=VALUE]``, checked against the
    schema's ``fault`` and against ``topology``."""
    where = f"--fault {text!r}"
    match = _FAULT_TEXT.match(text)
    if match is None or not match["kind"] or not match["cluster"]:
        raise TopologyError(
            f"{where} is not {_FLAG_SYNTAX} (for example partition@secondary, "
            "clock-skew@C:performance=5000 or older-version@B=1.15.0)"
        )
    kind = match["kind"]
    if kind not in FAULT_KINDS:
        raise TopologyError(
            f"{where} names the unknown fault kind {kind!r}{_hint(kind, list(FAULT_KINDS))}; "
            f"the kinds are {', '.join(FAULT_KINDS)}"
        )
    raw: dict[str, Any] = {"kind": kind, "cluster": match["cluster"]}
    if match["mode"] is not None:
        raw["mode"] = match["mode"]
    if match["value"] is not None:
        raw["value"] = match["value"]
    error = _first_error(_validator("fault"), raw)
    if error is not None:
        raise TopologyError(_schema_sentence(error, raw, where, flag=True))
    fault = _fault_from_mapping(raw)
    _check_fault(topology, fault, where)
    return fault


def with_faults(topology: Topology, faults: Sequence[FaultDef]) -> Topology:
    """``topology`` with ``faults`` added after its own (each checked; a fault it already has is
    a ``TopologyError``)."""
    combined = list(topology.faults)
    for fault in faults:
        where = f"--fault {fault_text(fault)!r}"
        _check_fault(topology, fault, where)
        if any((f.kind, f.cluster) == (fault.kind, fault.cluster) for f in combined):
            raise TopologyError(
                f"{where} repeats a fault the topology already has ({fault.kind} on "
                f"{fault.cluster!r}); give each fault once"
            )
        combined.append(fault)
    return replace(topology, faults=tuple(combined))


def assign_ports(topology: Topology, base_port: int | None) -> dict[str, int]:
    """Each cluster's API port: ``base_port`` P gives P, P+1, ... by position in the serving
    order, a cluster's fixed port wins, and None or 0 leaves 0 (the system picks a free port)
    to every cluster without a fixed port. Two clusters on one port is a ``TopologyError``."""
    if base_port is not None and not 0 <= base_port <= 65535:
        raise TopologyError(f"--port {base_port} is not a port number from 0 to 65535")
    ports: dict[str, int] = {}
    holders: dict[int, str] = {}
    for position, cluster in enumerate(topology.clusters):
        if cluster.port is not None:
            port, how = cluster.port, "its fixed port"
        elif base_port:
            port, how = base_port + position, f"--port {base_port} + {position}"
            if port > 65535:
                raise TopologyError(
                    f"--port {base_port} gives cluster {cluster.name!r} (position {position}) "
                    f"the port {port}, above 65535; choose a lower --port"
                )
        else:
            port, how = 0, ""
        if port and port in holders:
            raise TopologyError(
                f"clusters {holders[port]!r} and {cluster.name!r} would both listen on port "
                f"{port} ({cluster.name!r} by {how}); choose another --port or another fixed "
                "port"
            )
        if port:
            holders[port] = cluster.name
        ports[cluster.name] = port
    return ports

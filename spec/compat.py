"""Breaking-change detection between two versions of the contract (``replcheck spec diff``).

The contract judges servers, so a change is *breaking* when a server that passed under the old
document could fail under the new one: a removed path, operation or documented status; a
narrowed type, enum, pattern, format or range; a newly required member, parameter or body; a
member removed from a schema; a changed Vault extension (``x-vault-sudo``) or security. Wording
(descriptions, summaries, titles, examples) and widening are not breaking.

Two passes:

- **structure**: the documents are walked side by side. Schemas are compared keyword by
  keyword after following ``$ref``s and merging ``allOf`` parts that do not overlap, so a
  schema that was only reorganised compares equal. Inside ``not`` the roles swap (narrowing a
  negated rule widens the schema). A change the walk cannot judge (an ``if`` condition, an
  unknown keyword) counts as breaking: the gate errs on the safe side.
- **replay**: every example of either document, and every captured output given as a corpus,
  that validates under the old schema of its operation and status must still validate under
  the new one. This catches what the structural walk calls a widening but is not.

No maintained Python library fits: the OpenAPI diff tools on PyPI either target OpenAPI 3.0 /
Swagger or treat JSON Schema 2020-12 (``if``/``then``, ``not``, ``$defs``) as opaque.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import replcheck_spec

__all__ = ["REPLAY_KEYS", "Change", "SpecSourceError", "diff", "load_document",
           "project_corpus"]

_ANNOTATIONS = frozenset(
    {"title", "description", "summary", "examples", "example", "$comment", "default",
     "deprecated", "readOnly", "writeOnly", "externalDocs", "$id", "$schema", "$anchor"}
)
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties",
                 "minContains")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties",
                 "maxContains")
_SUBSCHEMA_ONE = ("items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
                  "contains", "propertyNames", "then", "else")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: Where a captured ``GET sys/replication/status`` answer is replayed (path, method, status,
#: media type): the only real output of the API a corpus holds.
replay_key_status = ("/sys/replication/status", "get", "200", "application/json")
#: Where a captured cluster section (one ``dr`` or ``performance`` member) is replayed: the
#: component schema of that name.
replay_key_section = ("#/components/schemas/ClusterSection", "", "", "")

#: The kinds of real output a corpus sample can be (``replcheck_spec.corpus`` kinds).
REPLAY_KEYS = {"status": replay_key_status, "section": replay_key_section}


class SpecSourceError(Exception):
    """A document to compare could not be read; the message is one sentence."""


@dataclass(frozen=True, order=True)
class Change:
    """One difference between the old and the new document."""

    where: str
    what: str
    breaking: bool

    def __str__(self) -> str:
        return f"{'breaking' if self.breaking else 'ok':9} {self.where}: {self.what}"


# --- loading ---------------------------------------------------------------------------------


def _has_external_refs(node: Any) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return True
        if "externalValue" in node:
            return True
        return any(_has_external_refs(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_external_refs(v) for v in node)
    return False


def load_document(source: str) -> tuple[str, dict[str, Any]]:
    """``current`` (the installed contract), a released version kept in the package, or a file
    holding a bundled document (JSON or YAML). Returns a label and the document."""
    if source == "current":
        return "current", replcheck_spec.bundled_openapi()
    if source in replcheck_spec.released_versions():
        return f"released {source}", replcheck_spec.released_openapi(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(["current", *replcheck_spec.released_versions()])
        raise SpecSourceError(
            f"{source} is neither a file nor a known version ({known})"
        ) from None
    except OSError as exc:
        raise SpecSourceError(f"cannot read {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SpecSourceError(f"{source} is not UTF-8 text") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        raise SpecSourceError(f"{source} is neither JSON nor YAML") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise SpecSourceError(f"{source} is not an OpenAPI document (no paths)")
    if _has_external_refs(document):
        raise SpecSourceError(
            f"{source} refers to other files; compare bundled documents "
            "(replcheck spec --bundle --format json)"
        )
    return source, document


# --- structure -------------------------------------------------------------------------------


def _resolve(document: dict[str, Any], node: Any) -> tuple[Any, str | None]:
    """Follow local ``$ref``s; also return the last reference followed (its pointer)."""
    pointer = None
    hops = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < 50:
        pointer = node["$ref"]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        target: Any = document
        for part in pointer.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")] if part else target
        node = {**target, **siblings} if siblings and isinstance(target, dict) else target
        hops += 1
    return node, pointer


def _merge_all_of(schema: Any, document: dict[str, Any]) -> Any:
    """A schema whose ``allOf`` parts touch different keywords, as one flat schema (or the
    schema unchanged when two parts constrain the same keyword or member)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("allOf"), list):
        return schema
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part, _ = _resolve(document, part)
        part = _merge_all_of(part, document)
        if not isinstance(part, dict):
            return schema
        clash = False
        for key, value in part.items():
            if key in _ANNOTATIONS:
                continue
            if key == "required" and isinstance(merged.get(key), list):
                continue
            if key == "properties" and isinstance(merged.get(key), dict):
                clash = clash or bool(set(merged[key]) & set(value))
                continue
            clash = clash or key in merged
        if clash:
            return schema
        for key, value in part.items():
            if key in _ANNOTATIONS:
                merged.setdefault(key, value)
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            elif key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            else:
                merged[key] = value
    return merged


def _unconstrained(schema: Any) -> bool:
    if schema is True:
        return True
    return isinstance(schema, dict) and all(k in _ANNOTATIONS for k in schema)


def _types(schema: dict[str, Any]) -> set[str] | None:
    value = schema.get("type")
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


_FINITE_TYPES = {"boolean": (True, False), "null": (None,)}


def _finite_values(document: dict[str, Any], schema: Any) -> set[str] | None:
    """The values a schema accepts, as JSON texts, when they are few enough to list (an
    ``enum``, a ``const``, ``boolean`` or ``null``, or an ``anyOf`` of such); else ``None``."""
    schema, _ = _resolve(document, schema)
    if not isinstance(schema, dict):
        return None
    keys = {k for k in schema if k not in _ANNOTATIONS}
    if keys == {"anyOf"} and isinstance(schema["anyOf"], list):
        union: set[str] = set()
        for part in schema["anyOf"]:
            values = _finite_values(document, part)
            if values is None:
                return None
            union |= values
        return union
    types = _types(schema)
    if "enum" in keys or "const" in keys:
        if keys - {"enum", "const", "type"}:
            return None
        listed = schema["enum"] if "enum" in schema else [schema["const"]]
        return {json.dumps(v) for v in listed if types is None or _typed_as(v, types)}
    if keys == {"type"} and types is not None and types <= set(_FINITE_TYPES):
        return {json.dumps(v) for t in types for v in _FINITE_TYPES[t]}
    return None


def _typed_as(value: Any, types: set[str]) -> bool:
    if value is None or isinstance(value, bool):
        return ("null" if value is None else "boolean") in types
    if isinstance(value, int):
        return bool({"integer", "number"} & types)
    kinds = {str: "string", float: "number", list: "array", dict: "object"}
    return kinds.get(type(value)) in types


class _Walker:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self._compared: set[tuple[str, str, bool]] = set()

    def add(self, where: str, what: str, narrows: bool, negated: bool = False) -> None:
        breaking = narrows != negated
        if negated:
            what += " (inside a negated rule)"
        self.changes.append(Change(where, what, breaking))

    # -- schemas ---------------------------------------------------------------------------

    def schema(self, o: Any, n: Any, where: str, negated: bool = False) -> None:
        o_ref = o.get("$ref") if isinstance(o, dict) else None
        n_ref = n.get("$ref") if isinstance(n, dict) else None
        if isinstance(o_ref, str) and o_ref == n_ref:
            key = (o_ref, n_ref, negated)
            if key in self._compared:
                return
            self._compared.add(key)
            where = o_ref.removeprefix("#/")
        o, _ = _resolve(self.old, o)
        n, _ = _resolve(self.new, n)
        o, n = _merge_all_of(o, self.old), _merge_all_of(n, self.new)
        if o is False or n is False or o is True or n is True:
            if n is False and o is not False:
                self.add(where, "now rejects every value", True, negated)
            elif o is False and n is not False:
                self.add(where, "now accepts values it rejected", False, negated)
            elif o is True and isinstance(n, dict):
                self.schema({}, n, where, negated)
            elif n is True and isinstance(o, dict):
                self.schema(o, {}, where, negated)
            return
        if not isinstance(o, dict) or not isinstance(n, dict):
            if o != n:
                self.add(where, "schema replaced", True, negated)
            return
        self._keywords(o, n, where, negated)

    def _keywords(self, o: dict[str, Any], n: dict[str, Any], where: str, negated: bool) -> None:
        handled: set[str] = set()

        def both(key: str) -> bool:
            handled.add(key)
            return key in o and key in n

        for key in sorted(set(o) | set(n)):
            if key in _ANNOTATIONS or key.startswith("x-"):
                handled.add(key)
                if key in ("description", "title", "summary") and o.get(key) != n.get(key):
                    self.add(where, f"{key} reworded", False)
        # type
        handled.add("type")
        ot, nt = _types(o), _types(n)
        if ot is not None or nt is not None:
            if nt is not None and ot is None:
                self.add(where, f"type {sorted(nt)} now required", True, negated)
            elif nt is None and ot is not None:
                self.add(where, "no longer constrains the type", False, negated)
            elif ot is not None and nt is not None:
                widen = lambda s: s | ({"integer"} if "number" in s else set())  # noqa: E731
                lost = widen(ot) - widen(nt)
                if lost:
                    self.add(where, f"type narrowed: {sorted(lost)} no longer accepted", True,
                             negated)
                if widen(nt) - widen(ot):
                    self.add(where, f"type widened: {sorted(widen(nt) - widen(ot))} accepted",
                             False, negated)
        # enum / const
        handled.update({"enum", "const"})
        if "enum" in n and "enum" not in o:
            self.add(where, f"enum {n['enum']} added", True, negated)
        elif "enum" in o and "enum" not in n:
            self.add(where, "enum removed", False, negated)
        elif "enum" in o:
            lost = [v for v in o["enum"] if v not in n["enum"]]
            gained = [v for v in n["enum"] if v not in o["enum"]]
            if lost:
                self.add(where, f"enum narrowed: {lost} no longer accepted", True, negated)
            if gained:
                self.add(where, f"enum widened: {gained} accepted", False, negated)
        if o.get("const", ...) != n.get("const", ...):
            if "const" in n:
                self.add(where, f"const {n['const']!r} now required", True, negated)
            else:
                self.add(where, "const removed", False, negated)
        # pattern / format
        for key in ("pattern", "format"):
            handled.add(key)
            if o.get(key) != n.get(key):
                if key in n:
                    self.add(where, f"{key} changed to {n[key]!r} (was {o.get(key)!r})", True,
                             negated)
                else:
                    self.add(where, f"{key} {o[key]!r} removed", False, negated)
        # ranges
        for key in _LOWER_BOUNDS + _UPPER_BOUNDS:
            handled.add(key)
            ov, nv = o.get(key), n.get(key)
            if ov == nv:
                continue
            lower = key in _LOWER_BOUNDS
            if nv is None:
                self.add(where, f"{key} {ov} removed", False, negated)
            elif ov is None or (nv > ov if lower else nv < ov):
                self.add(where, f"{key} narrowed to {nv} (was {ov})", True, negated)
            else:
                self.add(where, f"{key} widened to {nv} (was {ov})", False, negated)
        # required
        handled.add("required")
        o_req, n_req = set(o.get("required", [])), set(n.get("required", []))
        for member in sorted(n_req - o_req):
            self.add(where, f"member {member!r} newly required", True, negated)
        for member in sorted(o_req - n_req):
            self.add(where, f"member {member!r} no longer required", False, negated)
        # properties
        handled.add("properties")
        o_props, n_props = o.get("properties", {}), n.get("properties", {})
        for member in sorted(set(o_props) - set(n_props)):
            if _unconstrained(o_props[member]):
                # A declaration that constrained nothing (a mode rule naming a member typed
                # elsewhere): removing it changes no verdict.
                self.changes.append(Change(where, f"unconstrained {member!r} undeclared", False))
            else:
                self.add(where, f"member {member!r} removed", True, negated)
        for member in sorted(set(n_props) - set(o_props)):
            # Declaring a member is never counted as breaking: an unconstrained declaration
            # changes nothing, and a typed one is what the replay of real outputs judges.
            self.changes.append(Change(where, f"member {member!r} declared", False))
        for member in sorted(set(o_props) & set(n_props)):
            self.schema(o_props[member], n_props[member], f"{where}.{member}", negated)
        # single subschemas: absent means "anything"
        for key in _SUBSCHEMA_ONE:
            handled.add(key)
            if key in o or key in n:
                self.schema(o.get(key, True), n.get(key, True), f"{where}/{key}", negated)
        # $defs matter only where a $ref uses them, and are compared there.
        handled.add("$defs")
        for key in ("patternProperties", "dependentSchemas"):
            handled.add(key)
            o_map, n_map = o.get(key, {}), n.get(key, {})
            for name in sorted(set(o_map) & set(n_map)):
                self.schema(o_map[name], n_map[name], f"{where}/{key}/{name}", negated)
            for name in sorted(set(n_map) - set(o_map)):
                self.add(where, f"{key} {name!r} added", True, negated)
        # combinators
        handled.update({"allOf", "anyOf", "oneOf", "prefixItems"})
        self._list("allOf", o, n, where, negated, extra_narrows=True)
        self._list("prefixItems", o, n, where, negated, extra_narrows=True)
        if not self._finite_domains(o, n, where, negated):
            self._list("anyOf", o, n, where, negated, extra_narrows=False)
        self._list("oneOf", o, n, where, negated, extra_narrows=False)
        handled.add("not")
        if "not" in o and "not" in n:
            self.schema(o["not"], n["not"], f"{where}/not", not negated)
        elif "not" in o:
            self.add(where, "negated rule removed", False, negated)
        elif "not" in n:
            self.add(where, "negated rule added", True, negated)
        handled.add("if")
        if o.get("if") != n.get("if"):
            self.add(where, "condition (if) changed", True)
        handled.add("$ref")
        for key in sorted((set(o) | set(n)) - handled):
            if o.get(key) != n.get(key):
                self.add(where, f"keyword {key!r} changed (not judged: counted as breaking)",
                         True)

    def _finite_domains(self, o: dict[str, Any], n: dict[str, Any], where: str,
                        negated: bool) -> bool:
        """Compare two ``anyOf``s of finite domains (enums, consts, booleans, null) by the
        values they accept, not part by part: regrouping the same values (the lenient booleans
        split into true and false forms) is no change. ``False`` when either is not finite."""
        if "anyOf" not in o or "anyOf" not in n:
            return False
        old_values = _finite_values(self.old, {"anyOf": o["anyOf"]})
        new_values = _finite_values(self.new, {"anyOf": n["anyOf"]})
        if old_values is None or new_values is None:
            return False
        lost = sorted(old_values - new_values)
        gained = sorted(new_values - old_values)
        if lost:
            self.add(where, f"values no longer accepted: {', '.join(lost)}", True, negated)
        if gained:
            self.add(where, f"values now accepted: {', '.join(gained)}", False, negated)
        return True

    def _list(self, key: str, o: dict[str, Any], n: dict[str, Any], where: str, negated: bool,
              extra_narrows: bool) -> None:
        o_list, n_list = o.get(key, []), n.get(key, [])
        for index in range(min(len(o_list), len(n_list))):
            self.schema(o_list[index], n_list[index], f"{where}/{key}/{index}", negated)
        for index in range(len(n_list), len(o_list)):
            self.add(where, f"{key} part {index} removed", not extra_narrows, negated)
        for index in range(len(o_list), len(n_list)):
            if not _unconstrained(n_list[index]):
                self.add(where, f"{key} part {index} added", extra_narrows, negated)

    # -- operations ------------------------------------------------------------------------

    def document(self) -> None:
        old_paths, new_paths = self.old.get("paths", {}), self.new.get("paths", {})
        for path in sorted(set(old_paths) - set(new_paths)):
            self.add(path, "path removed", True)
        for path in sorted(set(new_paths) - set(old_paths)):
            self.add(path, "path added", False)
        for path in sorted(set(old_paths) & set(new_paths)):
            o_item, _ = _resolve(self.old, old_paths[path])
            n_item, _ = _resolve(self.new, new_paths[path])
            for method in _METHODS:
                where = f"{method.upper()} {path}"
                if method in o_item and method not in n_item:
                    self.add(where, "operation removed", True)
                elif method in n_item and method not in o_item:
                    self.add(where, "operation added", False)
                elif method in o_item:
                    self.operation(o_item, n_item, method, where)
        if self.old.get("info", {}).get("description") != self.new.get("info", {}).get(
            "description"
        ):
            self.add("info", "description reworded", False)

    def operation(self, o_item: dict[str, Any], n_item: dict[str, Any], method: str,
                  where: str) -> None:
        o, n = o_item[method], n_item[method]
        for key in ("summary", "description"):
            if o.get(key) != n.get(key):
                self.add(where, f"{key} reworded", False)
        o_sec = o.get("security", self.old.get("security"))
        n_sec = n.get("security", self.new.get("security"))
        if o_sec != n_sec:
            self.add(where, f"security changed from {o_sec} to {n_sec}", True)
        for key in sorted({k for k in (*o, *n) if k.startswith("x-")}):
            if o.get(key) != n.get(key):
                self.add(where, f"{key} changed from {o.get(key)!r} to {n.get(key)!r}", True)
        self.parameters(o_item, n_item, o, n, where)
        self.request_body(o, n, where)
        self.responses(o, n, where)

    def parameters(self, o_item: dict[str, Any], n_item: dict[str, Any], o: dict[str, Any],
                   n: dict[str, Any], where: str) -> None:
        def index(doc: dict[str, Any], item: dict[str, Any], op: dict[str, Any]) -> dict:
            out = {}
            for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
                parameter, _ = _resolve(doc, raw)
                out[(parameter.get("in"), parameter.get("name"))] = parameter
            return out

        o_params, n_params = index(self.old, o_item, o), index(self.new, n_item, n)
        for key in sorted(set(o_params) - set(n_params)):
            self.add(where, f"{key[0]} parameter {key[1]!r} removed", True)
        for key in sorted(set(n_params) - set(o_params)):
            self.add(where, f"{key[0]} parameter {key[1]!r} added"
                     + (" as required" if n_params[key].get("required") else ""),
                     bool(n_params[key].get("required")))
        for key in sorted(set(o_params) & set(n_params)):
            op_, np_ = o_params[key], n_params[key]
            if np_.get("required") and not op_.get("required"):
                self.add(where, f"{key[0]} parameter {key[1]!r} now required", True)
            self.schema(op_.get("schema", True), np_.get("schema", True),
                        f"{where} {key[0]} parameter {key[1]}")

    def _content(self, o: dict[str, Any], n: dict[str, Any], where: str) -> None:
        o_content, n_content = o.get("content", {}), n.get("content", {})
        for media in sorted(set(o_content) - set(n_content)):
            self.add(where, f"media type {media} removed", True)
        for media in sorted(set(n_content) - set(o_content)):
            self.add(where, f"media type {media} added", False)
        for media in sorted(set(o_content) & set(n_content)):
            self.schema(o_content[media].get("schema", True), n_content[media].get("schema", True),
                        f"{where} {media}")

    def request_body(self, o: dict[str, Any], n: dict[str, Any], where: str) -> None:
        o_body, _ = _resolve(self.old, o.get("requestBody"))
        n_body, _ = _resolve(self.new, n.get("requestBody"))
        where = f"{where} request body"
        if o_body and not n_body:
            self.add(where, "request body removed", True)
        elif n_body and not o_body:
            self.add(where, "request body added", bool(n_body.get("required")))
        elif o_body and n_body:
            if n_body.get("required") and not o_body.get("required"):
                self.add(where, "now required", True)
            self._content(o_body, n_body, where)

    def responses(self, o: dict[str, Any], n: dict[str, Any], where: str) -> None:
        o_resp, n_resp = o.get("responses", {}), n.get("responses", {})
        for status in sorted(set(o_resp) - set(n_resp)):
            self.add(where, f"documented status {status} removed", True)
        for status in sorted(set(n_resp) - set(o_resp)):
            self.add(where, f"status {status} documented", False)
        for status in sorted(set(o_resp) & set(n_resp)):
            o_r, _ = _resolve(self.old, o_resp[status])
            n_r, _ = _resolve(self.new, n_resp[status])
            at = f"{where} {status}"
            if o_r.get("description") != n_r.get("description"):
                self.add(at, "description reworded", False)
            if o_r.get("content") and not n_r.get("content"):
                self.add(at, "body no longer described", True)
            elif n_r.get("content") and not o_r.get("content"):
                self.add(at, "body now described", True)
            else:
                self._content(o_r, n_r, at)
            o_h, n_h = o_r.get("headers", {}), n_r.get("headers", {})
            for header in sorted(set(o_h) - set(n_h)):
                self.add(at, f"header {header} removed", True)
            for header in sorted(set(n_h) - set(o_h)):
                n_header, _ = _resolve(self.new, n_h[header])
                self.add(at, f"header {header} documented", bool(n_header.get("required")))
            for header in sorted(set(o_h) & set(n_h)):
                o_header, _ = _resolve(self.old, o_h[header])
                n_header, _ = _resolve(self.new, n_h[header])
                self.schema(o_header.get("schema", True), n_header.get("schema", True),
                            f"{at} header {header}")


# --- replay ----------------------------------------------------------------------------------


def _media(document: dict[str, Any]) -> Iterator[tuple[tuple[str, str, str, str], str, dict]]:
    """(path, method, status or "request", media type), JSON pointer of the schema, media."""
    for path, raw_item in document.get("paths", {}).items():
        item, _ = _resolve(document, raw_item)
        escaped = path.replace("~", "~0").replace("/", "~1")
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            base = f"#/paths/{escaped}/{method}"
            body, ref = _resolve(document, operation.get("requestBody"))
            if isinstance(body, dict):
                at = ref or f"{base}/requestBody"
                for media, content in body.get("content", {}).items():
                    pointer = f"{at}/content/{media.replace('/', '~1')}/schema"
                    yield (path, method, "request", media), pointer, content
            for status, raw in operation.get("responses", {}).items():
                response, ref = _resolve(document, raw)
                at = ref or f"{base}/responses/{status}"
                for media, content in response.get("content", {}).items():
                    pointer = f"{at}/content/{media.replace('/', '~1')}/schema"
                    yield (path, method, str(status), media), pointer, content


class _Judge:
    """Validators for every media schema of one document, by (path, method, status, media)."""

    def __init__(self, document: dict[str, Any], uri: str) -> None:
        resource = Resource(contents=document, specification=DRAFT202012)
        registry = Registry().with_resource(uri, resource)
        self.validators: dict[tuple[str, str, str, str], Draft202012Validator] = {}
        self.examples: list[tuple[tuple[str, str, str, str], str, Any]] = []
        pointers = [(key, pointer) for key, pointer, content in _media(document)
                    if "schema" in content]
        section = replay_key_section[0]
        if "ClusterSection" in document.get("components", {}).get("schemas", {}):
            pointers.append((replay_key_section, section))
        for key, pointer in pointers:
            self.validators[key] = Draft202012Validator(
                {"$ref": f"{uri}{pointer}"}, registry=registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        for key, _, content in _media(document):
            for name, raw in (content.get("examples") or {}).items():
                example, _ = _resolve(document, raw)
                if isinstance(example, dict) and "value" in example:
                    self.examples.append((key, f"example {name}", example["value"]))


def project_corpus() -> list[tuple[str, str, Any]]:
    """The real outputs the project keeps (``replcheck_spec.corpus``): (label, kind, body)."""
    from replcheck_spec import corpus

    return [(output.file, output.kind, output.body) for output in corpus.outputs()
            if output.kind in REPLAY_KEYS]


def _replay(old: dict[str, Any], new: dict[str, Any],
            corpus: list[tuple[str, str, Any]]) -> list[Change]:
    old_judge, new_judge = _Judge(old, "urn:replcheck:old"), _Judge(new, "urn:replcheck:new")
    samples = [*old_judge.examples, *new_judge.examples]
    samples += [(REPLAY_KEYS[kind], f"corpus {name}", value) for name, kind, value in corpus]
    changes = []
    seen: set[tuple[tuple[str, str, str, str], str]] = set()
    for key, label, value in samples:
        marker = (key, json.dumps(value, sort_keys=True))
        if marker in seen or key not in old_judge.validators or key not in new_judge.validators:
            continue
        seen.add(marker)
        if not old_judge.validators[key].is_valid(value):
            continue
        errors = list(new_judge.validators[key].iter_errors(value))
        if errors:
            where = f"{key[1].upper()} {key[0]} {key[2]} {key[3]}".strip()
            first = min(errors, key=lambda e: len(e.absolute_path))
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path)
            changes.append(Change(
                where, f"{label} valid under the old document is rejected: ${path}: "
                f"{first.message}", True,
            ))
    return changes


def diff(old: dict[str, Any], new: dict[str, Any],
         corpus: list[tuple[str, str, Any]] | None = None) -> list[Change]:
    """Every change from ``old`` to ``new`` (bundled documents), structure then replay of the
    examples and of ``corpus``: (label, kind, body) with kind ``status`` or ``section``."""
    walker = _Walker(old, new)
    walker.document()
    unique = sorted(set(walker.changes), key=lambda c: (not c.breaking, c.where, c.what))
    return unique + _replay(old, new, corpus or [])

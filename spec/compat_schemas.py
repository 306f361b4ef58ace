"""How two JSON Schemas differ, keyword by keyword (the structural pass of ``compat``).

Schemas are compared after following ``$ref``s and merging ``allOf`` parts that do not
overlap, so a schema that was only reorganised compares equal; an ``anyOf`` of finite domains
(enums, consts, booleans, null) is compared by the values it accepts. Inside ``not`` the roles
swap (narrowing a negated rule widens the schema). A change the walk cannot judge (an ``if``
condition, an unknown keyword) counts as breaking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["Change", "SchemaWalker", "resolve"]

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


@dataclass(frozen=True, order=True)
class Change:
    """One difference between the old and the new document."""

    where: str
    what: str
    breaking: bool

    def __str__(self) -> str:
        return f"{'breaking' if self.breaking else 'ok':9} {self.where}: {self.what}"


def resolve(document: dict[str, Any], node: Any) -> tuple[Any, str | None]:
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
        part, _ = resolve(document, part)
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


def _widen(types: set[str]) -> set[str]:
    """A type set with ``integer`` added where ``number`` is (a number may be an integer)."""
    return types | ({"integer"} if "number" in types else set())


def _unconstrained(schema: Any) -> bool:
    if schema is True:
        return True
    return isinstance(schema, dict) and all(k in _ANNOTATIONS for k in schema)


def _implied_by(old: dict[str, Any], part: Any) -> bool:
    """Whether every object valid under ``old`` matches ``part``: a part that only requires
    members (annotations aside) that ``old`` requires."""
    if not isinstance(part, dict) or "required" not in part:
        return False
    others = set(part) - {"required"} - _ANNOTATIONS
    return not others and set(part["required"]) <= set(old.get("required", []))


def _types(schema: dict[str, Any]) -> set[str] | None:
    value = schema.get("type")
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


_FINITE_TYPES = {"boolean": (True, False), "null": (None,)}


def _finite_values(document: dict[str, Any], schema: Any) -> set[str] | None:
    """The values a schema accepts, as JSON texts, when they are few enough to list (an
    ``enum``, a ``const``, ``boolean`` or ``null``, or an ``anyOf`` of such); else ``None``."""
    schema, _ = resolve(document, schema)
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


class SchemaWalker:
    """Walks two schemas side by side and records each ``Change``."""

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
        o, _ = resolve(self.old, o)
        n, _ = resolve(self.new, n)
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
                lost = _widen(ot) - _widen(nt)
                if lost:
                    self.add(where, f"type narrowed: {sorted(lost)} no longer accepted", True,
                             negated)
                if _widen(nt) - _widen(ot):
                    self.add(where, f"type widened: {sorted(_widen(nt) - _widen(ot))} accepted",
                             False, negated)
        # enum / const
        handled.update({"enum", "const"})
        if "enum" in n and "enum" not in o:
            self.add(where, f"enum {n['enum']} added", True, negated)
        elif "enum" in o and "enum" not in n:
            self.add(where, "enum removed", False, negated)
        elif "enum" in o:
            lost_values = [v for v in o["enum"] if v not in n["enum"]]
            gained_values = [v for v in n["enum"] if v not in o["enum"]]
            if lost_values:
                self.add(where, f"enum narrowed: {lost_values} no longer accepted", True, negated)
            if gained_values:
                self.add(where, f"enum widened: {gained_values} accepted", False, negated)
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
        for key in ("anyOf", "oneOf"):
            if key in n and key not in o:
                self._alternation_added(key, o, n, where, negated)
            elif key in o and key not in n:
                self.add(where, f"{key} removed", False, negated)
            elif key == "oneOf" or not self._finite_domains(o, n, where, negated):
                self._list(key, o, n, where, negated, extra_narrows=False)
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

    def _alternation_added(self, key: str, o: dict[str, Any], n: dict[str, Any], where: str,
                           negated: bool) -> None:
        """An ``anyOf``/``oneOf`` where there was none is a new rule: it narrows, unless (for
        ``anyOf``) one of its parts only requires members the old schema already required, so
        that every old-valid object still matches it. That is how a required member becomes
        "required unless ..." (a secondary carries ``last_remote_wal`` unless it is idle)."""
        implied = key == "anyOf" and any(_implied_by(o, part) for part in n[key])
        if implied:
            self.add(where, f"{key} added, one part implied by the old schema", False, negated)
        else:
            self.add(where, f"{key} added (a new rule)", True, negated)

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

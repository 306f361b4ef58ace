"""Value domains of the contract, read from the schema files: the one place they are stated.

The reference server, the conformance checks and the judges ask here for what a value may be
(a replication mode, a reindex stage, a string holding an integer, a timestamp, an error body,
a boolean as Vault decodes it) instead of writing the values or patterns again in Python, so a
change to a schema reaches both sides at once and the two can never drift apart.

A domain is named by a reference into a schema file, ``file.json#/json/pointer`` (the pointer
may be empty: the whole schema). ``validator`` checks a value against such a sub-schema with
every other schema resolvable (formats asserted); ``enum`` lists what it enumerates; the named
accessors below are the domains the code uses. Everything is computed once and cached.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any, TypeVar

from jsonschema import Draft202012Validator

from replcheck.spec import registry, schema

__all__ = [
    "ERROR_BODY",
    "INTEGER_STRING",
    "INTEGER_STRING_DOMAINS",
    "LENIENT_FALSE",
    "LENIENT_TRUE",
    "TIMESTAMP",
    "UNSIGNED_INTEGER_STRING",
    "WAL_COUNTER",
    "conforms",
    "connection_states",
    "connection_statuses",
    "enum",
    "integer_string_members",
    "lenient_bool",
    "lenient_boolean_forms",
    "member",
    "mode_shapes",
    "modes",
    "primary_states",
    "reindex_flags",
    "reindex_stages",
    "secondary_states",
    "sections",
    "shaped_modes",
    "validator",
    "wal_counters",
]

#: A base-10 integer carried in a JSON string (``"-1"``, never ``"007"``).
INTEGER_STRING = "peer.json#/$defs/integerString"
#: An RFC 3339 date-time with a zone designator, as Go's ``time.RFC3339`` prints it.
TIMESTAMP = "peer.json#/$defs/timestamp"
#: The body of every answer with status >= 400: ``{"errors": [string, ...]}``.
ERROR_BODY = "error-response.json"
#: The forms Vault's weak decode reads as true, and as false (``reindex-request.json``).
LENIENT_TRUE = "reindex-request.json#/$defs/lenientTrue"
LENIENT_FALSE = "reindex-request.json#/$defs/lenientFalse"

_SECTION = "cluster-section.json"
_Value = TypeVar("_Value")


def _split(ref: str) -> tuple[str, list[str]]:
    file_name, _, pointer = ref.partition("#")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/") if p]
    return file_name, parts


@cache
def _node(ref: str) -> Any:
    file_name, parts = _split(ref)
    node: Any = schema(file_name)
    for part in parts:
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError):
            raise KeyError(f"no sub-schema {ref!r}") from None
    return node


@cache
def validator(ref: str) -> Draft202012Validator:
    """A validator for the sub-schema at ``ref`` (``peer.json#/$defs/integerString``).

    References inside it resolve against every schema of the spec; formats are asserted.
    """
    _node(ref)  # a wrong reference fails here, with its name, not at the first validation
    file_name, _, pointer = ref.partition("#")
    base = schema(file_name)["$id"]
    return Draft202012Validator(
        {"$ref": f"{base}#{pointer}"},
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def conforms(ref: str, value: Any) -> bool:
    """Whether ``value`` is in the domain of the sub-schema at ``ref``."""
    return bool(validator(ref).is_valid(value))


@cache
def enum(ref: str) -> tuple[Any, ...]:
    """The values the sub-schema at ``ref`` enumerates (its ``enum``, or its ``const``)."""
    node = _node(ref)
    if isinstance(node, dict) and "enum" in node:
        return tuple(node["enum"])
    if isinstance(node, dict) and "const" in node:
        return (node["const"],)
    raise KeyError(f"{ref!r} enumerates nothing (no enum, no const)")


def member(ref: str, value: _Value) -> _Value:
    """``value``, after checking that the domain at ``ref`` enumerates it.

    For code that picks one value of a domain (a default, a state it moves to): the choice is
    the code's, the domain is the spec's, and a value the spec drops fails at import.
    """
    if not any(_same(value, allowed) for allowed in enum(ref)):
        raise ValueError(f"{value!r} is not one of {ref}: {list(enum(ref))}")
    return value


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


# --- the domains of the status document ---------------------------------------------------

def sections() -> tuple[str, ...]:
    """The replication sections of Vault Enterprise's status, ``dr`` and ``performance``."""
    return tuple(_node("status-response.json#/$defs/enterprise")["required"])


def modes() -> tuple[str, ...]:
    """Every ``mode`` a cluster section may report."""
    return tuple(enum(f"{_SECTION}#/properties/mode"))


def _mode_rules() -> Iterator[str]:
    for rule in _node(f"{_SECTION}#/allOf"):
        mode = rule.get("if", {}).get("properties", {}).get("mode", {})
        if "const" in mode:
            yield mode["const"]


@cache
def shaped_modes() -> tuple[str, ...]:
    """The modes whose section shape the spec states (its per-mode ``if``/``then`` rules)."""
    return tuple(_mode_rules())


@cache
def mode_shapes() -> dict[str, tuple[str, ...]]:
    """Per mode, the named sub-schemas its section must match (the ``$ref``s the mode's rule
    names in its ``then``): ``{"secondary": ("cluster-section.json#/$defs/secondary",
    "cluster-section.json#/$defs/notPrimary"), ...}``."""
    shapes: dict[str, tuple[str, ...]] = {}
    for rule in _node(f"{_SECTION}#/allOf"):
        mode = rule.get("if", {}).get("properties", {}).get("mode", {})
        if "const" not in mode:
            continue
        then = rule.get("then", {})
        parts = then.get("allOf", [then])
        shapes[mode["const"]] = tuple(
            _absolute(part["$ref"], _SECTION) for part in parts if "$ref" in part
        )
    return shapes


def primary_states() -> tuple[str, ...]:
    return enum(f"{_SECTION}#/$defs/primary/properties/state")


def secondary_states() -> tuple[str, ...]:
    return enum(f"{_SECTION}#/$defs/secondary/properties/state")


def connection_states() -> tuple[str, ...]:
    """A secondary's ``connection_state`` (its gRPC connection to the primary)."""
    return enum(f"{_SECTION}#/properties/connection_state")


def connection_statuses() -> tuple[str, ...]:
    """A peer's ``connection_status``: connected first, then disconnected."""
    return enum("peer.json#/properties/connection_status")


def reindex_stages() -> tuple[str, ...]:
    """The ``reindex_stage`` values, in the order a reindex passes through them."""
    return enum(f"{_SECTION}#/properties/reindex_stage")


def _members_of(ref: str, *domains_: str) -> tuple[str, ...]:
    """The members of the object schema at ``ref`` whose schema is one of ``domains_`` (each a
    reference as the schema files write it, ``#/$defs/walCounter`` or
    ``peer.json#/$defs/integerString``)."""
    file_name, _, pointer = ref.partition("#")
    wanted = {_absolute(d, file_name) for d in domains_}
    properties = _node(f"{file_name}#{pointer}/properties")
    return tuple(
        name for name, member in properties.items()
        if isinstance(member, dict) and _absolute(str(member.get("$ref", "")), file_name) in wanted
    )


def _absolute(ref: str, file_name: str) -> str:
    """A schema reference written in ``file_name``, as ``file.json#/pointer``."""
    target, _, pointer = ref.partition("#")
    return f"{target or file_name}#{pointer}"


#: A WAL index (an unsigned 64-bit integer): the domain of every WAL counter.
WAL_COUNTER = f"{_SECTION}#/$defs/walCounter"
#: A non-negative integer in a string (``last_reindex_epoch``).
UNSIGNED_INTEGER_STRING = f"{_SECTION}#/$defs/unsignedIntegerString"
#: The domains of the members Vault encodes as strings of integers.
INTEGER_STRING_DOMAINS = (INTEGER_STRING, UNSIGNED_INTEGER_STRING)


@cache
def wal_counters() -> tuple[str, ...]:
    """The WAL counters of a cluster section (``last_wal``, ``last_remote_wal``, ...): its
    members whose schema is ``walCounter``."""
    return _members_of(_SECTION, WAL_COUNTER)


@cache
def integer_string_members() -> dict[str, tuple[str, ...]]:
    """The members Vault encodes as strings of integers, per object: ``section`` (a cluster
    section) and ``peer`` (an entry of ``secondaries``/``primaries``)."""
    return {
        "section": _members_of(_SECTION, *INTEGER_STRING_DOMAINS),
        "peer": _members_of("peer.json", *INTEGER_STRING_DOMAINS),
    }


# --- booleans as Vault decodes them ---------------------------------------------------------

def _typed(values: tuple[Any, ...]) -> frozenset[tuple[type, Any]]:
    # Keyed by type too: in Python True == 1 and hash(True) == hash(1), in JSON they differ.
    return frozenset((type(v), v) for v in values)


@cache
def _lenient() -> tuple[frozenset[tuple[type, Any]], frozenset[tuple[type, Any]]]:
    return _typed(enum(LENIENT_TRUE)), _typed(enum(LENIENT_FALSE))


def lenient_bool(value: Any) -> bool | None:
    """``True``/``False`` for a form Vault decodes as that bool, ``None`` for any other value.

    The forms are the spec's (``reindex-request.json#/$defs/lenientTrue`` and
    ``lenientFalse``): JSON booleans, the numbers 1 and 0, the strings Go's
    ``strconv.ParseBool`` knows, and the empty string (false). JSON ``null`` is not a form: a
    null member counts as absent. A string alone (a query parameter) is judged the same way.
    """
    key = (type(value), value)
    try:
        true, false = _lenient()
        if key in true:
            return True
        if key in false:
            return False
    except TypeError:  # an unhashable value (a list, an object) is no boolean
        pass
    return None


@cache
def reindex_flags() -> tuple[str, ...]:
    """The members of a reindex request body (``diff``, ``force``, ``skip_flush``): each one a
    lenient boolean."""
    properties = _node("reindex-request.json#/properties")
    return tuple(
        name for name, member in properties.items()
        if str(member.get("$ref", "")).endswith("#/$defs/lenientBoolean")
    )


def lenient_boolean_forms() -> tuple[Any, ...]:
    """Every value a lenient boolean field accepts: the true forms, the false forms, null."""
    return (*enum(LENIENT_TRUE), *enum(LENIENT_FALSE), None)

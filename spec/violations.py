"""Readable schema violations: each with the JSON path of the offending value and one sentence.

jsonschema reports a failed ``oneOf``/``anyOf`` as one error about the whole object. A person
wants the leaf: ``$.data.dr.cluster_id: 'x' is not a UUID``. This module descends into the
branch that got furthest into the document and words the ``not``-required rules the schemas use
for mode-dependent shapes ("a disabled section must not carry cluster_id").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from jsonschema.exceptions import ValidationError

from replcheck.spec import registry, validator

__all__ = ["Violation", "violations"]

_MAX_VALUE_CHARS = 80


@dataclass(frozen=True, order=True)
class Violation:
    """One way a document breaks its schema."""

    path: str
    message: str
    schema_path: str
    #: The named sub-schemas the failing keyword lies in, outermost first, each as
    #: ``file.json#/pointer`` (``cluster-section.json#/$defs/secondary``): every ``$ref`` the
    #: validation followed to reach it. Which requirement a violation belongs to is read here.
    within: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def json_path(parts: Iterable[Any]) -> str:
    """``["data", "dr", "secondaries", 0]`` → ``$.data.dr.secondaries[0]``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _short(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 3] + "..."


def _forbidden_members(error: ValidationError) -> list[str] | None:
    """For ``not: {anyOf: [{required: [m]}, ...]}``: the members present that are forbidden."""
    negated = error.validator_value
    if not isinstance(negated, dict) or not isinstance(error.instance, dict):
        return None
    branches = negated.get("anyOf")
    if not isinstance(branches, list) or not all("required" in b for b in branches):
        return None
    return sorted({m for b in branches for m in b["required"] if m in error.instance})


def _form_name(schema: Any) -> str:
    """What a schema describes, from the first clause of its description."""
    description = schema.get("description", "") if isinstance(schema, dict) else ""
    clause = description.split(":", 1)[0].split(".", 1)[0].strip()
    return clause[0].lower() + clause[1:] if clause else "any of the allowed forms"


def _message(error: ValidationError) -> str:
    if error.validator == "not":
        members = _forbidden_members(error)
        if members:
            mode = error.instance.get("mode") if isinstance(error.instance, dict) else None
            who = f"a {mode!r} section" if mode else "this object"
            return f"{who} must not carry {', '.join(members)}"
        return f"{_short(error.instance)} matches a shape it must not have"
    if error.validator in {"oneOf", "anyOf"}:
        if error.validator == "oneOf" and not error.context:
            return f"{_short(error.instance)} matches more than one of the allowed shapes"
        return f"{_short(error.instance)} is not {_form_name(error.schema)}"
    if error.validator == "format":
        return f"{_short(error.instance)} is not a valid {error.validator_value}"
    if error.validator == "pattern":
        return f"{_short(error.instance)} does not match {error.validator_value}"
    if error.validator == "type":
        return f"{_short(error.instance)} is not of type {_short(error.validator_value)}"
    if error.validator == "enum":
        return f"{_short(error.instance)} is not one of {_short(error.validator_value)}"
    if error.validator == "const":
        return f"{_short(error.instance)} is not {_short(error.validator_value)}"
    return error.message


def _depth(error: ValidationError) -> int:
    return len(error.absolute_path)


def _branches(error: ValidationError) -> list[list[ValidationError]]:
    grouped: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        grouped.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
    return list(grouped.values())


def _missing_alone(error: ValidationError, branches: list[list[ValidationError]]) -> list[
        ValidationError]:
    """For an ``anyOf`` of "carry this member, or be in that state" (a secondary carries
    ``last_remote_wal`` unless it is idle): the missing member, when one branch failed only
    because of it and the others only on a state's value. Naming the member says more than
    naming the state the object is not in."""
    missing = [
        errs for errs in branches
        if all(e.validator == "required" and _depth(e) == _depth(error) for e in errs)
    ]
    others = [e for errs in branches if errs not in missing for e in errs]
    states = others and all(e.validator in {"const", "enum"} for e in others)
    return missing[0] if len(missing) == 1 and states else []


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors to show for a failed alternation (anyOf/oneOf): those of the branch that got
    deepest into the document, or, at equal depth, of the one branch that failed least. When
    no branch stands out, the alternation itself (a value that fits none of several forms)."""
    branches = _branches(error) if error.validator in {"anyOf", "oneOf"} else []
    if branches and error.validator == "anyOf" and _missing_alone(error, branches):
        yield from _missing_alone(error, branches)
        return
    if branches:
        ranked = sorted(branches, key=lambda errs: (-max(map(_depth, errs)), len(errs)))
        best = ranked[0]
        deeper = max(map(_depth, best)) > _depth(error)
        runner_up = ranked[1] if len(ranked) > 1 else None
        clearer = runner_up is None or (
            max(map(_depth, best)) == max(map(_depth, runner_up)) and len(best) < len(runner_up)
        )
        if deeper or clearer:
            for sub in best:
                yield from _leaves(sub)
            return
    yield error


def _ref_name(uri: str) -> str:
    """``https://replcheck.dev/spec/schemas/peer.json#/$defs/x`` → ``peer.json#/$defs/x``."""
    document, _, pointer = uri.partition("#")
    return f"{document.rsplit('/', 1)[-1]}#{pointer}"


def _within(root: Any, schema_path: Iterable[Any]) -> tuple[str, ...]:
    """The ``$ref``s crossed on the way down ``schema_path`` from ``root``. jsonschema leaves
    ``$ref`` out of the path it reports, so a step the current schema lacks is taken in the
    schema its ``$ref`` names."""
    crossed: list[str] = []
    resolver = registry().resolver()
    base, node = "", root
    for step in schema_path:
        while isinstance(node, dict) and step not in node and "$ref" in node:
            uri = urljoin(base, node["$ref"])
            resolved = resolver.lookup(uri)
            crossed.append(_ref_name(uri))
            base, node, resolver = uri.partition("#")[0], resolved.contents, resolved.resolver
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return tuple(crossed)


def violations(kind: str, document: Any) -> list[Violation]:
    """Every violation of ``document`` against the schema of ``kind``, leaves first, sorted."""
    found = set()
    checker = validator(kind)
    for error in checker.iter_errors(document):
        for leaf in _leaves(error):
            found.add(
                Violation(
                    path=json_path(leaf.absolute_path),
                    message=_message(leaf),
                    schema_path="/".join(str(p) for p in leaf.absolute_schema_path),
                    within=_within(checker.schema, leaf.absolute_schema_path),
                )
            )
    return sorted(found)

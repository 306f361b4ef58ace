"""Breaking-change detection between two versions of the contract (``replcheck spec diff``).

The contract judges servers, so a change is *breaking* when a server that passed under the old
document could fail under the new one: a removed path, operation or documented status; a
narrowed type, enum, pattern, format or range; a newly required member, parameter or body; a
new ``anyOf``/``oneOf`` rule (unless one ``anyOf`` part asks only what was required before); a
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
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from replcheck import spec
from replcheck.spec.compat_documents import METHODS, DocumentWalker
from replcheck.spec.compat_schemas import Change, resolve

__all__ = ["REPLAY_KEYS", "Change", "SpecSourceError", "diff", "load_document",
           "project_corpus"]

#: Where a captured ``GET sys/replication/status`` answer is replayed (path, method, status,
#: media type): the only real output of the API a corpus holds.
replay_key_status = ("/sys/replication/status", "get", "200", "application/json")
#: Where a captured cluster section (one ``dr`` or ``performance`` member) is replayed: the
#: component schema of that name.
replay_key_section = ("#/components/schemas/ClusterSection", "", "", "")

#: The kinds of real output a corpus sample can be (``replcheck.spec.corpus`` kinds).
REPLAY_KEYS = {"status": replay_key_status, "section": replay_key_section}


class SpecSourceError(Exception):
    """A document to compare could not be read; the message is one sentence."""


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
        return "current", spec.bundled_openapi()
    if source in spec.released_versions():
        return f"released {source}", spec.released_openapi(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(["current", *spec.released_versions()])
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


# --- replay ----------------------------------------------------------------------------------


def _media(
    document: dict[str, Any],
) -> Iterator[tuple[tuple[str, str, str, str], str, dict[str, Any]]]:
    """(path, method, status or "request", media type), JSON pointer of the schema, media."""
    for path, raw_item in document.get("paths", {}).items():
        item, _ = resolve(document, raw_item)
        escaped = path.replace("~", "~0").replace("/", "~1")
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            base = f"#/paths/{escaped}/{method}"
            body, ref = resolve(document, operation.get("requestBody"))
            if isinstance(body, dict):
                at = ref or f"{base}/requestBody"
                for media, content in body.get("content", {}).items():
                    pointer = f"{at}/content/{media.replace('/', '~1')}/schema"
                    yield (path, method, "request", media), pointer, content
            for status, raw in operation.get("responses", {}).items():
                response, ref = resolve(document, raw)
                at = ref or f"{base}/responses/{status}"
                for media, content in response.get("content", {}).items():
                    pointer = f"{at}/content/{media.replace('/', '~1')}/schema"
                    yield (path, method, str(status), media), pointer, content


class _Judge:
    """Validators for every media schema of one document, by (path, method, status, media)."""

    def __init__(self, document: dict[str, Any], uri: str) -> None:
        resource = DRAFT202012.create_resource(document)
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
                example, _ = resolve(document, raw)
                if isinstance(example, dict) and "value" in example:
                    self.examples.append((key, f"example {name}", example["value"]))


def project_corpus() -> list[tuple[str, str, Any]]:
    """The real outputs the project keeps (``replcheck.spec.corpus``): (label, kind, body)."""
    from replcheck.spec import corpus

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
    walker = DocumentWalker(old, new)
    walker.document()
    unique = sorted(set(walker.changes), key=lambda c: (not c.breaking, c.where, c.what))
    return unique + _replay(old, new, corpus or [])

"""One schema as a single self-contained JSON Schema document (a compound schema document).

The files in ``schemas/`` refer to each other by relative ``$ref`` (``peer.json``), resolved
against their ``$id``s. A consumer who takes one file alone (``check-jsonschema --schemafile``)
would have to fetch the others from those ``$id``s. Here every schema a document refers to,
directly or not, is embedded under its ``$defs`` with its own ``$id``, as JSON Schema 2020-12's
bundling rules describe: the references stay as written and resolve to the embedded resources,
so no validator needs a network or the other files.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["external_refs", "standalone"]


def external_refs(node: Any) -> set[str]:
    """File names the ``$ref``s in ``node`` point to (``peer.json#/...`` → ``peer.json``)."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = ref.partition("#")[0]
            if target:
                found.add(target.rsplit("/", 1)[-1])
        for value in node.values():
            found |= external_refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= external_refs(item)
    return found


def standalone(root: dict[str, Any], load: Any) -> dict[str, Any]:
    """``root`` with every schema it needs embedded under ``$defs``, keyed by file stem.

    ``load(file_name)`` returns a schema document of the same folder. A ``$defs`` key of
    ``root`` that collides with an embedded file's stem is an error: the spec must rename one.
    """
    document = copy.deepcopy(root)
    defs: dict[str, Any] = document.setdefault("$defs", {})
    pending = sorted(external_refs(document))
    seen: set[str] = set()
    while pending:
        file_name = pending.pop(0)
        if file_name in seen:
            continue
        seen.add(file_name)
        embedded = copy.deepcopy(load(file_name))
        if embedded.get("$id") == document.get("$id"):
            continue
        embedded.pop("$schema", None)
        key = file_name.removesuffix(".json")
        if key in defs:
            raise ValueError(f"$defs/{key} of {document.get('$id')} collides with {file_name}")
        defs[key] = embedded
        pending.extend(sorted(external_refs(embedded) - seen))
    if not defs:
        del document["$defs"]
    return document

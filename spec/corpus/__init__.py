"""Real replication status outputs from public sources, with their provenance (``index.yaml``).

    from replcheck.spec import corpus
    for output in corpus.outputs():
        output.kind, output.file, output.body, output.source

``body`` is what validation judges: the file's JSON, with each placeholder a publisher put in
place of a redacted value replaced by the stand-in ``index.yaml`` declares (the file keeps the
placeholder); for a ``section`` output it is the section itself (the file's ``data``).
``schema`` names the schema the output must validate against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

#: The schema each kind of output is judged by (a kind of ``replcheck.spec.KINDS`` or a file).
SCHEMAS = {"status": "status", "section": "cluster-section.json"}


@dataclass(frozen=True)
class Output:
    file: str
    kind: str
    source: dict[str, Any]
    vault: str
    shows: str
    edits: str
    redacted: tuple[dict[str, Any], ...]
    published: Any
    body: Any

    @property
    def schema(self) -> str:
        return SCHEMAS[self.kind]


def corpus_dir() -> Path:
    return Path(str(resources.files(__name__)))


@cache
def index() -> dict[str, Any]:
    text = (corpus_dir() / "index.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _with_stand_ins(published: Any, redacted: tuple[dict[str, Any], ...]) -> Any:
    body = json.loads(json.dumps(published))
    for entry in redacted:
        *parents, last = entry["path"]
        node = body
        for key in parents:
            node = node[key]
        node[last] = entry["stand_in"]
    return body


def _load(entry: dict[str, Any]) -> Output:
    published = json.loads((corpus_dir() / entry["file"]).read_text(encoding="utf-8"))
    redacted = tuple(entry.get("redacted") or ())
    body = _with_stand_ins(published, redacted)
    if entry["kind"] == "section":
        body = body["data"]
    return Output(
        file=entry["file"], kind=entry["kind"], source=dict(entry["source"]),
        vault=entry["vault"], shows=entry["shows"], edits=entry["edits"], redacted=redacted,
        published=published, body=body,
    )


@cache
def outputs() -> tuple[Output, ...]:
    """Every output of the corpus, in the order of ``index.yaml``."""
    return tuple(_load(entry) for entry in index()["outputs"])


def files() -> list[str]:
    """The JSON files present under the corpus folder, relative to it."""
    root = corpus_dir()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.json"))

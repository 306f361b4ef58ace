"""A JSON body as HTML: pretty-printed, with the values at given JSON paths marked.

The paths are those of ``replcheck.spec.violations`` (``$.data.dr.secondaries[0].cluster_id``),
so a schema violation found by a check or a judge points at the value it is about. A path that
names no value of the document (a member that is missing is reported at its object) marks the
nearest value it names.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from replcheck.conformance.transport.exchange import visible
from replcheck.spec.violations import json_path

_INDENT = "  "
#: Bodies longer than this are shown as they came, cut at this length (a person will not read
#: a larger tree, and a hostile target's answer can be megabytes).
MAX_PRETTY_CHARS = 64 * 1024


def pretty_json_html(text: str, marked: tuple[str, ...] = ()) -> tuple[str, bool]:
    """``text`` as escaped HTML for a ``<pre>``: pretty-printed and marked when it is JSON of
    reasonable size, else as it came (controls escaped visibly). The second value says whether
    any marked path was found in the document."""
    try:
        if len(text) > MAX_PRETTY_CHARS:
            raise ValueError("too large to pretty-print")
        document = json.loads(text)
    except (ValueError, RecursionError):
        if len(text) > MAX_PRETTY_CHARS:  # cut first: a body can be megabytes
            cut = visible(text[:MAX_PRETTY_CHARS], lines=True)
            return escape(cut) + f"\n... ({len(text)} characters in all)", False
        return escape(visible(text, lines=True)), False
    present: set[str] = set()
    _collect(document, [], present)
    wanted = {_nearest(path, present) for path in marked}
    found: set[str] = set()
    out: list[str] = []
    _render(document, [], 0, wanted, found, out)
    return "".join(out), bool(found)


def _collect(value: Any, parts: list[Any], present: set[str]) -> None:
    present.add(json_path(parts))
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, [*parts, key], present)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect(item, [*parts, index], present)


_LAST_STEP = re.compile(r"(\.[^.\[]*|\[\d+\])$")


def _nearest(path: str, present: set[str]) -> str:
    """``path`` if the document has it, else its nearest ancestor that it has."""
    while path not in present and path != "$":
        shorter = _LAST_STEP.sub("", path)
        if shorter == path:
            return "$"
        path = shorter
    return path


def _scalar(value: Any) -> str:
    return escape(visible(json.dumps(value, ensure_ascii=False)))


def _render(
    value: Any,
    parts: list[Any],
    depth: int,
    wanted: set[str],
    found: set[str],
    out: list[str],
) -> None:
    path = json_path(parts)
    mark = path in wanted
    if mark:
        found.add(path)
        out.append(f"<mark data-json-path='{escape(path)}'>")
    pad = _INDENT * (depth + 1)
    if isinstance(value, dict) and value:
        out.append("{\n")
        for index, (key, item) in enumerate(value.items()):
            out.append(f"{pad}<span class='key'>{_scalar(key)}</span>: ")
            _render(item, [*parts, key], depth + 1, wanted, found, out)
            out.append(",\n" if index < len(value) - 1 else "\n")
        out.append(_INDENT * depth + "}")
    elif isinstance(value, list) and value:
        out.append("[\n")
        for index, item in enumerate(value):
            out.append(pad)
            _render(item, [*parts, index], depth + 1, wanted, found, out)
            out.append(",\n" if index < len(value) - 1 else "\n")
        out.append(_INDENT * depth + "]")
    else:
        out.append(_scalar(value))
    if mark:
        out.append("</mark>")

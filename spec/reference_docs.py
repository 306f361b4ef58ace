"""The contract as one self-contained HTML page (``replcheck spec --format html``).

Everything the page shows comes from the bundled document and ``requirements.yaml``: each
operation with its badges (``sudo`` from ``x-vault-sudo``, *unauthenticated* from
``security: []``, *DR operation token*, *root namespace* and *changes replication* from
the extensions of the same names), parameters, request body, responses, examples and the
requirements that judge it. The page carries its own style and no script, so it works offline
and from a file.
A small Jinja2 template was chosen over Redoc or Swagger UI: both need a JavaScript bundle of
about a megabyte, neither knows the Vault extensions, and neither shows the requirements.
"""

from __future__ import annotations

import fnmatch
import html
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from replcheck import spec
from replcheck.spec import Requirement

__all__ = ["Operation", "operations", "render_html"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass
class Operation:
    """One documented operation, resolved for display."""

    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    sudo: bool
    unauthenticated: bool
    parameters: list[dict[str, Any]]
    #: ``x-vault-dr-operation-token``: on a DR secondary, authorized by a DR operation token.
    dr_operation_token: bool
    #: ``x-vault-root-namespace-only``: served only in the root namespace.
    root_namespace_only: bool
    #: ``x-replcheck-changes-replication``: changes replication state; never fuzzed.
    changes_replication: bool
    request_body: dict[str, Any] | None
    responses: list[tuple[str, dict[str, Any]]]
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"op-{self.operation_id}"


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow a local ``$ref`` (``#/components/...``) to what it names."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _endpoints(requirement: Requirement) -> list[tuple[str, str]]:
    """``"POST /a, PUT /b"`` → ``[("POST", "/a"), ("PUT", "/b")]``; ``"*"`` → ``[]`` (all)."""
    out = []
    for entry in requirement.endpoint.split(","):
        method, _, path = entry.strip().partition(" ")
        if path:
            out.append((method, path))
    return out


def _applies(requirement: Requirement, method: str, path: str) -> bool:
    return any(
        (want == "*" or want.lower() == method) and fnmatch.fnmatchcase(path, pattern)
        for want, pattern in _endpoints(requirement)
    )


def operations(document: dict[str, Any] | None = None) -> list[Operation]:
    """Every operation of the (bundled) document in document order, with its requirements."""
    document = document or spec.bundled_openapi()
    default_security = document.get("security")
    out = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            security = operation.get("security", default_security)
            body = _resolve(document, operation.get("requestBody"))
            responses = [
                (status, _resolve(document, response))
                for status, response in operation.get("responses", {}).items()
            ]
            out.append(
                Operation(
                    method=method,
                    path=path,
                    operation_id=operation.get("operationId", f"{method}-{path}"),
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    sudo=operation.get("x-vault-sudo") is True,
                    unauthenticated=security == [],
                    parameters=[
                        _resolve(document, p) for p in [*shared, *operation.get("parameters", [])]
                    ],
                    dr_operation_token=operation.get("x-vault-dr-operation-token") is True,
                    root_namespace_only=operation.get("x-vault-root-namespace-only") is True,
                    changes_replication=operation.get("x-replcheck-changes-replication") is True,
                    request_body=body,
                    responses=responses,
                    requirements=[
                        r for r in spec.requirements() if _applies(r, method, path)
                    ],
                )
            )
    return out


_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


def markdown(text: str) -> Markup:
    """The little Markdown the spec's descriptions use: paragraphs, ``-`` lists, code, bold."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if lines and all(line.startswith(("- ", "  ")) for line in lines):
            items: list[str] = []
            for line in lines:
                if line.startswith("- "):
                    items.append(line[2:])
                else:
                    items[-1] += " " + line.strip()
            blocks.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        elif block.strip():
            blocks.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    # Every piece of text was escaped above; only the tags added here are markup.
    return Markup("\n".join(blocks))


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _schema_name(schema: Any) -> str:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else ""


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("replcheck.spec", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown
    env.filters["pretty"] = _pretty
    env.filters["schema_name"] = _schema_name
    return env


def render_html() -> str:
    """The reference page of the installed contract."""
    document = spec.bundled_openapi()
    ops = operations(document)
    covered = {r.id for op in ops for r in op.requirements}
    general = [r for r in spec.requirements() if r.id not in covered]
    return _environment().get_template("reference.html.j2").render(
        info=document["info"],
        servers=document.get("servers", []),
        operations=ops,
        general_requirements=general,
        topology_pending=spec.TOPOLOGY_PENDING,
        topology_unjudged=spec.TOPOLOGY_UNJUDGED,
        schemas=document.get("components", {}).get("schemas", {}),
    )

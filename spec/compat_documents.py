"""How two OpenAPI documents differ: paths, operations, parameters, bodies and responses.

The document-level half of ``compat``'s structural pass; every schema met on the way is
compared by ``compat_schemas.SchemaWalker``.
"""

from __future__ import annotations

from typing import Any

from replcheck.spec.compat_schemas import SchemaWalker, resolve

__all__ = ["METHODS", "DocumentWalker"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class DocumentWalker(SchemaWalker):
    """Walks two bundled documents side by side (``document()``), schemas included."""

    def document(self) -> None:
        old_paths, new_paths = self.old.get("paths", {}), self.new.get("paths", {})
        for path in sorted(set(old_paths) - set(new_paths)):
            self.add(path, "path removed", True)
        for path in sorted(set(new_paths) - set(old_paths)):
            self.add(path, "path added", False)
        for path in sorted(set(old_paths) & set(new_paths)):
            o_item, _ = resolve(self.old, old_paths[path])
            n_item, _ = resolve(self.new, new_paths[path])
            for method in METHODS:
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
        def index(doc: dict[str, Any], item: dict[str, Any],
                  op: dict[str, Any]) -> dict[tuple[str, str], Any]:
            out = {}
            for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
                parameter, _ = resolve(doc, raw)
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
        o_body, _ = resolve(self.old, o.get("requestBody"))
        n_body, _ = resolve(self.new, n.get("requestBody"))
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
            o_r, _ = resolve(self.old, o_resp[status])
            n_r, _ = resolve(self.new, n_resp[status])
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
                n_header, _ = resolve(self.new, n_h[header])
                self.add(at, f"header {header} documented", bool(n_header.get("required")))
            for header in sorted(set(o_h) & set(n_h)):
                o_header, _ = resolve(self.old, o_h[header])
                n_header, _ = resolve(self.new, n_h[header])
                self.schema(o_header.get("schema", True), n_header.get("schema", True),
                            f"{at} header {header}")

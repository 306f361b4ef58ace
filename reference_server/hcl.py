"""Parser for the subset of HCL that Vault ACL policies use.

Accepted::

    # comment            // comment            /* block comment */
    path "sys/replication/*" {
      capabilities = ["update", "sudo"]
    }
    path "secret/old" { policy = "read" }     # legacy shorthand, as Vault still accepts

plus the JSON form Vault also accepts (``{"path": {"x": {"capabilities": [...]}}}``).
Anything else (other top-level blocks, parameter constraints, wrapping TTLs, control groups) is
rejected with ``PolicyParseError`` naming the line, so a policy never half-applies.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

__all__ = ["CAPABILITIES", "PathRule", "PolicyParseError", "parse_policy"]

#: Capabilities a path rule may grant (``patch`` exists since Vault 1.9).
CAPABILITIES = ("create", "read", "update", "patch", "delete", "list", "sudo", "deny")

#: Vault's legacy ``policy = "..."`` values and the capabilities each stands for.
_LEGACY = {
    "deny": ("deny",),
    "read": ("read", "list"),
    "write": ("create", "read", "update", "delete", "list"),
    "sudo": ("create", "read", "update", "delete", "list", "sudo"),
}


class PolicyParseError(ValueError):
    """The policy text is outside the accepted subset; the message says where and why."""


@dataclass(frozen=True)
class PathRule:
    """One ``path`` block: a pattern and the capabilities it grants."""

    pattern: str
    capabilities: frozenset[str]


_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<punct>[{}\[\]=,])
    """,
    re.VERBOSE | re.DOTALL,
)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    line = 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise PolicyParseError(f"line {line}: unexpected character {text[pos]!r}")
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "string":
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise PolicyParseError(f"line {line}: malformed string {value}") from exc
        if kind not in ("ws", "comment"):
            out.append((kind, value, line))
        line += match.group().count("\n")
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _next(self, expected: str) -> tuple[str, str, int]:
        token = self._peek()
        if token is None:
            raise PolicyParseError(f"unexpected end of policy, expected {expected}")
        self.index += 1
        return token

    def _expect(self, kind: str, value: str | None, expected: str) -> tuple[str, str, int]:
        token = self._next(expected)
        if token[0] != kind or (value is not None and token[1] != value):
            raise PolicyParseError(f"line {token[2]}: expected {expected}, found {token[1]!r}")
        return token

    def parse(self) -> list[PathRule]:
        rules: list[PathRule] = []
        while (token := self._peek()) is not None:
            if token[0] != "ident" or token[1] != "path":
                raise PolicyParseError(
                    f"line {token[2]}: only 'path' blocks are supported, found {token[1]!r}"
                )
            self.index += 1
            _, pattern, _ = self._expect("string", None, "a quoted path after 'path'")
            self._expect("punct", "{", "'{'")
            rules.append(self._path_body(pattern))
        return rules

    def _path_body(self, pattern: str) -> PathRule:
        capabilities: set[str] = set()
        while True:
            token = self._next("'}'")
            if token[:2] == ("punct", "}"):
                return _rule(pattern, capabilities)
            kind, key, line = token
            if kind != "ident" or key not in ("capabilities", "policy"):
                raise PolicyParseError(
                    f"line {line}: unsupported setting {key!r} in path {pattern!r}; "
                    "only 'capabilities' (and legacy 'policy') are supported"
                )
            self._expect("punct", "=", "'=' after " + key)
            if key == "policy":
                _, value, vline = self._expect("string", None, "a quoted policy name")
                if value not in _LEGACY:
                    raise PolicyParseError(f"line {vline}: invalid policy value {value!r}")
                capabilities.update(_LEGACY[value])
            else:
                capabilities.update(self._string_list(line))

    def _string_list(self, line: int) -> list[str]:
        self._expect("punct", "[", "'[' to start the capabilities list")
        items: list[str] = []
        while True:
            token = self._next("']'")
            if token[:2] == ("punct", "]"):
                return items
            if token[0] != "string":
                raise PolicyParseError(f"line {token[2]}: expected a quoted capability")
            items.append(token[1])
            following = self._next("',' or ']'")
            if following[:2] == ("punct", "]"):
                return items
            if following[:2] != ("punct", ","):
                raise PolicyParseError(f"line {following[2]}: expected ',' or ']'")


def _rule(pattern: str, capabilities: set[str]) -> PathRule:
    unknown = sorted(capabilities - set(CAPABILITIES))
    if unknown:
        raise PolicyParseError(f"path {pattern!r}: invalid capability {unknown[0]!r}")
    if "*" in pattern[:-1]:
        raise PolicyParseError(f"path {pattern!r}: '*' is only allowed at the end of a path")
    return PathRule(pattern=pattern.lstrip("/"), capabilities=frozenset(capabilities))


def _parse_json(text: str) -> list[PathRule]:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise PolicyParseError(f"policy is neither HCL nor valid JSON: {exc}") from exc
    if not isinstance(raw, dict) or set(raw) - {"path"}:
        raise PolicyParseError("a JSON policy must be an object with only a 'path' member")
    paths = raw.get("path", {})
    if not isinstance(paths, dict):
        raise PolicyParseError("'path' must map path patterns to rules")
    rules = []
    for pattern, body in paths.items():
        if not isinstance(body, dict) or set(body) - {"capabilities", "policy"}:
            raise PolicyParseError(f"path {pattern!r}: only 'capabilities' is supported")
        caps = body.get("capabilities", [])
        if not isinstance(caps, list) or not all(isinstance(c, str) for c in caps):
            raise PolicyParseError(f"path {pattern!r}: 'capabilities' must be a list of strings")
        capabilities = set(caps)
        legacy = body.get("policy")
        if legacy is not None:
            if legacy not in _LEGACY:
                raise PolicyParseError(f"path {pattern!r}: invalid policy value {legacy!r}")
            capabilities.update(_LEGACY[legacy])
        rules.append(_rule(pattern, capabilities))
    return rules


def parse_policy(text: str) -> list[PathRule]:
    """Parse policy text (HCL subset or JSON) into path rules, in order of appearance."""
    if text.lstrip().startswith("{"):
        return _parse_json(text)
    return _Parser(text).parse()

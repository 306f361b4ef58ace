"""``-k EXPR``: choose checks by words, as pytest's ``-k`` does.

Each word matches, case-insensitively, as a substring of a check's id
(``REINDEX-SUDO::refuses_token_without_sudo``) or of its requirement's category; words combine
with ``and``, ``or``, ``not`` and parentheses. ``-k "reindex and not sudo"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from replcheck import spec

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_OPERATORS = {"and", "or", "not"}


class SelectionError(ValueError):
    """The expression cannot be parsed; the message quotes it."""


class Selection:
    def __init__(self, expression: str | None) -> None:
        self.expression = (expression or "").strip()
        self._tokens = _TOKEN.findall(self.expression)
        if self._tokens:
            self._evaluate(lambda word: True)  # reject a malformed expression up front

    def matches_text(self, text: str) -> bool:
        """Whether the expression holds of ``text`` (a word matches a substring, ignoring
        case): ``replcheck fleet -k`` on target names."""
        if not self._tokens:
            return True
        return self._evaluate(lambda word: word.lower() in text.lower())

    def matches(self, check_id: str, requirement: str) -> bool:
        if not self._tokens:
            return True
        category = spec.requirement(requirement).category
        haystack = f"{check_id} {category}".lower()
        return self._evaluate(lambda word: word.lower() in haystack)

    def _evaluate(self, test: Callable[[str], bool]) -> bool:
        position = 0
        tokens = self._tokens

        def peek() -> str | None:
            return tokens[position] if position < len(tokens) else None

        def take() -> str:
            nonlocal position
            position += 1
            token: str = tokens[position - 1]
            return token

        def expr() -> bool:
            value = term()
            while peek() == "or":
                take()
                value = term() or value
            return value

        def term() -> bool:
            value = factor()
            while peek() == "and":
                take()
                value = factor() and value
            return value

        def factor() -> bool:
            token = peek()
            if token is None:
                raise SelectionError(f"-k {self.expression!r} ends too early")
            if token == "not":
                take()
                return not factor()
            if token == "(":
                take()
                value = expr()
                if peek() != ")":
                    raise SelectionError(f"-k {self.expression!r} misses a ')'")
                take()
                return value
            if token in _OPERATORS or token == ")":
                raise SelectionError(f"-k {self.expression!r} has {token!r} where a word belongs")
            take()
            return bool(test(token))

        value = expr()
        if position != len(tokens):
            raise SelectionError(f"-k {self.expression!r} has {tokens[position]!r} left over")
        return value

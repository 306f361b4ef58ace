"""The forms a secret takes in text a target wrote, for the masker
(``replcheck.conformance.transport.masking``).

A hostile or careless target can echo a token in any form a body, a header or a URL can carry:
JSON ``\\uXXXX`` escapes of any of its characters (mixed with plain ones), JSON's short escapes,
percent-encoding, HTML character references, and any of these applied twice; or base64
(standard or URL-safe) of a text the token is part of, where the token starts at any of the
three byte alignments. This module gives the two halves of finding them:

- ``decoded_views``: the text with those escapes decoded (once, then twice), each character of
  a view knowing which span of the original text it came from, so that what is found in a view
  is masked in the original, whole escape sequences included;
- ``base64_cores``: the base64 characters that depend on the secret alone, at each alignment
  (what any base64 text that holds the secret contains, whatever came before and after it).
"""

from __future__ import annotations

import base64
import functools
import re
from bisect import bisect_right
from collections.abc import Iterator

#: Escape sequences by syntax: JSON's ``\\uXXXX`` and short escapes, percent-encoding, HTML's
#: numeric character references. A token is ASCII (it must be sendable in a header), so
#: decoding one byte of a percent-encoded UTF-8 sequence as Latin-1 never hides one.
_JSON = r"\\u(?P<unicode>[0-9a-fA-F]{4})|\\(?P<short>[\"\\/bfnrt])"
_PERCENT = r"%(?P<percent>[0-9a-fA-F]{2})"
_HTML = r"&#(?P<decimal>[0-9]{1,7});|&#[xX](?P<hexadecimal>[0-9a-fA-F]{1,6});"
#: Each syntax decoded alone (a token holding ``%41`` as written, echoed JSON-escaped, must not
#: be percent-decoded on the way), and all of them at once (a text mixing them).
_SYNTAXES = tuple(
    re.compile(pattern) for pattern in (_JSON, _PERCENT, _HTML, f"{_JSON}|{_PERCENT}|{_HTML}")
)
_SHORT = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
#: Decoding passes: once for a form written once (JSON, a URL), twice for a form encoded
#: twice (a JSON string holding JSON text, a percent-encoded percent).
PASSES = 2


#: Escape sequences decoded so far: a long text repeats few distinct ones.
_DECODED: dict[str, str] = {}
_DECODED_KEPT = 1 << 16


def _decoded(match: re.Match[str]) -> str:
    escape = match.group()
    char = _DECODED.get(escape)
    if char is not None:
        return char
    kind = match.lastgroup
    value = match.group(kind or 0)
    if kind == "short":
        char = _SHORT[value]
    else:
        number = int(value, 10 if kind == "decimal" else 16)
        char = chr(number) if number <= 0x10FFFF else "\ufffd"
    if len(_DECODED) < _DECODED_KEPT:
        _DECODED[escape] = char
    return char


class View:
    """A text with its escape sequences of one syntax decoded, and where each of its
    characters came from.

    The decoded text is made at once (``re.sub``, fast); where each character came from is
    worked out only when something is found in the view, which is rare: segments cover the
    view in order, each a run copied as it was or one decoded escape sequence (one character
    standing for several of the text it was decoded from). ``parent`` is the view ``source``
    is (None: ``source`` is the original text).
    """

    def __init__(self, source: str, syntax: re.Pattern[str], parent: View | None) -> None:
        self.source = source
        self.syntax = syntax
        self.parent = parent
        self.text, self.decoded = syntax.subn(_decoded, source)

    @functools.cached_property
    def _segments(self) -> tuple[list[int], list[int], list[int], list[bool]]:
        """Per segment: where it starts in this view, where it starts in ``source``, its
        length there, and whether it is a copied run (else one decoded escape)."""
        starts: list[int] = []
        sources: list[int] = []
        lengths: list[int] = []
        copied: list[bool] = []
        position = length = 0
        for match in self.syntax.finditer(self.source):
            if match.start() > position:
                starts.append(length)
                sources.append(position)
                lengths.append(match.start() - position)
                copied.append(True)
                length += match.start() - position
            starts.append(length)
            sources.append(match.start())
            lengths.append(match.end() - match.start())
            copied.append(False)
            length += len(_decoded(match))
            position = match.end()
        if position < len(self.source):
            starts.append(length)
            sources.append(position)
            lengths.append(len(self.source) - position)
            copied.append(True)
        return starts, sources, lengths, copied

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the view's characters ``start:end`` came from
        (escape sequences whole)."""
        starts, sources, lengths, copied = self._segments
        first = bisect_right(starts, start) - 1
        last = bisect_right(starts, end - 1) - 1
        begin = sources[first] + (start - starts[first] if copied[first] else 0)
        if copied[last]:
            finish = sources[last] + (end - starts[last])
        else:
            finish = sources[last] + lengths[last]
        if self.parent is None:
            return begin, finish
        return self.parent.original_span(begin, finish)


def decoded_views(text: str) -> Iterator[View]:
    """The text's decoded views: decoded once by each syntax (and by all at once), then each
    of those decoded again; a view that decodes nothing new is left out."""
    seen = {text}
    layer: list[tuple[str, View | None]] = [(text, None)]
    for _ in range(PASSES):
        following: list[tuple[str, View | None]] = []
        for current, parent in layer:
            for syntax in _SYNTAXES:
                view = View(current, syntax, parent)
                if view.decoded and view.text not in seen:
                    seen.add(view.text)
                    following.append((view.text, view))
                    yield view
        layer = following


def base64_cores(secret: str) -> list[str]:
    """The base64 text that depends on ``secret`` alone, at each of the three alignments it
    can have inside an encoded text, in the standard and the URL-safe alphabet.

    A base64 character holds six bits; one that mixes bits of the secret with bits of what
    comes before or after depends on that text, so it is left out: encoding the secret between
    zero bytes and between 0xFF bytes, the characters that come out the same are the core.
    """
    data = secret.encode("utf-8")
    cores: list[str] = []
    for shift in range(3):
        low = base64.b64encode(bytes(shift) + data + bytes(2)).decode().rstrip("=")
        high = base64.b64encode(b"\xff" * shift + data + b"\xff" * 2).decode().rstrip("=")
        same = [index for index, (a, b) in enumerate(zip(low, high, strict=True)) if a == b]
        if not same:
            continue
        core = low[same[0] : same[-1] + 1]
        cores.append(core)
        cores.append(core.translate(str.maketrans("+/", "-_")))
    return list(dict.fromkeys(cores))

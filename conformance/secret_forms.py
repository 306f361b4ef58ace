"""The forms a secret takes in text a target wrote, for the masker (``conformance.masking``).

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
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

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


def _decoded(match: re.Match[str]) -> str:
    found = match.groupdict()
    if found.get("short") is not None:
        return _SHORT[found["short"]]
    if found.get("decimal") is not None:
        number = int(found["decimal"], 10)
    else:
        number = int(found.get("unicode") or found.get("percent") or found["hexadecimal"], 16)
    return chr(number) if number <= 0x10FFFF else "\ufffd"


@dataclass(frozen=True)
class View:
    """A text with its escape sequences decoded, and where each of its characters came from.

    Segments cover the view in order: a run copied as it was, or one decoded escape sequence
    (one character standing for several of the text it was decoded from). ``parent`` is the
    view it was decoded from (None: the original text).
    """

    text: str
    #: Per segment: where it starts in this view, where it starts in the parent, its length
    #: in the parent, and whether it is a copied run (else one decoded escape).
    starts: tuple[int, ...]
    sources: tuple[int, ...]
    lengths: tuple[int, ...]
    copied: tuple[bool, ...]
    parent: View | None = None

    def _segment(self, index: int) -> int:
        return bisect_right(self.starts, index) - 1

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the view's characters ``start:end`` came from
        (escape sequences whole)."""
        first, last = self._segment(start), self._segment(end - 1)
        begin = self.sources[first] + (start - self.starts[first] if self.copied[first] else 0)
        if self.copied[last]:
            finish = self.sources[last] + (end - self.starts[last])
        else:
            finish = self.sources[last] + self.lengths[last]
        if self.parent is None:
            return begin, finish
        return self.parent.original_span(begin, finish)


def _decode(text: str, parent: View | None, syntax: re.Pattern[str]) -> View | None:
    """The view of ``text`` with its escape sequences of ``syntax`` decoded; None when it
    holds none."""
    pieces: list[str] = []
    starts: list[int] = []
    sources: list[int] = []
    lengths: list[int] = []
    copied: list[bool] = []
    position = length = 0

    def segment(piece: str, source: int, size: int, is_copy: bool) -> None:
        nonlocal length
        pieces.append(piece)
        starts.append(length)
        sources.append(source)
        lengths.append(size)
        copied.append(is_copy)
        length += len(piece)

    for match in syntax.finditer(text):
        if match.start() > position:
            segment(text[position : match.start()], position, match.start() - position, True)
        segment(_decoded(match), match.start(), match.end() - match.start(), False)
        position = match.end()
    if not pieces:
        return None
    if position < len(text):
        segment(text[position:], position, len(text) - position, True)
    return View(
        "".join(pieces), tuple(starts), tuple(sources), tuple(lengths), tuple(copied), parent
    )


def decoded_views(text: str) -> Iterator[View]:
    """The text's decoded views: decoded once by each syntax (and by all at once), then each
    of those decoded again; a view that decodes nothing new is left out."""
    seen = {text}
    layer: list[tuple[str, View | None]] = [(text, None)]
    for _ in range(PASSES):
        following: list[tuple[str, View | None]] = []
        for current, parent in layer:
            for syntax in _SYNTAXES:
                view = _decode(current, parent, syntax)
                if view is not None and view.text not in seen:
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

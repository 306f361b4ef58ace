"""A hostile target that echoes the token in every form it can, and a leak detector.

``echoing_proxy`` is an ASGI app in front of another server (the reference server, usually):
it passes every request on and, on the way back, adds the token in every encoding
``echo_forms`` knows to every error body (inside its ``errors`` list, as raw JSON string text),
and to every answer's headers (``echo_headers``, a ``Location`` among them). ``leaks`` says
whether a text (a report, the terminal's output) still holds 8 or more consecutive characters
of the token, reading it as a person or a program could: as written, HTML-unescaped,
JSON-unescaped, percent-decoded (and these twice over), and as base64.

The decoding here is written independently of ``replcheck.conformance.transport.secret_forms``: the
detector must not share the masker's blind spots.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote

import httpx

#: What the Done-when of issue 18 counts as a leak: this many consecutive characters.
LEAK_RUN = 8


def _u(char: str, upper: bool = False) -> str:
    code = f"{ord(char):04x}"
    return "\\u" + (code.upper() if upper else code)


def _json_plain(char: str) -> str:
    return json.dumps(char)[1:-1]


def echo_forms(token: str) -> dict[str, str]:
    """The token as a hostile target writes it inside a JSON string (raw JSON text between the
    quotes), by name of the encoding."""
    data = token.encode()
    forms = {
        "plain": _json_plain(token),
        "u-escaped": "".join(_u(c) for c in token),
        "u-escaped upper-case hex": "".join(_u(c, upper=True) for c in token),
        "mixed escaped and plain": "".join(
            _u(c) if i % 2 else _json_plain(c) for i, c in enumerate(token)
        ),
        "mixed, escaped in runs": "".join(
            _u(c) if (i // 3) % 2 else _json_plain(c) for i, c in enumerate(token)
        ),
        "percent-encoded": "".join(f"%{b:02X}" for b in data),
        "percent-encoded where needed": _json_plain(quote(token, safe="")),
        "percent-encoded, mixed": "".join(
            f"%{b:02x}" if i % 3 == 0 else _json_plain(chr(b)) for i, b in enumerate(data)
        ),
        "u-escaped twice": "".join("\\\\u" + f"{ord(c):04x}" for c in token),
        "html character references": "".join(f"&#{ord(c)};" for c in token),
        "truncated": _json_plain(token[:LEAK_RUN + 4]),
        "a middle piece, u-escaped": "".join(_u(c) for c in token[3 : 3 + LEAK_RUN + 1]),
        "glued to other text": _json_plain("Bearer" + token + "xyz"),
    }
    for shift in range(3):
        encoded = base64.b64encode(b"Bearer "[:shift] + data + b"!")
        forms[f"base64, {shift} bytes before"] = _json_plain(encoded.decode())
        forms[f"base64 URL-safe, {shift} bytes before"] = _json_plain(
            base64.urlsafe_b64encode(b"ab"[:shift] + data).decode().rstrip("=")
        )
        forms[f"base64, {shift} bytes before, / escaped"] = (
            _json_plain(encoded.decode()).replace("/", "\\/")
        )
    return forms


def echo_headers(token: str) -> list[tuple[str, str]]:
    """Headers carrying the token (every value sendable in HTTP/1.1)."""
    data = token.encode()
    return [
        ("X-Echo-Plain", token),
        ("X-Echo-Escaped", "".join(_u(c) for c in token)),
        ("X-Echo-Percent", "".join(f"%{b:02x}" for b in data)),
        ("X-Echo-Base64", base64.b64encode(b"x" + data).decode()),
        ("X-Echo-Base64-Url", base64.urlsafe_b64encode(b"xy" + data).decode()),
        ("Location", f"http://127.0.0.1/v1/echo/{quote(token, safe='')}?t={quote(token)}"),
        # In a header's name too (base64url: the characters a name may hold).
        ("X-Echo-" + base64.urlsafe_b64encode(data).decode().rstrip("="), "name"),
    ]


def _body_with_echo(body: bytes, token: str) -> bytes:
    forms = ", ".join(f'"{form}"' for form in echo_forms(token).values())
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return body + b" [" + forms.encode() + b"]"
    errors = document.get("errors")
    document["errors"] = [*(errors if isinstance(errors, list) else []), "@@ECHO@@"]
    return json.dumps(document).replace('"@@ECHO@@"', forms).encode()


def echoing_proxy(upstream: str, token: str) -> Any:
    """An ASGI app that forwards to ``upstream`` and echoes ``token`` in every answer.

    It also answers 401 where the upstream refused with 403 (a deviation every run reports),
    so that the reports show the echoing error bodies whatever else is judged of them.
    """

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        path = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
        headers = [
            (k, v) for k, v in scope["headers"] if k.lower() not in (b"host", b"content-length")
        ]
        async with httpx.AsyncClient() as client:
            answer = await client.request(
                scope["method"],
                upstream + path.decode("latin-1"),
                headers=headers,
                content=b"".join(chunks),
            )
        body = answer.content
        status = 401 if answer.status_code == 403 else answer.status_code
        if status >= 400:
            body = _body_with_echo(body, token)
        out = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        ]
        out += [(k.encode(), v.encode()) for k, v in echo_headers(token)]
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})

    return app


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([\"\\/bfnrt])")
_SHORT = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescaped(text: str) -> str:
    return _JSON_ESCAPE.sub(
        lambda m: chr(int(m.group(1), 16)) if m.group(1) else _SHORT[m.group(2)], text
    )


def _readings(text: str) -> Iterator[str]:
    """The text as written and decoded every way (and every two ways) a reader could."""
    decoders = (html.unescape, _json_unescaped, unquote)
    seen = {text}
    layer = [text]
    for _ in range(2):
        following = []
        for item in layer:
            for decode in decoders:
                decoded = decode(item)
                if decoded not in seen:
                    seen.add(decoded)
                    following.append(decoded)
        layer = following
    yield from seen


def _pieces(token: str) -> set[str]:
    """What a text holding 8 consecutive characters of the token contains: those characters,
    or (base64 at any alignment, either alphabet) the encoding of 6 of them."""
    pieces: set[str] = set()
    for start in range(len(token) - LEAK_RUN + 1):
        run = token[start : start + LEAK_RUN]
        pieces.add(run)
        data = run.encode()
        for shift in range(3):
            encoded = base64.b64encode(data[shift : shift + 6]).decode()
            pieces.add(encoded)
            pieces.add(encoded.translate(str.maketrans("+/", "-_")))
    return pieces


def leaks(text: str, token: str) -> list[str]:
    """The pieces of the token ``text`` reveals, in any reading (empty: none)."""
    pieces = _pieces(token)
    found: list[str] = []
    for reading in _readings(text):
        found += [piece for piece in pieces if piece in reading]
    return sorted(set(found))

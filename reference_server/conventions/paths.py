"""Request paths as Go's ``net/http`` and Vault read them: the request target, percent-decoding,
relative segments, and ``path.Clean``."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes


def request_target_path(raw_path: str) -> str:
    """The escaped path of a request target, as Go's ``net/http`` reads it.

    An absolute-form target (``http://host/v1/x``) gives its path; a target starting with
    ``//`` is read as ``//authority/path`` (Go's ``url.ParseRequestURI``), so ``//v1/sys/x``
    is the path ``/sys/x`` on the host ``v1``.
    """
    for scheme in ("http://", "https://"):
        if raw_path[: len(scheme)].lower() == scheme:
            rest = raw_path[len(scheme):]
            slash = rest.find("/")
            return rest[slash:] if slash >= 0 else "/"
    if raw_path.startswith("//") and not raw_path.startswith("///"):
        slash = raw_path.find("/", 2)
        return raw_path[slash:] if slash >= 0 else "/"
    return raw_path


def decode_path(escaped: str) -> str:
    """Percent-decode a path like Go's ``URL.Path`` (bytes that are not UTF-8 become U+FFFD)."""
    return unquote_to_bytes(escaped).decode("utf-8", "replace")


def is_relative_path(path: str) -> bool:
    """Whether a decoded path has a ``.`` or ``..`` segment (Vault refuses it with 400)."""
    return any(segment in (".", "..") for segment in path.split("/"))


def clean_path(path: str) -> str:
    """Go's ``path.Clean`` as ``net/http`` applies it: drop ``.``/``..``/empty segments.

    A trailing slash is kept (it changes the meaning of a write), so ``//sys//x/`` becomes
    ``/sys/x/``. Access checks and routing both use the cleaned path, so a spelling of a path
    can never reach a handler without the checks that apply to its clean form.
    """
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    cleaned = "/" + "/".join(segments)
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned

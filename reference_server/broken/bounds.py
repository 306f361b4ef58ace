"""The zoo's bounds category: a hostile target must not hang, exhaust or crash the runner.

Each answer here is one a real Vault never gives, so no requirement is broken as such; what is
judged is the runner: it must end with a verdict that is not "conformant" (exit 1) or with
``RunAborted`` (exit 2, one sentence), never a hang, an out-of-memory or a traceback. The sizes
are small and the run's caps smaller (``settings``), so each case takes a second in the tests;
the same code paths guard against the 200 MB bodies and 4 MB gzip bombs of issue 9.

The settings are the run's own bounds (``max_response_bytes``, ``client_timeout``).
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx

from .asgi import STATUS, ZooRequest, ZooResponse
from .model import BrokenServer, deviate, on_status, reads_status
from .serving import Probe

MIB = 1024 * 1024
#: The cap the runs use: far above any real status answer, far below the hostile bodies.
CAP = {"max_response_bytes": MIB}
DEADLINE = {"client_timeout": 1.0}
NESTING = 1000


def _enormous(data: dict[str, Any]) -> None:
    data["zoo_padding"] = "x" * (4 * MIB)


def _nested(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """A last top-level member ``[[[...]]]``, 2 KB of text; spliced in as text, since Python's
    own JSON module gives up at this depth."""
    if not reads_status(request) or response.status != 200:
        return response
    member = b', "zoo_nested": ' + b"[" * NESTING + b"]" * NESTING + b"}"
    return response.replace(body=response.body.rstrip()[:-1] + member)


def _gzip_bomb(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """32 MiB of status once inflated, about 32 KiB on the wire."""
    if not reads_status(request) or response.status != 200:
        return response
    body = response.json()
    body["data"]["zoo_padding"] = "0" * (32 * MIB)
    packed = gzip.compress(json.dumps(body).encode(), compresslevel=9)
    return response.replace(body=packed).with_header(b"content-encoding", b"gzip")


def _dribbled(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    if reads_status(request) and response.status == 200:
        return response.replace(dribble_s=0.25)
    return response


def _raw_status(probe: Probe) -> httpx.Response:
    """The status answer's head only: the body is neither read nor inflated."""
    with probe.client.stream("GET", STATUS) as response:
        return response


def _read_times_out(probe: Probe) -> bool:
    try:
        probe.client.get(STATUS, timeout=httpx.Timeout(5.0, read=0.1))
    except httpx.ReadTimeout:
        return True
    return False


ENTRIES: tuple[BrokenServer, ...] = (
    BrokenServer(
        "status-body-enormous", "the status answer is a 4 MiB body (an enormous padding member)",
        (), deviate(on_response=on_status(_enormous)),
        lambda p: int(_raw_status(p).headers["content-length"]) > 4 * MIB,
        category="bounds", settings=CAP, hostile=True,
    ),
    BrokenServer(
        "status-gzip-bomb", "the status answer is gzip: 32 KiB on the wire, 32 MiB inflated",
        (), deviate(on_response=_gzip_bomb),
        lambda p: _raw_status(p).headers.get("content-encoding") == "gzip",
        category="bounds", settings=CAP, hostile=True,
    ),
    BrokenServer(
        "status-dribbled", "the status answer is dribbled, one byte every 250 ms",
        (), deviate(on_response=_dribbled), _read_times_out,
        category="bounds", settings=DEADLINE, hostile=True,
    ),
    BrokenServer(
        "status-deeply-nested", f"the status answer holds a member nested {NESTING} levels deep",
        (), deviate(on_response=_nested),
        lambda p: p.send("GET", STATUS).text.count("[") >= NESTING,
        category="bounds", hostile=True,
    ),
)

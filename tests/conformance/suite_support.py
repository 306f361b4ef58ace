"""Helpers for the suite's own tests: reference servers, and small wrappers that break or
count what a server does, all on free loopback ports. (A plainly named module, not a package:
``tests/`` has no ``__init__.py``, and a ``tests/conformance`` package would shadow the real
``conformance``.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgi_serving import serve_asgi

from replcheck.conformance.settings.target import Settings
from replcheck.reference_server.app import create_app
from replcheck.reference_server.config import ServerConfig

#: Serve any ASGI app on a free loopback port (the shared helper, under this suite's name).
serve_app = serve_asgi

ROOT_TOKEN = "hvs.test0root0token0for0the0suite0x"
#: Fast reindexes keep full-profile test runs short (the default takes 0.15 s per reindex).
FAST_REINDEX = 0.002
#: A small fuzzing budget: the tests judge the engine, not the fuzzer's reach.
TEST_EXAMPLES = 5


def server_config(scenario: str = "dr-perf-primary") -> ServerConfig:
    return ServerConfig(
        scenario=scenario,
        root_token=ROOT_TOKEN,
        reindex_stage_seconds=FAST_REINDEX,
        log_level="warning",
    )


def wrap(
    app: Any,
    on_response: Callable[[dict, dict], None] | None = None,
    on_request: Callable[[dict], None] | None = None,
) -> Any:
    """An ASGI middleware that lets a test see requests and rewrite response starts."""

    async def middleware(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and on_request is not None:
            on_request(scope)

        async def patched_send(message: dict) -> None:
            if message["type"] == "http.response.start" and on_response is not None:
                on_response(scope, message)
            await send(message)

        await app(scope, receive, patched_send)

    return middleware


def settings_for(url: str, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "url": url,
        "token": ROOT_TOKEN,
        "seed": 11,
        "max_examples": TEST_EXAMPLES,
        "profile": "full",
    }
    values.update(changes)
    return Settings(**values)


def app_for(scenario: str = "dr-perf-primary") -> Any:
    return create_app(server_config(scenario))

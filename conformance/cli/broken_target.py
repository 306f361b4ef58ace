"""``replcheck run --break NAME``: the gate against a deliberately broken embedded server.

The broken server (``replcheck.reference_server.broken``) is started on a free loopback port in the
replication state it needs, and judged like any target, with the profile and run bounds the
project's own tests prove it with (``tests/zoo``) wherever the user chose none: so the run fails
as the listing says it will, and the reports say which broken server they judged.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from replcheck.conformance.settings.target import Settings

if TYPE_CHECKING:
    from replcheck.conformance.engine.runner import RunResult
    from replcheck.reference_server.broken import BrokenServer

#: Reindex jobs finish at once, as in the zoo's tests: the checks' bounded waits for a running
#: reindex then cost nothing, and the verdict does not depend on timing.
REINDEX_STAGE_SECONDS = 0.0


def settings_for(broken: BrokenServer, settings: Settings) -> Settings:
    """``settings`` with the broken server's profile and bounds (small caps that make a hostile
    server quick to judge) wherever neither a flag nor an environment variable set one, and
    provisioning on: the server is the run's own, started and thrown away, and its deviation
    may show only with the helper tokens (a sudo bypass needs a token without sudo)."""
    changes: dict[str, Any] = {
        name: value for name, value in broken.settings.items()
        if getattr(settings, name) is None
    }
    changes["provision"] = True
    if settings.profile is None:
        changes["profile"] = broken.profile
    return settings.replace(**changes)


@contextmanager
def serving(broken: BrokenServer, settings: Settings) -> Iterator[Settings]:
    """Start the broken server, yield ``settings`` pointing at it (its root token as the sudo
    token), stop it on exit. Raises ``RunAborted`` when it cannot start."""
    from replcheck.conformance.engine.runner import RunAborted
    from replcheck.reference_server.config import ServerConfig
    from replcheck.reference_server.embedded import EmbeddedServer

    config = ServerConfig(
        root_token=settings.token or f"hvs.{secrets.token_urlsafe(24)}",
        scenario=broken.scenario,
        reindex_stage_seconds=REINDEX_STAGE_SECONDS,
        log_level="critical",
    )
    try:
        server = EmbeddedServer(config, wrap=broken.factory).start()
    except RuntimeError as exc:
        raise RunAborted(f"the broken server {broken.name!r} could not start: {exc}") from None
    try:
        yield settings.replace(url=server.url, token=server.root_token)
    finally:
        server.stop()


def name_in(result: RunResult, broken: BrokenServer) -> None:
    """Make every report say which broken server it judged (the target line of the JSON report,
    a note first in the terminal summary, the HTML summary and the JSON report)."""
    result.target_kind = f"embedded broken server {broken.name!r}"
    result.target = (
        f"the deliberately broken server {broken.name!r} at {result.target_url} "
        f"(replcheck run --break {broken.name})"
    )
    result.notes.insert(
        0,
        f"broken server {broken.name}: this target is a deliberately broken server, not a Vault: "
        f"{broken.description}",
    )

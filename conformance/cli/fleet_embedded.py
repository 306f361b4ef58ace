"""The fleet's embedded targets that need the reference server: broken servers (``embedded:
true`` with ``break: NAME``) and reference topologies (``embedded: NAME``).

The fleet layer does not import the reference server or the CLI (ARCHITECTURE.md's layers);
``replcheck fleet`` passes these two functions down: ``resolve`` to ``inventory.load`` (a name
checked, and a broken server's proven profile and bounds applied, before any run), ``judge`` to
``pool.run_fleet`` (called in the worker process, as ``replcheck run --break NAME`` and
``replcheck run --topology NAME --embedded`` judge them).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from replcheck.conformance.settings.values import SettingError, shown

if TYPE_CHECKING:
    from replcheck.conformance.concurrency.interruption import StopRequest
    from replcheck.conformance.engine.run_result import RunResult
    from replcheck.conformance.fleet.inventory import FleetTarget


def resolve(target: FleetTarget) -> FleetTarget:
    """``target`` with its broken server's settings (``SettingError`` for an unknown name)."""
    if target.kind == "embedded topology":
        from replcheck.reference_server.topology.definition import NAMED

        if target.topology not in NAMED:
            raise SettingError(f"embedded must be true or a reference topology "
                               f"({', '.join(NAMED)}), not {shown(str(target.topology))}")
        return target
    if target.broken is None:
        return target
    from replcheck.conformance.cli.broken_target import settings_for
    from replcheck.reference_server.broken import UnknownBrokenServer, find

    try:
        broken = find(target.broken, "break")
    except UnknownBrokenServer as exc:
        raise SettingError(str(exc)) from None
    return dataclasses.replace(target, settings=settings_for(broken, target.settings))


def judge(target: FleetTarget, stop: StopRequest) -> RunResult:
    """Start the broken server or reference topology in this process and judge it."""
    from replcheck.conformance.engine.runner import run

    settings = target.settings
    if target.kind == "embedded topology":
        from replcheck.conformance.topology.embedded import embedded
        from replcheck.conformance.topology.run import run_topology

        if settings.profile is None:  # as run --topology NAME --embedded: full unless told
            settings = settings.replace(profile="full")
        with embedded(str(target.topology), settings) as targets:
            return run_topology(targets, settings, None, stop)
    from replcheck.conformance.cli import broken_target
    from replcheck.reference_server.broken import find

    broken = find(str(target.broken), "break")
    with broken_target.serving(broken, settings) as judged:
        result = run(judged, None, stop)
    broken_target.name_in(result, broken)
    return result

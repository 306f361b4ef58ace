"""Judge one fleet target, exactly as ``replcheck run`` would, and keep what the fleet reports.

``run_target`` is what each worker process of the pool calls: a single cluster through the
engine's ``run`` (the embedded reference server, a broken server, or a URL), a replication set
through ``run_topology`` (a targets file; a reference topology is started in the worker by the
judge the CLI passes, ``EmbeddedJudge``, as are broken servers). Each
target keeps its own bounds (client timeout, body cap, budget) from its settings, as a single run.
Whatever ends a run without a verdict (``RunAborted``, a ``SettingError`` such as an unreadable
targets file, a bug) becomes that target's ``no verdict`` with one sentence; it never escapes to
the other targets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from replcheck.conformance.fleet.inventory import FleetTarget
from replcheck.conformance.fleet.result import NO_VERDICT, TargetOutcome
from replcheck.conformance.settings.values import SettingError, one_line

if TYPE_CHECKING:
    from replcheck.conformance.concurrency.interruption import StopRequest
    from replcheck.conformance.engine.run_result import RunResult


def outcome_of(target: FleetTarget, result: RunResult, duration_s: float) -> TargetOutcome:
    """A single run's result as the fleet keeps it: labels, counts and its masked JSON report."""
    from replcheck.conformance.judging.outcomes import PARTIAL
    from replcheck.conformance.report.json import as_dict

    labels = {
        rid: PARTIAL if outcome.partly_run else outcome.outcome.value
        for rid, outcome in result.results.items()
    }
    sentence = result.verdict_sentence
    if result.unreachable:
        sentence += " " + " ".join(result.unreachable.values())
    return TargetOutcome(
        name=target.name, tags=target.tags, kind=target.kind, verdict=result.verdict.value,
        exit_code=result.exit_code, sentence=one_line(sentence), outcomes=labels,
        requests=result.requests_sent, duration_s=duration_s, report=as_dict(result),
    )


def no_verdict(target: FleetTarget, sentence: str, duration_s: float = 0.0) -> TargetOutcome:
    """A target that could not be judged (exit 2), with its one sentence."""
    return TargetOutcome(
        name=target.name, tags=target.tags, kind=target.kind, verdict=NO_VERDICT, exit_code=2,
        sentence=one_line(sentence), duration_s=duration_s,
    )


#: Judges the targets that need the reference server started in the worker (a broken server,
#: a reference topology): ``replcheck.conformance.cli.fleet_embedded.judge``, passed down by the
#: CLI (a module-level function, so it reaches a spawned worker by name).
EmbeddedJudge = Callable[[FleetTarget, "StopRequest"], "RunResult"]


def _judge(target: FleetTarget, stop: StopRequest, embedded: EmbeddedJudge | None) -> RunResult:
    from replcheck.conformance.engine.runner import run

    if target.kind == "topology":
        return _topology(target, stop)
    if target.broken is not None or target.kind == "embedded topology":
        if embedded is None:
            raise SettingError(f"target {target.name} needs the reference server's registry, "
                               "which this caller did not give")
        return embedded(target, stop)
    return run(target.settings, None, stop)


def _topology(target: FleetTarget, stop: StopRequest) -> RunResult:
    import os

    from replcheck.conformance.topology.run import run_topology
    from replcheck.conformance.topology.targets import from_file

    assert target.topology is not None
    settings = target.settings
    if settings.profile is None:  # as run --topology FILE: safe unless told
        settings = settings.replace(profile="safe")
    targets = from_file(Path(target.topology), settings.replace(url=None), os.environ)
    return run_topology(targets, settings, None, stop)


def run_target(target: FleetTarget, embedded: EmbeddedJudge | None = None) -> TargetOutcome:
    """Judge ``target`` (``embedded`` judges broken servers and reference topologies); never
    raises: every end of the run is an outcome."""
    from replcheck.conformance.concurrency.interruption import (
        RunInterrupted,
        StopRequest,
        signal_name,
    )
    from replcheck.conformance.engine.aborted import RunAborted
    from replcheck.conformance.fuzzing.storage import keep_out_of_working_directory

    keep_out_of_working_directory()
    if target.unset:
        return no_verdict(target, target.no_verdict_sentence)
    started = time.perf_counter()
    stop = StopRequest()
    try:
        result = _judge(target, stop, embedded)
    except RunAborted as exc:
        return no_verdict(target, f"target {target.name}: {exc}", time.perf_counter() - started)
    except SettingError as exc:
        return no_verdict(target, f"target {target.name}: {exc}", time.perf_counter() - started)
    except RunInterrupted as exc:
        if exc.result is None:
            return TargetOutcome(
                name=target.name, tags=target.tags, kind=target.kind, verdict="interrupted",
                exit_code=exc.exit_code,
                sentence=f"INTERRUPTED by {signal_name(exc.signum)} before anything was judged.",
                duration_s=time.perf_counter() - started,
            )
        result = exc.result
    except Exception as exc:  # a bug must cost this target its verdict, not the fleet's
        return no_verdict(
            target, f"target {target.name}: the run broke: {type(exc).__name__}: {exc}",
            time.perf_counter() - started)
    return outcome_of(target, result, time.perf_counter() - started)

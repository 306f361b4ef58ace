"""The suite must fail every broken server of the zoo (``replcheck.reference_server.broken``),
naming exactly the right requirements, and pass the reference server with the very same settings.

Three layers, so that a failure says whose fault it is:

- ``test_deviation_is_real``: a direct request shows each deviation on the broken server and
  not on the reference server (the zoo itself is right);
- ``test_suite_catches``: ``replcheck.conformance.engine.runner.run`` says "not conformant" (exit
  code 1), fails *each* id of the entry's ``must_fail``, and fails nothing outside ``must_fail`` and
  ``may_fail`` (the engine is right, check by check);
- ``test_every_requirement_is_proven``: every requirement of the catalogue is in the
  ``must_fail`` of a broken server that runs, so no check can be deleted with the zoo green.

Engine runs use a fixed seed and a small example budget, one broken server per run.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections import Counter
from typing import Any

import httpx
import pytest

from replcheck import spec
from replcheck.conformance.engine.aborted import RunAborted
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.settings.target import Profile, Settings
from replcheck.reference_server.broken import CATEGORIES, ZOO, BrokenServer
from replcheck.reference_server.broken.serving import Factory, Probe, ZooServer
from replcheck.reference_server.config import ServerConfig

SEED = 20240517
MAX_EXAMPLES = 2
SETTING_FIELDS = {f.name for f in dataclasses.fields(Settings)}


def _config(scenario: str) -> ServerConfig:
    """A reindex finishes at once (stage 0 s): the suite's bounded waits for a running
    reindex then cost nothing, and the verdicts do not depend on timing."""
    return ServerConfig(root_token=f"hvs.zoo{secrets.token_hex(12)}", scenario=scenario,
                        reindex_stage_seconds=0.0, log_level="critical")


def _server(scenario: str, factory: Factory | None) -> ZooServer:
    return ZooServer(_config(scenario), factory)


def _settings(server: ZooServer, profile: Profile, changes: dict[str, Any],
              keyword: str | None = None) -> Settings:
    missing = set(changes) - SETTING_FIELDS
    assert not missing, f"Settings has no field {sorted(missing)} on this branch"
    return dataclasses.replace(
        Settings(url=server.url, token=server.root_token, profile=profile, seed=SEED,
                 max_examples=MAX_EXAMPLES, keyword=keyword, provision=True),
        **changes,
    )


def _judge(server: ZooServer, profile: Profile, changes: dict[str, Any] | None = None,
           keyword: str | None = None) -> RunResult:
    return run(_settings(server, profile, changes or {}, keyword))


def _summary(result: RunResult) -> str:
    lines = [result.verdict_sentence]
    for rid, requirement in result.results.items():
        if requirement.outcome is not Outcome.PASSED:
            lines.append(f"  {rid}: {requirement.outcome.value} {requirement.reason}")
    return "\n".join(lines)


def zoo_problems(broken: BrokenServer, result: RunResult) -> list[str]:
    """What is wrong with the suite's verdict on ``broken``; empty when the zoo's rule holds:
    exit 1, every id of ``must_fail`` failed, no failed id outside ``must_fail`` + ``may_fail``
    (a hostile target may fail any: what is judged there is that the runner survives), and no
    requirement in error."""
    problems = []
    if result.exit_code != 1:
        problems.append(f"exit code {result.exit_code}, not 1")
    for rid in broken.must_fail:
        if rid not in result.failed:
            outcome = result.results[rid].outcome.value if rid in result.results else "absent"
            problems.append(f"{rid} must fail, but is {outcome}")
    allowed = set(broken.must_fail) | set(broken.may_fail)
    if not broken.hostile:
        problems += [f"{rid} failed, but is in neither must_fail nor may_fail"
                     for rid in result.failed if rid not in allowed]
    problems += [f"{rid} is in error: the suite broke" for rid in result.errored]
    return problems


def _report(broken: BrokenServer, result: RunResult) -> str:
    return (f"{broken.name} ({broken.deviation}), must_fail {broken.must_fail}, "
            f"may_fail {broken.may_fail}:\n" + "\n".join(zoo_problems(broken, result))
            + "\n" + _summary(result))


def _needs_mark(broken: BrokenServer) -> Any:
    if broken.needs is None:
        return broken
    return pytest.param(broken, marks=pytest.mark.xfail(
        strict=True, reason=f"not caught on this branch yet: needs {broken.needs}"))


@pytest.mark.parametrize("broken", ZOO, ids=lambda b: b.name)
def test_deviation_is_real(broken: BrokenServer) -> None:
    """The probe shows the deviation on the broken server and not on the reference server."""
    seen = {}
    for label, factory in (("broken", broken.factory), ("reference", None)):
        with (
            _server(broken.scenario, factory) as server,
            httpx.Client(base_url=server.url, timeout=10) as client,
        ):
            seen[label] = broken.shows(Probe.of(server, client))
    assert seen == {"broken": True, "reference": False}, broken.deviation


def _control_key(broken: BrokenServer) -> tuple[str, Profile, tuple[tuple[str, Any], ...]]:
    return broken.scenario, broken.profile, tuple(sorted(broken.settings.items()))


CONTROLS = sorted({_control_key(b) for b in ZOO}, key=repr)


def test_zoo_covers_every_category() -> None:
    counts = Counter(broken.category for broken in ZOO)
    assert len(ZOO) >= 30
    assert set(counts) == set(CATEGORIES), counts


def test_settings_are_run_settings() -> None:
    """An entry's ``settings`` name fields of the run's ``Settings`` (the package cannot check
    this at import: the server does not import the engine); an entry still waiting for its
    check may name the field it will need."""
    wrong = {b.name: sorted(set(b.settings) - SETTING_FIELDS) for b in ZOO
             if b.needs is None and set(b.settings) - SETTING_FIELDS}
    assert not wrong, f"Settings has no such field: {wrong}"


def test_every_entry_describes_itself() -> None:
    """What ``--break list`` shows: one line naming what is broken and what should catch it."""
    for broken in ZOO:
        line = broken.description
        assert "\n" not in line and broken.deviation in line, broken.name
        assert broken.hostile or all(rid in line for rid in broken.must_fail), line


def test_every_requirement_is_proven() -> None:
    """Every requirement is in the must_fail of a broken server whose run is expected to
    catch it today (an entry still waiting for its check does not count); a requirement only
    the full profile judges is proven by a full-profile entry (checked at import)."""
    proven = {rid for b in ZOO if b.needs is None for rid in b.must_fail}
    unproven = [r.id for r in spec.requirements() if r.id not in proven and not r.topology]
    assert not unproven, f"requirements no broken server must fail: {unproven}"


def test_topology_requirements_wait_for_the_topology_gate() -> None:
    """A requirement about a replication set (``scope: topology``) is judged by no engine
    check yet, so no single-cluster broken server can prove it: the zoo lists it as waiting
    for the topology gate, and no entry claims to catch it today."""
    waiting = [r.id for r in spec.requirements() if r.topology]
    claimed = {rid for b in ZOO if b.needs is None for rid in (*b.must_fail, *b.may_fail)}
    assert waiting and not claimed & set(waiting), sorted(claimed & set(waiting))


@pytest.mark.parametrize(("scenario", "profile", "changes"), CONTROLS, ids=lambda v: str(v))
def test_reference_passes(scenario: str, profile: Profile,
                          changes: tuple[tuple[str, Any], ...]) -> None:
    """The control: the unbroken server passes with the settings the zoo runs use, and every
    requirement the zoo expects to fail under these settings is judged and passed here, so a
    failure on a broken server comes from its deviation."""
    settings = dict(changes)
    missing = set(settings) - SETTING_FIELDS
    if missing:
        pytest.xfail(f"Settings has no field {sorted(missing)} on this branch yet")
    with _server(scenario, None) as server:
        result = _judge(server, profile, settings)
    assert result.exit_code == 0, _summary(result)
    relied_on = {rid for b in ZOO if _control_key(b) == (scenario, profile, changes)
                 and b.needs is None for rid in b.must_fail}
    not_passed = {rid: result.results[rid].outcome.value if rid in result.results else "absent"
                  for rid in relied_on
                  if rid not in result.results or result.results[rid].outcome is not Outcome.PASSED}
    assert not not_passed, f"must_fail ids not passed on the reference server: {not_passed}"


@pytest.mark.parametrize("broken", [_needs_mark(b) for b in ZOO], ids=lambda b: b.name)
def test_suite_catches(broken: BrokenServer) -> None:
    """Not conformant (exit 1), each must_fail id failed, nothing else failed but may_fail;
    a hostile entry may also end the run with ``RunAborted`` and one sentence."""
    with _server(broken.scenario, broken.factory) as server:
        try:
            result = _judge(server, broken.profile, dict(broken.settings))
        except RunAborted as aborted:
            sentence = str(aborted)
            assert broken.hostile, f"{broken.name}: the run was aborted: {sentence}"
            assert sentence and "\n" not in sentence and "Traceback" not in sentence, sentence
            return
    assert not zoo_problems(broken, result), _report(broken, result)


def _entry(name: str) -> BrokenServer:
    return next(b for b in ZOO if b.name == name)


def test_the_zoo_rule_bites() -> None:
    """Disabling one check makes the zoo fail, even where another requirement still catches
    the deviation (the hole of the old "any one expected id failed" rule).

    heartbeat-without-zone breaks two rules, each with its own check: the schema's pattern
    (STATUS-SCHEMA) and the plausibility check's zone rule (STATUS-HEARTBEAT-PLAUSIBLE). With
    ``heartbeats_are_plausible`` switched off (``-k``), the run still fails STATUS-SCHEMA, so
    the old rule passed; the zoo's rule names the requirement whose check went missing. And
    an id failing outside must_fail and may_fail is named too.
    """
    broken = _entry("heartbeat-without-zone")
    assert "STATUS-HEARTBEAT-PLAUSIBLE" in broken.must_fail
    with _server(broken.scenario, broken.factory) as server:
        whole = _judge(server, broken.profile)
        without_check = _judge(server, broken.profile, keyword="not heartbeats_are_plausible")
    assert not zoo_problems(broken, whole), _report(broken, whole)

    old_rule_holds = any(rid in without_check.failed for rid in broken.must_fail)
    assert old_rule_holds and without_check.exit_code == 1, _summary(without_check)
    assert zoo_problems(broken, without_check) == [
        "STATUS-HEARTBEAT-PLAUSIBLE must fail, but is absent"
    ]

    # The same run judged as if STATUS-SCHEMA were not expected: its failure is named.
    narrower = dataclasses.replace(
        broken, must_fail=("STATUS-HEARTBEAT-PLAUSIBLE",), may_fail=()
    )
    unexpected = [p for p in zoo_problems(narrower, whole) if "neither" in p]
    assert unexpected and all("STATUS-SCHEMA" in p for p in unexpected), unexpected

"""The suite must fail every broken server of the zoo, naming the right requirement, and pass
the reference server with the very same settings.

Two layers, so that a failure says whose fault it is:

- ``test_deviation_is_real``: a direct request shows each deviation on the broken server and
  not on the reference server (the zoo itself is right);
- ``test_suite_catches``: ``conformance.runner.run`` says "not conformant" (exit code 1) and
  fails at least one of the server's expected requirement ids (the engine is right).

Engine runs use a fixed seed and a small example budget, one broken server per run.
"""

from __future__ import annotations

import secrets
from collections import Counter

import httpx
import pytest
from zoo_registry import CATEGORIES, ZOO, BrokenServer
from zoo_serving import Factory, Probe, ZooServer

from conformance.outcomes import Outcome
from conformance.runner import RunResult, run
from conformance.target import Profile, Settings
from reference_server.config import ServerConfig

SEED = 20240517
MAX_EXAMPLES = 2


def _config(scenario: str) -> ServerConfig:
    """A reindex finishes at once (stage 0 s): the suite's bounded waits for a running
    reindex then cost nothing, and the verdicts do not depend on timing."""
    return ServerConfig(root_token=f"hvs.zoo{secrets.token_hex(12)}", scenario=scenario,
                        reindex_stage_seconds=0.0, log_level="critical")


def _server(scenario: str, factory: Factory | None) -> ZooServer:
    return ZooServer(_config(scenario), factory)


def _judge(server: ZooServer, profile: Profile) -> RunResult:
    settings = Settings(url=server.url, token=server.root_token, profile=profile, seed=SEED,
                        max_examples=MAX_EXAMPLES)
    return run(settings)


def _summary(result: RunResult) -> str:
    lines = [result.verdict_sentence]
    for rid, requirement in result.results.items():
        if requirement.outcome is not Outcome.PASSED:
            lines.append(f"  {rid}: {requirement.outcome.value} {requirement.reason}")
    return "\n".join(lines)


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


CONTROLS = sorted({(b.scenario, b.profile) for b in ZOO})


def test_zoo_covers_every_category() -> None:
    counts = Counter(broken.category for broken in ZOO)
    assert len(ZOO) >= 30
    assert set(counts) == set(CATEGORIES), counts


@pytest.mark.parametrize(("scenario", "profile"), CONTROLS, ids=lambda v: str(v))
def test_reference_passes(scenario: str, profile: Profile) -> None:
    """The control: the unbroken server passes with the settings the zoo runs use, and every
    requirement the zoo expects to fail under these settings is judged and passed here, so a
    failure on a broken server comes from its deviation."""
    with _server(scenario, None) as server:
        result = _judge(server, profile)
    exit_code = result.exit_code
    assert exit_code == 0, _summary(result)
    relied_on = {rid for b in ZOO if (b.scenario, b.profile) == (scenario, profile)
                 for rid in b.expected}
    not_passed = {rid: result.results[rid].outcome.value if rid in result.results else "absent"
                  for rid in relied_on
                  if rid not in result.results or result.results[rid].outcome is not Outcome.PASSED}
    assert not not_passed, f"expected ids not passed on the reference server: {not_passed}"


@pytest.mark.parametrize("broken", ZOO, ids=lambda b: b.name)
def test_suite_catches(broken: BrokenServer) -> None:
    """Not conformant (exit 1), with at least one of the expected requirement ids failed."""
    with _server(broken.scenario, broken.factory) as server:
        result = _judge(server, broken.profile)
    caught = [rid for rid in broken.expected if rid in result.failed]
    exit_code = result.exit_code
    assert exit_code == 1, (
        f"{broken.name} ({broken.deviation}), expected {broken.expected}:\n{_summary(result)}"
    )
    assert caught, (
        f"{broken.name} ({broken.deviation}) was not failed on any of {broken.expected};\n"
        f"{_summary(result)}"
    )

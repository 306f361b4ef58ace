"""One test per check and per judge of the engine, with the engine's ids, in the engine's order.

Run with ``pytest --pyargs replcheck.conformance.suite --vault-addr URL --vault-token TOKEN`` (or
``--replcheck-embedded``); ``-n auto`` (pytest-xdist) and ``--junitxml`` work as usual.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from replcheck.conformance.judging.outcomes import CheckResult
from replcheck.conformance.plugin_support.state import STATE, SUITE_PARAM
from replcheck.conformance.plugin_support.suite import (
    SuiteRun,
    conclude,
    open_suite,
    raise_error,
    suite_ids,
)
from replcheck.conformance.plugin_support.target import VaultTarget


@pytest.fixture(scope="session")
def replcheck_suite(vault_target: VaultTarget, pytestconfig: pytest.Config) -> Iterator[SuiteRun]:
    """This process's engine session: status read, tokens provisioned, all removed at the end."""
    state = pytestconfig.stash[STATE]
    with open_suite(
        state.engine_settings(vault_target),
        vault_target.url,
        state.results_folder(),
        seed=state.seed,
        parallel=state.worker,
        selected=state.suite_order,
    ) as run:
        yield run


@pytest.fixture
def replcheck_check(
    request: pytest.FixtureRequest, replcheck_suite: SuiteRun, pytestconfig: pytest.Config
) -> CheckResult:
    """Run the check (or merge the judge) in the setup, so an engine error is a pytest error.

    Its name is ``SUITE_PARAM``, by which the plugin recognises the suite's tests."""
    result = replcheck_suite.run(request.param, pytestconfig.stash[STATE].suite_order)
    raise_error(result)
    return result


@pytest.mark.parametrize(SUITE_PARAM, suite_ids(), indirect=True)
def test_requirement(replcheck_check: CheckResult, pytestconfig: pytest.Config) -> None:
    conclude(replcheck_check, strict=pytestconfig.stash[STATE].strict)

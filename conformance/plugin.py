"""replcheck's pytest plugin (entry point ``pytest11: replcheck``): options, marker, fixtures.

Inert until used: without a replcheck option (or ``VAULT_ADDR``, or an ini key) nothing is
started, created or printed, and the fixtures do nothing unless a test asks for them. The
logic lives in ``replcheck.conformance.plugin_support``; the suite is
``replcheck.conformance.suite``::

    pytest --pyargs replcheck.conformance.suite --vault-addr https://vault:8200 --vault-token ...

Fixtures: ``vault_target``, ``vault_client``, ``replication_status``, ``replication_schema``,
``vault_non_sudo_token``. Marker: ``replcheck_requirement("ID", ...)``; in a marked test,
``target_deviates(message, expected=...)`` records a finding against the target (any other
failure is the test's own, not the target's).

A replication set (``--replcheck-topology FILE`` or ``--replcheck-topology-embedded NAME``):
fixtures ``replication_set`` and ``replication_link`` (marker ``replcheck_link("dr: A -> B")``);
its suite is ``replcheck.conformance.topology_suite``.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from replcheck.conformance.plugin_support import marks, options
from replcheck.conformance.plugin_support.deviation import TargetDeviation, target_deviates
from replcheck.conformance.plugin_support.replication_set import LINK_MARKER_HELP
from replcheck.conformance.plugin_support.state import (
    NO_TARGET,
    STATE,
    SUITE_PARAM,
    WORKER_KEY,
    NoTarget,
    PluginState,
)

if TYPE_CHECKING:
    import httpx

    from replcheck.conformance.plugin_support.replication_set import ReplicationSet, SetLink
    from replcheck.conformance.plugin_support.target import VaultTarget

__all__ = ["TargetDeviation", "target_deviates"]

_REQUIREMENTS = pytest.StashKey[list[str]]()
_MISUSE = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", marks.MARKER_HELP)
    config.addinivalue_line("markers", LINK_MARKER_HELP)
    state = PluginState.configure(config)
    config.stash[STATE] = state
    config.pluginmanager.register(RunHooks(state), "replcheck-run")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(state), "replcheck-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        state.close()


class XdistHooks:
    def __init__(self, state: PluginState) -> None:
        self.state = state

    def pytest_configure_node(self, node: Any) -> None:
        """Every worker gets the controller's seed, target and results folder."""
        node.workerinput[WORKER_KEY] = self.state.to_worker()


class RunHooks:
    """The hooks of one run, bound to its state."""

    def __init__(self, state: PluginState) -> None:
        self.state = state

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        if self.state.set_problem is not None:
            # The bundled topology suite with no usable set: one usage error, never a
            # session of errors (nor a silent choice of the embedded topology).
            raise pytest.UsageError(self.state.set_problem)
        suite_places = []
        for index, item in enumerate(items):
            try:
                ids = marks.requirement_ids(item)
            except pytest.UsageError as exc:
                if not self.state.worker:
                    raise
                # An xdist worker cannot end the session with a usage error (xdist reports an
                # internal error); the marked test errors with the same message instead.
                item.stash[_MISUSE] = str(exc)
                continue
            if ids:
                item.stash[_REQUIREMENTS] = ids
            if _suite_id(item) is not None:
                suite_places.append(index)
        if not suite_places:
            return
        problem = self.state.options.problem
        if problem is not None and not self.state.worker:
            # The suite is selected and its settings are unusable (a bad VAULT_* variable):
            # one usage error, not one error per test. An xdist worker cannot end the session
            # this way; there each test errors with the reason.
            raise pytest.UsageError(f"replcheck: {problem}")
        listing_only = bool(items[suite_places[0]].config.getoption("collectonly"))
        if not self.state.has_target and not listing_only:
            # The bundled suite with no target named: one usage error naming the settings,
            # never a session of errors (nor, ever, a silent choice of the embedded server).
            # Listing its tests (--collect-only) judges nothing, and needs no target.
            if not self.state.worker:
                raise pytest.UsageError(NO_TARGET)
            for index in suite_places:
                items[index].stash[_MISUSE] = NO_TARGET
        from replcheck.conformance.plugin_support.suite import ordered

        suite_items = {str(_suite_id(items[i])): items[i] for i in suite_places}
        for index, item_id in zip(suite_places, ordered(list(suite_items)), strict=True):
            items[index] = suite_items[item_id]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.state.suite_order = [
            item_id for item_id in map(_suite_id, session.items) if item_id is not None
        ]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.state.current_test = item.nodeid  # before the fixtures: their requests count
        misuse = item.stash.get(_MISUSE, None)
        if misuse is not None:
            pytest.fail(f"usage error: {misuse}", pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if self.state.active or self.state.replication is not None:
            self.state.mask_report(report)
        ids = item.stash.get(_REQUIREMENTS, None)
        if ids:
            # Plain values: with xdist the report crosses to the controller as JSON.
            setattr(report, marks.REPORT_ATTRIBUTE, ids)
            setattr(report, marks.REQUESTS_ATTRIBUTE, self.state.requests.get(item.nodeid, 0))
            if call.excinfo is not None and call.excinfo.errisinstance(TargetDeviation):
                deviation = call.excinfo.value
                assert isinstance(deviation, TargetDeviation)
                mask = self.state.masker.mask
                setattr(report, marks.DEVIATION_ATTRIBUTE,
                        [mask(deviation.message), mask(deviation.expected)])
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        ids = getattr(report, marks.REPORT_ATTRIBUTE, None)
        if ids and not self.state.worker:
            marks.record(self.state.user_results, report, ids)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # pytest calls this before pytest_sessionfinish: remember which signal stopped it.
        self.state.interrupted_by = int(getattr(excinfo.value, "signum", signal.SIGINT))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        state = self.state
        if state.folder is None or state.worker:
            return
        from replcheck.conformance.engine.run_result import Verdict
        from replcheck.conformance.plugin_support.results import assemble
        from replcheck.conformance.plugin_support.suite import suite_ids
        from replcheck.conformance.report import render_html, render_json

        render = {"json": render_json, "html": render_html}
        users = list(state.user_results.values())
        if session.exitstatus == pytest.ExitCode.INTERRUPTED and state.interrupted_by is None:
            state.interrupted_by = signal.SIGINT
        state.result = assemble(
            state.folder, suite_ids(), users, state.facts(), state.interrupted_by
        )
        if state.result is None:
            return
        gate_fails = state.result.exit_code == 1 or (
            state.result.verdict is Verdict.NOTHING_JUDGED and bool(state.suite_order)
        )
        if gate_fails and session.exitstatus == pytest.ExitCode.OK:
            # A target without the replication API (every replication test skipped as
            # unsupported), or a suite run that judged nothing: the gate must not pass
            # (``replcheck run`` exits 1 and 2 there).
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        for kind, path in state.options.reports.items():
            try:
                path.write_text(render[kind](state.result), encoding="utf-8")
            except OSError as exc:
                state.report_problems.append(f"cannot write the {kind} report {path}: {exc}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        state = self.state
        if state.worker or state.result is None:
            return
        from replcheck.conformance.plugin_support.summary import summary_lines

        terminalreporter.write_sep("=", "replcheck")
        for line in summary_lines(state.result, state.options.reports):
            terminalreporter.write_line(line)
        for problem in state.report_problems:
            terminalreporter.write_line(f"replcheck: ERROR {problem}", red=True)


def _suite_id(item: pytest.Item) -> str | None:
    """The engine id a test of the bundled suite runs, or None for any other test."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return params.get(SUITE_PARAM)


# --- fixtures for users' tests ------------------------------------------------------------------
@pytest.fixture(scope="session")
def vault_target(pytestconfig: pytest.Config) -> VaultTarget:
    """The target of the session: address, tokens (masked in every report), TLS, profile."""
    try:
        return pytestconfig.stash[STATE].target()
    except NoTarget as exc:
        reason = str(exc)
    # Failed outside the except block: pytest would otherwise print the sentence twice, the
    # second time "during handling of the above exception".
    pytest.fail(reason, pytrace=False)


@pytest.fixture
def vault_client(vault_target: VaultTarget) -> Iterator[httpx.Client]:
    """An httpx client on ``<address>/v1`` sending the sudo token (and namespace) if given."""
    with vault_target.client() as client:
        yield client


@pytest.fixture
def replication_status(vault_client: httpx.Client, pytestconfig: pytest.Config) -> dict[str, Any]:
    """The ``data`` of GET sys/replication/status, validated against the spec's status schema
    (the fixture fails, naming each violation's JSON path, when it is not valid)."""
    from replcheck.conformance.plugin_support.target import StatusInvalid, read_status

    try:
        return read_status(vault_client)
    except StatusInvalid as exc:
        reason = pytestconfig.stash[STATE].masker.mask(str(exc))
    pytest.fail(reason, pytrace=False)  # outside the except block: printed once


@pytest.fixture(scope="session")
def _replcheck_bound_schema(vault_target: VaultTarget) -> Iterator[Any]:
    from replcheck.conformance.plugin_support.schema import bind_schema, ca_path_bundle

    with ca_path_bundle(vault_target) as ca_file:
        yield bind_schema(vault_target, ca_file)


@pytest.fixture
def replication_schema(request: pytest.FixtureRequest, _replcheck_bound_schema: Any) -> Any:
    """The contract as a schemathesis schema bound to the target and judged by replcheck's
    Vault-aware judges: ``schemathesis.pytest.from_fixture("replication_schema")``."""
    from replcheck.conformance.plugin_support.schema import lazy_schema_compat

    lazy_schema_compat(request.node)
    return _replcheck_bound_schema


@pytest.fixture(scope="session")
def vault_non_sudo_token(vault_target: VaultTarget, pytestconfig: pytest.Config) -> Iterator[str]:
    """A token with update but no sudo on sys/replication/*: ``--vault-non-sudo-token``, or one
    provisioned with the sudo token (a policy and a token) and removed at the end, when the
    session may provision (``--replcheck-provision``, or the full profile): the safe profile
    changes nothing on the target."""
    if vault_target.non_sudo_token:
        yield vault_target.non_sudo_token
        return
    if not vault_target.token:
        pytest.skip("replcheck: no --vault-non-sudo-token, and no --vault-token to provision one")
    settings = pytestconfig.stash[STATE].options.settings
    if vault_target.profile != "full" and not (settings and settings.provision):
        pytest.skip(
            "replcheck: no --vault-non-sudo-token, and the safe profile provisions nothing "
            "without --replcheck-provision"
        )
    from replcheck.conformance.plugin_support.target import provision_non_sudo

    with provision_non_sudo(vault_target, pytestconfig.stash[STATE].masker) as token:
        yield token


# --- a replication set (the topology gate) ------------------------------------------------------
@pytest.fixture(scope="session")
def replication_set(pytestconfig: pytest.Config) -> ReplicationSet:
    """The set ``--replcheck-topology`` or ``--replcheck-topology-embedded`` names, read and
    judged once: clusters by name (``replication_set["B"].client``, its token masked),
    ``.result`` (the run), ``.last_round`` and ``.links``."""
    from replcheck.conformance.plugin_support.replication_set import NO_SET, NoSet

    session = pytestconfig.stash[STATE].replication
    try:
        if session is None:
            raise NoSet(NO_SET)
        return session.replication_set()
    except NoSet as exc:
        reason = str(exc)
    pytest.fail(reason, pytrace=False)  # outside the except block: printed once


@pytest.fixture
def replication_link(request: pytest.FixtureRequest,
                     replication_set: ReplicationSet) -> SetLink:
    """The link the test's ``replcheck_link("dr: A -> B")`` marker names: ``.primary`` and
    ``.secondary`` (each a cluster with its client and its ``read`` of the last round)."""
    from replcheck.conformance.plugin_support.replication_set import NoSet, link_label

    try:
        label = link_label(request.node)
        if label is None:
            raise NoSet(f"replcheck: {request.node.nodeid} uses replication_link without a "
                        "replcheck_link(\"dr: A -> B\") marker naming the link")
        return replication_set.link(label)
    except NoSet as exc:
        reason = str(exc)
    pytest.fail(reason, pytrace=False)

"""One pytest process's view of the run, kept in ``config.stash`` (never in a module global).

The engine is imported only when a replcheck feature is used, so that merely having replcheck
installed costs an unrelated pytest run next to nothing.

The process that runs the session (plain pytest, or the xdist controller) resolves the options,
draws the seed when none was given, starts the embedded reference server when asked, and
creates the results folder; xdist workers receive the same seed, target address and folder
through ``workerinput``, so every worker judges the same target with the same requests.
"""

from __future__ import annotations

import secrets
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from replcheck.conformance.plugin_support.options import PluginOptions, read_options
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.masking import NON_SUDO_LABEL, SUDO_LABEL, Masker, url_shown

if TYPE_CHECKING:
    from replcheck.conformance.engine.run_result import RunResult
    from replcheck.conformance.judging.outcomes import CheckResult
    from replcheck.conformance.plugin_support.replication_set import SetSession
    from replcheck.conformance.plugin_support.results import ResultsFolder, RunFacts
    from replcheck.conformance.plugin_support.target import VaultTarget

#: The key of ``workerinput`` the controller fills for its workers.
WORKER_KEY = "replcheck"
#: The name of the bundled suite test's parameter: the plugin recognises suite tests by it.
SUITE_PARAM = "replcheck_check"


#: Why there is no target, and the settings that name one.
NO_TARGET = (
    "replcheck: no target: pass --vault-addr URL (or set VAULT_ADDR, or the ini key "
    "vault_addr) to judge a Vault, or --replcheck-embedded to judge the embedded reference "
    "server"
)


class NoTarget(Exception):
    """A replcheck test or fixture needs a target and none can be used; says why and how."""


@dataclass
class PluginState:
    """Everything the plugin knows in one process; ``STATE`` finds it in ``config.stash``."""

    options: PluginOptions
    seed: int
    #: None when no replcheck target or report was asked for: the plugin then does nothing.
    folder: ResultsFolder | None = None
    #: True in an xdist worker: other processes run other tests of the same run.
    worker: bool = False
    embedded_url: str | None = None
    embedded_token: str | None = field(default=None, repr=False)
    masker: Masker = field(default_factory=Masker)
    #: Ids of the suite's tests selected in this session, in order (each xdist worker collects
    #: them all, so every worker knows what the others will run).
    suite_order: list[str] = field(default_factory=list)
    #: Users' tests marked replcheck_requirement, by node id (kept by the controlling process).
    user_results: dict[str, CheckResult] = field(default_factory=dict)
    #: The test running in this process, and the requests each test sent through the
    #: plugin's clients (``vault_client``, ``replication_status``, ``vault_target.client()``).
    current_test: str = ""
    requests: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    stack: ExitStack = field(default_factory=ExitStack)
    #: The engine's result of the whole run, assembled at the end by the controlling process.
    result: RunResult | None = None
    report_problems: list[str] = field(default_factory=list)
    #: The signal that stopped the session (Ctrl-C, SIGTERM, SIGHUP), if one did: the result
    #: then claims no verdict, as ``replcheck run``'s does.
    interrupted_by: int | None = None
    #: The replication set the topology options name, judged when first asked for.
    replication: SetSession | None = None
    #: Why the bundled topology suite has no set to judge (the session ends with it).
    set_problem: str | None = None

    @classmethod
    def configure(cls, config: pytest.Config) -> PluginState:
        options = read_options(config)
        given = config.getoption("replcheck_opt_url")
        if options.embedded and given:
            raise pytest.UsageError(
                f"replcheck: pass either --vault-addr ({given}) or --replcheck-embedded, not both"
            )
        handed = getattr(config, "workerinput", {}).get(WORKER_KEY)
        if handed is not None:
            state = cls(options, seed=handed["seed"], worker=True)
            if handed["folder"]:
                state.folder = _folder(Path(handed["folder"]))
            state.embedded_url = handed["embedded_url"]
            state.embedded_token = handed["embedded_token"]
        else:
            settings = options.settings
            seed = settings.seed if settings and settings.seed is not None else None
            state = cls(options, seed=secrets.randbelow(2**31) if seed is None else seed)
            if options.wants_target or options.reports:
                state.results_folder()
            if options.embedded:
                state._start_embedded()
        state.masker.add(state.embedded_token, SUDO_LABEL)
        from replcheck.conformance.plugin_support.replication_set import SetSession, read_choice

        choice = read_choice(config)
        if choice.named:
            state.replication = SetSession(choice, options.settings, state.masker)
        if options.settings is not None:
            state.masker.add(options.settings.token, SUDO_LABEL)
            state.masker.add(options.settings.non_sudo_token, NON_SUDO_LABEL)
        return state

    def _start_embedded(self) -> None:
        from replcheck.conformance.engine.aborted import RunAborted
        from replcheck.conformance.engine.runner import open_target

        try:
            url, token, _ = self.stack.enter_context(open_target(Settings()))
        except RunAborted as exc:
            raise pytest.UsageError(f"replcheck: {exc}") from None
        self.embedded_url, self.embedded_token = url, token

    def to_worker(self) -> dict[str, Any]:
        """What an xdist worker needs to judge the same target with the same seed."""
        return {
            "seed": self.seed,
            "folder": str(self.folder.path) if self.folder else None,
            "embedded_url": self.embedded_url,
            "embedded_token": self.embedded_token,
        }

    @property
    def strict(self) -> bool:
        """``--replcheck-strict`` (or ``REPLCHECK_STRICT``, or the ini key)."""
        return bool(self.options.settings and self.options.settings.strict)

    @property
    def has_target(self) -> bool:
        """Whether a target was named (an address, or the embedded server), usable or not."""
        return self.embedded_url is not None or self.options.wants_target

    @property
    def active(self) -> bool:
        return self.folder is not None

    def results_folder(self) -> ResultsFolder:
        """The run's results folder; the controlling process creates it when first needed."""
        if self.folder is None:
            if self.worker:
                raise NoTarget("replcheck: the xdist controller handed this worker no target")
            self.folder = _folder(None)
        return self.folder

    def target(self) -> VaultTarget:
        """The session's target; ``NoTarget`` says why there is none and what to pass."""
        from replcheck.conformance.plugin_support.target import VaultTarget

        options = self.options
        if self.embedded_url is not None:
            profile = options.settings.profile if options.settings else None
            return VaultTarget(
                url=self.embedded_url,
                token=self.embedded_token,
                profile=profile or "full",
                seed=self.seed,
                embedded=True,
                on_request=self.count_request,
            )
        if options.problem is not None:
            raise NoTarget(f"replcheck: {options.problem}")
        settings = options.settings
        if settings is None or settings.url is None:
            raise NoTarget(NO_TARGET)
        return VaultTarget.of(
            settings,
            profile=settings.resolved_profile,
            seed=self.seed,
            on_request=self.count_request,
        )

    def count_request(self) -> None:
        """One request sent through the plugin's clients, by the test running now."""
        self.requests[self.current_test] = self.requests.get(self.current_test, 0) + 1

    def engine_settings(self, target: VaultTarget) -> Settings:
        """The engine's settings: the target's, with the run's budget, bounds, concurrency,
        strictness and ``--replcheck-provision``."""
        given = self.options.settings or Settings()
        return target.settings(
            max_examples=given.max_examples,
            max_response_bytes=given.max_response_bytes,
            client_timeout=given.client_timeout,
            budget=given.budget,
            concurrency=given.concurrency,
            strict=self.strict,
            provision=given.provision,
        )

    def facts(self) -> RunFacts:
        from replcheck.conformance.plugin_support.results import RunFacts

        try:
            target = self.target()
            url, settings = target.url, self.engine_settings(target).public()
            profile = target.profile
            kind = "embedded reference server" if target.embedded else f"URL {url_shown(url)}"
        except NoTarget:
            url, settings, profile, kind = "no target", {}, "safe", "no target"
        return RunFacts(
            target_url=url,
            settings=settings,
            seed=self.seed,
            profile=profile,
            started_at=self.started_at,
            duration_s=time.perf_counter() - self.started,
            target_kind=kind,
        )

    def mask_report(self, report: pytest.TestReport) -> None:
        """Mask every known token in a test's failure text and captured output."""
        mask = self.masker.mask
        longrepr = report.longrepr
        if isinstance(longrepr, tuple):
            # A skip's (path, line, reason): kept a tuple, which pytest's junitxml requires.
            path, line, reason = longrepr
            report.longrepr = (mask(str(path)), line, mask(str(reason)))
        elif longrepr is not None:
            text = str(longrepr)
            masked = mask(text)
            if masked != text:
                report.longrepr = masked
        report.sections = [(title, mask(content)) for title, content in report.sections]

    def close(self) -> None:
        if self.replication is not None:
            self.replication.close()
        self.stack.close()
        if self.folder is not None and not self.worker:
            self.folder.remove()


def _folder(path: Path | None) -> ResultsFolder:
    from replcheck.conformance.plugin_support.results import ResultsFolder

    return ResultsFolder.create() if path is None else ResultsFolder(path)


STATE = pytest.StashKey[PluginState]()

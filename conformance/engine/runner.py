"""Run the suite against one target: the engine behind ``replcheck run`` and the pytest plugin.

Public API (used by the CLI, the pytest plugin and the zoo tests of the broken servers)::

    from replcheck.conformance.engine.runner import run, RunAborted
    from replcheck.conformance.settings.target import Settings

    result = run(Settings(url="http://127.0.0.1:8200", token="hvs.…", seed=7))
    result.exit_code                          # 0 conformant, 1 not conformant / unsupported
    result.results["REINDEX-SUDO"].outcome    # an ``Outcome``: passed, failed, error, ...
    result.results["REINDEX-SUDO"].findings   # what deviated, with the exchanges
    result.failed                             # ids of the failed requirements

``run`` raises ``RunAborted`` (exit code 2, one sentence in ``str(exc)``) when the run cannot be
made: unreachable target, TLS failure, a bad ``-k`` expression, an answer beyond the run's
bounds (too slow, too large, nested too deep). On Ctrl-C, SIGTERM or SIGHUP it stops before any
further request but cleanup, removes what it provisioned, and raises ``RunInterrupted`` (a
``KeyboardInterrupt``) whose ``result`` is the partial ``RunResult`` (verdict "interrupted",
exit code 128 + the signal number: 130 for Ctrl-C). ``Settings(url=None)`` starts the
embedded reference server on a free loopback port and judges it.

The pytest plugin runs the same checks one per test, through the same ``Session``::

    with open_target(settings) as (base_url, sudo_token, description):
        with session(settings, base_url, sudo_token, seed=7) as opened:
            for item in opened.ordered_checks():
                result, judgements = opened.run_judged(item)

``run_judged`` gives a check's result and the judges' verdicts on that check's exchanges only;
``outcomes.merge`` (``judges.merge_judgements`` for judges) combines such pieces, from several
processes, into what one ``run`` reports, by the rule every enforcer follows
(``replcheck.conformance.enforcement.enforcers``), and ``outcomes.per_requirement`` groups results
by requirement as ``RunResult.results`` does.

The modules: ``session`` (the ``Session`` and its checks, judges and watchers),
``session_opening`` (before the first check), ``run_result`` (``RunResult`` and its
``Verdict``), this module (the run entry and its target).

Exit codes, as ``RunResult.exit_code`` gives them (``Verdict.exit_code``):

- 0: every requirement that was judged passed (requirements not run are listed with reasons);
- 1: at least one requirement failed (or, with ``--strict``, was not run for a reason other
  than the profile); *or* the target has no replication API (Vault Community Edition, or a 404
  on the status as from OpenBao): a gate asking "does this target implement Vault's replication
  API?" must not pass there, though no requirement is counted as failed (they are unsupported);
- 2: the suite itself broke on a check (outcome ``error``), or the run judged no requirement at
  all: no verdict can be claimed. (``RunAborted`` — a wrong token, an unreachable target, a
  ``-k`` selecting nothing — is exit 2 as well, before any check.)

Order of a run: look every given token up (``preflight``), read the status once (edition,
cluster ids, printed before any state-changing call; without them the full profile changes
nothing; without a replication API nothing more is sent), provision missing tokens, run the
non-mutating checks, then (``full`` only) the mutating ones; the per-response judges watch
every exchange throughout, and the run-wide watchers (``Session.watch_result``: WAL counters
never go back) every status answer, bookkeeping reads included, with a last read after the
checks. Provisioned tokens and policies are removed at the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from replcheck.conformance.concurrency.interruption import (
    RunInterrupted,
    StopRequest,
    stopping_on_signals,
)
from replcheck.conformance.engine.aborted import RunAborted
from replcheck.conformance.engine.progress import Listener, Silent
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.engine.session import Session, choose
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import RecordingClient
from replcheck.conformance.transport.masking import Masker, url_shown

__all__ = ["RunAborted", "RunResult", "open_target", "run"]

#: Address shown by ``--plan`` when the embedded server would be the target.
PLAN_EMBEDDED_URL = "http://127.0.0.1:8200"

#: The embedded target's reindex stage unit. The full profile sends a few dozen successful
#: reindexes and waits for each to finish (as it must with a real cluster); a 25 ms reindex
#: keeps ``make run`` quick while every stage still shows in the status.
EMBEDDED_REINDEX_STAGE_SECONDS = 0.005


@contextmanager
def open_target(settings: Settings) -> Iterator[tuple[str, str | None, str]]:
    """(base URL, sudo token, description): the given URL, or a fresh embedded server."""
    if settings.url is not None:
        yield settings.url, settings.token, settings.url
        return
    if settings.plan:
        yield (
            PLAN_EMBEDDED_URL,
            settings.token or "embedded-root-token",
            "the embedded reference server (a free loopback port when run)",
        )
        return
    from replcheck.reference_server.config import ServerConfig
    from replcheck.reference_server.embedded import EmbeddedServer

    token = settings.token or f"hvs.{secrets.token_urlsafe(24)}"
    try:
        server = EmbeddedServer(
            ServerConfig(root_token=token, reindex_stage_seconds=EMBEDDED_REINDEX_STAGE_SECONDS)
        ).start()
    except RuntimeError as exc:
        raise RunAborted(f"the embedded reference server could not start: {exc}") from None
    try:
        yield server.url, server.root_token, f"the embedded reference server at {server.url}"
    finally:
        server.stop()


def run(
    settings: Settings, listener: Listener | None = None, stop: StopRequest | None = None
) -> RunResult:
    """Judge the target ``settings`` describe; see the module docstring for the contract.

    ``stop`` lets the caller share the run's stop request (the CLI keeps ignoring further
    signals after the run, while it writes the reports)."""
    listener = listener or Silent()
    selection = choose(settings)
    seed = settings.seed if settings.seed is not None else secrets.randbelow(2**31)
    profile = settings.resolved_profile
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    listener.message(f"seed: {seed}  (replay with --seed {seed})")
    stop = stop if stop is not None else StopRequest()
    try:
        with stopping_on_signals(stop), open_target(settings) as target:
            base_url, sudo_token, description = target
            masker = Masker.for_tokens(sudo_token, settings.non_sudo_token)
            listener.message(f"target: {description}  profile: {profile}")
            with RecordingClient(
                settings, base_url, masker, plan=settings.plan, stop=stop
            ) as client:
                opened = Session(settings, client, selection, listener, seed, profile, sudo_token)
                if settings.budget is not None:
                    # The budget counts from the run's start, the embedded server's too.
                    opened.state.deadline = started + settings.budget
                result = opened.execute(description, base_url)
    except RunInterrupted as exc:
        if exc.result is not None:
            exc.result.target_kind = target_kind(settings)
            exc.result.started_at = started_at
            exc.result.duration_s = time.perf_counter() - started
        raise
    result.target_kind = target_kind(settings)
    result.started_at = started_at
    result.duration_s = time.perf_counter() - started
    return result


def target_kind(settings: Settings) -> str:
    """How the verdict line names the target: ``embedded reference server`` or ``URL <url>``."""
    if settings.url is None:
        return "embedded reference server"
    return f"URL {url_shown(settings.url)}"

"""A live topology run: read a replication set round after round and judge it across clusters.

Public API (the CLI's ``replcheck run --topology`` / ``--secondary-url``, and the tests)::

    from replcheck.conformance.topology.run import run_topology
    from replcheck.conformance.topology.targets import from_file

    targets = from_file(Path("set.yaml"), Settings(), os.environ)
    result = run_topology(targets, Settings(converge_timeout=30))
    result.exit_code        # 0 conformant, 1 not conformant, 2 a cluster unreachable
    result.results["TOPOLOGY-WAL-BOUND"].checks   # one result per link ("dr: A -> B")

Order of a run:

1. Unless the targets give every cluster's role, a first *ordering* read of every cluster: its
   own order is not secondary-first, so it is used only to rank the clusters, never judged.
2. The first judged round, every secondary read before its primary; every cluster's ids are
   printed (name, URL, per mode its role and ``cluster_id``) before any judgement.
3. Converge: while a relation declared ``converges=True`` (caught up, equal merkle roots,
   stream-wals) fails, the set is read again with exponential backoff (0.25 s doubling up to
   5 s) until ``--converge-timeout`` (default 60 s) has passed since the first judged round.
4. ``--watch DURATION``: rounds keep being read every ``--watch-interval`` for that long, and
   the history relations (a merkle loop, a stream that never resumes, a heartbeat that stops)
   judge all the rounds.

Every request goes through the engine's ``RecordingClient`` (one per cluster: its TLS settings,
the run's bounds, one masker holding every cluster's token); the exchanges are the reports'.
A cluster that cannot be read is named in one sentence (``RunResult.unreachable``): the others
are judged and reported, and the run exits 2.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

from replcheck.conformance.checks.edition import Edition
from replcheck.conformance.concurrency.interruption import (
    RunInterrupted,
    StopRequest,
    stopping_on_signals,
)
from replcheck.conformance.engine.progress import Listener, Silent
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import (
    CheckResult,
    Outcome,
    enforcer_id,
    per_requirement,
)
from replcheck.conformance.settings.selection import Selection
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.topology.judging import TopologyJudgement, judge
from replcheck.conformance.topology.reading import read_order, read_round, roles_of
from replcheck.conformance.topology.relations import REGISTRY, TopologySettings
from replcheck.conformance.topology.scenarios import (
    ScenarioContext,
    ScenarioOutcome,
    run_scenarios,
)
from replcheck.conformance.topology.snapshot import Round
from replcheck.conformance.topology.targets import Targets, roles_known
from replcheck.conformance.topology.view import topology_view
from replcheck.conformance.transport.client import RecordingClient
from replcheck.conformance.transport.masking import SUDO_LABEL, Masker, url_shown

__all__ = [
    "FIRST_BACKOFF_S", "MAX_BACKOFF_S", "converging_failures", "masker_for", "run_topology",
]

#: The first wait before reading a set again while it converges, doubled after each read.
FIRST_BACKOFF_S = 0.25
#: The longest wait between two reads while converging.
MAX_BACKOFF_S = 5.0


def converging_failures(judgement: TopologyJudgement) -> list[str]:
    """The ids (``REQUIREMENT::link``) of the failed results whose relation converges: what
    may still pass on a later read."""
    return [
        result.id for result in judgement.results
        if result.outcome is Outcome.FAILED
        and (relation := REGISTRY.get(result.requirement)) is not None and relation.converges
    ]


def masker_for(targets: Targets) -> Masker:
    """One masker holding every cluster's token, each under the variable it came from."""
    masker = Masker()
    for cluster in targets.clusters:
        given = cluster.token_from or ""
        masker.add(cluster.token, given if given.startswith("$") else SUDO_LABEL)
    return masker


@contextmanager
def _clients(targets: Targets, masker: Masker,
             stop: StopRequest) -> Iterator[dict[str, RecordingClient]]:
    with ExitStack() as stack:
        yield {
            cluster.name: stack.enter_context(
                RecordingClient(cluster.settings, cluster.url, masker, plan=False, stop=stop))
            for cluster in targets.clusters
        }


def _id_lines(round_: Round) -> list[str]:
    """Per cluster: its name, URL, and per mode its role and cluster id (or why unread)."""
    lines = []
    for read in round_:
        where = f"cluster {read.cluster} ({url_shown(read.url) if read.url else '-'})"
        if read.error is not None:
            lines.append(f"{where}: unreachable")
            continue
        modes = []
        for mode, role in roles_of(read).items():
            section = (read.status or {}).get(mode) or {}
            modes.append(f"{mode} {role} {section.get('cluster_id') or '-'}")
        lines.append(f"{where}: {', '.join(modes) or 'no replication section'}")
    return lines


class _Reader:
    """The rounds of one run, read through the clusters' clients in secondary-first order."""

    def __init__(self, targets: Targets, clients: dict[str, RecordingClient],
                 listener: Listener) -> None:
        self.targets = targets
        self.clients = clients
        self.listener = listener
        self.rounds: list[Round] = []
        self.order = list(targets.clusters)

    def start(self) -> None:
        if roles_known(self.targets):
            roles = {c.name: dict(c.roles) for c in self.targets.clusters}
        else:
            ordering = read_round(self.clients, self.targets.clusters)
            roles = {read.cluster: roles_of(read) for read in ordering}
        self.order = read_order(self.targets.clusters, roles)
        self.listener.message(
            "read order (every secondary before its primary): "
            + ", ".join(c.name for c in self.order))
        self.read()
        for line in _id_lines(self.rounds[0]):
            self.listener.message(line)

    def read(self) -> Round:
        round_ = read_round(self.clients, self.order)
        self.rounds.append(round_)
        return round_


def _judge(rounds: Sequence[Round], settings: TopologySettings,
           keyword: str | None) -> TopologyJudgement:
    return judge(rounds, settings, keyword=keyword)


def run_topology(targets: Targets, settings: Settings, listener: Listener | None = None,
                 stop: StopRequest | None = None, *, target_kind: str | None = None,
                 rounds_out: list[Round] | None = None, bounds: TopologySettings | None = None,
                 drill: str | None = None) -> RunResult:
    """Read and judge the set ``targets`` names; ``settings`` gives the bounds (the run's
    ``--converge-timeout``, ``--watch``, ``-k``, and each cluster's transport bounds are its
    own ``ClusterTarget.settings``). See the module docstring for the order of a run.
    ``rounds_out``, when given, receives every judged round (``--save-snapshots``).
    ``bounds`` gives the relations' other bounds (heartbeat age, clock skew ...; the
    convergence bound and the expected roles always come from ``settings`` and ``targets``).
    In the full profile the active scenarios run after the first round (``scenarios``), and
    ``drill`` (``failover``) adds the failover drill."""
    listener = listener or Silent()
    stop = stop if stop is not None else StopRequest()
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    relation_settings = dataclasses.replace(
        bounds or TopologySettings(),
        converge_timeout_s=settings.converge_s, expected_roles=targets.expected_roles())
    active: list[CheckResult] = []
    masker = masker_for(targets)
    kind = target_kind or f"topology of {len(targets.clusters)} clusters ({targets.source})"
    listener.message(f"target: {kind}  profile: {settings.resolved_profile}")
    reader: _Reader | None = None
    clients: dict[str, RecordingClient] = {}
    try:
        with stopping_on_signals(stop), _clients(targets, masker, stop) as clients:
            reader = _Reader(targets, clients, listener)
            reader.start()
            if settings.resolved_profile == "full":
                outcome = _active(reader, targets, relation_settings, settings, listener, drill)
                active = outcome.results
                relation_settings = dataclasses.replace(
                    relation_settings, after_failover=outcome.after_failover)
                # The scenarios restarted the streams on purpose (reindex, recover, a
                # failover): what the set shows is judged from the rounds read after them.
                reader.rounds.clear()
                reader.read()
            judgement = _converge(reader, relation_settings, settings, listener)
            if settings.watch:
                judgement = _watch(reader, relation_settings, settings, listener)
    except RunInterrupted as exc:
        rounds = reader.rounds if reader is not None else []
        partial = _result(targets, settings, kind, rounds, clients,
                          _judge(rounds, relation_settings, settings.keyword) if rounds else None,
                          active)
        partial.interrupted_by = exc.signum
        partial.started_at, partial.duration_s = started_at, time.perf_counter() - started
        raise RunInterrupted(exc.signum, partial) from None
    result = _result(targets, settings, kind, reader.rounds, clients, judgement, active)
    if rounds_out is not None:
        rounds_out.extend(reader.rounds)
    result.started_at, result.duration_s = started_at, time.perf_counter() - started
    return result


def _active(reader: _Reader, targets: Targets, relation_settings: TopologySettings,
            settings: Settings, listener: Listener, drill: str | None) -> ScenarioOutcome:
    """The full profile's scenarios (a write, a reindex, a recover, the drill if asked) on the
    set whose ids the first round printed; their results are kept to ``-k``'s selection."""
    context = ScenarioContext(
        clients=reader.clients,
        tokens={c.name: c.token for c in targets.clusters},
        read=lambda: read_round(reader.clients, reader.order),
        settings=relation_settings,
        run_id=uuid.uuid4().hex[:12],
        say=listener.message,
        drill=drill,
        unseal_keys=targets.unseal_keys,
    )
    outcome = run_scenarios(context)
    selection = Selection(settings.keyword)
    outcome.results = [r for r in outcome.results
                       if selection.matches(enforcer_id(r.requirement, r.name), r.requirement)]
    return outcome


def _converge(reader: _Reader, relation_settings: TopologySettings, settings: Settings,
              listener: Listener) -> TopologyJudgement:
    """Judge the rounds read so far, reading again with backoff while a converging relation
    fails, until it passes or ``--converge-timeout`` has passed."""
    deadline = time.monotonic() + settings.converge_s
    wait = FIRST_BACKOFF_S
    judgement = _judge(reader.rounds, relation_settings, settings.keyword)
    pending = converging_failures(judgement)
    while pending and time.monotonic() + wait <= deadline:
        listener.message(
            f"converging: {len(pending)} relation(s) not yet met ({pending[0]}…); reading "
            f"again in {wait:g}s")
        time.sleep(wait)
        reader.read()
        wait = min(wait * 2, MAX_BACKOFF_S)
        judgement = _judge(reader.rounds, relation_settings, settings.keyword)
        pending = converging_failures(judgement)
    if pending:
        listener.message(
            f"converge timeout ({settings.converge_s:g}s) reached with {len(pending)} "
            "relation(s) still failing")
    return judgement


def _watch(reader: _Reader, relation_settings: TopologySettings, settings: Settings,
           listener: Listener) -> TopologyJudgement:
    """Read the set every ``--watch-interval`` for ``--watch`` seconds, then judge it all."""
    assert settings.watch is not None
    listener.message(
        f"watching the set for {settings.watch:g}s, a read every {settings.watch_every_s:g}s")
    end = time.monotonic() + settings.watch
    while time.monotonic() + settings.watch_every_s <= end:
        time.sleep(settings.watch_every_s)
        reader.read()
    listener.message(f"watched: {len(reader.rounds)} rounds read")
    return _judge(reader.rounds, relation_settings, settings.keyword)


def _result(targets: Targets, settings: Settings, kind: str, rounds: Sequence[Round],
            clients: dict[str, RecordingClient],
            judgement: TopologyJudgement | None,
            active: Sequence[CheckResult] = ()) -> RunResult:
    checks = [*(judgement.results if judgement is not None else ()), *active]
    last = rounds[-1] if rounds else ()
    unreachable = {read.cluster: read.error for read in last if read.error is not None}
    cluster_ids = {
        f"{read.cluster} {mode}": {"mode": role,
                                   "cluster_id": ((read.status or {}).get(mode) or {})
                                   .get("cluster_id")}
        for read in last for mode, role in roles_of(read).items()
    }
    exchanges = sorted(
        (e for client in clients.values() for e in client.exchanges),
        key=lambda e: e.response.received_at if e.response is not None else 0.0)
    public = settings.public()
    public["converge_timeout"] = settings.converge_s
    public["watch_interval"] = settings.watch_every_s
    public["clusters"] = {c.name: url_shown(c.url) for c in targets.clusters}
    notes = [f"{len(rounds)} round(s) read, every secondary before its primary"]
    notes += list(unreachable.values())
    result = RunResult(
        target="topology",
        target_url=", ".join(url_shown(c.url) for c in targets.clusters),
        settings=public,
        seed=0,
        profile=settings.resolved_profile,
        plan=False,
        edition=Edition.ENTERPRISE,
        results=per_requirement(checks),
        checks=checks,
        exchanges=exchanges,
        cluster_ids=cluster_ids,
        notes=notes,
        strict=settings.strict,
        target_kind=kind,
    )
    result.unreachable = {name: error for name, error in unreachable.items() if error}
    if judgement is not None:
        result.topology = topology_view(judgement, rounds)
    return result

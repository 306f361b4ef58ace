"""The plugin's side of the topology gate: a replication set, its fixtures' values and its run.

Two options name the set, never a default: ``--replcheck-topology FILE`` (a targets file, as
``replcheck run --topology FILE`` reads it) and ``--replcheck-topology-embedded NAME`` (a named
reference topology, ``dr-pair``, ``perf-pair``, ``six-cluster``, started by the plugin in this
process when first needed and stopped at the end of the session). Nothing is read or started
until a fixture or the bundled topology suite asks for the set.

The set is judged once per session with ``replcheck run --topology``'s own run
(``replcheck.conformance.topology.run.run_topology``: secondaries read before their primary,
convergence polled under ``--replcheck-converge-timeout``, ``--replcheck-watch``); the fixtures
and the bundled suite (``replcheck.conformance.topology_suite``) share that run and its last
round.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from replcheck.conformance.settings.target import Settings
from replcheck.conformance.settings.values import SettingError, one_line

if TYPE_CHECKING:
    import httpx

    from replcheck.conformance.engine.run_result import RunResult
    from replcheck.conformance.topology.pairing import Link
    from replcheck.conformance.topology.snapshot import ClusterRead, Round
    from replcheck.conformance.topology.targets import Targets
    from replcheck.conformance.transport.masking import Masker

TOPOLOGY_FLAG = "--replcheck-topology"
TOPOLOGY_INI = "replcheck_topology"
TOPOLOGY_ENV = "REPLCHECK_TOPOLOGY"
EMBEDDED_TOPOLOGY_FLAG = "--replcheck-topology-embedded"
EMBEDDED_TOPOLOGY_INI = "replcheck_topology_embedded"
LINK_MARKER = "replcheck_link"
LINK_MARKER_HELP = (
    f"{LINK_MARKER}(label): the link of the replication set the replication_link fixture "
    "gives, by its label (\"dr: A -> B\", \"performance: A -> C\")"
)

#: Why there is no set, and the settings that name one.
NO_SET = (
    f"replcheck: no replication set: pass {TOPOLOGY_FLAG} FILE (a targets file; or set "
    f"{TOPOLOGY_ENV}, or the ini key {TOPOLOGY_INI}) to judge clusters you run, or "
    f"{EMBEDDED_TOPOLOGY_FLAG} NAME (dr-pair, perf-pair, six-cluster) to judge the embedded "
    "reference topology"
)


class NoSet(Exception):
    """A fixture or the topology suite needs the set and none can be used; says why."""


def add_topology_options(group: pytest.OptionGroup, parser: pytest.Parser) -> None:
    group.addoption(
        TOPOLOGY_FLAG,
        default=None,
        dest="replcheck_topology",
        metavar="FILE",
        help="judge the replication set this targets file names (YAML or JSON, as replcheck "
        f"run --topology FILE reads it) [env {TOPOLOGY_ENV}] [ini {TOPOLOGY_INI}]",
    )
    parser.addini(TOPOLOGY_INI, "the targets file of the replication set", default="")
    group.addoption(
        EMBEDDED_TOPOLOGY_FLAG,
        default=None,
        dest="replcheck_topology_embedded",
        metavar="NAME",
        help="start the named reference topology (dr-pair, perf-pair, six-cluster) on free "
        "loopback ports for the session and judge it as the replication set "
        f"[ini {EMBEDDED_TOPOLOGY_INI}]",
    )
    parser.addini(EMBEDDED_TOPOLOGY_INI, "the reference topology to start", default="")


@dataclass(frozen=True)
class SetChoice:
    """Which set the options name: a targets file or an embedded topology (at most one)."""

    file: Path | None = None
    embedded: str | None = None

    @property
    def named(self) -> bool:
        return self.file is not None or self.embedded is not None


def read_choice(config: pytest.Config, environ: Mapping[str, str] | None = None) -> SetChoice:
    """The set the flags, the environment and the ini keys name (a flag wins, then the
    variable, then the ini key); both kinds at once is a usage error."""
    environ = os.environ if environ is None else environ
    file = (config.getoption("replcheck_topology") or environ.get(TOPOLOGY_ENV)
            or config.getini(TOPOLOGY_INI) or None)
    embedded = (config.getoption("replcheck_topology_embedded")
                or config.getini(EMBEDDED_TOPOLOGY_INI) or None)
    if file and embedded:
        raise pytest.UsageError(
            f"replcheck: pass either {TOPOLOGY_FLAG} ({file}) or {EMBEDDED_TOPOLOGY_FLAG} "
            f"({embedded}), not both")
    return SetChoice(Path(str(file)) if file else None, str(embedded) if embedded else None)


@dataclass(frozen=True)
class SetCluster:
    """One cluster of the set: its name, URL and an httpx client on ``<url>/v1`` sending its
    token (never in ``repr``; masked in every report of the session)."""

    name: str
    url: str
    client: httpx.Client = field(repr=False)
    #: Its read in the last judged round (None when the set was never read).
    read: ClusterRead | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SetLink:
    """A paired link of the last judged round, with both clusters and their reads."""

    link: Link
    primary: SetCluster
    secondary: SetCluster

    @property
    def label(self) -> str:
        return self.link.label

    @property
    def mode(self) -> str:
        return self.link.mode


class ReplicationSet(Mapping[str, SetCluster]):
    """The clusters of the set by name (``replication_set["B"].client.get(...)``), the run
    that judged it (``result``), its last judged round and the links paired in it."""

    def __init__(self, clusters: Mapping[str, SetCluster], result: RunResult,
                 last_round: Round, links: tuple[Link, ...]) -> None:
        self._clusters = dict(clusters)
        self.result = result
        self.last_round = last_round
        self.links = links

    def __getitem__(self, name: str) -> SetCluster:
        return self._clusters[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._clusters)

    def __len__(self) -> int:
        return len(self._clusters)

    def __repr__(self) -> str:
        return f"ReplicationSet({', '.join(self._clusters)})"

    def link(self, label: str) -> SetLink:
        """The link labelled ``label``; ``NoSet`` in one sentence naming the labels there are."""
        for link in self.links:
            if link.label == label:
                return SetLink(link, self[link.primary], self[link.secondary])
        there = ", ".join(repr(link.label) for link in self.links) or "none"
        raise NoSet(f"replcheck: the replication set has no link {label!r}; its links are "
                    f"{there}")


class SetSession:
    """The session's set: started, read and judged once, when first asked for."""

    def __init__(self, choice: SetChoice, settings: Settings | None, masker: Masker) -> None:
        self.choice = choice
        self.settings = settings or Settings()
        self.masker = masker
        self.stack = ExitStack()
        self._set: ReplicationSet | None = None
        self._problem: str | None = None

    def replication_set(self) -> ReplicationSet:
        """The judged set; ``NoSet`` says why there is none (one sentence)."""
        if self._problem is not None:
            raise NoSet(self._problem)
        if self._set is None:
            if not self.choice.named:
                raise NoSet(NO_SET)
            try:
                self._set = self._judge()
            except SettingError as exc:
                sentence = one_line(str(exc)).replace("--topology ", f"{TOPOLOGY_FLAG} ")
                self._problem = f"replcheck: {sentence}"
                raise NoSet(self._problem) from None
        return self._set

    def _targets(self) -> tuple[Targets, Settings]:
        """The targets and the run's settings: the embedded topology's in the full profile
        unless ``--replcheck-profile`` says otherwise, as ``replcheck run --embedded``."""
        from replcheck.conformance.topology.embedded import embedded
        from replcheck.conformance.topology.targets import from_file

        if self.choice.embedded is not None:
            settings = self.settings.replace(url=None)
            targets = self.stack.enter_context(embedded(self.choice.embedded, settings))
            return targets, settings
        assert self.choice.file is not None
        settings = self.settings.replace(profile=self.settings.profile or "safe")
        return from_file(self.choice.file, settings, os.environ), settings

    def _judge(self) -> ReplicationSet:
        from replcheck.conformance.plugin_support.target import VaultTarget
        from replcheck.conformance.topology.pairing import pair
        from replcheck.conformance.topology.run import run_topology
        from replcheck.conformance.transport.masking import SUDO_LABEL

        targets, settings = self._targets()
        for cluster in targets.clusters:
            given = cluster.token_from or ""
            self.masker.add(cluster.token, given if given.startswith("$") else SUDO_LABEL)
        rounds: list[Round] = []
        result = run_topology(targets, settings, rounds_out=rounds,
                              target_kind=targets.source)
        last: Round = rounds[-1] if rounds else ()
        reads = {read.cluster: read for read in last}
        clusters = {}
        for cluster in targets.clusters:
            target = VaultTarget.of(cluster.settings, profile=settings.resolved_profile)
            client = self.stack.enter_context(target.client())
            clusters[cluster.name] = SetCluster(cluster.name, cluster.url, client,
                                                reads.get(cluster.name))
        links = pair(last).links if last else ()
        return ReplicationSet(clusters, result, last, links)

    def close(self) -> None:
        self.stack.close()


def link_label(item: pytest.Item) -> str | None:
    """The label of the test's ``replcheck_link`` marker (one string), or None unmarked."""
    marker = item.get_closest_marker(LINK_MARKER)
    if marker is None:
        return None
    if len(marker.args) != 1 or not isinstance(marker.args[0], str) or marker.kwargs:
        raise NoSet(f"replcheck: {item.nodeid}: {LINK_MARKER} takes one link label, as "
                    "replcheck_link(\"dr: A -> B\")")
    return marker.args[0]


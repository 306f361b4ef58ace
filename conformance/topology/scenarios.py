"""The active scenarios of a topology run: what only writing to a set shows (full profile only).

They change the set, so they run only in the full profile and only against a disposable set
(docs/topology.md says so); before the first write, every cluster's ids are printed, so a
person who pointed the run at the wrong set sees it in the first lines (``run_topology`` prints
them with its first round; ``run_scenarios`` then says what it will write, and where):

- **write** (TOPOLOGY-WRITE-REACHES, per link): a KV version 1 write on each root primary
  (a primary that is nobody's secondary), ``secret/replcheck-<run id>``; each secondary's
  ``last_remote_wal`` must reach its primary's WAL of the mode as read after the write reached
  that primary, and on each performance secondary the value must read back with that
  secondary's own token. The secret is deleted at the end (and the delete must arrive too).
- **reindex** (TOPOLOGY-REINDEX-RECOVERS, per set): ``sys/replication/reindex`` on each root
  primary; within the run's convergence bound every link must be back in ``stream-wals``,
  connected, with the primary's merkle root.
- **recover** (TOPOLOGY-RECOVER, per set): ``sys/replication/recover`` on each root primary;
  "recover restarts a stopped stream" (docs/replication-facts.md): each link of that primary
  must restart (its secondary's ``last_start`` moves past the one read before, when the
  secondary reports it) and be streaming again within the bound.
- **failover drill** (``--drill failover``, opt-in, dr-pair-like sets: a DR primary with one
  DR secondary and no other link): demote the primary, refuse a promote without an operation
  token, generate a DR operation token on the secondary with the unseal key shares, promote,
  make a secondary token on the new primary and ``update-primary`` the old one with it, then
  the same back; at each step the identities and states are judged (DR-FAILOVER,
  DR-OPERATION-TOKEN-REQUIRED, DR-OPERATION-TOKEN-GENERATION, DR-SECONDARY-TOKEN-WRAPPED,
  and TOPOLOGY-ONE-PRIMARY at each step).

Every request goes through the cluster's ``RecordingClient`` (bounds, TLS, masking, recorded
for the reports); the tokens the drill makes are added to the masker before they are sent.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.topology.family_answers import judge_answers
from replcheck.conformance.topology.family_scenarios import run_family
from replcheck.conformance.topology.pairing import Link, pair
from replcheck.conformance.topology.scenario_context import (
    Judged,
    ScenarioContext,
    ScenarioOutcome,
)
from replcheck.conformance.topology.snapshot import ClusterRead, Round
from replcheck.conformance.transport.client import (
    Credential,
    TargetUnreachable,
)
from replcheck.conformance.transport.exchange import Exchange

__all__ = ["DRILLS", "ScenarioContext", "ScenarioOutcome", "run_scenarios", "secret_path"]

#: The drills ``--drill`` accepts.
DRILLS = ("failover",)
WRITE_REACHES = "TOPOLOGY-WRITE-REACHES"
REINDEX_RECOVERS = "TOPOLOGY-REINDEX-RECOVERS"
RECOVER = "TOPOLOGY-RECOVER"
ONE_PRIMARY = "TOPOLOGY-ONE-PRIMARY"
DR_FAILOVER = "DR-FAILOVER"
TOKEN_REQUIRED = "DR-OPERATION-TOKEN-REQUIRED"
TOKEN_GENERATION = "DR-OPERATION-TOKEN-GENERATION"
TOKEN_WRAPPED = "DR-SECONDARY-TOKEN-WRAPPED"
SET = "set"
DR_API = "/v1/sys/replication/dr/"


def secret_path(run_id: str) -> str:
    """The KV v1 path the write scenario uses (under ``secret/``)."""
    return f"secret/replcheck-{run_id}"


class _StepFailed(Exception):
    """A drill step deviated: the finding is recorded, the drill stops."""


# --- reading the set ---------------------------------------------------------------------------

def _read(ctx: ScenarioContext, outcome: ScenarioOutcome) -> Round:
    found = ctx.read()
    outcome.rounds.append(found)
    return found


def _of(round_: Round, cluster: str) -> ClusterRead | None:
    return next((read for read in round_ if read.cluster == cluster), None)


def _section(round_: Round, cluster: str, mode: str) -> dict[str, Any]:
    read = _of(round_, cluster)
    found = (read.status or {}).get(mode) if read is not None else None
    return found if isinstance(found, dict) else {}


def _wal(section: dict[str, Any], mode: str) -> int | None:
    """A primary's WAL index of ``mode`` (``last_dr_wal``/``last_performance_wal``, else
    ``last_wal``)."""
    for key in (f"last_{mode}_wal", "last_wal"):
        value = section.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _streaming(round_: Round, link: Link) -> str | None:
    """None when the link streams with equal roots; else what is not so yet."""
    secondary = _section(round_, link.secondary, link.mode)
    primary = _section(round_, link.primary, link.mode)
    state, ready = secondary.get("state"), secondary.get("connection_state")
    if state != "stream-wals":
        return f"the secondary is in state {state!r}, not 'stream-wals'"
    if ready not in (None, "ready"):
        return f"the secondary's connection_state is {ready!r}, not 'ready'"
    if secondary.get("merkle_root") != primary.get("merkle_root"):
        return (f"merkle roots differ (secondary {secondary.get('merkle_root')!r}, primary "
                f"{primary.get('merkle_root')!r})")
    return None


def _roots(round_: Round) -> list[str]:
    """Clusters that are a primary in some mode and a secondary in none."""
    found = []
    for read in round_:
        modes = {(read.status or {}).get(m, {}).get("mode") for m in ("dr", "performance")
                 if isinstance((read.status or {}).get(m), dict)}
        if "primary" in modes and "secondary" not in modes:
            found.append(read.cluster)
    return found


def _poll(ctx: ScenarioContext, outcome: ScenarioOutcome,
          done: Callable[[Round], bool]) -> Round:
    """Read rounds until ``done`` holds or the run's convergence bound ends; the last round."""
    deadline = time.monotonic() + ctx.settings.converge_timeout_s
    while True:
        round_ = _read(ctx, outcome)
        if done(round_) or time.monotonic() >= deadline:
            return round_
        ctx.sleep(ctx.poll_s)


def _send(ctx: ScenarioContext, cluster: str, method: str, path: str, *,
          body: Any = None, token: bool = True, purpose: str,
          reveals: Sequence[tuple[str, str]] = ()) -> Exchange:
    """Send through the cluster's client. ``reveals``: (member of the answer, of its ``data``
    or of its ``wrap_info``, masking label) of secrets the answer holds (a wrapping token, an
    OTP): the exchange is recorded only once they are in the masker, so no report shows them."""
    secret = ctx.tokens.get(cluster) if token else None
    client = ctx.clients[cluster]
    exchange = client.send(
        method, path, json=body, purpose=purpose, origin="topology:scenarios",
        credential=Credential(secret) if secret else None, record=not reveals,
    )
    if reveals:
        answer = exchange.json()
        for member, label in reveals:
            for part in (None, "data", "wrap_info"):
                inner = answer.get(part, None) if isinstance(answer, dict) and part else answer
                value = inner.get(member) if isinstance(inner, dict) else None
                if isinstance(value, str) and value:
                    ctx.masker.add(value, label)
        client.exchanges.append(client.mask(exchange))
    return exchange


def _ok(exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300


def _said(exchange: Exchange) -> str:
    errors = exchange.errors_text()
    return f"answered {exchange.status}" + (f": {errors}" if errors else "")


# --- what the run says before its first write ------------------------------------------------

def _announce(ctx: ScenarioContext, round_: Round) -> None:
    """What the scenarios will write, and where (the run printed every cluster's ids above)."""
    roots = [root for root in _roots(round_) if ctx.tokens.get(root)]
    where = ", ".join(roots) or "no cluster"
    ctx.say(f"full profile: a policy and a token without sudo on each primary (removed "
            f"after), writing {secret_path(ctx.run_id)} on {where}, then reindex and "
            "recover there"
            + (", then the failover drill" if ctx.drill else "")
            + ": the clusters and cluster ids above are the set written to")


# --- write -------------------------------------------------------------------------------------

def _write(ctx: ScenarioContext, outcome: ScenarioOutcome, round_: Round) -> None:
    links = pair(round_).links
    checks = {link.label: Judged(WRITE_REACHES, link.label, ctx.masker) for link in links}
    path = "/v1/" + secret_path(ctx.run_id)
    value = {"value": ctx.run_id}
    roots = [root for root in _roots(round_) if ctx.tokens.get(root)]
    if not links or not roots:
        reason = "no link paired" if not links else "no root primary with a token to write on"
        outcome.results += [c.result(reason) for c in checks.values()]
        return
    written: list[str] = []
    for root in roots:
        exchange = _send(ctx, root, "POST", path, body=value, purpose="write reaches")
        if _ok(exchange):
            written.append(root)
        else:
            for link in links:
                if link.primary == root:
                    checks[link.label].fail(f"the write on {root} {_said(exchange)}",
                                            "a KV v1 write on the primary answers 204",
                                            exchange)
    reached: set[str] = set()
    try:
        reached = _arrives(ctx, outcome, links, roots, checks, path, value)
    finally:
        for root in written:
            _send(ctx, root, "DELETE", path, purpose="write reaches: delete")
    # Wait for the delete where the write arrived (a link that missed one misses both).
    arrived = [link for link in links if link.label in reached]
    if written and arrived:
        _arrives(ctx, outcome, arrived, roots, {}, path, None)
    outcome.results += [c.result() for c in checks.values()]


def _arrives(ctx: ScenarioContext, outcome: ScenarioOutcome, links: Sequence[Link],
             roots: Sequence[str], checks: Mapping[str, Judged], path: str,
             value: Any) -> set[str]:
    """Poll until each link's secondary replayed its primary's WAL as read once the change was
    on that primary; judge it (and the value read back on a performance secondary). The labels
    of the links it reached."""
    targets: dict[str, int] = {}
    reached: set[str] = set()
    # A root primary has the change at once; a secondary that is a primary in turn (a
    # performance secondary with its own DR secondary) once its own upstream link reached.
    have = set(roots)

    def done(round_: Round) -> bool:
        progress = True
        while progress:
            progress = False
            for link in links:
                if link.label in reached:
                    continue
                if link.primary in have and link.label not in targets:
                    wal = _wal(_section(round_, link.primary, link.mode), link.mode)
                    if wal is not None:
                        targets[link.label] = wal
                if link.label in targets:
                    remote = _section(round_, link.secondary, link.mode).get("last_remote_wal")
                    if isinstance(remote, int) and remote >= targets[link.label]:
                        reached.add(link.label)
                        have.add(link.secondary)
                        progress = True
        return len(reached) == len(links)

    last = _poll(ctx, outcome, done)
    for link in links:
        check = checks.get(link.label)
        if check is None:
            continue
        if link.label not in reached:
            remote = _section(last, link.secondary, link.mode).get("last_remote_wal")
            target = targets.get(link.label)
            check.fail(
                f"{link.secondary}'s last_remote_wal is {remote!r} after "
                f"{ctx.settings.converge_timeout_s:g} s; the primary {link.primary}'s "
                f"{link.mode} WAL after the write was "
                f"{target if target is not None else 'never seen'}",
                "the secondary's last_remote_wal reaches the primary's WAL within the "
                "convergence bound")
            continue
        check.ok()
        if link.mode == "performance" and value is not None:
            _read_back(ctx, link, check, path, value)
    return reached


def _read_back(ctx: ScenarioContext, link: Link, check: Judged, path: str,
               value: Any) -> None:
    if not ctx.tokens.get(link.secondary):
        check.notes.append(f"{link.secondary} has no token: the value was not read back there")
        return
    exchange = _send(ctx, link.secondary, "GET", path, purpose="write reaches: read back")
    check.exchanges += 1
    data = exchange.data()
    if exchange.status == 200 and data == value:
        check.ok()
    else:
        check.fail(f"reading {path.removeprefix('/v1/')} on {link.secondary} "
                   f"{_said(exchange)}" + (f" with data {data!r}" if data is not None else ""),
                   f"the value written on the primary, {value!r}, with status 200", exchange)


# --- reindex and recover -----------------------------------------------------------------------

def _restart(ctx: ScenarioContext, outcome: ScenarioOutcome, round_: Round, requirement: str,
             operation: str) -> None:
    """``operation`` (reindex or recover) on each root primary; every link back streaming."""
    check = Judged(requirement, SET, ctx.masker)
    links = pair(round_).links
    roots = [root for root in _roots(round_) if ctx.tokens.get(root)]
    if not links or not roots:
        outcome.results.append(check.result(
            "no link paired" if not links else "no root primary with a token"))
        return
    started = {link.label: _section(round_, link.secondary, link.mode).get("last_start")
               for link in links}
    if operation == "recover":
        # last_start has a resolution of one second: recover in a later second than the read.
        ctx.sleep(1.02 - time.time() % 1)
    for root in roots:
        exchange = _send(ctx, root, "POST", f"/v1/sys/replication/{operation}",
                         body={}, purpose=f"{operation} recovers")
        check.exchanges += 1
        if not _ok(exchange):
            check.fail(f"{operation} on {root} {_said(exchange)}",
                       f"{operation} on a primary is accepted (2xx)", exchange)
            outcome.results.append(check.result())
            return

    def restarted(round_: Round, link: Link) -> bool:
        before = started[link.label]
        now = _section(round_, link.secondary, link.mode).get("last_start")
        return (operation != "recover" or link.primary not in roots or before is None
                or now != before)

    def settled(round_: Round) -> bool:
        busy = any(_section(round_, root, mode).get("reindex_in_progress")
                   for root in roots for mode in ("dr", "performance"))
        return not busy and all(_streaming(round_, link) is None and restarted(round_, link)
                                for link in links)

    ctx.sleep(ctx.poll_s)
    last = _poll(ctx, outcome, settled)
    for link in links:
        why = _streaming(last, link)
        if why is None and not restarted(last, link):
            why = (f"its last_start is still {started[link.label]!r}: the stream did not "
                   "restart")
        if why is None:
            check.ok()
            continue
        check.fail(f"{link.label}: {ctx.settings.converge_timeout_s:g} s after {operation} "
                   f"on {link.primary}, {why}",
                   f"after {operation} every secondary restarts and is back in stream-wals, "
                   "connected, with its primary's merkle root")
    outcome.results.append(check.result())


# --- the failover drill ------------------------------------------------------------------------

def _decode(encoded: str, otp: str) -> str | None:
    """The operation token: the base64 ``encoded_token`` XOR the OTP (Vault's encoding)."""
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != len(otp):
        return None
    try:
        return bytes(a ^ b for a, b in zip(raw, otp.encode(), strict=True)).decode()
    except UnicodeDecodeError:
        return None


class _Drill:
    """One failover and back on a DR pair, every step judged."""

    def __init__(self, ctx: ScenarioContext, outcome: ScenarioOutcome, link: Link) -> None:
        self.ctx, self.outcome, self.link = ctx, outcome, link
        name = f"drill: {link.primary} <-> {link.secondary}"
        self.checks = {rid: Judged(rid, name, ctx.masker) for rid in (
            DR_FAILOVER, TOKEN_REQUIRED, TOKEN_GENERATION, TOKEN_WRAPPED, ONE_PRIMARY)}

    def section(self, cluster: str) -> dict[str, Any]:
        round_ = _read(self.ctx, self.outcome)
        self.one_primary(round_)
        return _section(round_, cluster, "dr")

    def one_primary(self, round_: Round) -> None:
        ids = [_section(round_, c, "dr").get("cluster_id") for c in
               (self.link.primary, self.link.secondary)
               if _section(round_, c, "dr").get("mode") == "primary"]
        check = self.checks[ONE_PRIMARY]
        if len(ids) == 2 and ids[0] == ids[1]:
            check.fail(f"{self.link.primary} and {self.link.secondary} both report DR mode "
                       f"primary of cluster_id {ids[0]}", "at most one DR primary per cluster_id")
        else:
            check.ok()

    def post(self, cluster: str, path: str, body: dict[str, Any], *, token: bool = True,
             purpose: str, reveals: Sequence[tuple[str, str]] = ()) -> Exchange:
        return _send(self.ctx, cluster, "POST", DR_API + path, body=body, token=token,
                     purpose=f"failover drill: {purpose}", reveals=reveals)

    def expect_ok(self, requirement: str, exchange: Exchange, what: str) -> dict[str, Any]:
        check = self.checks[requirement]
        check.exchanges += 1
        if not _ok(exchange):
            check.fail(f"{what} {_said(exchange)}", f"{what} succeeds (2xx)", exchange)
            raise _StepFailed(what)
        check.ok()
        body = exchange.json()
        return body if isinstance(body, dict) else {}

    def expect(self, requirement: str, holds: bool, message: str, expected: str) -> None:
        check = self.checks[requirement]
        if holds:
            check.ok()
            return
        check.fail(message, expected)
        raise _StepFailed(message)

    def operation_token(self, cluster: str) -> str:
        """A DR operation token generated on ``cluster`` with the key shares."""
        check = self.checks[TOKEN_GENERATION]
        _send(self.ctx, cluster, "DELETE", DR_API + "secondary/generate-operation-token/attempt",
              token=False, purpose="failover drill: no attempt in progress")
        started = self.expect_ok(TOKEN_GENERATION, self.post(
            cluster, "secondary/generate-operation-token/attempt", {}, token=False,
            purpose="operation token attempt", reveals=(("otp", "$DR_OTP"),)),
            f"starting an operation token attempt on {cluster}")
        otp, nonce = started.get("otp"), started.get("nonce")
        required = started.get("required")
        self.expect(TOKEN_GENERATION, isinstance(otp, str) and bool(otp)
                    and isinstance(nonce, str) and bool(nonce) and isinstance(required, int)
                    and started.get("started") is True,
                    f"the attempt on {cluster} answered no otp, nonce or required count",
                    "the attempt's progress in the shape of sys/generate-root/attempt")
        assert isinstance(otp, str) and isinstance(nonce, str) and isinstance(required, int)
        answer: dict[str, Any] = {}
        for key in list(self.ctx.unseal_keys)[:required]:
            answer = self.expect_ok(TOKEN_GENERATION, self.post(
                cluster, "secondary/generate-operation-token/update",
                {"key": key, "nonce": nonce}, token=False, purpose="key share",
                reveals=(("encoded_token", "$DR_ENCODED_TOKEN"),)),
                f"giving a key share on {cluster}")
        encoded = answer.get("encoded_token")
        token = _decode(encoded, otp) if isinstance(encoded, str) else None
        self.expect(TOKEN_GENERATION, answer.get("complete") is True and token is not None,
                    f"after {required} key share(s) the attempt on {cluster} answered "
                    f"complete={answer.get('complete')!r} with no decodable encoded_token",
                    "complete: true and an encoded_token once the required shares are given")
        assert token is not None
        check.notes.append("judged: an attempt, the key shares and the completed token")
        self.ctx.masker.add(token, "$DR_OPERATION_TOKEN")
        return token

    def secondary_token(self, primary: str, secondary_id: str) -> str:
        exchange = self.post(primary, "primary/secondary-token", {"id": secondary_id},
                             purpose="secondary token",
                             reveals=(("token", "$ACTIVATION_TOKEN"),
                                      ("accessor", "$ACTIVATION_ACCESSOR")))
        body = self.expect_ok(TOKEN_WRAPPED, exchange, f"a DR secondary token on {primary}")
        wrap = body.get("wrap_info")
        token = wrap.get("token") if isinstance(wrap, dict) else None
        self.expect(TOKEN_WRAPPED, body.get("data") is None and isinstance(token, str)
                    and all(isinstance(wrap, dict) and wrap.get(k) for k in (
                        "accessor", "creation_time", "creation_path"))
                    and isinstance(wrap, dict) and wrap.get("ttl") == 1800,
                    f"the secondary token on {primary} is not a wrapping token with ttl 1800",
                    "data null and wrap_info with token, accessor, creation_time, "
                    "creation_path and ttl 1800")
        assert isinstance(token, str)
        known = self.section(primary).get("known_secondaries") or []
        self.expect(TOKEN_WRAPPED, secondary_id in known,
                    f"{primary}'s known_secondaries {known!r} does not hold {secondary_id!r}",
                    "the id of a secondary token is listed in known_secondaries")
        return token

    def fail_over(self, old: str, new: str, cluster_id: str, new_id: str) -> None:
        """``old`` (DR primary) hands over to ``new`` (its DR secondary)."""
        self.expect_ok(DR_FAILOVER, self.post(old, "primary/demote", {}, purpose="demote"),
                       f"demoting {old}")
        demoted = self.section(old)
        self.expect(DR_FAILOVER, demoted.get("mode") == "secondary"
                    and demoted.get("cluster_id") == cluster_id,
                    f"demoted {old} reports mode {demoted.get('mode')!r} of cluster_id "
                    f"{demoted.get('cluster_id')!r}",
                    f"a demoted DR primary is a secondary keeping cluster_id {cluster_id}")
        refused = self.post(new, "secondary/promote", {}, purpose="promote without a token")
        self.checks[TOKEN_REQUIRED].exchanges += 1
        still = self.section(new)
        self.expect(TOKEN_REQUIRED, refused.status is not None and 400 <= refused.status < 500
                    and still.get("mode") == "secondary",
                    f"promote on {new} without a DR operation token {_said(refused)} and left "
                    f"it in mode {still.get('mode')!r}",
                    "refused with a 4xx, the cluster still a DR secondary")
        token = self.operation_token(new)
        self.expect_ok(DR_FAILOVER, self.post(new, "secondary/promote",
                                              {"dr_operation_token": token},
                                              purpose="promote"), f"promoting {new}")
        promoted = self.section(new)
        self.expect(DR_FAILOVER, promoted.get("mode") == "primary"
                    and promoted.get("cluster_id") == cluster_id,
                    f"promoted {new} reports mode {promoted.get('mode')!r} of cluster_id "
                    f"{promoted.get('cluster_id')!r}",
                    f"a promoted DR secondary is the DR primary of cluster_id {cluster_id}")
        activation = self.secondary_token(new, new_id)
        old_token = self.operation_token(old)
        self.expect_ok(DR_FAILOVER, self.post(old, "secondary/update-primary", {
            "dr_operation_token": old_token, "token": activation}, purpose="update-primary"),
            f"update-primary on {old}")

        def joined(round_: Round) -> bool:
            found = _section(round_, old, "dr")
            return (found.get("state") == "stream-wals" and found.get("secondary_id") == new_id
                    and found.get("cluster_id") == cluster_id)

        last = _poll(self.ctx, self.outcome, joined)
        self.one_primary(last)
        found = _section(last, old, "dr")
        self.expect(DR_FAILOVER, joined(last),
                    f"after update-primary {old} is in state {found.get('state')!r} with "
                    f"secondary_id {found.get('secondary_id')!r} of cluster_id "
                    f"{found.get('cluster_id')!r}",
                    f"{old} streams from {new} as {new_id!r} of cluster_id {cluster_id} within "
                    "the convergence bound")

    def run(self) -> None:
        round_ = _read(self.ctx, self.outcome)
        cluster_id = str(_section(round_, self.link.primary, "dr").get("cluster_id"))
        one, two = self.link.primary, self.link.secondary
        try:
            self.fail_over(one, two, cluster_id, f"replcheck-{self.ctx.run_id}-{one}")
            self.fail_over(two, one, cluster_id, f"replcheck-{self.ctx.run_id}-{two}")
        except _StepFailed as exc:
            self.ctx.say(f"The failover drill on {self.link.label} stopped: {exc}; the set may "
                         "need to be set up again")
        except TargetUnreachable as exc:
            self.ctx.say(f"The failover drill on {self.link.label} stopped: {exc}")
        self.outcome.results += [check.result("the drill stopped before this step")
                                 for check in self.checks.values()]


def _drill(ctx: ScenarioContext, outcome: ScenarioOutcome, round_: Round) -> None:
    pairing = pair(round_)
    candidates = [link for link in pairing.links if link.mode == "dr"
                  and len(pairing.links_of(link.primary)) == 1
                  and len(pairing.links_of(link.secondary)) == 1]
    why = ""
    if not candidates:
        why = "no DR link whose two clusters take part in no other link (a dr-pair-like set)"
    elif not ctx.unseal_keys:
        why = ("no unseal key shares were given (the targets file's unseal_keys_env names the "
               "variable holding them)")
    elif not all(ctx.tokens.get(c) for link in candidates for c in (link.primary,
                                                                   link.secondary)):
        why = "a cluster of the DR pair has no token"
    if why:
        name = "drill: failover"
        outcome.results += [CheckResult(rid, name, Outcome.NOT_RUN, why) for rid in (
            DR_FAILOVER, TOKEN_REQUIRED, TOKEN_GENERATION, TOKEN_WRAPPED)]
        return
    for key in ctx.unseal_keys:
        ctx.masker.add(key, "$UNSEAL_KEY")
    for link in candidates:
        _Drill(ctx, outcome, link).run()
        outcome.after_failover |= {link.primary, link.secondary}


def run_scenarios(ctx: ScenarioContext) -> ScenarioOutcome:
    """The active scenarios, in order: the family's (``family_scenarios.run_family``), write,
    reindex, recover, then the drill if asked."""
    outcome = ScenarioOutcome()
    first = _read(ctx, outcome)
    _announce(ctx, first)
    try:
        # The family's scenarios write too (a policy, a token): first, so that the write
        # scenario's catching up and the reindex and recover settle the set after them.
        run_family(ctx, outcome, first, Judged, _section)
        _write(ctx, outcome, _read(ctx, outcome))
        _restart(ctx, outcome, _read(ctx, outcome), REINDEX_RECOVERS, "reindex")
        _restart(ctx, outcome, _read(ctx, outcome), RECOVER, "recover")
        if ctx.drill == "failover":
            _drill(ctx, outcome, _read(ctx, outcome))
    except TargetUnreachable as exc:
        ctx.say(f"The active scenarios stopped: {exc}")
    outcome.results.extend(judge_answers(ctx.clients))
    return outcome

"""What a check sees: the target's client, the run's credentials, and ways to report findings.

Checks never assert: they call ``ctx.fail`` (or the ``expect_*`` helpers) to record a finding
against their requirement and carry on, so one run reports every deviation it can see. In a
``--plan`` run requests are recorded but not sent, and every ``expect_*`` is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from replcheck import spec
from replcheck.conformance.checks.fan import Request, send_all
from replcheck.conformance.checks.judges import from_http_layer
from replcheck.conformance.checks.probes import (
    EXTREME_TOKEN_LENGTHS,
    HEAD_NOT_ROOT,
    NEAR_MISS_MASKED_LENGTH,
    UPDATE_ONLY_PROBES,
    MethodProbe,
    extreme_token,
    near_misses,
)
from replcheck.conformance.checks.watch import WalWatcher
from replcheck.conformance.judging import contract
from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome
from replcheck.conformance.settings.target import Profile
from replcheck.conformance.transport.client import Credential, RecordingClient
from replcheck.conformance.transport.exchange import Exchange
from replcheck.conformance.transport.masking import NEAR_MISS_LABEL
from replcheck.spec.violations import Violation, violations

STATUS = contract.api_prefix() + "/sys/replication/status"
RECOVER = contract.api_prefix() + "/sys/replication/recover"
REINDEX = contract.api_prefix() + "/sys/replication/reindex"

#: What requests with the sudo token ask of it (``registry.Check.asks``), as
#: ``sys/capabilities-self`` names paths. Vault's ACL comes before the method check (verified on
#: OpenBao 2.7.2: a token with only update on an update-only path gets 403, not 405, for GET,
#: DELETE, HEAD, LIST and a merge-patch PATCH), and reindex is a root path: sudo for every
#: operation. A LIST's path ends in '/'.
REINDEX_WRITE: dict[str, tuple[str, ...]] = {"sys/replication/reindex": ("update", "sudo")}
RECOVER_WRITE: dict[str, tuple[str, ...]] = {"sys/replication/recover": ("update",)}
REINDEX_OTHER_METHODS: dict[str, tuple[str, ...]] = {
    "sys/replication/reindex": ("read", "delete", "patch", "sudo"),
    "sys/replication/reindex/": ("list",),
}
RECOVER_OTHER_METHODS: dict[str, tuple[str, ...]] = {
    "sys/replication/recover": ("read", "delete", "patch"),
    "sys/replication/recover/": ("list",),
}
#: Status is unauthenticated, so a write is refused (405) whatever the token may do; its LIST
#: path ("status/") is not, so the ACL answers first.
STATUS_LIST: dict[str, tuple[str, ...]] = {"sys/replication/status/": ("list",)}

#: An invalid token shaped like a real one; not a secret, so reports show it as is.
INVALID_TOKEN = "hvs.replcheck0invalid0token0000000"


#: Seconds a run may spend, in all, waiting for running reindexes to finish
#: (``replcheck.conformance.checks.reindex_wait``).
BUSY_BUDGET_SECONDS = 60.0


#: Vault 1.6-1.9 answered a missing token with this 400 instead of 403 (facts: >= 1.10 is 403).
LEGACY_MISSING_TOKEN = "missing client token"


@dataclass
class RunState:
    """What every check of one run shares."""

    client: RecordingClient
    profile: Profile
    seed: int
    max_examples: int
    sudo: Credential | None = None
    #: Whether the sudo token is a root token, as sys/capabilities-self said (None: not
    #: asked, or the target would not say). Vault's ACL grants no capability for HEAD, so
    #: only a root token's HEAD reaches the method check (405); any other token gets 403.
    sudo_is_root: bool | None = None
    non_sudo: Credential | None = None
    no_update: Credential | None = None
    invalid: Credential = field(default_factory=lambda: Credential(INVALID_TOKEN))
    busy_budget_s: float = BUSY_BUDGET_SECONDS
    #: Watches every status answer of the run (the session feeds it from the client).
    wal: WalWatcher = field(default_factory=lambda: WalWatcher(STATUS))
    #: ``time.perf_counter()`` at which the run's ``--budget`` ends (None: no budget).
    deadline: float | None = None
    #: Generated cases sent per documented operation (filled by the fuzzer, for the reports).
    cases_per_operation: dict[str, int] = field(default_factory=dict)
    #: Work a check's ``prepare`` started for this run, under a key of the check's choosing,
    #: taken by the check when it runs (the fuzzer's cases drawn ahead). Kept here, not in a
    #: module global, so that it lives and dies with the run.
    prepared: dict[str, object] = field(default_factory=dict)
    #: True when the status read at the start showed a DR secondary (``dr.mode`` secondary):
    #: such a cluster answers every request but its status reads (and the DR operation-token
    #: endpoints) with 400 "path disabled in replication DR secondary mode", so only the
    #: checks declared ``on_dr_secondary`` run, and the fuzzer sends only status reads.
    dr_secondary: bool = False

    @property
    def planning(self) -> bool:
        return self.client.plan


class CheckContext:
    def __init__(self, state: RunState, name: str, result: CheckResult) -> None:
        self.state = state
        self.name = name
        self.result = result

    # --- what the check may use ---------------------------------------------------------------
    @property
    def planning(self) -> bool:
        return self.state.planning

    @property
    def profile(self) -> Profile:
        return self.state.profile

    @property
    def sudo(self) -> Credential:
        return _required(self.state.sudo, "sudo")

    @property
    def non_sudo(self) -> Credential:
        return _required(self.state.non_sudo, "non_sudo")

    @property
    def no_update(self) -> Credential:
        return _required(self.state.no_update, "no_update")

    @property
    def invalid(self) -> Credential:
        return self.state.invalid

    def unit(self) -> CheckContext:
        """A context of the same check with a result of its own: requests sent on another
        thread (``replcheck.conformance.checks.fan``) count there, and the check's own result
        is only touched in the check's thread."""
        result = CheckResult(self.result.requirement, self.name, Outcome.NOT_RUN)
        return type(self)(self.state, self.name, result)

    def send(self, method: str, path: str, purpose: str, **kwargs: Any) -> Exchange:
        """Send a request on behalf of this check (``path`` is sent verbatim)."""
        # A list (LIST, or GET with list=true) is not the documented read of a path.
        listing = method == "LIST" or "list=true" in path.partition("?")[2]
        operation = None if listing else contract.operation_for(method, path)
        exchange = self.state.client.send(
            method,
            path,
            purpose=purpose,
            origin=self.name,
            operation=operation.key if operation else None,
            **kwargs,
        )
        self.result.exchanges += 1
        return exchange

    def read_status(self, purpose: str = "read the status") -> Exchange:
        return self.send("GET", STATUS, purpose)

    # --- how it reports -----------------------------------------------------------------------
    def fail(
        self,
        message: str,
        expected: str,
        exchange: Exchange | None = None,
        json_paths: tuple[str, ...] = (),
    ) -> None:
        """Record a finding; what it keeps for the reports is masked (the check judged raw).
        ``json_paths`` name the offending values of a schema violation in the answer's body."""
        client = self.state.client
        shown = None if exchange is None else client.mask(exchange)
        self.result.findings.append(
            Finding(
                self.result.requirement,
                client.masker.mask(message),
                expected,
                shown,
                source=self.name,
                json_paths=json_paths,
            )
        )

    def judged(self, count: int = 1) -> None:
        """Say that the check judged something (an answer, a section, a peer): a check that
        judged nothing is reported *not run*, never passed."""
        self.result.judged += count

    def nothing_to_judge(self, reason: str) -> None:
        """Why the check had nothing to judge (kept when it ends having judged nothing)."""
        reason = self.state.client.masker.mask(reason)
        if not self.result.reason:
            self.result.reason = reason

    def not_applicable(self, reason: str) -> None:
        """The rule does not apply to this target (its role): the check judges nothing and is
        *not run* with ``reason``, which ``--strict`` does not count as a gap."""
        self.nothing_to_judge(reason)
        self.result.inapplicable = True

    def note(self, text: str) -> None:
        text = self.state.client.masker.mask(text)
        if text not in self.result.notes:
            self.result.notes.append(text)

    def expect_status(self, exchange: Exchange, allowed: Collection[int], expected: str) -> bool:
        """Record a finding unless the status is one of ``allowed``; True when it is."""
        if exchange.response is None:
            return True
        self.judged()
        if exchange.status in allowed:
            return True
        self.fail(
            f"{exchange.purpose}: answered {exchange.status}{_error_hint(exchange)}",
            expected,
            exchange,
        )
        return False

    def expect_denied(self, exchange: Exchange, *, no_token: bool = False) -> bool:
        """Expect 403. With no token at all, Vault 1.6-1.9's 400 "missing client token" is
        tolerated and noted: the request was refused, which is what matters for safety, and
        those versions are real Vault (the contract itself follows Vault >= 1.10)."""
        if no_token and exchange.status == 400 and LEGACY_MISSING_TOKEN in exchange.errors_text():
            self.judged()
            self.note(
                "no token was answered 400 'missing client token' (Vault 1.6-1.9 behaviour), "
                "tolerated; Vault >= 1.10 answers 403"
            )
            return True
        return self.expect_status(exchange, {403}, "403 permission denied")

    def expect_valid(
        self, exchange: Exchange, kind: str, keep: Callable[[Violation], bool] | None = None
    ) -> bool:
        """The JSON body validates against the schema of ``kind``; each violation a finding
        (only those ``keep`` keeps, when given: the others belong to another requirement)."""
        schema_file = spec.KINDS[kind]
        if exchange.response is None:
            return True
        self.judged()
        if not exchange.is_json:
            self.fail(
                f"the {kind} body is not JSON", f"a JSON body valid against {schema_file}", exchange
            )
            return False
        found = [v for v in violations(kind, exchange.json()) if keep is None or keep(v)]
        for problem in found:
            self.fail(
                str(problem), f"a body valid against {schema_file}", exchange, (problem.path,)
            )
        return not found

    def expect_token_required(self, path: str) -> None:
        """No token, an invalid token, an invalid Bearer token, and (with a sudo token) tokens
        that nearly match the sudo token: each must be refused with 403. Like an invalid token,
        a near miss can only change state on a target that compares tokens loosely, the very
        deviation looked for."""
        invalid = self.invalid
        tokens = [
            (invalid, "invalid token in X-Vault-Token"),
            (invalid.as_bearer(), "invalid token in Bearer"),
        ]
        masker = self.state.client.masker
        if self.state.sudo is not None:
            for how, near in near_misses(self.state.sudo.token):
                # A near miss reveals the sudo token: it is masked like one (one of a few
                # characters reveals little, and masking it would blot out ordinary words).
                if len(near) >= NEAR_MISS_MASKED_LENGTH:
                    masker.add(near, NEAR_MISS_LABEL)
                tokens.append((Credential(near), f"the sudo token {how}"))
        extremes = []
        for length in EXTREME_TOKEN_LENGTHS:
            token, shown = extreme_token(length)
            masker.add(token, shown)
            how = f"a token of {length // 1024} KiB"
            extremes.append(Request("POST", path, how, Credential(token)))
        # Independent refusals: sent beside each other with --concurrency, judged in order.
        answers = send_all(
            self,
            [Request("POST", path, "no token")]
            + [Request("POST", path, how, credential) for credential, how in tokens]
            + extremes,
        )
        self.expect_denied(answers[0], no_token=True)
        for exchange in answers[1 : 1 + len(tokens)]:
            self.expect_denied(exchange)
        for length, exchange in zip(EXTREME_TOKEN_LENGTHS, answers[1 + len(tokens) :], strict=True):
            if from_http_layer(exchange):
                self.judged()
                self.note(
                    f"a {length // 1024} KiB token was refused by the HTTP layer "
                    f"({exchange.status}) before Vault read it, which is a refusal; "
                    "Vault itself answers 403"
                )
            else:
                self.expect_denied(exchange)

    def expect_probes(
        self,
        path: str,
        probes: Collection[MethodProbe],
        credential: Credential | None,
        how: str,
    ) -> None:
        """Send each probe to ``path`` with ``credential`` and expect one of Vault's answers
        (sent beside each other with ``--concurrency``, judged in order)."""
        requests = [
            Request(
                probe.method,
                f"{path}?{probe.query}" if probe.query else path,
                f"{probe.label} {how}",
                credential,
                headers=dict(probe.headers) or None,
                content=probe.body,
            )
            for probe in probes
        ]
        for probe, exchange in zip(probes, send_all(self, requests), strict=True):
            self.expect_status(exchange, probe.allowed, probe.expected)

    def expect_other_methods_refused(self, path: str) -> None:
        """Methods that are not an update, sent with a sudo token, are refused as Vault
        refuses them (``UPDATE_ONLY_PROBES``; a HEAD with a token known not to be root may be
        refused by the ACL first)."""
        probes = UPDATE_ONLY_PROBES
        if self.state.sudo_is_root is False:
            probes = tuple(HEAD_NOT_ROOT if p.method == "HEAD" else p for p in probes)
        self.expect_probes(path, probes, self.sudo, "with a sudo token")

    def expect_success(self, exchange: Exchange) -> bool:
        """Expect Vault's two success forms: 200 with a JSON body, or 204 with no body (the
        success statuses the document lists for the operation)."""
        if exchange.response is None:
            return True
        if exchange.status == 204:
            self.judged()
            if exchange.response.body:
                self.fail(f"{exchange.purpose}: 204 with a body", "204 with no body", exchange)
                return False
            return True
        if exchange.operation is None:
            # Checks expect success only of documented operations; reaching this is a suite bug.
            raise RuntimeError(f"{exchange.purpose}: success expected of an undocumented request")
        allowed = contract.operation(exchange.operation).success_statuses
        return self.expect_status(exchange, set(allowed), "200 with the Vault envelope, or 204")


def _required(credential: Credential | None, need: str) -> Credential:
    if credential is None:
        # The runner only starts a check whose needs are met; reaching this is a suite bug.
        raise RuntimeError(f"check used the {need} credential without declaring it in needs=")
    return credential


def _error_hint(exchange: Exchange) -> str:
    text = exchange.errors_text().strip()
    if not text:
        return ""
    first = " ".join(text.split())
    return f" ({first[:120]})"

"""Opening a session, before the first check: every given token looked up, the status read
once (edition, cluster ids, printed before any state-changing call), what the tokens may do
checked against what the selected checks need, the missing tokens provisioned (only when asked:
``--provision`` or the full profile) and, on the way out, removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from replcheck.conformance.checks.context import STATUS, RunState
from replcheck.conformance.checks.edition import Edition, detect, observed
from replcheck.conformance.checks.watch import sections
from replcheck.conformance.engine.aborted import RunAborted
from replcheck.conformance.engine.progress import Listener
from replcheck.conformance.judging import contract
from replcheck.conformance.provisioning.preflight import (
    capabilities,
    capability_shortfalls,
    token_problem,
)
from replcheck.conformance.provisioning.provision import Provisioner
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import Credential, RecordingClient
from replcheck.conformance.transport.masking import NO_UPDATE_LABEL, NON_SUDO_LABEL
from replcheck.spec import domains

if TYPE_CHECKING:
    from replcheck.conformance.checks.registry import Check


class Session(Protocol):
    """What opening a session reads and fills in (``engine.session.Session`` is one): the
    run's settings, client, state and listener; the edition and cluster ids read; why checks
    needing a token cannot run; notes and plan lines for the reports."""

    settings: Settings
    client: RecordingClient
    state: RunState
    listener: Listener
    reasons: dict[str, str]
    edition: Edition
    edition_observed: str
    mutation_blocked: str | None
    notes: list[str]
    plan_lines: list[str]
    cluster_ids: dict[str, dict[str, Any]]
    #: For each credential a check needs, the flag that would give it; the credentials left
    #: out by choice (not provisioning), so that ``--strict`` does not count them.
    unlocks: dict[str, str]
    chosen_without: set[str]

    def will_run(self) -> list[Check]: ...

    def using(self, need: str) -> list[Check]: ...

    def needing(self, need: str) -> list[Check]: ...


def look_up_tokens(session: Session) -> None:
    """Look every given token up before anything else: a token the target does not know
    (invalid, expired, revoked) or cannot use stops the run with one sentence (exit 2) —
    the target is not to blame for a wrong token."""
    if session.client.plan or session.state.dr_secondary:
        return
    given = [("--token", session.state.sudo)]
    if session.settings.non_sudo_token:
        given.append(("--non-sudo-token", Credential(session.settings.non_sudo_token)))
    for flag, credential in given:
        if credential is None:
            continue
        problem = token_problem(session.client, credential)
        if problem is not None:
            raise RunAborted(session.client.masker.mask(f"the {flag} {problem}"))


def probe(session: Session) -> None:
    """Read the status once: edition and cluster ids, before any state-changing call.

    A plan records the read unsent and assumes Enterprise (every check is planned)."""
    operation = contract.operation_for("GET", STATUS)
    exchange = session.client.send(
        "GET",
        STATUS,
        purpose="read the edition and cluster ids",
        origin="probe",
        operation=operation.key if operation else None,
    )
    session.edition = Edition.ENTERPRISE if session.client.plan else detect(exchange)
    session.edition_observed = observed(session.edition, exchange)
    for name, section in sections(exchange):
        session.cluster_ids[name] = {
            "mode": section.get("mode"),
            "cluster_id": section.get("cluster_id"),
        }
    if session.cluster_ids:
        ids = ", ".join(
            f"{name} {v['mode']} {v['cluster_id'] or '-'}"
            for name, v in session.cluster_ids.items()
        )
        session.listener.message(f"cluster ids (read before any state-changing call): {ids}")
    elif session.state.profile == "full" and not session.client.plan:
        session.mutation_blocked = (
            f"the target's cluster ids could not be read (status answered "
            f"{exchange.status}), so no state-changing call is made"
        )
        session.listener.message(f"full profile: {session.mutation_blocked}")
        # The fuzzer, too, keeps to requests that cannot succeed at changing state.
        session.state.profile = "safe"
    if session.edition.unsupported:
        session.listener.message(f"edition: {session.edition_observed}")
        session.notes.append(session.edition_observed)
    if session.cluster_ids.get(DR_SECTION, {}).get("mode") == SECONDARY_MODE:
        session.state.dr_secondary = True
        session.notes.append(DR_SECONDARY_NOTE)
        session.listener.message(f"target: {DR_SECONDARY_NOTE}")


#: The status section and mode that make a cluster a DR secondary, as the spec names them.
DR_SECTION = "dr"
SECONDARY_MODE = domains.member("cluster-section.json#/properties/mode", "secondary")

#: What the run does on a DR secondary, said once in the notes and the terminal.
DR_SECONDARY_NOTE = (
    "the target is a DR secondary (its dr section's mode is secondary): it answers every "
    "request but its status reads with 400 \"path disabled in replication DR secondary mode\", "
    "so its tokens are not looked up, nothing is provisioned, and only what a DR secondary "
    "serves is judged; judge its primary for the rest"
)

#: What would judge the checks a DR secondary keeps from being run (the verdict's scope line).
DR_SECONDARY_UNLOCK = "need a run against the DR secondary's primary (or the promoted cluster)"

#: Why a check that needs more than status reads is not run on a DR secondary.
DR_SECONDARY_REASON = (
    "the target is a DR secondary, which answers this check's requests with 400 \"path "
    "disabled in replication DR secondary mode\" whatever the rule; judge its primary, or the "
    "cluster once promoted"
)


def _ids(checks: list[Check]) -> str:
    return ", ".join(dict.fromkeys(item.requirement for item in checks))


def _need(checks: list[Check]) -> str:
    return "needs" if len({item.requirement for item in checks}) == 1 else "need"


def check_credentials(session: Session) -> None:
    """Before any check, once the edition is known: does the run have every token the
    selected checks need, and may the sudo token do what they ask of it?

    A token that cannot do what the run needs stops the run with one sentence (exit 2),
    never findings against the target. Under ``--strict`` so does a token the selected checks
    need that the user could give (--token, --non-sudo-token) but did not, and the run may not
    provision: a missing secret is no verdict."""
    settings, state = session.settings, session.state
    if session.client.plan or state.dr_secondary:
        return
    can_provision = settings.provisioning and state.sudo is not None
    missing: list[str] = []
    if state.sudo is None and (users := session.needing("sudo")):
        missing.append(
            f"{_ids(users)} {_need(users)} the sudo token (pass --token T or VAULT_TOKEN)"
        )
    if not settings.non_sudo_token and not can_provision and (
        users := session.needing("non_sudo")
    ):
        missing.append(
            f"{_ids(users)} {_need(users)} a token without sudo (pass --non-sudo-token T, or "
            "--provision with --token)"
        )
    # A token without update has no flag of its own: only provisioning (a write) makes one, so
    # without --provision its checks are left by choice, as the profile leaves the mutating
    # ones, and the verdict line counts them.
    if missing and settings.strict:
        raise RunAborted(
            "--strict gives no verdict without every token the selected checks need: "
            + "; ".join(missing)
        )
    if state.sudo is None:
        return
    paths: dict[str, list[Check]] = {}
    needs: dict[str, tuple[str, ...]] = {}
    for item in session.will_run():
        for path, wanted in item.asks:
            paths.setdefault(path, []).append(item)
            needs[path] = tuple(dict.fromkeys((*needs.get(path, ()), *wanted)))
    if not needs:
        return
    granted = capabilities(session.client, state.sudo, list(needs))
    if granted is not None:
        state.sudo_is_root = any("root" in have for have in granted.values())
    shortfalls = capability_shortfalls(granted, needs)
    if shortfalls:
        lacks = "; ".join(
            f"{s.words()} (it has {', '.join(s.granted) or 'nothing'} there), which "
            f"{_ids(paths[s.path])} {_need(paths[s.path])}"
            for s in shortfalls
        )
        raise RunAborted(
            f"the token given with --token lacks {lacks}, as sys/capabilities-self answers: "
            "pass a token whose policy grants it, or leave those checks out with -k"
        )


def _without_provisioning(session: Session, want_non_sudo: bool, want_no_update: bool) -> None:
    """The reasons the checks needing an unprovisioned token give, and what would run them
    (``want_*``: whether a check that will run needs it)."""
    if session.state.sudo is None:
        session.reasons.setdefault(
            "non_sudo", "no --non-sudo-token, and no --token to provision one"
        )
        session.reasons["no_update"] = "no --token to provision a token without update"
        session.unlocks.setdefault("non_sudo", "--non-sudo-token T")
        session.unlocks["no_update"] = "--token T with --provision"
        return
    safe = "the run provisions nothing without --provision (the safe profile changes nothing)"
    if want_non_sudo:
        session.reasons["non_sudo"] = f"no --non-sudo-token, and {safe}"
        session.unlocks["non_sudo"] = "--provision or --non-sudo-token T"
        session.chosen_without.add("non_sudo")
    if want_no_update:
        session.reasons["no_update"] = f"it needs a token without update, and {safe}"
        session.unlocks["no_update"] = "--provision"
        session.chosen_without.add("no_update")


def _check_provisioning(session: Session, provisioner: Provisioner) -> None:
    """May the sudo token make and remove what provisioning makes? If not, stop (exit 2)."""
    assert session.state.sudo is not None
    needed = provisioner.capabilities_needed()
    shortfalls = capability_shortfalls(
        capabilities(session.client, session.state.sudo, list(needed)), needed
    )
    if shortfalls:
        raise RunAborted(
            f"the token given with --token lacks {'; '.join(s.words() for s in shortfalls)}, "
            "which provisioning the helper tokens needs, as sys/capabilities-self answers: "
            "pass a token whose policy grants it, or --non-sudo-token T instead of provisioning"
        )


@contextmanager
def provisioned(session: Session) -> Iterator[None]:
    """Fill in the non-sudo and no-update credentials the selected checks need, provisioning
    them only when the run may (``--provision``, or the full profile); clean up on the way
    out."""
    state, masker = session.state, session.client.masker
    given = session.settings.non_sudo_token
    if given:
        state.non_sudo = Credential(given)
        _check_non_sudo(session)
    if state.dr_secondary:
        yield
        return
    if state.sudo is None or not session.settings.provisioning:
        _without_provisioning(
            session, not given and bool(session.needing("non_sudo")),
            bool(session.needing("no_update")),
        )
        yield
        return
    want_non_sudo = not given and bool(session.using("non_sudo"))
    want_no_update = bool(session.using("no_update"))
    if not (want_non_sudo or want_no_update):
        yield
        return
    provisioner = Provisioner(
        session.client, state.sudo, want_non_sudo=want_non_sudo, want_no_update=want_no_update
    )
    if session.client.plan:
        session.plan_lines.extend(provisioner.plan_lines())
        if want_non_sudo:
            state.non_sudo = Credential("provisioned-non-sudo-token")
            masker.add(state.non_sudo.token, NON_SUDO_LABEL)
        if want_no_update:
            state.no_update = Credential("provisioned-no-update-token")
            masker.add(state.no_update.token, NO_UPDATE_LABEL)
        yield
        return
    _check_provisioning(session, provisioner)
    try:
        with provisioner as made:
            if want_non_sudo:
                state.non_sudo = made.non_sudo
            if want_no_update:
                state.no_update = made.no_update
            for kind, reason in made.reasons.items():
                session.reasons[kind.replace("-", "_")] = masker.mask(reason)
            if made.tokens:
                session.listener.message(
                    f"provisioned {len(made.tokens)} token(s) and {len(made.policies)} "
                    f"policy(ies), run id {provisioner.run_id}; they are removed at the end of "
                    "the run (if the run is killed: replcheck cleanup)"
                )
            yield
    finally:
        _report_cleanup(session, provisioner.result.cleaned, provisioner.result.cleanup_problems)


def _report_cleanup(session: Session, cleaned: list[str], problems: list[str]) -> None:
    """Say what cleanup removed, and what it could not with how to do it by hand."""
    masker = session.client.masker
    if cleaned:
        session.listener.message(f"cleanup: {'; '.join(map(masker.mask, cleaned))}")
    for problem in map(masker.mask, problems):
        session.notes.append(f"cleanup: {problem}")
        session.listener.message(f"WARNING cleanup: {problem}")


def _check_non_sudo(session: Session) -> None:
    """The --non-sudo-token must have update but not sudo on reindex: with sudo it could
    start a real reindex and cannot show that sudo is enforced; without update the target's
    refusal would show nothing about sudo. Either is the token's shortfall: exit 2."""
    if session.client.plan or session.state.non_sudo is None:
        return
    path = "sys/replication/reindex"
    granted = capabilities(session.client, session.state.non_sudo, [path])
    have = (granted or {}).get(path)
    if have is not None and ({"sudo", "root"} & set(have) or "update" not in have):
        what = (
            f"has {'root' if 'root' in have else 'sudo'} on {path}, so it cannot show that "
            "sudo is enforced (and could start a reindex)"
            if {"sudo", "root"} & set(have)
            else f"lacks update on {path}, so the target's refusal would not show that sudo "
            "is enforced"
        )
        raise RunAborted(
            f"the --non-sudo-token {what} (sys/capabilities-self answered "
            f"{', '.join(have) or 'nothing'}): pass a token with update but no sudo on "
            "sys/replication/*"
        )
    if have is None:
        # Assuming it lacks sudo could start a real reindex on a live cluster.
        session.state.non_sudo = None
        session.reasons["non_sudo"] = (
            f"the target would not say whether the --non-sudo-token has sudo on {path} "
            "(sys/capabilities-self was refused), so it is not used"
        )

"""Opening a session, before the first check: every given token looked up, the status read
once (edition, cluster ids, printed before any state-changing call), the missing tokens
provisioned and, on the way out, removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from replcheck.conformance.checks.context import STATUS, RunState
from replcheck.conformance.checks.edition import Edition, detect, observed
from replcheck.conformance.checks.watch import sections
from replcheck.conformance.engine.aborted import RunAborted
from replcheck.conformance.engine.progress import Listener
from replcheck.conformance.judging import contract
from replcheck.conformance.provisioning.preflight import token_problem
from replcheck.conformance.provisioning.provision import Provisioner, has_sudo
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import Credential, RecordingClient
from replcheck.conformance.transport.masking import NO_UPDATE_LABEL, NON_SUDO_LABEL


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


def look_up_tokens(session: Session) -> None:
    """Look every given token up before anything else: a token the target does not know
    (invalid, expired, revoked) or cannot use stops the run with one sentence (exit 2) —
    the target is not to blame for a wrong token."""
    if session.client.plan:
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


@contextmanager


def provisioned(session: Session) -> Iterator[None]:
    """Fill in the non-sudo and no-update credentials, cleaning up on the way out."""
    state, masker = session.state, session.client.masker
    given = session.settings.non_sudo_token
    if given:
        state.non_sudo = Credential(given)
        _refuse_non_sudo_with_sudo(session)
    if state.sudo is None:
        session.reasons.setdefault(
            "non_sudo", "no --non-sudo-token, and no --token to provision one"
        )
        session.reasons["no_update"] = "no --token to provision a token without update"
        yield
        return
    provisioner = Provisioner(session.client, state.sudo, want_non_sudo=not given)
    if session.client.plan:
        session.plan_lines.extend(provisioner.plan_lines())
        if not given:
            state.non_sudo = Credential("provisioned-non-sudo-token")
            masker.add(state.non_sudo.token, NON_SUDO_LABEL)
        state.no_update = Credential("provisioned-no-update-token")
        masker.add(state.no_update.token, NO_UPDATE_LABEL)
        yield
        return
    try:
        with provisioner as made:
            if not given:
                state.non_sudo = made.non_sudo
            state.no_update = made.no_update
            for kind, reason in made.reasons.items():
                session.reasons[kind.replace("-", "_")] = masker.mask(reason)
            if made.tokens:
                session.listener.message(
                    f"provisioned {len(made.tokens)} token(s) and {len(made.policies)} "
                    "policy(ies); they are removed at the end of the run"
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


def _refuse_non_sudo_with_sudo(session: Session) -> None:
    """A --non-sudo-token that has sudo would make every sudo check pass for nothing."""
    if session.client.plan or session.state.non_sudo is None:
        return
    path = "sys/replication/reindex"
    verdict = has_sudo(session.client, session.state.non_sudo, path)
    if verdict is True:
        session.state.non_sudo = None
        session.reasons["non_sudo"] = (
            f"the --non-sudo-token has sudo on {path}, so it cannot show that sudo is enforced"
        )
    elif verdict is None:
        # Assuming it lacks sudo could start a real reindex on a live cluster.
        session.state.non_sudo = None
        session.reasons["non_sudo"] = (
            f"the target would not say whether the --non-sudo-token has sudo on {path} "
            "(sys/capabilities-self was refused), so it is not used"
        )

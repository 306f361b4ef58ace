"""What earlier runs left on a target, found and removed (``replcheck cleanup``).

A run removes what it provisioned when it ends, also on Ctrl-C, SIGTERM and SIGHUP; a run that
was killed (SIGKILL, a lost machine, a CI runner torn down) cannot. What it left is marked so
that it can be found later without guessing (see ``replcheck.conformance.provisioning.provision``):

- policies named ``replcheck-<run id>-non-sudo`` or ``-no-update`` (``LIST sys/policies/acl``);
  one is removed only when its rules are exactly the ones a run writes, so a user's own policy
  that happens to have such a name is left alone (and named);
- tokens with the run id in their metadata (``replcheck-run-id``) or, from runs before the
  metadata, the display name ``token-replcheck-<run id>-<kind>`` and that one policy. Vault lists
  tokens only by accessor: ``LIST auth/token/accessors`` (sudo on that path, a root token has
  it), then ``auth/token/lookup-accessor`` for each (at most ``MAX_ACCESSOR_LOOKUPS``), and
  ``auth/token/revoke-accessor`` for the ones found. Provisioned tokens expire on their own
  within 30 minutes; the policies do not.

Tokens are revoked before the policies they hold are deleted. Verified on OpenBao 2.7.2 (Vault
1.14's token store): the metadata comes back under ``meta`` in a lookup, an accessor whose token
expired meanwhile answers 400 ``invalid accessor``, and revoking a token by accessor answers 204.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from replcheck.conformance.provisioning.provision import (
    POLICY_NAME,
    POLICY_PATH,
    POLICY_TEXT,
    RUN_ID_META,
)
from replcheck.conformance.transport.client import Credential, RecordingClient
from replcheck.conformance.transport.exchange import Exchange
from replcheck.conformance.transport.masking import Masker

ACCESSORS_PATH = "/v1/auth/token/accessors"
LOOKUP_ACCESSOR_PATH = "/v1/auth/token/lookup-accessor"
REVOKE_ACCESSOR_PATH = "/v1/auth/token/revoke-accessor"
#: Tokens looked up at most. Beyond it the summary says how many were not looked up, and the
#: exit status says that something may be left (a target with that many live tokens is rare;
#: each lookup is one request).
MAX_ACCESSOR_LOOKUPS = 10_000
#: Vault's answer for an accessor whose token is gone (expired or revoked meanwhile).
_GONE = "invalid accessor"


class SurveyRefused(Exception):
    """The target would not show what there is to clean up (one sentence; exit 2)."""


@dataclass(frozen=True)
class Leftover:
    """A policy or token a run left behind."""

    kind: Literal["policy", "token"]
    #: The policy's name, or the token's display name.
    name: str
    run_id: str
    accessor: str = ""

    def __str__(self) -> str:
        if self.kind == "policy":
            return f"the policy {self.name} (run {self.run_id})"
        return f"the token {self.name} (run {self.run_id}, accessor {self.accessor})"


@dataclass
class Survey:
    """What was found on the target, and what was left alone."""

    found: list[Leftover] = field(default_factory=list)
    #: Policies named like a run's whose rules are not a run's, one sentence each.
    left_alone: list[str] = field(default_factory=list)
    #: Accessors not looked up (beyond ``MAX_ACCESSOR_LOOKUPS``).
    not_looked_up: int = 0


@dataclass
class Removal:
    removed: list[Leftover] = field(default_factory=list)
    #: What could not be removed, one sentence each.
    problems: list[str] = field(default_factory=list)


def _said(exchange: Exchange, masker: Masker) -> str:
    """What the target answered, masked (the target's words may echo the token); the
    sentences around it are replcheck's own and are not masked (a token such as ``root``
    would be masked out of "a root token")."""
    errors = " ".join(exchange.errors_text().split())
    return masker.mask(
        f"{exchange.request.method} {exchange.request.url} answered {exchange.status}"
        + (f" ({errors[:120]})" if errors else "")
    )


class Cleaner:
    """Finds and removes what runs left, with one token (sudo on the token accessors)."""

    def __init__(
        self, client: RecordingClient, credential: Credential, run_id: str | None = None
    ) -> None:
        self._client = client
        self._credential = credential
        self._run_id = run_id

    def _said(self, exchange: Exchange) -> str:
        return _said(exchange, self._client.masker)

    def _send(self, method: str, path: str, **kwargs: object) -> Exchange:
        return self._client.send(method, path, credential=self._credential, record=False, **kwargs)  # type: ignore[arg-type]

    def _listed(self, path: str, what: str) -> list[str]:
        """The keys of a LIST; Vault answers 404 for an empty list."""
        answer = self._send("LIST", path)
        if answer.status == 404 and not answer.errors_text():
            return []
        keys = (answer.data() or {}).get("keys") if answer.status == 200 else None
        if not isinstance(keys, list):
            raise SurveyRefused(
                f"the --token cannot list {what} ({self._said(answer)}); cleanup needs a token "
                f"with list on sys/policies/acl and sudo on auth/token/accessors (a root token "
                f"has both)"
            )
        return [key for key in keys if isinstance(key, str)]

    def _ours(self, run_id: str) -> bool:
        return self._run_id is None or run_id == self._run_id

    def survey(self) -> Survey:
        """List what runs left; raises ``SurveyRefused`` when the target will not show it."""
        survey = Survey()
        policies = self._listed(POLICY_PATH.rstrip("/"), "the ACL policies")
        accessors = self._listed(ACCESSORS_PATH, "the token accessors")
        for name in policies:
            matched = POLICY_NAME.fullmatch(name)
            if matched is None or not self._ours(matched["run_id"]):
                continue
            read = self._send("GET", POLICY_PATH + name)
            rules = (read.data() or {}).get("policy") if read.status == 200 else None
            if rules == POLICY_TEXT[matched["kind"]]:
                survey.found.append(Leftover("policy", name, matched["run_id"]))
            elif isinstance(rules, str):
                survey.left_alone.append(
                    f"the policy {name} is named like a run's but its rules are not a run's"
                )
            else:
                survey.left_alone.append(
                    f"the policy {name} could not be read ({self._said(read)})"
                )
        survey.not_looked_up = max(0, len(accessors) - MAX_ACCESSOR_LOOKUPS)
        for accessor in accessors[:MAX_ACCESSOR_LOOKUPS]:
            token = self._token(accessor)
            if token is not None and self._ours(token.run_id):
                survey.found.append(token)
        survey.found.sort(key=lambda item: (item.kind != "token", item.run_id, item.name))
        return survey

    def _token(self, accessor: str) -> Leftover | None:
        """The token behind ``accessor`` if a run made it (an expired one answers 400)."""
        looked = self._send("POST", LOOKUP_ACCESSOR_PATH, json={"accessor": accessor})
        data = looked.data() if looked.status == 200 else None
        if data is None:
            return None
        shown = data.get("display_name")
        display = shown if isinstance(shown, str) else ""
        meta = data.get("meta")
        run_id = meta.get(RUN_ID_META) if isinstance(meta, dict) else None
        if isinstance(run_id, str) and run_id:
            return Leftover("token", display or accessor, run_id, accessor)
        # Before the metadata: the display name, and only the policy of that name.
        matched = POLICY_NAME.fullmatch(display.removeprefix("token-"))
        if matched is not None and data.get("policies") == [matched.group(0)]:
            return Leftover("token", display, matched["run_id"], accessor)
        return None

    def remove(self, survey: Survey) -> Removal:
        """Revoke the tokens found, then delete the policies."""
        removal = Removal()
        for item in survey.found:  # tokens first (``survey`` sorts them so)
            if item.kind == "token":
                answer = self._send(
                    "POST", REVOKE_ACCESSOR_PATH, json={"accessor": item.accessor}, cleanup=True
                )
                by_hand = f"vault token revoke -accessor {item.accessor}"
            else:
                answer = self._send("DELETE", POLICY_PATH + item.name, cleanup=True)
                by_hand = f"vault policy delete {item.name}"
            gone = item.kind == "token" and answer.status == 400 and _GONE in answer.errors_text()
            if answer.status in (200, 204) or gone:
                removal.removed.append(item)
            else:
                removal.problems.append(
                    f"could not remove {item}: {self._said(answer)}; by hand: {by_hand}"
                )
        return removal

"""The replication family's own promises that only a set shows (full profile only).

``run_scenarios`` calls ``run_family`` on its first round, before the write, reindex and recover
scenarios (which settle the set after the family's own writes) and the drill; each function
makes exactly the calls its requirement's statement describes and judges the answers as the
statement says:

- **secondary-token needs sudo** (DR-SECONDARY-TOKEN-SUDO, PERFORMANCE-SECONDARY-TOKEN-SUDO, one
  result per primary of the mode): on the primary, a policy ``replcheck-<run id>-update-<mode>``
  granting ``update`` (no ``sudo``) on ``sys/replication/<mode>/primary/secondary-token`` and a
  token with only that policy are made with the cluster's token; the request for a secondary
  token for ``replcheck-<run id>-sudo`` with that token must answer 403 and the id must not
  join the primary's ``known_secondaries``. The token is revoked and the policy deleted whatever
  happened (an accepted id is revoked too); a refused set-up step is "not run" with its reason.
- **methods** (DR-METHODS, PERFORMANCE-METHODS, one result per primary of the mode): with the
  primary's token, GET and DELETE on every operation of the mode the contract documents as
  POST only, and POST on ``/status`` (and, for performance, on the primary's dynamic filter of a
  fresh id), must each answer 405, and the primary's mode, cluster id and known secondaries must
  be unchanged afterwards. The generation attempt and paths-filter, which serve GET and DELETE
  themselves, are not sent other methods here (a note says so).
- **revoke-secondary** (DR-REVOKE-SECONDARY, PERFORMANCE-REVOKE-SECONDARY, per primary of the
  mode): a secondary token for the fresh id ``replcheck-<run id>-x`` (no cluster uses it) must
  put the id in ``known_secondaries``; after ``primary/revoke-secondary`` with it the id must be
  gone. No secondary holds the token, so "does not reconnect" is not judged (a note says so).
- **paths filter** (PERFORMANCE-PATHS-FILTER, per performance primary): a filter for the fresh
  id ``replcheck-<run id>-x`` written with ``paths`` and no ``mode`` must read back as ``allow``
  with those paths, one written with a ``mode`` other than allow or deny must be refused with
  400, and after DELETE a read must not report it (the DELETE is sent whatever happened).
- **mode preconditions** (DR-MODE-PRECONDITIONS, PERFORMANCE-MODE-PRECONDITIONS, per secondary
  of the mode): with the secondary's token, ``primary/secondary-token`` (a fresh id),
  ``primary/demote`` and ``primary/enable`` must each be refused with a 4xx, and its mode and
  cluster id must be unchanged. Promoting a primary and enabling a secondary twice are not
  sent: without a valid operation or activation token their refusal would not show the mode
  was the reason (a note says so).
- **performance secondary token** (PERFORMANCE-SECONDARY-TOKEN-WRAPPED, per performance
  primary): a secondary token for the fresh id ``replcheck-<run id>-w`` with no ``ttl`` must
  answer 200 with ``data`` null and a wrapping token (token, accessor, creation_time,
  creation_path, ttl 1800) in ``wrap_info``, and the id must join ``known_secondaries``; the id
  is revoked after. No secondary uses the token, so "activates one secondary at most" is not
  judged (a note says so).
- **enable with a bad token** (DR-ENABLE-SECONDARY-REFUSES-BAD-TOKEN,
  PERFORMANCE-ENABLE-SECONDARY-REFUSES-BAD-TOKEN, per secondary of the mode): with the
  secondary's token, ``secondary/enable`` with an empty token and with an obviously invalid
  one must each be refused with a 4xx and an errors body, and every cluster's mode, cluster id
  and known secondaries of the mode must be unchanged. Used, expired and revoked tokens are not
  sent (a note says so).
- **update-primary's two parameters** (PERFORMANCE-UPDATE-PRIMARY-EXCLUSIVE, per performance
  secondary): its primary makes a secondary token for the fresh id ``replcheck-<run id>-u``;
  ``secondary/update-primary`` on the secondary with that token and ``update_primary_addrs``
  (its own primary's cluster address) must be refused with 400, and the secondary's mode,
  cluster id and secondary id must be unchanged. The fresh id is revoked after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replcheck.conformance.judging import contract
from replcheck.conformance.topology.pairing import pair
from replcheck.conformance.topology.scenario_context import (
    Judged,
    ScenarioContext,
    ScenarioOutcome,
)
from replcheck.conformance.topology.snapshot import Round
from replcheck.conformance.transport.client import Credential
from replcheck.conformance.transport.exchange import Exchange

Section = Callable[[Round, str, str], dict[str, Any]]

__all__ = ["BAD_TOKEN", "EXCLUSIVE", "METHODS", "PATHS_FILTER", "PRECONDITIONS", "REVOKE",
           "SUDO", "WRAPPED", "run_family"]

#: mode -> the requirement that its secondary-token needs sudo.
SUDO = {"dr": "DR-SECONDARY-TOKEN-SUDO", "performance": "PERFORMANCE-SECONDARY-TOKEN-SUDO"}
#: mode -> the requirement that its POST operations refuse other methods.
METHODS = {"dr": "DR-METHODS", "performance": "PERFORMANCE-METHODS"}
#: mode -> the requirement that revoke-secondary removes the id.
REVOKE = {"dr": "DR-REVOKE-SECONDARY", "performance": "PERFORMANCE-REVOKE-SECONDARY"}
#: mode -> the requirement that a paths filter reads back and goes (performance only).
PATHS_FILTER = {"performance": "PERFORMANCE-PATHS-FILTER"}
#: mode -> the requirement that a secondary refuses the primary's operations.
PRECONDITIONS = {"dr": "DR-MODE-PRECONDITIONS", "performance": "PERFORMANCE-MODE-PRECONDITIONS"}
#: mode -> the requirement that its secondary token is a wrapping token (DR's: the drill).
WRAPPED = {"performance": "PERFORMANCE-SECONDARY-TOKEN-WRAPPED"}
#: mode -> the requirement that secondary/enable refuses a bad activation token.
BAD_TOKEN = {"dr": "DR-ENABLE-SECONDARY-REFUSES-BAD-TOKEN",
             "performance": "PERFORMANCE-ENABLE-SECONDARY-REFUSES-BAD-TOKEN"}
#: mode -> the requirement that update-primary takes a token or addresses, not both.
EXCLUSIVE = {"performance": "PERFORMANCE-UPDATE-PRIMARY-EXCLUSIVE"}
#: Activation tokens no primary ever issued (not even JWT-shaped).
BAD_TOKENS = ("", "replcheck-not-an-activation-token")
#: What a method probe compares before and after: it must change none of them.
_IDENTITY = ("mode", "cluster_id", "known_secondaries")
POLICY_PATH = "/v1/sys/policies/acl/"
CREATE_PATH = "/v1/auth/token/create"
REVOKE_PATH = "/v1/auth/token/revoke"
#: The label a made token reads as in every report.
NO_SUDO_LABEL = "$NO_SUDO_TOKEN"


def run_family(ctx: ScenarioContext, outcome: ScenarioOutcome, round_: Round,
               judged: Callable[[str, str, Any], Judged], section: Section) -> None:
    """Every family scenario on ``round_``; results go to ``outcome.results``. ``judged``
    makes a ``Judged`` and ``section`` reads one mode's section (both from scenarios.py,
    passed in so the two modules do not import each other)."""
    scenarios: list[tuple[dict[str, str], Callable[..., str]]] = [
        (SUDO, _sudo), (METHODS, _methods), (REVOKE, _revoke), (PATHS_FILTER, _paths_filter),
        (WRAPPED, _wrapped)]
    for requirements, scenario in [*scenarios, (PRECONDITIONS, _preconditions),
                                   (BAD_TOKEN, _bad_token), (EXCLUSIVE, _exclusive)]:
        role = ("secondary" if requirements in (PRECONDITIONS, BAD_TOKEN, EXCLUSIVE)
                else "primary")
        for mode, requirement in requirements.items():
            for read in round_:
                cluster = read.cluster
                if section(round_, cluster, mode).get("mode") != role:
                    continue
                check = judged(requirement, f"{mode}: {cluster}", ctx.masker)
                reason = scenario(ctx, cluster, mode, check, section)
                outcome.results.append(check.result(reason))


def _send(ctx: ScenarioContext, cluster: str, method: str, path: str, *, token: str | None,
          body: Any = None, purpose: str, reveals: str = "") -> Exchange:
    """Send through the cluster's client. ``reveals``: the masking label of the token the
    answer holds (``auth.client_token``, ``wrap_info.token``; their accessors as
    ``<label>_ACCESSOR``); the exchange is recorded once they are masked."""
    client = ctx.clients[cluster]
    exchange = client.send(method, path, json=body, purpose=purpose, origin="topology:family",
                           credential=Credential(token) if token else None,
                           record=not reveals)
    if reveals:
        answer = exchange.json()
        for part in ("auth", "wrap_info"):
            inner = answer.get(part) if isinstance(answer, dict) else None
            for member in ("client_token", "token", "accessor"):
                made = inner.get(member) if isinstance(inner, dict) else None
                if isinstance(made, str) and made:
                    ctx.masker.add(made, reveals if member != "accessor" else reveals + "_ACCESSOR")
        client.exchanges.append(client.mask(exchange))
    return exchange


def _ok(exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300


def _said(exchange: Exchange) -> str:
    errors = exchange.errors_text()
    return f"answered {exchange.status}" + (f": {errors}" if errors else "")


def _sudo(ctx: ScenarioContext, cluster: str, mode: str, check: Judged,
          section: Section) -> str:
    """One primary's secondary-token asked for with update and no sudo; the not-run reason
    ("" once judged)."""
    root = ctx.tokens.get(cluster)
    if not root:
        return f"no token for {cluster}: no policy or token can be made there"
    api = f"sys/replication/{mode}/primary/secondary-token"
    policy = f"replcheck-{ctx.run_id}-update-{mode}"
    secondary_id = f"replcheck-{ctx.run_id}-sudo"
    made = _send(ctx, cluster, "PUT", POLICY_PATH + policy, token=root,
                 body={"policy": f'path "{api}" {{\n  capabilities = ["update"]\n}}\n'},
                 purpose="a policy with update and no sudo on secondary-token")
    if not _ok(made):
        return f"{cluster} refused the policy {policy} ({_said(made)})"
    made_token = ""
    try:
        created = _send(ctx, cluster, "POST", CREATE_PATH, token=root, body={
            "policies": [policy], "no_default_policy": True, "ttl": "10m",
            "renewable": False, "display_name": policy}, purpose="a token without sudo",
            reveals=NO_SUDO_LABEL)
        body = created.json() if created.status == 200 else None
        auth = body.get("auth") if isinstance(body, dict) else None
        token = auth.get("client_token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            return f"{cluster} refused a token with the policy {policy} ({_said(created)})"
        made_token = token
        asked = _send(ctx, cluster, "POST", "/v1/" + api, token=token,
                      body={"id": secondary_id}, purpose="a secondary token without sudo",
                      reveals="$ACTIVATION_TOKEN")
        check.exchanges += 1
        if asked.status == 403:
            check.ok()
        else:
            check.fail(f"{cluster} {_said(asked)} to a secondary token asked for with update "
                       "and no sudo", "403: the endpoint requires sudo", asked)
        known = section(ctx.read(), cluster, mode).get("known_secondaries") or []
        if secondary_id in known:
            check.fail(f"{cluster}'s known_secondaries holds {secondary_id!r} after the "
                       "request without sudo", "the id does not join known_secondaries")
            _send(ctx, cluster, "POST", f"/v1/sys/replication/{mode}/primary/revoke-secondary",
                  token=root, body={"id": secondary_id}, purpose="revoke the id just made")
        else:
            check.ok()
        return ""
    finally:
        if made_token:  # by the token: the reference set does not replicate revoke-accessor
            _send(ctx, cluster, "POST", REVOKE_PATH, token=root, body={"token": made_token},
                  purpose="revoke the token without sudo")
        _send(ctx, cluster, "DELETE", POLICY_PATH + policy, token=root,
              purpose="delete the policy without sudo")


def _post_only(mode: str) -> list[str]:
    """The API paths (``/v1/...``) of ``mode``'s operations the contract documents as POST only."""
    methods: dict[str, set[str]] = {}
    prefix = f"/sys/replication/{mode}/"
    for op in contract.operations():
        if op.path.startswith(prefix):
            methods.setdefault(op.path, set()).add(op.method)
    return ["/v1" + path for path, found in methods.items()
            if found == {"POST"} and "{" not in path]


def _methods(ctx: ScenarioContext, cluster: str, mode: str, check: Judged,
             section: Section) -> str:
    """Other methods on one primary's POST operations (and a write on its status)."""
    root = ctx.tokens.get(cluster)
    if not root:
        return f"no token for {cluster}: the operations need one"
    before = section(ctx.read(), cluster, mode)
    probes = [(method, path) for path in _post_only(mode) for method in ("GET", "DELETE")]
    probes.append(("POST", f"/v1/sys/replication/{mode}/status"))
    if mode == "performance":
        probes.append(("POST", "/v1/sys/replication/performance/primary/dynamic-filter/"
                               f"replcheck-{ctx.run_id}-x"))
    for method, path in probes:
        answer = _send(ctx, cluster, method, path, token=root, body=None,
                       purpose=f"{method} on an operation that does not serve it")
        check.exchanges += 1
        if answer.status == 405:
            check.ok()
        else:
            check.fail(f"{cluster} {_said(answer)} to {method} {path}",
                       "405: the operation does not serve this method", answer)
    after = section(ctx.read(), cluster, mode)
    changed = [key for key in _IDENTITY if before.get(key) != after.get(key)]
    if changed:
        check.fail(f"{cluster}'s {mode} {', '.join(changed)} changed after the refused methods "
                   f"({[before.get(k) for k in changed]!r} -> {[after.get(k) for k in changed]!r})",
                   "nothing changes")
    else:
        check.ok()
    check.notes.append("generate-operation-token/attempt and paths-filter are not sent other "
                       "methods by this scenario")
    return ""


def _revoke(ctx: ScenarioContext, cluster: str, mode: str, check: Judged,
            section: Section) -> str:
    """A secondary token for a fresh id, then revoke-secondary: the id comes and goes."""
    root = ctx.tokens.get(cluster)
    if not root:
        return f"no token for {cluster}: the operations need one"
    secondary_id = f"replcheck-{ctx.run_id}-x"
    api = f"/v1/sys/replication/{mode}/primary/"
    made = _send(ctx, cluster, "POST", api + "secondary-token", token=root,
                 body={"id": secondary_id}, purpose="a secondary token for a fresh id",
                 reveals="$ACTIVATION_TOKEN")
    if not _ok(made):
        return f"{cluster} refused a secondary token for {secondary_id} ({_said(made)})"
    known = section(ctx.read(), cluster, mode).get("known_secondaries") or []
    if secondary_id not in known:
        return (f"{cluster}'s known_secondaries {known!r} does not hold {secondary_id!r} after "
                "its secondary token: nothing to revoke")
    revoked = _send(ctx, cluster, "POST", api + "revoke-secondary", token=root,
                    body={"id": secondary_id}, purpose="revoke the fresh id")
    check.exchanges += 2
    if _ok(revoked):
        check.ok()
    else:
        check.fail(f"{cluster} {_said(revoked)} to revoke-secondary for {secondary_id!r}",
                   "a success", revoked)
    known = section(ctx.read(), cluster, mode).get("known_secondaries") or []
    if secondary_id in known:
        check.fail(f"{cluster}'s known_secondaries still holds {secondary_id!r} after "
                   "revoke-secondary", "the revoked id is no longer listed")
    else:
        check.ok()
    check.notes.append("no secondary held the token: 'does not reconnect' is not judged")
    return ""


def _paths_filter(ctx: ScenarioContext, cluster: str, mode: str, check: Judged,
                  section: Section) -> str:
    """A paths filter for a fresh id: written, read back, a bad mode refused, deleted."""
    root = ctx.tokens.get(cluster)
    if not root:
        return f"no token for {cluster}: the operations need one"
    path = f"/v1/sys/replication/{mode}/primary/paths-filter/replcheck-{ctx.run_id}-x"
    paths = [f"replcheck-{ctx.run_id}/"]
    try:
        written = _send(ctx, cluster, "POST", path, token=root, body={"paths": paths},
                        purpose="a paths filter without mode")
        check.exchanges += 1
        if not _ok(written):
            check.fail(f"{cluster} {_said(written)} to a paths filter with paths and no mode",
                       "200 or 204", written)
        else:
            read = _send(ctx, cluster, "GET", path, token=root, purpose="read the filter")
            check.exchanges += 1
            body = read.json() if read.status == 200 else None
            data = body.get("data") if isinstance(body, dict) else None
            got = (data.get("mode"), data.get("paths")) if isinstance(data, dict) else None
            if got == ("allow", paths):
                check.ok()
            else:
                check.fail(f"the filter read back from {cluster} as {got!r} ({_said(read)})",
                           f"mode 'allow' and paths {paths!r}", read)
        bad = _send(ctx, cluster, "POST", path, token=root,
                    body={"mode": "replcheck-neither", "paths": paths},
                    purpose="a paths filter with a mode neither allow nor deny")
        check.exchanges += 1
        if bad.status == 400:
            check.ok()
        else:
            check.fail(f"{cluster} {_said(bad)} to a paths filter of mode 'replcheck-neither'",
                       "400: mode must be allow or deny", bad)
    finally:
        gone = _send(ctx, cluster, "DELETE", path, token=root, purpose="delete the filter")
    check.exchanges += 2
    after = _send(ctx, cluster, "GET", path, token=root, purpose="read the deleted filter")
    body = after.json() if after.status == 200 else None
    data = body.get("data") if isinstance(body, dict) else None
    if not _ok(gone):
        check.fail(f"{cluster} {_said(gone)} to DELETE on the filter", "200 or 204", gone)
    elif isinstance(data, dict) and data.get("paths"):
        check.fail(f"{cluster} still reports the deleted filter ({data!r})",
                   "no filter after DELETE", after)
    else:
        check.ok()
    return ""


def _preconditions(ctx: ScenarioContext, cluster: str, mode: str, check: Judged,
                   section: Section) -> str:
    """A primary's operations on a secondary of the mode: each refused, nothing changes."""
    token = ctx.tokens.get(cluster)
    if not token:
        return f"no token for {cluster}: a refusal without one would not show the mode"
    before = section(ctx.read(), cluster, mode)
    api = f"/v1/sys/replication/{mode}/primary/"
    for operation, body in (("secondary-token", {"id": f"replcheck-{ctx.run_id}-x"}),
                            ("demote", {}), ("enable", {})):
        answer = _send(ctx, cluster, "POST", api + operation, token=token, body=body,
                       purpose=f"primary/{operation} on a {mode} secondary",
                       reveals="$ACTIVATION_TOKEN")
        check.exchanges += 1
        if answer.status is not None and 400 <= answer.status < 500:
            check.ok()
        else:
            check.fail(f"{cluster}, a {mode} secondary, {_said(answer)} to primary/{operation}",
                       "a 4xx: the cluster is no primary of the mode", answer)
    after = section(ctx.read(), cluster, mode)
    changed = [key for key in ("mode", "cluster_id") if before.get(key) != after.get(key)]
    if changed:
        check.fail(f"{cluster}'s {mode} {', '.join(changed)} changed after the refused "
                   "operations", "nothing changes")
    else:
        check.ok()
    check.notes.append("promote on a primary and secondary/enable on a secondary are not sent")
    return ""


def _wrapped(ctx: ScenarioContext, cluster: str, mode: str, check: Judged,
             section: Section) -> str:
    """A secondary token with no ttl: a wrapping token of ttl 1800 whose id joins."""
    root = ctx.tokens.get(cluster)
    if not root:
        return f"no token for {cluster}: the operation needs one"
    secondary_id = f"replcheck-{ctx.run_id}-w"
    api = f"/v1/sys/replication/{mode}/primary/"
    made = _send(ctx, cluster, "POST", api + "secondary-token", token=root,
                 body={"id": secondary_id}, purpose="a secondary token with no ttl",
                 reveals="$ACTIVATION_TOKEN")
    check.exchanges += 1
    try:
        body = made.json() if made.status == 200 else None
        if not isinstance(body, dict):
            check.fail(f"{cluster} {_said(made)} to a secondary token with a sudo token",
                       "200 with a wrapping token", made)
            return ""
        wrap = body.get("wrap_info")
        parts = all(isinstance(wrap, dict) and isinstance(wrap.get(k), str) and wrap.get(k)
                    for k in ("token", "accessor", "creation_time", "creation_path"))
        ttl = wrap.get("ttl") if isinstance(wrap, dict) else None
        if body.get("data") is None and parts and ttl == 1800:
            check.ok()
        else:
            check.fail(f"{cluster}'s secondary token is not a wrapping token of ttl 1800 (data "
                       f"{body.get('data')!r}, wrap_info ttl {ttl!r})",
                       "data null; wrap_info with token, accessor, creation_time, "
                       "creation_path and ttl 1800", made)
        known = section(ctx.read(), cluster, mode).get("known_secondaries") or []
        if secondary_id in known:
            check.ok()
        else:
            check.fail(f"{cluster}'s known_secondaries {known!r} does not hold "
                       f"{secondary_id!r}", "the id of a secondary token is listed")
        check.notes.append("no secondary used the token: 'one secondary at most' is not judged")
        return ""
    finally:
        _send(ctx, cluster, "POST", api + "revoke-secondary", token=root,
              body={"id": secondary_id}, purpose="revoke the fresh id")


def _identities(round_: Round, mode: str, section: Section) -> list[tuple[Any, ...]]:
    return [(read.cluster, *(section(round_, read.cluster, mode).get(key) for key in _IDENTITY))
            for read in round_]


def _bad_token(ctx: ScenarioContext, cluster: str, mode: str, check: Judged,
               section: Section) -> str:
    """secondary/enable with tokens no primary issued: refused, the set unchanged."""
    token = ctx.tokens.get(cluster)
    if not token:
        return f"no token for {cluster}: a refusal without one would not show the token's"
    before = _identities(ctx.read(), mode, section)
    for bad in BAD_TOKENS:
        answer = _send(ctx, cluster, "POST", f"/v1/sys/replication/{mode}/secondary/enable",
                       token=token, body={"token": bad},
                       purpose="secondary/enable with a token no primary issued")
        check.exchanges += 1
        body = answer.json() if answer.is_json else None
        errors = body.get("errors") if isinstance(body, dict) else None
        if answer.status is not None and 400 <= answer.status < 500 and errors:
            check.ok()
        else:
            check.fail(f"{cluster} {_said(answer)} to secondary/enable with the token {bad!r}",
                       "a 4xx with an errors body", answer)
    after = _identities(ctx.read(), mode, section)
    if before == after:
        check.ok()
    else:
        check.fail(f"the set's {mode} identities changed after the refused enables "
                   f"({before!r} -> {after!r})", "both clusters as they were")
    check.notes.append("used, expired and revoked activation tokens are not sent")
    return ""


def _exclusive(ctx: ScenarioContext, cluster: str, mode: str, check: Judged,
               section: Section) -> str:
    """update-primary with a valid token and addresses both: 400, the secondary unchanged."""
    token = ctx.tokens.get(cluster)
    round_ = ctx.read()
    link = next((link for link in pair(round_).links
                 if link.secondary == cluster and link.mode == mode), None)
    if link is None or not token or not ctx.tokens.get(link.primary):
        return f"{cluster}'s {mode} primary, or a token for both, is not known"
    primary = link.primary
    addr = section(round_, cluster, mode).get("primary_cluster_addr")
    if not isinstance(addr, str) or not addr:
        return f"{cluster} shows no primary_cluster_addr to give as update_primary_addrs"
    fresh = f"replcheck-{ctx.run_id}-u"
    api = f"/v1/sys/replication/{mode}/"
    made = _send(ctx, primary, "POST", api + "primary/secondary-token",
                 token=ctx.tokens.get(primary), body={"id": fresh},
                 purpose="an activation token for update-primary", reveals="$ACTIVATION_TOKEN")
    try:
        body = made.json() if made.status == 200 else None
        wrap = body.get("wrap_info") if isinstance(body, dict) else None
        activation = wrap.get("token") if isinstance(wrap, dict) else None
        if not isinstance(activation, str) or not activation:
            return f"{primary} gave no activation token for {fresh} ({_said(made)})"
        before = [section(round_, cluster, mode).get(k)
                  for k in ("mode", "cluster_id", "secondary_id")]
        answer = _send(ctx, cluster, "POST", api + "secondary/update-primary", token=token,
                       body={"token": activation, "update_primary_addrs": [addr]},
                       purpose="update-primary with a token and addresses both")
        check.exchanges += 2
        if answer.status == 400:
            check.ok()
        else:
            check.fail(f"{cluster} {_said(answer)} to update-primary with both token and "
                       "update_primary_addrs", "400: the two are mutually exclusive", answer)
        after = [section(ctx.read(), cluster, mode).get(k)
                 for k in ("mode", "cluster_id", "secondary_id")]
        if before == after:
            check.ok()
        else:
            check.fail(f"{cluster}'s mode, cluster id, secondary id went {before!r} -> "
                       f"{after!r}", "nothing changes")
        return ""
    finally:
        _send(ctx, primary, "POST", api + "primary/revoke-secondary",
              token=ctx.tokens.get(primary), body={"id": fresh}, purpose="revoke the fresh id")

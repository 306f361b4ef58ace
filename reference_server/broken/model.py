"""What every entry of the zoo is made of, and the small rewrites the categories share.

A ``BrokenServer`` is one deviation from the reference server and what must catch it:

- ``must_fail``: requirement ids that must *each* fail, so that deleting or weakening the check
  of any one of them turns the zoo red;
- ``may_fail``: ids that may fail too, as a consequence of the same deviation (a 403 on status
  also leaves the status schema unjudged...); any failed id in neither list is an error of the
  test, so an unrelated regression shows;
- ``shows``: a direct request that makes the deviation visible, which the sanity test runs
  against the broken server (must show it) and the reference server (must not);
- ``needs``: set while the check that must catch the deviation does not exist yet (it is being
  built on another branch); the test then expects the entry to fail (a strict xfail naming
  ``needs``), so the day the check lands the mark has to go;
- ``settings``: changes to the run's ``Settings`` (e.g. a small body cap), so hostile targets
  stay fast in tests; ``hostile``: the deviation attacks the runner itself (bodies too big, too
  slow, too deep), so the run may also end with ``RunAborted`` (exit 2, one sentence).

Each category of deviation has its module (``auth``, ``methods``...), holding its broken
servers next to their hooks; ``registry`` puts them together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.applications import Starlette

from .asgi import (
    REINDEX,
    STATUS,
    WRITES,
    ASGIApp,
    Deviate,
    RequestHook,
    ResponseHook,
    ZooRequest,
    ZooResponse,
)
from .serving import Factory, Probe

#: The run profile a broken server needs (``replcheck.conformance.settings.target.Profile``; the
#: server package does not import the engine that judges it).
Profile = Literal["safe", "full"]
FLAGS = ("diff", "force", "skip_flush")
#: Vault's lenient boolean domain, restated here on purpose: the zoo must not borrow the
#: engine's own tables, or a mistake there would hide in both.
BOOLEAN_FORMS = (True, False, 1, 0, "1", "t", "T", "TRUE", "true", "True",
                 "0", "f", "F", "FALSE", "false", "False", "", None)
INVALID_TOKEN = "hvs.zoo0invalid0token00000000000"
PERMISSION_DENIED = "permission denied"
#: The kinds of deviation the zoo must cover (issue 4, "Checks of the suite itself"; issue 9
#: adds the runner's bounds against a hostile target).
CATEGORIES = ("auth", "sudo", "methods", "parameters", "schema", "error format", "invariants",
              "robustness", "bounds")


@dataclass(frozen=True)
class BrokenServer:
    """One broken server: a name, its one deviation, what must catch it, how to build it."""

    name: str
    deviation: str
    #: Requirement ids of spec/requirements.yaml that must each fail.
    must_fail: tuple[str, ...]
    factory: Factory
    #: A direct request showing the deviation: True on this server, False on the reference.
    shows: Callable[[Probe], bool]
    #: One of ``CATEGORIES``: which kind of promise the deviation breaks.
    category: str
    #: Ids that may fail as well, as a consequence of the same deviation.
    may_fail: tuple[str, ...] = ()
    #: ``full`` where only a successful mutating call can reveal the deviation.
    profile: Profile = "safe"
    scenario: str = "dr-perf-primary"
    #: The check that will catch this, while it does not exist yet (the test is a strict xfail).
    needs: str | None = None
    #: Changes to the run's ``Settings`` (names of its fields), e.g. small caps for speed.
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: The runner itself is attacked: ``RunAborted`` (exit 2, one sentence) is a catch too.
    hostile: bool = False

    @property
    def description(self) -> str:
        """One line for users: what is broken, and what should catch it."""
        if self.hostile:
            caught = "the runner must survive it (not conformant, or stopped with one sentence)"
        else:
            caught = "caught by " + ", ".join(self.must_fail)
        return f"{self.deviation}; {caught}"


def deviate(
    on_request: RequestHook | None = None, on_response: ResponseHook | None = None
) -> Factory:
    """A factory wrapping the reference app with one request and/or response rewrite."""

    def build(app: Starlette) -> ASGIApp:
        hooks: dict[str, Any] = {}
        if on_request is not None:
            hooks["on_request"] = on_request
        if on_response is not None:
            hooks["on_response"] = on_response
        return Deviate(app, app.state.vault, **hooks)

    return build


# --- small predicates and rewrites ----------------------------------------------------------

def writes_to(request: ZooRequest, path: str) -> bool:
    return request.method in WRITES and request.clean == path


def reads_status(request: ZooRequest) -> bool:
    return request.method == "GET" and request.clean == STATUS


def ok(response: Any) -> bool:
    return response.status_code in (200, 204)


def body_flags(request: ZooRequest) -> dict[str, Any]:
    """The reindex flags present in a JSON-object body."""
    body = request.json()
    return {k: v for k, v in body.items() if k in FLAGS} if isinstance(body, dict) else {}


def is_boolean_form(value: Any) -> bool:
    return any(type(value) is type(form) and value == form for form in BOOLEAN_FORMS)


def on_status(change: Callable[[dict[str, Any]], None]) -> ResponseHook:
    """A response rewrite of the ``data`` of every 200 status read."""

    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        if not reads_status(request) or response.status != 200:
            return response
        body = response.json()
        change(body["data"])
        return response.with_json(body)

    return hook


def primaries(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for name in ("dr", "performance"):
        section = data.get(name)
        if isinstance(section, dict) and section.get("mode") == "primary":
            yield section


def peers(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for section in data.values():
        if isinstance(section, dict):
            yield from section.get("secondaries") or ()
            yield from section.get("primaries") or ()


def on_errors(change: Callable[[ZooRequest, ZooResponse, list[str]], ZooResponse]) -> ResponseHook:
    """A response rewrite of every answer carrying Vault's ``{"errors": [...]}``."""

    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        errors = response.errors
        return response if errors is None else change(request, response, errors)

    return hook


def bypass_sudo(variant: Callable[[ZooRequest], bool]) -> RequestHook:
    """A sudo check keyed on the exact path: a live token reaches the reindex handler through
    any spelling ``variant`` accepts, as if it had sudo."""

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method in WRITES and variant(request) and request.token_is_live:
            return request.with_path(REINDEX).as_root()
        return request

    return hook


def not_a_json_object(request: ZooRequest) -> bool:
    return bool(request.body.strip()) and not isinstance(request.json(), dict)


def status_code_of(probe: Probe, method: str, path: str, **kwargs: Any) -> int:
    return probe.send(method, path, **kwargs).status_code


def reindex_as_update(probe: Probe, path: str) -> bool:
    """A token without sudo gets a success from the given spelling of the reindex path."""
    return ok(probe.send("POST", "/v1" + path, token=probe.update))

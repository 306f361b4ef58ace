"""``sys/replication/*``: status (unauthenticated), recover, reindex (sudo)."""

from __future__ import annotations

from replcheck.spec import domains

from ..conventions.errors import VaultError
from ..reindex_job import ReindexBusyError
from ..routing import Reply, Request, Route
from ..status_values import DR, PERFORMANCE
from ..topology.wal import Mark

__all__ = ["ROUTES"]

#: The reindex flags, as the spec lists them, each decoded as a lenient bool.
REINDEX_FIELDS = dict.fromkeys(domains.reindex_flags(), "bool")


def read_status(request: Request) -> Reply:
    return Reply(data_json=request.core.replication.status_json())


def read_dr_status(request: Request) -> Reply:
    return Reply(data=request.core.replication.section_status(DR))


def read_performance_status(request: Request) -> Reply:
    return Reply(data=request.core.replication.section_status(PERFORMANCE))


def recover(request: Request) -> Reply:
    """Repair what the starting state had stopped, and restart a topology's links (its
    secondaries, or its own stream, go through the merkle diff and sync again)."""
    core = request.core
    node = core.node
    with core.replication.lock:
        if node.roles:
            done = node.reconnect_all(core.clock())
            warnings = core.replication.recover(skip=node.live_modes(), done=done)
        else:
            warnings = core.replication.recover()
        node.record(Mark(performance=False))
    return Reply(warnings=warnings)


def reindex(request: Request) -> Reply:
    """Start a reindex job and return at once; progress shows in the status.

    A second request while a job runs is refused with 400: Vault reports refused operations on
    the replication state as invalid requests (400), and refusing (rather than queueing or
    restarting) keeps the running job's progress meaningful to whoever started it.
    """
    params = request.params
    replication = request.core.replication
    try:
        job = replication.start_reindex(
            diff=params.get("diff", False),
            force=params.get("force", False),
            skip_flush=params.get("skip_flush", False),
        )
    except ReindexBusyError:
        raise VaultError(
            400,
            "a reindex is already in progress; wait until sys/replication/status no longer "
            "reports reindex_in_progress before starting another",
        ) from None
    if request.core.node.roles:
        request.core.node.reconnect_all(request.core.clock())
    stages = ", ".join(stage for stage, _ in job.stages)
    kind = "key-level (diff)" if job.diff else "full-scan (force)" if job.force else "standard"
    return Reply(warnings=[
        f"{kind} reindex started ({stages}); follow reindex_stage and "
        "reindex_building_progress in sys/replication/status"
    ])


ROUTES = [
    Route("sys/replication/status", {"read": read_status}, unauthenticated=True),
    Route("sys/replication/dr/status", {"read": read_dr_status}, unauthenticated=True),
    Route("sys/replication/performance/status", {"read": read_performance_status},
          unauthenticated=True),
    Route("sys/replication/recover", {"update": recover}, enterprise_only=True),
    Route("sys/replication/reindex", {"update": reindex}, fields=REINDEX_FIELDS, sudo=True,
          enterprise_only=True),
]

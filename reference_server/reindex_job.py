"""A reindex job: its plan of stages, and where it stands at any moment.

A reindex's stage is a function of its start time and the clock (scanning, building,
wal-replay, commit, with the tree flush inside commit unless ``skip_flush``), so a status read
during a reindex always sees one consistent stage, and tests drive it with a manual clock
instead of sleeping. The replication state (``replication``) holds at most one job.
"""

from __future__ import annotations

from dataclasses import dataclass

from .status_values import REINDEX_STAGES

__all__ = ["ReindexBusyError", "ReindexJob"]

#: The stage during which keys are built (``reindex_building_progress`` counts them).
_BUILDING = REINDEX_STAGES[1]


class ReindexBusyError(Exception):
    """A reindex was requested while another one runs."""


@dataclass(frozen=True)
class ReindexJob:
    """A reindex in flight: the stage at any moment follows from ``started`` and the plan."""

    started: float
    diff: bool
    force: bool
    skip_flush: bool
    stages: tuple[tuple[str, float], ...]
    building_total: int

    @classmethod
    def plan(
        cls, started: float, stage_seconds: float, keys: int, *, diff: bool, force: bool,
        skip_flush: bool,
    ) -> ReindexJob:
        """The stages, named as the spec names them, in its order: scan, build, WAL replay,
        commit. ``force`` doubles the scan, ``diff`` triples the key-level build.

        Vault flushes the rebuilt tree to storage while committing; the status reports that
        under the commit stage (the stage names the contract knows), so without ``skip_flush``
        the commit stage lasts twice as long, and with it the flush is left to run afterwards.
        """
        units = (2 if force else 1, 3 if diff else 1, 1, 1 if skip_flush else 2)
        stages = tuple(
            (stage, stage_seconds * unit) for stage, unit in zip(REINDEX_STAGES, units, strict=True)
        )
        return cls(started, diff, force, skip_flush, stages, keys)

    @property
    def finish(self) -> float:
        return self.started + sum(duration for _, duration in self.stages)

    def position(self, now: float) -> tuple[str, int] | None:
        """``(stage, keys built so far)`` at ``now``, or ``None`` once the job has finished."""
        elapsed = now - self.started
        built = 0
        for stage, duration in self.stages:
            if elapsed < duration:
                if stage == _BUILDING:
                    fraction = elapsed / duration if duration else 1.0
                    built = min(self.building_total, int(self.building_total * fraction))
                return stage, built
            elapsed -= duration
            if stage == _BUILDING:
                built = self.building_total
        return None

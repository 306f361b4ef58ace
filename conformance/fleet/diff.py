"""``replcheck report diff OLD NEW``: what changed between two fleet results.

Rows are targets (matched by name), columns requirements (the union of the ids the targets'
cells carry). One line per change, in this order:

- ``regressed``: a target that was conformant and is not any more (whatever it became), or a
  cell that was ``passed`` and is now ``failed``, ``partial`` or ``error``;
- ``fixed``: the reverse (a target that became conformant, a cell that became ``passed``);
- ``changed``: any other move of a verdict or of a cell (``passed`` -> ``not run`` hides a
  requirement without failing it; it is shown, not counted as a regression);
- ``new target`` / ``gone target``, ``new requirement`` / ``gone requirement``.

Only a regression makes the diff fail (exit 1): a new target that is not conformant is named,
but it regressed from nothing; the gate on it is ``replcheck fleet``'s own exit status.
"""

from __future__ import annotations

import dataclasses

from replcheck.conformance.fleet.result import FleetResult, TargetOutcome

CONFORMANT = "conformant"
PASSED = "passed"
#: Cell labels that fail a requirement.
FAILING = frozenset({"failed", "partial", "error"})


@dataclasses.dataclass(frozen=True)
class Change:
    kind: str  # "regressed" | "fixed" | "changed" | "new target" | ... (see the module)
    subject: str  # "target" or "target REQUIREMENT-ID" or "REQUIREMENT-ID"
    old: str | None
    new: str | None

    def line(self) -> str:
        if self.old is not None and self.new is not None:
            return f"{self.kind}: {self.subject}: {self.old} -> {self.new}"
        return f"{self.kind}: {self.subject} ({self.new if self.new is not None else self.old})"


@dataclasses.dataclass(frozen=True)
class FleetDiff:
    changes: tuple[Change, ...]

    def of(self, kind: str) -> list[Change]:
        return [change for change in self.changes if change.kind == kind]

    @property
    def regressed(self) -> bool:
        return bool(self.of("regressed"))

    @property
    def exit_code(self) -> int:
        """1 when something regressed, else 0."""
        return 1 if self.regressed else 0

    def summary(self) -> str:
        if not self.changes:
            return "No change between the two fleet results."
        kinds = ("regressed", "fixed", "changed", "new target", "gone target")
        counts = [f"{len(self.of(kind))} {kind}" for kind in kinds if self.of(kind)]
        requirements = len(self.of("new requirement")) + len(self.of("gone requirement"))
        if requirements:
            counts.append(f"{requirements} requirement(s) new or gone")
        return ", ".join(counts) + "."

    def lines(self) -> list[str]:
        return [change.line() for change in self.changes] + [self.summary()]


_ORDER = (
    "regressed",
    "fixed",
    "changed",
    "new target",
    "gone target",
    "new requirement",
    "gone requirement",
)


def _columns(result: FleetResult) -> list[str]:
    seen: dict[str, None] = {}
    for target in result.targets:
        seen.update(dict.fromkeys(target.outcomes))
    return list(seen)


def _verdict_move(old: str, new: str) -> str:
    if old == CONFORMANT:
        return "regressed"
    if new == CONFORMANT:
        return "fixed"
    return "changed"


def _target_changes(old: TargetOutcome, new: TargetOutcome) -> list[Change]:
    changes = []
    if old.verdict != new.verdict:
        kind = _verdict_move(old.verdict, new.verdict)
        changes.append(Change(kind, old.name, old.verdict, new.verdict))
    for requirement, before in old.outcomes.items():
        after = new.outcomes.get(requirement)
        if after is None or after == before:
            continue
        if before == PASSED and after in FAILING:
            kind = "regressed"
        elif after == PASSED and before in FAILING:
            kind = "fixed"
        else:
            kind = "changed"
        changes.append(Change(kind, f"{old.name} {requirement}", before, after))
    return changes


def diff_results(old: FleetResult, new: FleetResult) -> FleetDiff:
    """The changes from ``old`` to ``new``, in the module's order (then old's target order)."""
    before = {target.name: target for target in old.targets}
    after = {target.name: target for target in new.targets}
    changes: list[Change] = []
    for name, target in before.items():
        if name in after:
            changes.extend(_target_changes(target, after[name]))
        else:
            changes.append(Change("gone target", name, target.verdict, None))
    for name, target in after.items():
        if name not in before:
            changes.append(Change("new target", name, None, target.verdict))
    old_columns, new_columns = _columns(old), _columns(new)
    for requirement in new_columns:
        if requirement not in old_columns:
            changes.append(Change("new requirement", requirement, None, "in the new result"))
    for requirement in old_columns:
        if requirement not in new_columns:
            changes.append(Change("gone requirement", requirement, "in the old result", None))
    changes.sort(key=lambda change: _ORDER.index(change.kind))  # stable: keeps target order
    return FleetDiff(tuple(changes))

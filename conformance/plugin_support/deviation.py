"""``target_deviates``: how a user's marked test says the *target* broke its requirement.

A test marked ``@pytest.mark.replcheck_requirement("ID")`` can fail for two reasons: the
server deviates from the requirement, or the test's own assumption does not hold (it expected
a DR primary and the cluster is a secondary, its fixture data is stale, it has a bug). Only the
first is a finding against the target, and only the test can tell them apart, so it says so
through this function; any other failure (a plain ``assert``, an exception) is the test's own
failure: the requirement is *not run* by that test, with the failure as the reason, and the
test fails in pytest as usual.
"""

from __future__ import annotations

from typing import NoReturn


class TargetDeviation(AssertionError):
    """Raised by ``target_deviates``: the target broke the requirement the test is marked
    with."""

    def __init__(self, message: str, expected: str) -> None:
        super().__init__(f"{message} (expected: {expected})")
        self.message = message
        self.expected = expected


def target_deviates(message: str, *, expected: str) -> NoReturn:
    """End the test with a finding against the target: ``message`` says what it did (what
    was sent, what came back), ``expected`` what the requirement asks for. The finding
    counts against every requirement the test is marked with."""
    raise TargetDeviation(message, expected)

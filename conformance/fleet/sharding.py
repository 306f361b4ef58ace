"""``--shard I/N``: which of a fleet's selected targets one machine of N judges.

The split is by a stable hash of the target's name, not by its position: target ``name`` goes
to shard ``1 + int(sha256(name)[:8 bytes]) mod N``. So

- every machine computes the same split from the same inventory, with no coordination (the hash
  is SHA-256, not Python's ``hash``, which changes between processes);
- adding, removing or reordering targets moves no other target to another shard (a split by
  position would shift every target after the one added), so a shard's history stays
  comparable from run to run;
- changing N redistributes the targets (as any split does); the shards are balanced only in
  expectation: with few targets a shard may get none, and is then a run with nothing to judge.

The shards of one N partition the selection: each target is in exactly one of them, which is
what ``replcheck report merge`` relies on to rebuild the unsharded matrix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


class ShardError(ValueError):
    """A ``--shard`` value that names no shard; the message is one sentence for exit 2."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)``, 1-based, ``1 <= I <= N``."""
    match = _SHARD.fullmatch(text)
    if not match:
        raise ShardError(
            f"--shard takes I/N (this machine's shard I of N, e.g. 2/4), not {text!r}"
        )
    index, total = int(match[1]), int(match[2])
    if total < 1:
        raise ShardError(f"--shard {text}: the number of shards N must be at least 1")
    if not 1 <= index <= total:
        raise ShardError(f"--shard {text}: the shard I must be between 1 and {total}")
    return index, total


def shard_of(name: str, total: int) -> int:
    """The 1-based shard of ``total`` that target ``name`` belongs to."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % total


def select_shard(items: Iterable[T], shard: tuple[int, int], name: Callable[[T], str]) -> list[T]:
    """The items of shard ``shard`` (``(I, N)``), in their given order."""
    index, total = shard
    return [item for item in items if shard_of(name(item), total) == index]

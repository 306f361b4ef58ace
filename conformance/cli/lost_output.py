"""Output that may lose its reader: a closed terminal or a pipe whose reader went away.

When the terminal is closed (a dropped SSH session), every write to it fails with EIO and a
SIGHUP follows; when a pipe's reader goes (``| head``, a cancelled CI job), writes fail with
EPIPE. Either way the command must still do what is left (a run: stop, remove what it
provisioned, give its exit status) rather than die in the middle of a progress line with a
traceback nobody can read. ``surviving_lost_output`` wraps ``sys.stdout`` and ``sys.stderr``
for a command: the first failed write points the stream's file descriptor at ``/dev/null`` (so
the interpreter's last flush cannot fail either, which would turn the exit status into 120)
and later writes go there, unread.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast

#: The errors that mean "nobody reads this any more".
LOST = (errno.EIO, errno.EPIPE, errno.ENXIO)


class SurvivingStream:
    """A text stream whose writes and flushes cannot fail once the reader is gone."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        #: True once a write or flush found nobody reading.
        self.lost = False

    def write(self, text: str) -> int:
        if self.lost:
            return len(text)
        try:
            return self._stream.write(text)
        except OSError as exc:
            self._lose(exc)
            return len(text)

    def flush(self) -> None:
        if self.lost:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            self._lose(exc)

    def _lose(self, exc: OSError) -> None:
        if exc.errno not in LOST:
            raise exc
        self.lost = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            finally:
                os.close(devnull)
        except (OSError, ValueError, AttributeError):  # no descriptor (an in-memory stream)
            return

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def surviving_lost_output() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` as ``SurvivingStream`` for the block."""
    saved = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, SurvivingStream(saved[0]))
    sys.stderr = cast(TextIO, SurvivingStream(saved[1]))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved

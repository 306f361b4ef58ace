"""The ``replcheck`` console script and ``python -m replcheck``.

This module imports nothing of replcheck's before it has put a quiet SIGINT handler in place:
a Ctrl-C while the command's modules load (the first tenth of a second or so) ends the process
with one line and exit 130, where Python's own handler would print a ``KeyboardInterrupt``
traceback from whichever import it landed in. Nothing needs cleaning up at that point (no
request has been sent), so the handler ends the process at once. Once the command is loaded,
Python's handler is back and the command's own handling applies (``replcheck run``: stop,
remove what was provisioned, exit 130); after the command returns, a late Ctrl-C is ignored so
that it cannot turn a finished command's exit status into a traceback.
"""

import contextlib
import os
import signal
import sys
from types import FrameType


def _interrupted_while_loading(signum: int, frame: FrameType | None) -> None:
    with contextlib.suppress(OSError):  # no stderr to say it on
        os.write(2, b"replcheck: interrupted\n")
    os._exit(128 + signum)


def main() -> int:
    signal.signal(signal.SIGINT, _interrupted_while_loading)
    from replcheck.conformance.cli import main as command

    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        return command()
    except KeyboardInterrupt:
        sys.stderr.write("replcheck: interrupted\n")
        return 128 + signal.SIGINT
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())

"""The ``replcheck`` console script and ``python -m replcheck``.

``main`` puts a quiet SIGINT handler in place before it imports anything of replcheck's (with
the C module ``_signal``: even ``import signal`` takes milliseconds, building its enums): a
Ctrl-C while the command's modules load (about a tenth of a second, several times that on a
busy machine) ends the process with one line and exit 130, where Python's own handler would
print a ``KeyboardInterrupt`` traceback from whichever import it landed in. Nothing needs
cleaning up at that point (no request has been sent), so the handler ends the process at once.
Once the command is loaded, Python's handler is back and the command's own handling applies
(``replcheck run``: stop, remove what was provisioned, exit 130); after the command returns, a
late Ctrl-C is ignored so that it cannot turn a finished command's exit status into a
traceback. What is left is the interpreter's own start-up, before this module runs.
"""

import _signal  # type: ignore[import-not-found]  # no stub; the C half of ``signal``
import os
import sys
from types import FrameType

_INTERRUPTED = 128 + 2  # SIGINT is 2 on every platform Python supports


def _interrupted_while_loading(signum: int, frame: FrameType | None) -> None:
    # Not contextlib.suppress: one more import in the window this handler closes.
    try:  # noqa: SIM105
        os.write(2, b"replcheck: interrupted\n")
    except OSError:  # no stderr to say it on
        pass
    os._exit(_INTERRUPTED)


def main() -> int:
    _signal.signal(_signal.SIGINT, _interrupted_while_loading)
    import signal

    from replcheck.conformance.cli import main as command

    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        return command()
    except KeyboardInterrupt:
        sys.stderr.write("replcheck: interrupted\n")
        return _INTERRUPTED
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())

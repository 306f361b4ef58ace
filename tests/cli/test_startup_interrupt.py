"""A Ctrl-C at any moment of ``replcheck``, while its modules load included, ends with exit 130
and one line, never a ``KeyboardInterrupt`` traceback (``replcheck.__main__``).

One test lands the signal exactly when the engine starts to load (deterministic); the other
sends Ctrl-C to the real console script after 30 to 400 ms, across loading and the run's start.
A signal that lands while the interpreter itself starts, before the first line of replcheck
runs (the first ~20 ms on an idle machine), is Python's to report, not replcheck's: such
landings (killed by the signal, or a traceback from ``site``) are recognised and counted apart.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from interrupt_support import console_script

from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

#: Import the console entry, and raise SIGINT in the process at the moment it starts to import
#: the engine (``replcheck.conformance.cli``), as a Ctrl-C landing there would.
_CTRL_C_WHILE_LOADING = """
import builtins, signal, sys
real_import = builtins.__import__
def importing(name, *args, **kwargs):
    if name == "replcheck.conformance.cli":
        signal.raise_signal(signal.SIGINT)
    return real_import(name, *args, **kwargs)
builtins.__import__ = importing
from replcheck.__main__ import main
sys.argv = ["replcheck", "requirements"]
sys.exit(main())
"""


#: What Python prints when a signal stops its initialisation, or the ``.pth`` file being read.
_INTERPRETER_START = re.compile(r"Fatal Python error: init_|Error processing line \d+ of \S+\.pth")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}


def test_ctrl_c_while_the_engine_loads_exits_130_with_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CTRL_C_WHILE_LOADING],
        capture_output=True, text=True, timeout=60, env=_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 130, done.stderr
    assert done.stderr == "replcheck: interrupted\n"
    assert done.stdout == ""


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[str, str]]:
    server = EmbeddedServer(ServerConfig(root_token="startup-root")).start()
    try:
        yield server.url, server.root_token
    finally:
        server.stop()


def _frames(stderr: str) -> list[str]:
    return re.findall(r'File "([^"]+)"', stderr)


def _in_interpreter_start(stderr: str, script: str) -> bool:
    """A traceback from the interpreter's own start-up, before replcheck's first line: Python
    could not finish initialising, or ``site`` reports the ``.pth`` file it was reading (the
    editable install's finder is one), or every frame is
    a frozen module or the console script's import of ``replcheck.__main__``."""
    if _INTERPRETER_START.search(stderr):
        return True
    return all(name.startswith("<frozen") or name == script for name in _frames(stderr))


def test_ctrl_c_at_any_moment_of_the_start_has_no_traceback(target: tuple[str, str]) -> None:
    url, token = target
    script = console_script()
    quiet = 0
    for delay_ms in range(30, 401, 15):
        process = subprocess.Popen(
            [script, "run", "--url", url, "--token", token, "-k", "STATUS", "--seed", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        )  # fmt: skip
        time.sleep(delay_ms / 1000)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        if "Traceback" in err and _in_interpreter_start(err, script):
            continue
        assert "Traceback" not in out + err, (delay_ms, err)
        if process.returncode == -signal.SIGINT and not err:  # before Python's own handler
            continue
        if process.returncode == 0:  # the run was over before the signal
            continue
        assert process.returncode == 130, (delay_ms, process.returncode, err)
        assert "interrupted" in err, (delay_ms, err)
        quiet += 1
    assert quiet >= 5, "too few signals landed in replcheck to judge"

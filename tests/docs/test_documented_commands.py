"""Every command the README and docs/ give runs in a test as written.

- The README's quickstart, "See the gate fail" and plugin quickstart run for real, as a user
  types them, against the reference server served by the README's own ``replcheck serve`` line
  (on a free port instead of 8200: the only substitution).
- Every other ``replcheck …`` line of a shell block in the README and docs/ is parsed by the
  command's own parser, so a renamed or removed flag in the docs fails here; every ``pytest``
  line is collected by pytest with the plugin loaded, so an unknown plugin option fails too.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from replcheck.conformance.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = [README, *sorted((REPO / "docs").glob("*.md"))]
REPLCHECK = [sys.executable, "-m", "replcheck.conformance.cli"]
#: Shell operators after which a line is no longer the command's arguments.
OPERATORS = {">", ">>", "|", "&&", "||", ";", "&", "2>", "<"}


def _shell_blocks(path: Path) -> list[str]:
    return re.findall(r"```(?:sh|bash|console)\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def _commands(block: str) -> Iterator[list[str]]:
    """Each command of a shell block as argv: continuations joined, comments, prompts and
    redirections dropped."""
    for line in block.replace("\\\n", " ").splitlines():
        line = line.strip().removeprefix("$ ")
        if not line or line.startswith("#"):
            continue
        words: list[str] = []
        for word in shlex.split(line, comments=True):
            if word in OPERATORS or word.startswith((">", "2>")):
                break
            words.append(word)
        if words:
            yield words


def _documented(program: str) -> list[tuple[str, list[str]]]:
    found = []
    for path in DOCS:
        for block in _shell_blocks(path):
            for argv in _commands(block):
                env_prefix = 0
                while env_prefix < len(argv) and re.match(r"^[A-Z_]+=", argv[env_prefix]):
                    env_prefix += 1
                if argv[env_prefix:][:1] == [program]:
                    found.append((path.relative_to(REPO).as_posix(), argv[env_prefix + 1 :]))
    return found


REPLCHECK_LINES = _documented("replcheck")
PYTEST_LINES = _documented("pytest")


def test_the_docs_give_commands_to_check() -> None:
    assert len(REPLCHECK_LINES) > 20 and len(PYTEST_LINES) >= 3


@pytest.mark.parametrize(
    "argv", [argv for _, argv in REPLCHECK_LINES], ids=[" ".join(a) for _, a in REPLCHECK_LINES]
)
def test_every_documented_replcheck_line_parses(argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version: fine; a usage error is not
        assert stop.code == 0, f"replcheck {shlex.join(argv)} is not a valid command line"


@pytest.mark.parametrize(
    "argv", [argv for _, argv in PYTEST_LINES], ids=[" ".join(a) for _, a in PYTEST_LINES]
)
def test_every_documented_pytest_line_is_accepted_by_pytest(
    argv: list[str], tmp_path: Path
) -> None:
    """Collected only (nothing is sent): pytest rejects an unknown option at this stage."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_my_vault.py").write_text("def test_nothing():\n    pass\n")
    env = {**os.environ, "VAULT_ADDR": "http://127.0.0.1:9", "VAULT_TOKEN": "root"}
    argv = [re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: env.get(m.group(1), ""), a) for a in argv]
    answer = subprocess.run(
        [sys.executable, "-m", "pytest", *argv, "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert "unrecognized arguments" not in answer.stderr, answer.stderr
    assert answer.returncode in (0, 5), answer.stdout[-2000:] + answer.stderr[-2000:]


def _readme_block(after_heading: str, index: int = 0, lang: str = "sh") -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n## {after_heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{lang}\n(.*?)```", section, re.S)[index]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """The README's ``replcheck serve --dev-root-token root --port 8200``, on a free port."""
    text = README.read_text(encoding="utf-8")
    line = re.search(r"`(replcheck serve [^`]+)`", text)
    assert line, "the README no longer says how to serve the reference server"
    argv = shlex.split(line.group(1))[1:]
    argv[argv.index("--port") + 1] = "0"
    process = subprocess.Popen(
        [*REPLCHECK, *argv], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=_default_sigint,
    )
    assert process.stdout is not None
    address = ""
    for banner_line in process.stdout:
        if "Api Address:" in banner_line:
            address = banner_line.split(": ", 1)[1].strip()
        if banner_line.startswith("Root Token:"):
            break
    try:
        for _ in range(200):
            try:
                httpx.get(address + "/v1/sys/replication/status", timeout=5)
                break
            except httpx.ConnectError:
                pass
        yield address
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()


def _run_block(block: str, address: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a README block's lines in one bash, as written, with the served address for 8200."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "REPLCHECK_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    script = block.replace("http://127.0.0.1:8200", address)
    answer = subprocess.run(
        ["bash", "-c", script + '\necho "exit=$?"'], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=300,
    )
    return answer


def test_readme_quickstart_runs_as_written(served: str, tmp_path: Path) -> None:
    answer = _run_block(_readme_block("Quickstart: judge your own Vault"), served, tmp_path)
    assert answer.stdout.rstrip().endswith("exit=0"), answer.stdout[-3000:] + answer.stderr
    assert "CONFORMANT" in answer.stdout and "NOT CONFORMANT" not in answer.stdout
    assert (tmp_path / "report.html").is_file()


def test_readme_see_the_gate_fail_runs_as_written(served: str, tmp_path: Path) -> None:
    lines = _readme_block("See the gate fail").splitlines()
    listing, failing = (
        subprocess.run(
            ["bash", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=300,
            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        )
        for line in lines[:2]
    )
    assert listing.returncode == 0 and "sudo-bypass-trailing-slash" in listing.stdout
    assert failing.returncode == 1, failing.stdout[-3000:] + failing.stderr
    assert "NOT CONFORMANT" in failing.stdout and (tmp_path / "broken.html").is_file()


def test_readme_plugin_quickstart_runs_as_written(served: str, tmp_path: Path) -> None:
    test_file = _readme_block("pytest plugin quickstart", 0, "python")
    first_line, _, _ = test_file.partition("\n")
    relative = first_line.removeprefix("# ").strip()
    (tmp_path / relative).parent.mkdir(parents=True)
    (tmp_path / relative).write_text(test_file)
    suite_line = _readme_block("pytest plugin quickstart", 0)
    own_line = _readme_block("pytest plugin quickstart", 1)
    env_block = f"export VAULT_ADDR={served} VAULT_TOKEN=root\n"
    (suite, own) = (
        subprocess.run(
            ["bash", "-c", env_block + line], cwd=tmp_path, capture_output=True, text=True,
            timeout=600,
            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        )
        for line in (suite_line, own_line)
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
    assert own.returncode == 0, own.stdout[-3000:] + own.stderr[-2000:]
    assert "1 passed" in own.stdout and (tmp_path / "replcheck.html").is_file()

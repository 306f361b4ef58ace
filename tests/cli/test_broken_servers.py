"""`replcheck serve --break NAME` and `replcheck run --break NAME`: the deliberately broken
servers of ``replcheck.reference_server.broken``, for users.

- ``list`` prints every name with its category and what it breaks (exit 0);
- an unknown name exits 2 with one sentence naming the closest names and ``list``;
- ``serve --break`` serves the broken server (the deviation is there over HTTP, the banner says
  so first, the replication state is the one it needs unless ``--state`` is given);
- ``run --break`` judges it: NOT CONFORMANT, each requirement the entry promises failed, and
  the reports name the broken server; ``--url``/``--plan`` with it are usage errors;
- the old spellings (``run --scenario``, ``serve --scenario``) still work, with a warning on
  stderr naming the new flag.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from replcheck.conformance.cli import broken_target, main, serve_cmd
from replcheck.conformance.settings.target import Settings
from replcheck.reference_server import cli as server_cli
from replcheck.reference_server.broken import CATEGORIES, ZOO, find


def _replcheck(*args: str, env: dict[str, str] | None = None,
               timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replcheck.conformance.cli",
    *args], capture_output=True,
                          text=True, timeout=timeout, check=False, env=env)


@pytest.mark.parametrize("command", [["serve", "--break"], ["run", "--break"]])
def test_list_prints_every_name_with_category_and_description(capsys, command) -> None:
    assert main([*command, "list"]) == 0
    out = capsys.readouterr().out
    rows = out.splitlines()[1:]
    assert len(rows) == len(ZOO)
    for row, broken in zip(rows, ZOO, strict=True):
        name, category, description = row.split(maxsplit=1)[0], broken.category, broken.description
        assert name == broken.name and category in CATEGORIES
        assert row.rstrip().endswith(description) and f" {category} " in row, row


@pytest.mark.parametrize(("command", "flag"), [("serve", "--break"), ("run", "--break")])
def test_an_unknown_name_exits_2_suggesting_the_closest(capsys, command, flag) -> None:
    assert main([command, flag, "sudo-bypass-cas"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.count("\n") == 1 and err.startswith(f"replcheck {command}:"), err
    assert "sudo-bypass-case" in err and f"'{flag} list'" in err and "Traceback" not in err


def test_a_name_like_none_still_points_to_the_list(capsys) -> None:
    assert main(["serve", "--break", "qqqq"]) == 2
    err = capsys.readouterr().err
    assert "did you mean" not in err and "'--break list'" in err, err


@pytest.mark.parametrize("other", [["--url", "http://127.0.0.1:8200"], ["--plan"]])
def test_break_with_a_target_of_its_own_is_a_usage_error(capsys, other) -> None:
    assert main(["run", "--break", "wal-goes-back", *other]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and other[0] in err and err.startswith("replcheck run: error:")


def _served_with(monkeypatch, argv: list[str]) -> dict[str, Any]:
    """What ``serve --break`` hands the server (the server itself is not started)."""
    seen: dict[str, Any] = {}

    def serve(args: argparse.Namespace, **hooks: Any) -> int:
        seen.update(hooks, scenario=args.state)
        return 0

    monkeypatch.setattr(server_cli, "serve", serve)
    parser = argparse.ArgumentParser()
    serve_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["serve", *argv])
    assert args.handler(args) == 0
    return seen


def test_break_serves_in_the_state_it_needs_unless_told(monkeypatch) -> None:
    broken = find("disabled-with-cluster-id", "--break")
    assert broken.scenario == "disabled"
    seen = _served_with(monkeypatch, ["--break", broken.name])
    assert seen["scenario"] == "disabled" and seen["wrap"] is broken.factory
    assert "DELIBERATELY BROKEN" in seen["headline"] and broken.name in seen["headline"]
    assert _served_with(monkeypatch, ["--break", broken.name, "--state", "community"])[
        "scenario"] == "community"
    assert _served_with(monkeypatch, [])["scenario"] is None  # no --break: untouched


def _banner(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Root Token:"):
            return lines
    raise AssertionError("no banner: " + "\n".join(lines))


def _default_sigint() -> None:
    # pytest-xdist's workers ignore SIGINT, and children inherit that: restore the default a
    # terminal gives, so Ctrl-C reaches the server.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _get(url: str, **kwargs: Any) -> httpx.Response:
    """GET once the server accepts (its banner is printed just before uvicorn does)."""
    for _ in range(200):
        try:
            return httpx.get(url, timeout=10, **kwargs)
        except httpx.ConnectError:
            time.sleep(0.05)
    raise AssertionError(f"nothing accepts connections at {url}")


def test_serve_break_serves_the_deviation_and_says_so_first() -> None:
    """status-requires-token: Vault answers the status without a token; this one refuses."""
    process = subprocess.Popen(
        [sys.executable, "-m", "replcheck.conformance.cli",
        "serve", "--break", "status-requires-token",
         "--port", "0", "--dev-root-token", "root"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=_default_sigint,
    )
    try:
        banner = _banner(process)
        assert banner[0].startswith("==> DELIBERATELY BROKEN server started"), banner[0]
        assert "status-requires-token" in banner[0]
        address = next(line.split(": ", 1)[1] for line in banner if "Api Address:" in line)
        status = address + "/v1/sys/replication/status"
        assert _get(status).status_code == 403
        assert _get(status, headers={"X-Vault-Token": "root"}).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()
    assert code == 130


def test_broken_settings_are_the_proven_ones_unless_given() -> None:
    dribbled = find("status-dribbled", "--break")
    assert dribbled.settings == {"client_timeout": 1.0} and dribbled.profile == "safe"
    chosen = broken_target.settings_for(dribbled, Settings())
    assert (chosen.client_timeout, chosen.profile) == (1.0, "safe")
    assert chosen.provision  # the run's own throwaway server: its helper tokens are made
    given = broken_target.settings_for(dribbled, Settings(client_timeout=5.0, profile="full"))
    assert (given.client_timeout, given.profile) == (5.0, "full")
    full = find("recover-put-refused", "--break")
    assert broken_target.settings_for(full, Settings()).profile == full.profile == "full"


def test_run_break_fails_the_gate_and_names_the_broken_server(tmp_path: Path) -> None:
    """The CONFORMANT control: a broken server whose requirement must fail really fails it,
    through the command a user types, with VAULT_ADDR pointing elsewhere (not read)."""
    broken = find("sudo-bypass-trailing-slash", "--break")
    report, page = tmp_path / "report.json", tmp_path / "report.html"
    env = dict(os.environ, VAULT_ADDR="http://127.0.0.1:1")
    done = _replcheck("run", "--break", broken.name, "--seed", "7", "--max-examples", "2",
                      "--json", str(report), "--html", str(page), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DELIBERATELY BROKEN SERVER (--break sudo-bypass-trailing-slash)" in done.stdout
    assert f"broken server {broken.name}" in done.stdout and "NOT CONFORMANT" in done.stdout
    assert "deprecated" not in done.stderr

    judged = json.loads(report.read_text())
    assert judged["verdict"] == "not conformant" and judged["exit_code"] == 1
    failed = {r["id"] for r in judged["requirements"] if r["outcome"] == "failed"}
    assert set(broken.must_fail) <= failed, failed
    assert failed <= set(broken.must_fail) | set(broken.may_fail), failed
    assert broken.name in judged["target_description"]
    assert judged["notes"][0].startswith(f"broken server {broken.name}:")
    assert f"broken server {broken.name}:" in page.read_text()


def test_run_break_on_a_hostile_server_ends_with_one_sentence() -> None:
    """A broken server attacking the runner (an answer dribbled a byte at a time): with the
    broken server's bound (1 s per answer), the run ends in seconds, with one sentence (exit 2) or a
    NOT CONFORMANT verdict, never a hang or a traceback."""
    done = _replcheck("run", "--break", "status-dribbled", "--max-examples", "1",
                      timeout=120)
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    if done.returncode == 2:
        assert done.stderr.strip().splitlines()[-1].startswith("replcheck run: error:")


@pytest.mark.parametrize(
    ("argv", "new"), [(["run", "--scenario", "list"], "--break"),
                      (["serve", "--break", "list", "--scenario", "disabled"], "--state")],
)
def test_the_old_spelling_still_works_with_a_warning_naming_the_new_flag(
    capsys, argv: list[str], new: str
) -> None:
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == len(ZOO) + 1  # the listing, as with the new flag
    warning = captured.err.strip()
    assert warning.count("\n") == 0, captured.err
    assert warning.startswith(f"replcheck {argv[0]}: warning: --scenario is deprecated")
    assert f"use {new} NAME" in warning


def test_the_old_serve_spelling_picks_the_state(monkeypatch, capsys) -> None:
    assert _served_with(monkeypatch, ["--scenario", "community"])["scenario"] == "community"
    assert "use --state NAME" in capsys.readouterr().err
    assert _served_with(monkeypatch, ["--state", "community"])["scenario"] == "community"
    assert capsys.readouterr().err == ""


def test_the_help_shows_the_new_names_only(capsys) -> None:
    for command, shown in (("run", "--break NAME"), ("serve", "--state NAME")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert shown in out and "--scenario" not in out
        # --topology was once run's name of --break; it is now serve's flag for a set of
        # clusters (replcheck serve --topology), and nothing else.
        assert ("--topology NAME|FILE" in out) is (command == "serve")

"""``replcheck run``: judge a target and exit 0 (conformant), 1 (not conformant, or no
replication API) or 2 (no verdict: the run could not be made, or judged nothing).

Flags come from ``replcheck.conformance.settings.target.OPTIONS`` (each with its Vault environment
variable), plus the report files, ``-k`` and ``--plan``. Whatever prevents the run (a bad flag
value, an unreachable target, a TLS failure, an unwritable report path, an answer beyond the run's
bounds) ends with one sentence on stderr and exit 2, never a traceback.

``--scenario NAME`` judges a deliberately broken embedded server instead (``list`` names them):
a user sees the gate fail, and reads a real report, in one command.

Ctrl-C or SIGTERM stops the run before any further request but cleanup; the run says what it
cleaned up, the summary and report files are written from what was judged until then, and the
exit status is 130 (Ctrl-C) or 143 (SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replcheck.conformance.cli import broken_names
from replcheck.conformance.settings.target import OPTIONS, PROFILES, Settings
from replcheck.conformance.settings.values import SettingError
from replcheck.conformance.transport.tls import client_context

if TYPE_CHECKING:
    from replcheck.conformance.engine.run_result import RunResult
    from replcheck.reference_server.broken import BrokenServer

#: The report flags (``--junit`` …). Their renderers, like the runner, are imported only when a
#: run starts: every other sub-command shares this parser and should not load the engine.
REPORTS = ("junit", "json", "html")


def _renderers() -> dict[str, Callable[[RunResult], str]]:
    from replcheck.conformance.report import render_html, render_json, render_junit

    return {"junit": render_junit, "json": render_json, "html": render_html}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run",
        help="judge a target against the /sys/replication contract",
        description="Judge a Vault /sys/replication target. With no --url (nor VAULT_ADDR) the "
        "embedded reference server is started and judged. Exit status: 0 conformant, "
        "1 not conformant (or no replication API on the target: unsupported), "
        "2 no verdict (the run could not be made, or judged nothing).",
    )
    for option in OPTIONS:
        env = f" [env {option.env}]" if option.env else ""
        if option.kind == "bool":
            parser.add_argument(
                option.flag, action="store_true", default=None, help=option.help + env
            )
        elif option.kind == "profile":
            parser.add_argument(option.flag, choices=PROFILES, default=None, help=option.help + env)
        else:
            metavar = {
                "int": "N",
                "bytes": "SIZE",
                "seconds": "DURATION",
                "str": option.name.split("_")[-1].upper(),
            }[option.kind]
            if option.name in ("ca_cert", "client_cert", "client_key"):
                metavar = "FILE"
            elif option.name == "ca_path":
                metavar = "DIR"
            parser.add_argument(option.flag, metavar=metavar, default=None, help=option.help + env)
    for name in REPORTS:
        parser.add_argument(
            f"--{name}",
            metavar="FILE",
            type=Path,
            default=None,
            help=f"write a {name.upper()} report to FILE",
        )
    parser.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        default=None,
        help="run only checks whose id or category matches EXPR "
        "(words with and/or/not, as pytest -k)",
    )
    parser.add_argument(
        "--plan",
        action="store_true",
        help="print every request the run would send, and send nothing",
    )
    broken_names.add_name_flag(
        parser, "--scenario", "scenario",
        "judge the deliberately broken embedded server NAME instead (no --url; VAULT_ADDR is "
        "not read), with the profile and bounds it is proven with unless given: see the gate "
        "fail; 'list' prints every name with what it breaks",
    )
    parser.set_defaults(handler=handle)


def _scenario(args: argparse.Namespace) -> BrokenServer | int | None:
    """The broken server of ``--scenario``, None without it, or the exit status (0 after
    ``list``; 2 after one sentence: an unknown name, or a flag that cannot go with it)."""
    if args.scenario is None:
        return None
    for flag, given in (("--url", args.url is not None), ("--plan", args.plan)):
        if given:
            print(
                f"replcheck run: error: --scenario judges its own embedded broken server, so it "
                f"cannot be combined with {flag}",
                file=sys.stderr,
            )
            return 2
    return broken_names.choose(args.scenario, "--scenario", "replcheck run: error:")


def _settings(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    explicit: dict[str, Any] = {}
    for option in OPTIONS:
        value = getattr(args, option.name)
        if isinstance(value, str) and option.kind in ("int", "bytes", "seconds"):
            value = option.parse(value, option.flag)
        explicit[option.name] = value
    return Settings.resolve(explicit, environ, keyword=args.keyword, plan=args.plan)


def _check_report_paths(args: argparse.Namespace) -> None:
    """Create the report folders up front (as pytest does for --junitxml), so a run never ends
    with its verdict unwritten; a folder that cannot be made is a bad flag."""
    for name in REPORTS:
        path: Path | None = getattr(args, name)
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingError(
                f"cannot write --{name} {path}: the folder {path.parent} cannot be made "
                f"({exc.strerror or exc})"
            ) from None
        if not path.parent.is_dir():
            raise SettingError(f"cannot write --{name} {path}: {path.parent} is not a folder")


def handle(args: argparse.Namespace) -> int:
    broken = _scenario(args)
    if isinstance(broken, int):
        return broken
    environ = dict(os.environ)
    if broken is not None:
        environ.pop("VAULT_ADDR", None)  # the scenario's server is the target
    try:
        settings = _settings(args, environ)
        if broken is not None:
            from replcheck.conformance.cli import scenario_target

            settings = scenario_target.settings_for(broken, settings)
        _check_report_paths(args)
        client_context(settings)  # a TLS file or folder that cannot be used is a bad flag
    except SettingError as exc:
        print(f"replcheck run: error: {exc}", file=sys.stderr)
        return 2
    from replcheck.conformance.concurrency.interruption import StopRequest, stopping_on_signals

    stop = StopRequest()
    try:
        with stopping_on_signals(stop, exiting=True):  # nor may a signal cut the reports short
            return _run_and_report(args, settings, stop, broken)
    except KeyboardInterrupt:  # before the run's own handlers were in place
        print("replcheck run: interrupted by SIGINT", file=sys.stderr)
        return 128 + signal.SIGINT


def _run_and_report(
    args: argparse.Namespace, settings: Settings, stop: Any, broken: BrokenServer | None
) -> int:
    from replcheck.conformance.cli import scenario_target
    from replcheck.conformance.concurrency.interruption import RunInterrupted, signal_name
    from replcheck.conformance.engine.aborted import RunAborted
    from replcheck.conformance.engine.runner import run
    from replcheck.conformance.fuzzing.storage import keep_out_of_working_directory
    from replcheck.conformance.report import TerminalReporter

    keep_out_of_working_directory()  # Hypothesis's cache files: never a stray ./.hypothesis
    reporter = TerminalReporter()
    try:
        try:
            if broken is None:
                result = run(settings, reporter, stop)
            else:
                reporter.message(broken_names.headline(broken, "--scenario"))
                with scenario_target.serving(broken, settings) as judged:
                    result = run(judged, reporter, stop)
        finally:
            reporter.close()  # the progress bar (on a TTY) goes before any sentence below
    except RunAborted as exc:
        print(f"replcheck run: error: {exc}", file=sys.stderr)
        return 2
    except RunInterrupted as exc:
        if exc.result is None:  # stopped before anything was judged
            print(f"replcheck run: interrupted by {signal_name(exc.signum)}", file=sys.stderr)
            return exc.exit_code
        result = exc.result
    if broken is not None:
        scenario_target.name_in(result, broken)
    reporter.summary(result)
    for name, render in _renderers().items():
        path: Path | None = getattr(args, name)
        if path is None:
            continue
        try:
            path.write_text(render(result), encoding="utf-8")
        except OSError as exc:
            print(
                f"replcheck run: error: cannot write --{name} {path}: {exc.strerror}",
                file=sys.stderr,
            )
            return 2
        reporter.message(f"{name} report written to {path}")
    return result.exit_code

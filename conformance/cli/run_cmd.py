"""``replcheck run``: judge a target and exit 0 (conformant), 1 (not conformant, or no
replication API) or 2 (no verdict: the run could not be made, or judged nothing).

Flags come from ``replcheck.conformance.settings.target.OPTIONS`` (each with its Vault environment
variable), plus the report files, ``-k`` and ``--plan``. Whatever prevents the run (a bad flag
value, an unreachable target, a TLS failure, an unwritable report path, an answer beyond the run's
bounds) ends with one sentence on stderr and exit 2, never a traceback.

The target is named, never assumed: ``--url`` (or ``VAULT_ADDR``), or ``--embedded`` for the
embedded reference server; neither is a usage error (exit 2), so a CI job whose address
variable went missing cannot go green against the embedded server.

``--break NAME`` judges a deliberately broken embedded server instead (``list`` names them;
it implies ``--embedded``): a user sees the gate fail, and reads a real report, in one command
(``--scenario NAME``, its old spelling, works until 0.2.0 with a warning).

Ctrl-C, SIGTERM or SIGHUP stops the run before any further request but cleanup; the run says
what it cleaned up, the summary and report files are written from what was judged until then,
and the exit status is 130 (Ctrl-C), 143 (SIGTERM) or 129 (SIGHUP).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replcheck.conformance.cli import broken_names, topology_run
from replcheck.conformance.cli.report_paths import REPORTS, check_report_paths
from replcheck.conformance.cli.setting_flags import add_setting_flags, given_values
from replcheck.conformance.settings.selection import Selection, SelectionError
from replcheck.conformance.settings.target import OPTIONS, Settings
from replcheck.conformance.settings.values import SettingError, one_line
from replcheck.conformance.transport.tls import client_context
from replcheck.reference_server.deprecated_flags import add_alias

if TYPE_CHECKING:
    from replcheck.conformance.engine.run_result import RunResult
    from replcheck.reference_server.broken import BrokenServer

#: The report flags (``--junit`` …). Their renderers, like the runner, are imported only when a
#: run starts: every other sub-command shares this parser and should not load the engine.


def _renderers() -> dict[str, Callable[[RunResult], str]]:
    from replcheck.conformance.report import render_html, render_json, render_junit

    return {"junit": render_junit, "json": render_json, "html": render_html}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run",
        help="judge a target against the /sys/replication contract",
        description="Judge a Vault /sys/replication target: --url (or VAULT_ADDR), or "
        "--embedded to start and judge the embedded reference server; or a replication set: "
        "--topology FILE, --url P --secondary-url S, --topology NAME --embedded. Exit status: "
        "0 conformant, 1 not conformant (or no replication API on the target: unsupported), "
        "2 no verdict (the run could not be made, a cluster of the set could not be read, or "
        "it judged nothing).",
    )
    add_setting_flags(parser, OPTIONS)
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="judge the embedded reference server, started on a free loopback port "
        "(instead of --url; VAULT_ADDR is not read)",
    )
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
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print every check as it ends and every requirement in the summary (by default "
        "only what did not pass is listed; failures are always shown in full)",
    )
    broken_names.add_name_flag(
        parser, "--break", "broken",
        "judge the deliberately broken embedded server NAME instead (no --url; VAULT_ADDR is "
        "not read), with the profile and bounds it is proven with unless given: see the gate "
        "fail; 'list' prints every name with what it breaks",
    )
    add_alias(parser, "--scenario", "broken", replacement="--break", command="run",
              metavar="NAME")
    topology_run.add_flags(parser)
    parser.set_defaults(handler=handle)


def _broken(args: argparse.Namespace) -> BrokenServer | int | None:
    """The broken server of ``--break``, None without it, or the exit status (0 after
    ``list``; 2 after one sentence: an unknown name, or a flag that cannot go with it)."""
    if args.broken is None:
        return None
    for flag, given in (("--url", args.url is not None), ("--plan", args.plan)):
        if given:
            print(
                f"replcheck run: error: --break judges its own embedded broken server, so it "
                f"cannot be combined with {flag}",
                file=sys.stderr,
            )
            return 2
    return broken_names.choose(args.broken, "--break", "replcheck run: error:")


#: The one sentence of a run with no target named.
NO_TARGET = (
    "no target: pass --url URL (or set VAULT_ADDR) to judge a Vault, or --embedded to judge "
    "the embedded reference server"
)


def _target_problem(args: argparse.Namespace, environ: dict[str, str]) -> str | None:
    """Why the target cannot be told from the flags: none named, or two."""
    if args.embedded and args.url is not None:
        return (
            "--embedded judges the embedded reference server, so it cannot be combined with "
            "--url"
        )
    if args.embedded or args.broken is not None:
        return None
    if args.url is None and not environ.get("VAULT_ADDR"):
        return NO_TARGET
    return None


def _settings(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    return Settings.resolve(
        given_values(args, OPTIONS), environ, keyword=args.keyword, plan=args.plan
    )


def _check_keyword(keyword: str | None) -> None:
    try:
        Selection(keyword)
    except SelectionError as exc:
        raise SettingError(str(exc)) from None
    except RecursionError:
        raise SettingError("-k nests its parentheses too deeply") from None


def prepare(
    args: argparse.Namespace, environ: Mapping[str, str], broken: BrokenServer | None = None
) -> Settings:
    """Every setting of the run from its flags and ``environ``, resolved and checked before
    anything is started or sent; ``SettingError`` (one sentence) for any value that cannot
    be used."""
    environ = dict(environ)
    if broken is not None or args.embedded or not environ.get("VAULT_ADDR"):
        # The embedded server is the target; and an empty VAULT_ADDR is unset, as Vault's
        # client reads it (a CI variable whose secret is missing), so no target is named.
        environ.pop("VAULT_ADDR", None)
    settings = _settings(args, environ)
    problem = _target_problem(args, environ)
    if problem is not None:
        raise SettingError(problem)
    if broken is not None:
        from replcheck.conformance.cli import broken_target

        settings = broken_target.settings_for(broken, settings)
    _check_keyword(args.keyword)
    check_report_paths(args)
    client_context(settings)  # a TLS file or folder that cannot be used is a bad flag
    return settings


def _restore_dashes(args: argparse.Namespace) -> None:
    """argparse (3.11) takes ``--flag=--`` as the end of options and leaves the flag an empty
    list: the value given was ``--``, and is judged as such."""
    for name, value in vars(args).items():
        if value == []:
            setattr(args, name, Path("--") if name in REPORTS else "--")


def prepare_topology(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """The settings of a topology run: shared by every cluster (each has its own URL, token
    and TLS from the targets), checked before anything is started or sent; a targets file or
    the shorthand's run is safe unless ``--profile`` says otherwise."""
    problem = topology_run.usage_problem(args)
    if problem is not None:
        raise SettingError(problem)
    environ = dict(environ)
    if args.url is None:
        environ.pop("VAULT_ADDR", None)
    settings = _settings(args, environ)
    if settings.profile is None:
        settings = settings.replace(profile="full" if args.embedded else "safe")
    _check_keyword(args.keyword)
    check_report_paths(args)
    folder: Path | None = args.save_snapshots
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingError(
                f"cannot write --save-snapshots {folder}: the folder cannot be made "
                f"({exc.strerror or exc})"
            ) from None
    client_context(settings)
    return settings


def handle(args: argparse.Namespace) -> int:
    _restore_dashes(args)
    if topology_run.wanted(args):
        return _handle_topology(args)
    broken = _broken(args)
    if isinstance(broken, int):
        return broken
    try:
        settings = prepare(args, os.environ, broken)
    except SettingError as exc:
        print(f"replcheck run: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    from replcheck.conformance.concurrency.interruption import StopRequest, stopping_on_signals

    stop = StopRequest()
    try:
        with stopping_on_signals(stop, exiting=True):  # nor may a signal cut the reports short
            return _run_and_report(args, settings, stop, broken)
    except KeyboardInterrupt:  # before the run's own handlers were in place
        print("replcheck run: interrupted by SIGINT", file=sys.stderr)
        return 128 + signal.SIGINT


def _handle_topology(args: argparse.Namespace) -> int:
    """``replcheck run`` on a replication set: the verdict over the clusters read, exit 2 when
    one could not be read (named in one sentence, the others judged and reported)."""
    from replcheck.conformance.concurrency.interruption import (
        RunInterrupted,
        StopRequest,
        signal_name,
        stopping_on_signals,
    )
    from replcheck.conformance.report import TerminalReporter

    try:
        settings = prepare_topology(args, os.environ)
    except SettingError as exc:
        topology_run.say(str(exc))
        return 2
    stop = StopRequest()
    reporter = TerminalReporter(verbose=args.verbose)
    try:
        with stopping_on_signals(stop, exiting=True):
            try:
                try:
                    result = topology_run.run(args, settings, stop, reporter)
                finally:
                    reporter.close()
            except SettingError as exc:
                topology_run.say(str(exc))
                return 2
            except RunInterrupted as exc:
                if exc.result is None:
                    print(f"replcheck run: interrupted by {signal_name(exc.signum)}",
                          file=sys.stderr)
                    return exc.exit_code
                result = exc.result
            return _report(args, result, reporter)
    except KeyboardInterrupt:
        print("replcheck run: interrupted by SIGINT", file=sys.stderr)
        return 128 + signal.SIGINT


def _report(args: argparse.Namespace, result: RunResult, reporter: Any) -> int:
    """The summary and the report files of ``result``; its exit status (2 when a report
    cannot be written, or a cluster of a topology could not be read)."""
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
    for sentence in result.unreachable.values():
        print(f"replcheck run: error: {one_line(sentence)}", file=sys.stderr)
    return result.exit_code


def _run_and_report(
    args: argparse.Namespace, settings: Settings, stop: Any, broken: BrokenServer | None
) -> int:
    from replcheck.conformance.cli import broken_target
    from replcheck.conformance.concurrency.interruption import RunInterrupted, signal_name
    from replcheck.conformance.engine.aborted import RunAborted
    from replcheck.conformance.engine.runner import run
    from replcheck.conformance.fuzzing.storage import keep_out_of_working_directory
    from replcheck.conformance.report import TerminalReporter

    keep_out_of_working_directory()  # Hypothesis's cache files: never a stray ./.hypothesis
    reporter = TerminalReporter(verbose=args.verbose)
    try:
        try:
            if broken is None:
                result = run(settings, reporter, stop)
            else:
                reporter.message(broken_names.headline(broken, "--break"))
                with broken_target.serving(broken, settings) as judged:
                    result = run(judged, reporter, stop)
        finally:
            reporter.close()  # the progress bar (on a TTY) goes before any sentence below
    except RunAborted as exc:
        print(f"replcheck run: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except RunInterrupted as exc:
        if exc.result is None:  # stopped before anything was judged
            print(f"replcheck run: interrupted by {signal_name(exc.signum)}", file=sys.stderr)
            return exc.exit_code
        result = exc.result
    if broken is not None:
        broken_target.name_in(result, broken)
    return _report(args, result, reporter)

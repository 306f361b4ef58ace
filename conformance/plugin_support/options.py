"""The plugin's flags and ini keys, made from ``replcheck.conformance.settings.target.OPTIONS``
(declared once).

Precedence, as pytest-django has it: a flag wins, then Vault's environment variable, then the
ini key, then the default. A malformed flag is a usage error at once; a malformed environment
variable or ini value is only reported when a replcheck test or fixture needs the target, so
a stray ``VAULT_SKIP_VERIFY`` never breaks unrelated tests.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from replcheck.conformance.settings.target import OPTIONS, Option, Settings
from replcheck.conformance.settings.values import SettingError, one_line

GROUP = "replcheck"
EMBEDDED_FLAG = "--replcheck-embedded"
EMBEDDED_INI = "replcheck_embedded"
#: Report files: the engine's JSON and HTML reports, with users' marked tests included.
REPORT_FLAGS = {"json": "--replcheck-json", "html": "--replcheck-html"}
#: ``replcheck run`` judges the embedded server with --embedded; the plugin's flag for it is
#: --replcheck-embedded, so its help says so.
_CLI_DEFAULT_TARGET = "required unless --embedded judges the embedded reference server"


def _parser_of(option: Option) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        try:
            return option.parse(raw, option.pytest_flag)
        except SettingError as exc:
            raise argparse.ArgumentTypeError(one_line(str(exc))) from None

    return parse


def plugin_words(text: str) -> str:
    """An engine text (a help, a reason) naming the plugin's flags instead of ``replcheck
    run``'s: ``--token`` reads ``--vault-token``."""
    for option in OPTIONS:
        text = re.sub(rf"(?<![\w-]){re.escape(option.flag)}(?![\w-])", option.pytest_flag, text)
    return text


def _help(option: Option) -> str:
    return plugin_words(
        option.help.replace(
            _CLI_DEFAULT_TARGET,
            "required for the bundled suite unless --replcheck-embedded judges the embedded "
            "reference server",
        )
    )


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "replcheck: Vault /sys/replication conformance")
    for option in OPTIONS:
        env = f" [env {option.env}]" if option.env else ""
        ini = f" [ini {option.ini}]"
        if option.kind == "bool":
            group.addoption(
                option.pytest_flag,
                action="store_true",
                default=None,
                dest=_dest(option),
                help=_help(option) + env + ini,
            )
        else:
            group.addoption(
                option.pytest_flag,
                default=None,
                dest=_dest(option),
                type=_parser_of(option),
                metavar=option.name.upper(),
                help=_help(option) + env + ini,
            )
        parser.addini(option.ini, _help(option) + env, type="string", default="")
    group.addoption(
        EMBEDDED_FLAG,
        action="store_true",
        default=None,
        dest="replcheck_embedded",
        help="start the reference server on a free loopback port for the session and use it "
        f"as the target [ini {EMBEDDED_INI}]",
    )
    parser.addini(EMBEDDED_INI, "start the embedded reference server", type="bool", default=False)
    for kind, flag in REPORT_FLAGS.items():
        key = flag.lstrip("-").replace("-", "_")
        group.addoption(
            flag,
            default=None,
            dest=key,
            metavar="FILE",
            help=f"write replcheck's {kind.upper()} report (the suite's checks and tests marked "
            f"replcheck_requirement) to FILE [ini {key}]",
        )
        parser.addini(key, f"write replcheck's {kind.upper()} report to this file", default="")
    from replcheck.conformance.plugin_support.replication_set import add_topology_options

    add_topology_options(group, parser)


def _dest(option: Option) -> str:
    return "replcheck_opt_" + option.name


@dataclass(frozen=True)
class PluginOptions:
    """What the options say, before anything is started."""

    settings: Settings | None
    #: Why ``settings`` is None although a target was asked for (an unusable env/ini value).
    problem: str | None
    embedded: bool
    reports: dict[str, Path]

    @property
    def wants_target(self) -> bool:
        return self.embedded or (self.settings is not None and self.settings.url is not None)


def read_options(config: pytest.Config, environ: dict[str, str] | None = None) -> PluginOptions:
    environ = dict(os.environ) if environ is None else environ
    explicit = {option.name: config.getoption(_dest(option)) for option in OPTIONS}
    ini = {option.name: str(config.getini(option.ini) or "") for option in OPTIONS}
    embedded = bool(config.getoption("replcheck_embedded") or config.getini(EMBEDDED_INI))
    reports: dict[str, Path] = {}
    for kind, flag in REPORT_FLAGS.items():
        key = flag.lstrip("-").replace("-", "_")
        value = config.getoption(key) or config.getini(key)
        if value:
            reports[kind] = Path(str(value))
    try:
        settings: Settings | None = Settings.resolve(explicit, environ, ini, front="pytest")
        problem = None
        if settings is not None and settings.url and _tls_files(settings):
            from replcheck.conformance.transport.tls import client_context

            client_context(settings)  # a file or folder that cannot be used is a bad option
    except SettingError as exc:
        settings, problem = None, one_line(str(exc))
        if _given_wrong(explicit, ini):
            # Flags or ini keys of the plugin: the user is running replcheck, so the session
            # stops once with the reason (pytest's usage error, exit 4), instead of every test
            # of the suite erroring with it. A bad environment variable alone (VAULT_ADDR set
            # for other tools) only matters to tests that use the target, which error then.
            raise pytest.UsageError(f"replcheck: {problem}") from None
    return PluginOptions(settings, problem, embedded, reports)


def _given_wrong(explicit: dict[str, Any], ini: dict[str, str]) -> bool:
    """Whether the plugin's own flags and ini keys, without the environment, are unusable."""
    try:
        Settings.resolve(explicit, {}, ini, front="pytest")
    except SettingError:
        return True
    return False


def _tls_files(settings: Settings) -> bool:
    return bool(settings.ca_cert or settings.ca_path or settings.client_cert)

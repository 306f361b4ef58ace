"""``replcheck cleanup``: remove the policies and tokens earlier runs provisioned and left.

A run removes what it provisioned on the way out, also when stopped by Ctrl-C, SIGTERM or
SIGHUP; only a run that was killed (SIGKILL, a lost machine) leaves anything, and what it left
carries its run id (``replcheck.conformance.provisioning.leftovers`` says how it is found). This
command takes the target flags of ``replcheck run`` (URL, token, namespace, TLS, with the same
``VAULT_*`` variables), lists what it finds, one line each, removes it (``--dry-run``: only lists)
and ends with a one-line summary.

Exit status: 0 cleaned (or nothing to clean), 1 something could not be removed (each with the
command to remove it by hand), 2 no cleanup could be made (a bad flag, no URL or token, an
unreachable target, a token that cannot list what there is).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import TYPE_CHECKING

from replcheck.conformance.cli.setting_flags import add_setting_flags, given_values
from replcheck.conformance.settings.target import OPTIONS, Option, Settings
from replcheck.conformance.settings.values import SettingError
from replcheck.conformance.transport.tls import client_context

if TYPE_CHECKING:
    from replcheck.conformance.provisioning.leftovers import Cleaner, Leftover, Survey
    from replcheck.conformance.transport.masking import Masker

#: The settings of ``replcheck run`` that say how to reach the target (the rest are the run's).
TARGET_SETTINGS = (
    "url",
    "token",
    "namespace",
    "ca_cert",
    "ca_path",
    "client_cert",
    "client_key",
    "tls_server_name",
    "tls_skip_verify",
    "client_timeout",
    "max_response_bytes",
)
_RUN_ID = re.compile(r"[0-9a-f]{8}")
PROG = "replcheck cleanup"


def _options() -> list[Option]:
    return [option for option in OPTIONS if option.name in TARGET_SETTINGS]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "cleanup",
        help="remove the policies and tokens that killed runs left on a target",
        description="Find the policies and tokens that earlier replcheck runs provisioned and "
        "did not remove (a run killed with SIGKILL, a lost machine), and remove them. Needs a "
        "token that may list ACL policies and token accessors (sudo), such as a root token. "
        "Exit status: 0 cleaned (or nothing to clean), 1 something could not be removed, "
        "2 no cleanup could be made (bad flag, unreachable target, token refused).",
    )
    add_setting_flags(
        parser,
        _options(),
        helps={
            "url": "address of the target",
            "token": "token allowed to list and remove policies and token accessors",
        },
    )
    parser.add_argument(
        "--run-id",
        metavar="ID",
        default=None,
        help="remove only what the run with this id left (a run prints its id when it "
        "provisions)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be removed, and remove nothing"
    )
    parser.set_defaults(handler=handle)


def _settings(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    """The run's own parsing (``Settings.resolve``), fed only the target's settings: a
    variable of a run-only setting (``REPLCHECK_BUDGET`` …) is not read here."""
    options = _options()
    read = {o.env: environ[o.env] for o in options if o.env and o.env in environ}
    settings = Settings.resolve(given_values(args, options), read)
    if settings.url is None:
        raise SettingError("no --url (nor VAULT_ADDR): say which server to clean up")
    if not settings.token:
        raise SettingError(
            "no --token (nor VAULT_TOKEN): cleanup needs a token that may list and remove "
            "policies and token accessors"
        )
    if args.run_id is not None and not _RUN_ID.fullmatch(args.run_id):
        raise SettingError(
            f"--run-id must be the 8 hexadecimal digits a run prints, not {args.run_id!r}"
        )
    client_context(settings)  # a TLS file or folder that cannot be used is a bad flag
    return settings


def _error(text: str) -> int:
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return 2


def handle(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args, dict(os.environ))
    except SettingError as exc:
        return _error(str(exc))
    from replcheck.conformance.provisioning.leftovers import Cleaner, SurveyRefused
    from replcheck.conformance.provisioning.preflight import token_problem
    from replcheck.conformance.transport.client import (
        Credential,
        RecordingClient,
        TargetUnreachable,
        UnsendableRequest,
    )
    from replcheck.conformance.transport.masking import Masker

    assert settings.url is not None and settings.token is not None
    masker = Masker.for_tokens(settings.token)
    credential = Credential(settings.token)
    try:
        with RecordingClient(settings, settings.url, masker, plan=False) as client:
            problem = token_problem(client, credential)
            if problem is not None:
                return _error(masker.mask(f"the --token {problem}"))
            cleaner = Cleaner(client, credential, args.run_id)
            survey = cleaner.survey()
            return _report(cleaner, survey, settings.url, dry_run=args.dry_run, masker=masker)
    except SurveyRefused as exc:  # masked where the target's words went in
        return _error(str(exc))
    except (TargetUnreachable, UnsendableRequest) as exc:
        return _error(masker.mask(str(exc)))


def _counted(items: list[Leftover]) -> str:
    tokens = sum(1 for item in items if item.kind == "token")
    policies = len(items) - tokens
    runs = len({item.run_id for item in items})
    return f"{tokens} token(s) and {policies} policy(ies) left by {runs} run(s)"


def _report(cleaner: Cleaner, survey: Survey, url: str, *, dry_run: bool, masker: Masker) -> int:
    """Print what was found and removed, one line each, and the summary; the exit status."""
    from replcheck.conformance.provisioning.leftovers import MAX_ACCESSOR_LOOKUPS

    say = masker.mask
    for line in survey.left_alone:  # masked in ``leftovers``: names and answers of the target
        print(f"{PROG}: left alone: {line}")
    if survey.not_looked_up:
        print(
            f"{PROG}: WARNING {survey.not_looked_up} token accessor(s) beyond the first "
            f"{MAX_ACCESSOR_LOOKUPS:,} were not looked up: a run's token may be among them "
            "(it expires within 30 minutes)",
            file=sys.stderr,
        )
    if not survey.found:
        print(f"{PROG}: nothing to clean up on {say(url)}")
        return 1 if survey.not_looked_up else 0
    if dry_run:
        for item in survey.found:
            print(f"{PROG}: would remove {say(str(item))}")
        print(f"{PROG}: found {_counted(survey.found)} on {say(url)}; --dry-run: nothing removed")
        return 0
    removal = cleaner.remove(survey)
    for item in removal.removed:
        print(f"{PROG}: removed {say(str(item))}")
    for problem in removal.problems:  # as ``left_alone``
        print(f"{PROG}: WARNING {problem}", file=sys.stderr)
    left = len(survey.found) - len(removal.removed)
    print(
        f"{PROG}: removed {_counted(removal.removed)} from {say(url)}"
        + (f"; {left} could not be removed" if left else "")
    )
    return 1 if left or survey.not_looked_up else 0

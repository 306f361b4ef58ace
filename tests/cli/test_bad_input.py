"""Every bad input to ``replcheck run`` is one sentence and exit 2, never a traceback (issue 18).

Tokens, namespaces and header values that cannot be sent (other scripts, bytes that are not
UTF-8, control characters, line breaks), URLs of every malformed kind, numbers beyond their
bounds: from flags and from ``VAULT_*`` variables. A property-based test drives the parsing
with arbitrary values for each flag and variable; nothing is started or sent (the run itself
is replaced), so it needs no network.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from replcheck.conformance.cli import main, run_cmd
from replcheck.conformance.settings.target import MAX_EXAMPLES, OPTIONS

URL = "http://127.0.0.1:8200"


def _run_in_process(argv: list[str], environ: dict[str, str]) -> tuple[int, str]:
    """``replcheck run`` with ``argv`` and only ``environ``, up to the point where the run
    would start (its exit status is then 0); its exit status and stderr."""
    err = io.StringIO()
    with (
        mock.patch.dict(os.environ, environ, clear=True),
        mock.patch.object(run_cmd, "_run_and_report", lambda *args: 0),
        redirect_stderr(err),
        redirect_stdout(io.StringIO()),
    ):
        try:
            code = main(["run", *argv])
        except SystemExit as exc:  # argparse's own refusals
            code = exc.code if isinstance(exc.code, int) else 2
    return code, err.getvalue()


def _assert_one_sentence(code: int, err: str, secret: str | None = None) -> None:
    assert "Traceback" not in err, err
    assert code == 2, (code, err)
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("replcheck run: error: "), err
    assert err.isprintable() or err[:-1].isprintable(), err
    err.encode("utf-8")  # nothing unwritable: a terminal shows it as it is
    if secret is not None and len(secret) >= 4:
        assert secret not in err, "the message shows the token"


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["--token", "\udcff\udcferoot"], {}, "--token (VAULT_TOKEN; pytest: --vault-token) "
         "holds a character that is not ASCII (character 1 of 6)"),
        ([], {"VAULT_TOKEN": "\udcff\udcfe"}, "not ASCII"),
        (["--namespace", "\udcff"], {}, "--namespace (VAULT_NAMESPACE; pytest: "
         "--vault-namespace) holds a character that is not ASCII"),
        (["--token", "root\nX-Evil: 1"], {}, "holds a line break (character 5 of 14)"),
        (["--token", "ro ot"], {}, "holds a space or tab"),
        (["--non-sudo-token", "a\x7fb"], {}, "holds a control character"),
        ([], {"VAULT_NAMESPACE": "team\r\nX-Evil: 1"}, "line break"),
        (["--tls-server-name", "vault\n.example"], {}, "must be a host name"),
        (["--url", "http://[::1:8200"], {}, "is not a URL (an IPv6 address goes between "
         "brackets"),
        (["--url", "http://[vault]:8200"], {}, "is not a URL"),
        (["--url", "http://host:8200/?x=1#frag"], {}, "holds a query or a fragment"),
        (["--url", "http://host:8200/#frag"], {}, "holds a query or a fragment"),
        (["--url", "http://host:8200?x"], {}, "holds a query or a fragment"),
        (["--url", "http://user:s3cret-pass@host:8200"], {}, "holds a user name or password"),
        (["--url", "http://host:0"], {}, "port that is not a number between 1 and 65535"),
        (["--url", "http://host:65536"], {}, "port that is not a number between 1 and 65535"),
        (["--url", "http://host:http"], {}, "port that is not a number between 1 and 65535"),
        (["--url", "http://host:"], {}, "port that is not a number between 1 and 65535"),
        (["--url", "//host:8200"], {}, "must start with http:// or https://"),
        (["--url", "unix:///var/run/vault.sock"], {}, "must start with http:// or https://"),
        (["--url", "http://"], {}, "has no host"),
        (["--url", "http://ho st:8200"], {}, "holds a space"),
        (["--url", "http://vault\u00e9:8200"], {}, "not ASCII"),
        (["--url", "http://999.1.1.1:8200"], {}, "Invalid IPv4 address"),
        (["--url", "http://" + "a" * 64 + ":8200"], {}, "neither a host name"),
        ([], {"VAULT_ADDR": "http://[::1:8200"}, "VAULT_ADDR"),
        (["--max-examples", "99999999999999999999"], {}, "--max-examples (pytest: "
         "--replcheck-max-examples) must be between 1 and 1000, not 99999999999999999999"),
        (["--max-examples", "1001"], {}, f"between 1 and {MAX_EXAMPLES}"),
        (["--max-examples", "9" * 5000], {}, "must be an integer, not '999"),
        (["--max-examples", "\u0661\u0662"], {}, "must be an integer"),
        (["--max-examples", "1_000"], {}, "must be an integer"),
        (["--seed", "-1"], {}, "between 0 and 18446744073709551615"),
        (["--seed", str(2**64)], {}, "between 0 and 18446744073709551615"),
        (["--concurrency", "65"], {}, "between 1 and 64"),
        ([], {"REPLCHECK_CONCURRENCY": "1" * 40}, "REPLCHECK_CONCURRENCY must be an integer"),
        (["--max-response-bytes", "9" * 5000], {}, "must be a size"),
        (["--max-response-bytes", "1GiB"], {}, "between 1KiB and 64MiB"),
        (["--client-timeout", "9" * 400], {}, "must be a duration"),
        (["--client-timeout", "2h"], {}, "at most 3600 s"),
        ([], {"REPLCHECK_BUDGET": "25h"}, "at most 86400 s"),
        (["-k", "(" * 5000 + "x"], {}, "-k"),
        (["--ca-cert", "/"], {}, "the CA certificate file / (--ca-cert / --vault-cacert / "
         "VAULT_CACERT) is not a file"),
        ([], {"VAULT_CACERT": "/nonexistent\n/ca.pem"}, "/nonexistent\\n/ca.pem"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    argv: list[str], environ: dict[str, str], expected: str
) -> None:
    if "--url" not in argv and "VAULT_ADDR" not in environ:
        argv = [*argv, "--url", URL]
    code, err = _run_in_process(argv, environ)
    _assert_one_sentence(code, err, secret="s3cret-pass")
    assert expected in err, err


def test_the_good_twins_of_the_bad_inputs_are_taken() -> None:
    """The other way round: each rule refuses only what it is about."""
    for argv in (
        ["--url", "http://[::1]:8200"],
        ["--url", "https://vault.example.com:8200/prefix/"],
        ["--url", "http://vault_1.:8200"],
        ["--url", URL, "--token", "hvs.CAESIJz8Ykz1Qh0d9uQ2cYbXr7yq3t~!@#$%^&*()"],
        ["--url", URL, "--namespace", "team a/sub"],
        ["--url", URL, "--tls-server-name", "vault.internal"],
        ["--url", URL, "--tls-server-name", "10.0.0.1"],
        ["--url", URL, "--max-examples", str(MAX_EXAMPLES), "--seed", str(2**64 - 1)],
        ["--url", URL, "--max-response-bytes", "64MiB", "--client-timeout", "1h"],
        ["--url", URL, "--budget", "24h", "-k", "reindex and not sudo"],
    ):
        code, err = _run_in_process(argv, {})
        assert (code, err) == (0, ""), argv


#: Values the way a shell hands them over: any text (no NUL: argv and the environment cannot
#: carry one), bytes that are not UTF-8 (as Python decodes them: lone surrogates), numbers of
#: any size, and URLs with a random part.
_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
_BYTES = st.binary(max_size=40).map(
    lambda data: data.replace(b"\x00", b"").decode("utf-8", "surrogateescape")
)
_VALUES = st.one_of(
    _TEXT,
    _BYTES,
    st.integers().map(str),
    st.integers(min_value=0, max_value=10**40).map(lambda n: f"{n}{'s' if n % 2 else 'KiB'}"),
    st.tuples(st.sampled_from(["http://", "https://", "http://[", "http://h:"]), _TEXT).map(
        "".join
    ),
    st.sampled_from(["", " ", "-", "--", "1e9", "nan", "inf", "0x10", "1.5", "true", "\n"]),
)
#: Every flag that takes a value, and every variable the run reads.
_FLAGS = sorted(
    [option.flag for option in OPTIONS if option.kind != "bool"]
    + ["-k", "--break", "--junit", "--json", "--html"]
)
_VARIABLES = sorted(option.env for option in OPTIONS if option.env)
_SECRETS = {"--token", "--non-sudo-token", "VAULT_TOKEN"}


@given(name=st.sampled_from(_FLAGS + _VARIABLES), value=_VALUES)
@example(name="--token", value="\udcff\udcferoot")
@example(name="VAULT_TOKEN", value="\udcff\udcfe")
@example(name="--namespace", value="\udcff")
@example(name="--token", value="root\nX-Evil: 1")
@example(name="--url", value="http://[::1:8200")
@example(name="--url", value="http://host:8200/?x=1#frag")
@example(name="--max-examples", value="99999999999999999999")
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_value_of_any_flag_or_variable_is_taken_or_refused_in_one_sentence(
    name: str, value: str, tmp_path: Path
) -> None:
    if name in ("--junit", "--json", "--html"):  # a report path: kept under the test's folder
        value = str(tmp_path / value.lstrip("/").replace("..", "_"))
    argv, environ = [], {}
    if name.startswith("-"):
        argv.append(f"{name}={value}")  # one argument, even when the value starts with "-"
    else:
        environ[name] = value
    if name not in ("--url", "VAULT_ADDR", "--break"):
        argv.append(f"--url={URL}")
    code, err = _run_in_process(argv, environ)
    assert "Traceback" not in err
    if code == 0:
        return
    _assert_one_sentence(
        code, err.replace("replcheck: error: ", "replcheck run: error: ", 1),
        secret=value if name in _SECRETS else None,
    )


@pytest.mark.parametrize(
    ("argv", "environ"),
    [
        (["--token", b"\xff\xferoot"], {}),
        ([], {"VAULT_TOKEN": b"\xff\xfe"}),
        (["--namespace", b"\xff"], {}),
        (["--token", b"root\nX-Evil: 1"], {}),
        (["--url", b"http://[::1:8200"], {}),
        (["--url", b"http://user:s3cret-pass@host:8200"], {}),
        (["--plan", "--max-examples", b"100000"], {}),
    ],
)
def test_a_real_process_refuses_in_one_sentence(
    argv: list[str | bytes], environ: dict[str, bytes]
) -> None:
    """The same in a real process, bytes that are not UTF-8 as a shell passes them."""
    env = {k.encode(): v for k, v in os.environ.items() if not k.startswith(("VAULT_", "REPL"))}
    env.update({k.encode(): v for k, v in environ.items()})
    if b"--url" not in argv:
        argv = [*argv, "--url", URL]
    command = [sys.executable, "-m", "replcheck.conformance.cli", "run", *argv]
    done = subprocess.run(command, env=env, capture_output=True, timeout=60, check=False)
    err = done.stderr.decode("utf-8", "backslashreplace")
    _assert_one_sentence(done.returncode, err, secret="s3cret-pass")

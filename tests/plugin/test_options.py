"""The plugin is registered, lists its options, and does nothing until they are used."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from replcheck.conformance.settings.target import OPTIONS

UNRELATED = """
def test_one():
    assert 1 + 1 == 2

def test_two(tmp_path):
    assert tmp_path.is_dir()
"""


def test_help_lists_every_option_with_its_ini_key_and_env_var(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    text = " ".join(result.stdout.str().split())  # help is wrapped to the terminal's width
    for option in OPTIONS:
        assert option.pytest_flag in text
        assert f"{option.ini} (string)" in text
        if option.env:
            assert f"[env {option.env}]" in text
    for flag in ("--replcheck-embedded", "--replcheck-json", "--replcheck-html"):
        assert flag in text
    # The engine's help names replcheck run's flags; the plugin's help names its own.
    assert "--vault-token" in text and "provisioned with --token" not in text


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.replcheck_requirement(*ids)*"])


def _results_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("replcheck-results-*"))


def test_inert_when_unused(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Same tests, same order, same output with and without the plugin; nothing created, even
    with an unusable Vault variable in the environment."""
    # A temporary folder of this test's own, so that results folders made by other tests running
    # at the same time (pytest-xdist) cannot be mistaken for this run's.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("own-tmp")))
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.setenv("VAULT_SKIP_VERIFY", "sometimes")
    pytester.makepyfile(test_unrelated=UNRELATED)
    before = _results_folders()
    with_plugin = pytester.runpytest("-v", "-p", "no:cacheprovider")
    without = pytester.runpytest("-v", "-p", "no:cacheprovider", "-p", "no:replcheck")
    with_plugin.assert_outcomes(passed=2)
    without.assert_outcomes(passed=2)

    def lines(result: pytest.RunResult) -> list[str]:
        # The header lists the installed plugins, and the last line the run's duration.
        return [line for line in result.outlines[:-1] if not line.startswith("plugins:")]

    assert lines(with_plugin) == lines(without)
    # The verbose header names the interpreter, whose path holds the clone's folder name (a clone
    # at .../replcheck/ is the usual case): only the plugin's own output may not name replcheck.
    shown = [line.replace(sys.executable, "<python>") for line in lines(with_plugin)]
    assert not any("replcheck" in line for line in shown), shown
    assert _results_folders() == before


def test_unknown_requirement_id_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.replcheck_requirement("STATUS-SCHEME")
        def test_marked():
            pass
        """
    )
    message = (
        "*replcheck_requirement('STATUS-SCHEME') is not a requirement id*STATUS-SCHEMA*"
        "`replcheck requirements` lists them"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    # Under xdist the workers collect: the marked test errors with the same message.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*usage error: {message}"])


def test_malformed_flag_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--replcheck-seed", "abc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--replcheck-seed must be an integer, not 'abc'*"])


def test_unusable_flag_value_stops_the_session_once_naming_the_pytest_flag(
    pytester: pytest.Pytester,
) -> None:
    """A value the plugin cannot use, given by its own flag or ini key, is one usage error
    that names the pytest spelling first (not 41 test errors naming ``replcheck run``'s)."""
    result = pytester.runpytest("--pyargs", "replcheck.conformance.suite",
    "--replcheck-max-examples", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*replcheck: --replcheck-max-examples (ini replcheck_max_examples; "
        "replcheck run: --max-examples) must be between 1 and 1000, not 0*"
    ])
    pytester.makeini("[pytest]\nreplcheck_budget = 0s\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*replcheck: --replcheck-budget (ini replcheck_budget;*"])


def test_unusable_environment_stops_the_suite_once_but_not_unrelated_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_ADDR", "ftp://vault")
    suite = pytester.runpytest("--pyargs", "replcheck.conformance.suite", "-p", "no:cacheprovider")
    assert suite.ret == pytest.ExitCode.USAGE_ERROR
    suite.stderr.fnmatch_lines(["*replcheck: --vault-addr (ini vault_addr; VAULT_ADDR;*ftp://*"])
    pytester.makepyfile(test_unrelated=UNRELATED)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_fixtures_without_a_target_say_what_to_pass(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    pytester.makepyfile("def test_needs_target(vault_target):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*replcheck: no target: pass --vault-addr URL*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--vault-addr", "http://user:s3cret@vault:8200"), "*--vault-addr (ini vault_addr; "
         "VAULT_ADDR; replcheck run: --url) holds a user name or password*"),
        (("--vault-addr", "http://vault:8200/?x=1"), "*holds a query or a fragment*"),
        (("--vault-addr", "http://vault:8200", "--vault-token", "root\nX-Evil: 1"),
         "*--vault-token (ini vault_token; VAULT_TOKEN; replcheck run: --token) holds a line "
         "break (character 5 of 14)*"),
        (("--replcheck-max-examples", "99999999999999999999"),
         "*--replcheck-max-examples (ini replcheck_max_examples; replcheck run: "
         "--max-examples) must be between 1 and 1000, not 99999999999999999999*"),
    ],
)
def test_the_plugin_refuses_what_replcheck_run_refuses(
    pytester: pytest.Pytester, args: tuple[str, ...], message: str
) -> None:
    """The plugin reads its settings through the same rules (issue 18): one usage error,
    without the password or the token."""
    result = pytester.runpytest("--pyargs", "replcheck.conformance.suite", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "s3cret" not in result.stderr.str() + result.stdout.str()
    assert "X-Evil" not in result.stderr.str()
def test_the_suite_without_a_target_stops_with_one_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled suite never judges a default target: with no --vault-addr, VAULT_ADDR,
    ini key nor --replcheck-embedded it stops before any test (pytest's usage error, exit 4),
    naming every way to name one, once, with no chained traceback; unrelated tests still run."""
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.setenv("VAULT_TOKEN", "s.abc")
    suite = pytester.runpytest(
        "--pyargs", "replcheck.conformance.suite", "-p", "no:cacheprovider", "--replcheck-strict"
    )
    assert suite.ret == pytest.ExitCode.USAGE_ERROR
    text = suite.stdout.str() + suite.stderr.str()
    assert text.count("replcheck: no target") == 1, text
    for setting in ("--vault-addr", "VAULT_ADDR", "vault_addr", "--replcheck-embedded"):
        assert setting in text
    assert "During handling" not in text and "passed" not in text
    pytester.makepyfile(test_unrelated=UNRELATED)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    listing = pytester.runpytest(
        "--pyargs", "replcheck.conformance.suite", "-p", "no:cacheprovider", "--collect-only", "-q"
    )
    assert listing.ret == pytest.ExitCode.OK  # listing the tests judges nothing: no target needed
    assert "no target" not in listing.stdout.str() + listing.stderr.str()

"""The plugin's twins of ``--concurrency``: ``--replcheck-concurrency`` and the ini key
``replcheck_concurrency``. The plugin runs one check per test; with concurrency, a check's own
requests (the fuzzer's generated cases, the probes of a check) go out side by side, and the
verdicts stay those of a sequential run."""

from __future__ import annotations

import pytest
from plugin_servers import ROOT_TOKEN, SUITE_ARGS, Served, outcomes, read_json


def _suite(pytester: pytest.Pytester, server: Served, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--pyargs", "replcheck.conformance.suite",
        "--vault-addr", server.url, "--vault-token", ROOT_TOKEN,
        "--replcheck-profile", "full", *SUITE_ARGS, *args,
    )  # fmt: skip


def test_flag_and_ini_key_give_a_sequential_runs_verdicts(
    pytester: pytest.Pytester, broken: Served
) -> None:
    reports = {name: pytester.path / f"{name}.json" for name in ("plain", "flag", "ini")}
    plain = _suite(pytester, broken, "--replcheck-json", str(reports["plain"]))
    flag = _suite(
        pytester, broken, "--replcheck-concurrency", "4", "--replcheck-json", str(reports["flag"])
    )
    pytester.makeini("[pytest]\nreplcheck_concurrency = 3\n")
    ini = _suite(pytester, broken, "--replcheck-json", str(reports["ini"]))
    assert plain.ret == flag.ret == ini.ret == pytest.ExitCode.TESTS_FAILED
    judged = {name: read_json(path) for name, path in reports.items()}
    assert outcomes(judged["flag"]) == outcomes(judged["plain"]) == outcomes(judged["ini"])
    assert [judged[name]["settings"]["concurrency"] for name in reports] == [1, 4, 3]
    assert broken.leftovers() == ([], 0)


def test_a_bad_ini_value_stops_the_session_naming_it(
    pytester: pytest.Pytester, reference: Served
) -> None:
    """As for every setting of the plugin's own: one usage error naming the pytest spelling
    first, then its twins; no test runs, nothing is sent."""
    pytester.makeini("[pytest]\nreplcheck_concurrency = 0\n")
    result = _suite(pytester, reference)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.no_fnmatch_line("*passed*")
    result.stderr.fnmatch_lines(
        ["*--replcheck-concurrency (ini replcheck_concurrency; REPLCHECK_CONCURRENCY; "
         "replcheck run: --concurrency) must be between 1 and 64, not 0*"]
    )

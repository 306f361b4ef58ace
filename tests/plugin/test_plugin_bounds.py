"""The plugin's bounds come from the same options: ``--replcheck-max-response-bytes`` and
``--vault-client-timeout`` (or ``VAULT_CLIENT_TIMEOUT``) reach the engine's client."""

from __future__ import annotations

import pytest
from hostile_servers import dribble, hostile, large_every_time


def _status_schema(pytester: pytest.Pytester, url: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "--pyargs", "replcheck.conformance.suite", "--vault-addr", url, "-k", "STATUS-SCHEMA", "-p",
        "no:cacheprovider", *args,
    )  # fmt: skip


def test_the_size_cap_option_reaches_the_engine(pytester: pytest.Pytester) -> None:
    with hostile(large_every_time(size=700 * 1024)) as url:
        result = _status_schema(pytester, url, "--replcheck-max-response-bytes", "512KiB")
    result.assert_outcomes(errors=1)  # the run could not be made: an error, not a failure
    result.stdout.fnmatch_lines(
        ["*the run could not be made*larger than 512 KiB*--replcheck-max-response-bytes*"]
    )


def test_the_deadline_comes_from_vault_client_timeout(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_CLIENT_TIMEOUT", "2s")
    with hostile(dribble()) as url:
        result = _status_schema(pytester, url)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*did not answer completely within 2 s*"])

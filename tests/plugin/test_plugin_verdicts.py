"""The plugin's verdicts: ``vault server -dev``'s token ``root`` is CONFORMANT and masked, and
``--replcheck-strict`` turns a check not run into a failure."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from plugin_servers import SUITE_ARGS, Served, read_json, serve

from replcheck import spec
from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

DEV_TOKEN = "root"
#: How a leaked token would read in a report: as a header value, a JSON string, a Bearer token.
_LEAK = re.compile(r"(X-Vault-Token: root\b|Bearer root\b|\"root\")")


@pytest.fixture
def dev_root() -> Iterator[str]:
    """The reference server with the root token ``root``, as ``replcheck serve`` would run."""
    config = ServerConfig(root_token=DEV_TOKEN, reindex_stage_seconds=0.002, log_level="warning")
    with EmbeddedServer(config) as server:
        yield server.url


def test_the_dev_root_token_is_conformant_and_masked(
    pytester: pytest.Pytester, dev_root: str
) -> None:
    report = pytester.path / "replcheck.json"
    result = pytester.runpytest_subprocess(
        "--pyargs", "replcheck.conformance.suite",
        "--vault-addr", dev_root, "--vault-token", DEV_TOKEN,
        "--replcheck-profile", "full", "--replcheck-json", str(report), *SUITE_ARGS,
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(
        [
            "CONFORMANT: every judged requirement passed*",
            f"Judged: URL {dev_root}; full profile, strict off: every selected MUST judged"
            f" ({sum(r.topology and r.judged for r in spec.requirements())} left to replcheck run"
            f" --topology, {sum(not r.judged for r in spec.requirements())} judged by no check"
            " yet).",
        ]
    )
    text = report.read_text(encoding="utf-8")
    assert read_json(text)["verdict"] == "conformant"
    assert read_json(text)["target_kind"] == f"URL {dev_root}"
    for output in (text, result.stdout.str(), result.stderr.str()):
        assert not _LEAK.search(output)


@pytest.fixture
def reference() -> Iterator[Served]:
    yield from serve(broken=False)


def test_strict_without_the_tokens_the_selected_checks_need_gives_no_verdict(
    pytester: pytest.Pytester, reference: Served
) -> None:
    """No token: the sudo checks cannot run. A skip without --replcheck-strict; with it (its
    ini key is the same switch) a missing secret is no verdict: the selected tests error with
    one sentence naming what to pass, never a failure of the target."""
    selected = "refuses_token_without_sudo or answers_without_token"
    args = (
        "--pyargs", "replcheck.conformance.suite", "--vault-addr", reference.url, "-k", selected
    )
    lenient = pytester.runpytest_subprocess(*args, *SUITE_ARGS)
    assert lenient.ret == 0, lenient.stdout.str()[-2000:]
    pytester.makeini("[pytest]\nreplcheck_strict = true\n")
    strict = pytester.runpytest_subprocess(*args, *SUITE_ARGS)
    strict.assert_outcomes(errors=2)
    strict.stdout.fnmatch_lines(
        [
            "*replcheck: the run could not be made: --replcheck-strict gives no verdict without "
            "every token the selected checks need: REINDEX-SUDO needs a token without sudo "
            "(pass --vault-non-sudo-token T, or --replcheck-provision with --vault-token)"
        ]
    )
    assert "RECOVER-CAPABILITY" not in strict.stdout.str()  # not selected: not asked for


def test_a_wrong_token_is_an_error_in_one_sentence_not_a_failure_of_the_target(
    pytester: pytest.Pytester, reference: Served
) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "replcheck.conformance.suite",
        "--vault-addr", reference.url, "--vault-token", "wrong",
        "-k", "answers_without_token", *SUITE_ARGS,
    )  # fmt: skip
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*replcheck: the run could not be made: the --vault-token was refused by the target*"]
    )
    assert "Traceback" not in result.stdout.str()

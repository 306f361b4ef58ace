"""Reports: JUnit, JSON and HTML carry what they promise, and no token, even one a broken target
echoes back in a header."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from suite_support import ROOT_TOKEN, app_for, serve_app, settings_for, wrap

from replcheck import spec
from replcheck.conformance import __version__
from replcheck.conformance.cli import main
from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.transport.masking import NEAR_MISS_LABEL


def _echoing_app():
    """The reference server, broken one way: it echoes the request's token in a header."""

    def echo(scope: dict, message: dict) -> None:
        headers = dict(scope["headers"])
        token = headers.get(b"x-vault-token")
        if token:
            message["headers"] = [*message.get("headers", []), (b"x-debug-token", token)]

    return wrap(app_for(), on_response=echo)


def test_no_token_in_any_output_even_when_the_target_echoes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secrets_seen: dict[str, str]
) -> None:
    paths = {name: tmp_path / f"report.{name}" for name in ("junit", "json", "html")}
    with serve_app(_echoing_app()) as url:
        code = main(
            [
                "run",
                "--url",
                url,
                "--token",
                ROOT_TOKEN,
                "--profile",
                "full",
                "--seed",
                "5",
                "--max-examples",
                "5",
                *[arg for name, path in paths.items() for arg in (f"--{name}", str(path))],
            ]
        )
    out = capsys.readouterr()
    assert code == 1
    assert "VAULT-NO-TOKEN-ECHO" in out.out
    tokens = list(secrets_seen)
    # Near misses of the root token, and the extreme tokens (shown as the shell text that
    # rebuilds them), are not given tokens; the loop below checks that they never show either.
    given = [
        token for token, label in secrets_seen.items()
        if label != NEAR_MISS_LABEL and not label.startswith("$(printf")
    ]
    assert ROOT_TOKEN in given and len(given) == 3  # root + two provisioned tokens
    # The near misses of the root token sent by the AUTH checks count as secrets too.
    texts = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    texts["terminal"] = out.out + out.err
    for name, text in texts.items():
        for token in tokens:
            assert token not in text, f"a token leaked into the {name} output"
    assert "$VAULT_TOKEN" in texts["json"]  # the masked label is what remains


def test_json_report_has_provenance_and_one_entry_per_requirement(reference) -> None:
    from replcheck.conformance.report import render_json

    result = run(settings_for(reference.url, seed=77))
    document = json.loads(render_json(result))
    assert document["suite_version"] == __version__
    assert document["spec_hash"] == spec.spec_hash()
    assert document["seed"] == 77
    assert document["target"] == reference.url
    assert document["verdict"] == "conformant" and document["exit_code"] == 0
    ids = [entry["id"] for entry in document["requirements"]]
    assert ids == [r.id for r in spec.requirements()]
    assert all(entry["statement"] and entry["checks"] for entry in document["requirements"])


def test_junit_has_one_testcase_per_check_and_html_is_self_contained(reference) -> None:
    from replcheck.conformance.report import render_html, render_junit

    with serve_app(_echoing_app()) as url:
        result = run(settings_for(url, keyword="STATUS or ECHO"))
    suite = ET.fromstring(render_junit(result))
    cases = suite.findall("testcase")
    assert len(cases) == len(result.checks)
    failed = [c for c in cases if c.find("failure") is not None]
    assert {c.get("classname") for c in failed} == {"VAULT-NO-TOKEN-ECHO"}
    assert "reproduce: curl" in failed[0].find("failure").text
    page = render_html(result)
    assert "NOT CONFORMANT" in page
    assert "<script" not in page and "http-equiv" not in page and "<link" not in page
    assert spec.requirement("VAULT-NO-TOKEN-ECHO").statement in page
    assert result.results["VAULT-NO-TOKEN-ECHO"].outcome is Outcome.FAILED


def test_a_real_run_against_a_server_answering_401_shows_the_finding_once() -> None:
    """403 rewritten to 401 on every answer: the judge finds it on many requests; the HTML
    and the terminal show it once, on N requests."""
    import io
    import re

    from replcheck.conformance.report import TerminalReporter, render_html
    from replcheck.conformance.report.grouping import group_findings

    def to_401(scope: dict, message: dict) -> None:
        if message["status"] == 403:
            message["status"] = 401

    with serve_app(wrap(app_for(), on_response=to_401)) as url:
        result = run(settings_for(url, keyword="RECOVER-AUTH or REINDEX-AUTH or FORBIDDEN"))
    findings = result.results["VAULT-FORBIDDEN-NOT-401"].findings
    assert len(findings) > 1
    page = render_html(result)
    section = page[page.index("id='req-VAULT-FORBIDDEN-NOT-401'") :]
    section = section[: section.index("</section>")]
    blocks = re.findall(r"<article class='finding'", section)
    assert len(blocks) == len(group_findings(findings)) < len(findings)
    counts = [int(n) for n in re.findall(r"<span class='times'>on (\d+) requests", section)]
    assert sum(counts) + (len(blocks) - len(counts)) == len(findings)
    stream = io.StringIO()
    TerminalReporter(stream).summary(result)
    assert "[on " in stream.getvalue()

"""``replcheck run``: exit codes, one-sentence errors, ``--plan`` sends nothing, the seed shows."""

from __future__ import annotations

import socket

import pytest
from suite_support import ROOT_TOKEN, app_for, serve_app, wrap

from replcheck import spec
from replcheck.conformance.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["run", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_one_sentence(err: str) -> None:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("replcheck run: error: "), err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_embedded_run_judges_the_embedded_server_and_exits_0(capsys, monkeypatch) -> None:
    # --embedded names the target: an address in the environment is not read.
    monkeypatch.setenv("VAULT_ADDR", f"http://127.0.0.1:{_free_port()}")
    code, out, _ = _run(capsys, "--embedded", "--seed", "3")
    assert code == 0, out[-3000:]
    assert "seed: 3" in out and "profile: full" in out
    assert "cluster ids (read before any state-changing call)" in out
    assert "CONFORMANT" in out
    # A passing run fits in a screen: no line per passed check or requirement without --verbose.
    assert len(out.splitlines()) <= 40, out
    total = len(spec.requirements())
    pending = sum(1 for requirement in spec.requirements() if requirement.topology)
    # Every requirement passed but the DR secondary's, which does not apply to this cluster,
    # and those about a replication set, listed as the topology gate's, not passed.
    assert "passed      " not in out
    assert f"Requirements ({total}): {total - pending - 1} passed, {pending + 1} not run" in out
    unjudged = sum(1 for requirement in spec.requirements()
                   if requirement.topology and not requirement.judged)
    assert f"not run     {pending - unjudged} requirements: {spec.TOPOLOGY_PENDING}" in out
    assert f"not run     {unjudged} requirements: {spec.TOPOLOGY_UNJUDGED}" in out
    verdict, scope = out.splitlines()[-3:-1]
    assert verdict.startswith("CONFORMANT")
    assert scope == (
        "Judged: embedded reference server; full profile, strict off: every selected MUST judged"
        f" ({pending - unjudged} left to replcheck run --topology, {unjudged} judged by no check"
        " yet)."
    )


@pytest.mark.parametrize(
    "args",
    [(), ("--token", "s.abc"), ("--strict", "--token", "s.abc"), ("--plan",), ("-k", "status")],
)
def test_no_target_named_is_a_usage_error(capsys, monkeypatch, args: tuple[str, ...]) -> None:
    """A CI job whose VAULT_ADDR went missing must not go green against the embedded server:
    with no --url, no VAULT_ADDR and no --embedded nothing is judged (exit 2)."""
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    code, out, err = _run(capsys, *args)
    assert code == 2
    _assert_one_sentence(err)
    assert "--url" in err and "VAULT_ADDR" in err and "--embedded" in err
    assert out == ""


def test_an_empty_vault_addr_names_no_target(capsys, monkeypatch) -> None:
    monkeypatch.setenv("VAULT_ADDR", "")
    code, _, err = _run(capsys, "--token", "s.abc")
    assert code == 2 and "no target" in err


def test_embedded_and_url_together_are_a_usage_error(capsys) -> None:
    code, out, err = _run(capsys, "--embedded", "--url", "http://127.0.0.1:8200")
    assert code == 2 and out == ""
    _assert_one_sentence(err)
    assert "--embedded" in err and "--url" in err


def test_the_verdict_line_names_the_url(capsys) -> None:
    """The target kind and address follow the verdict (a URL with a password in it is refused
    before anything is sent: tests/cli/test_bad_input.py)."""
    with serve_app(app_for()) as url:
        code, out, _ = _run(capsys, "--url", url, "--token", ROOT_TOKEN, "-k", "status")
    assert code == 0, out[-2000:]
    scope = out.splitlines()[-2]
    assert scope.startswith(f"Judged: URL {url}; safe "), scope


def test_a_deviating_target_exits_1_naming_the_requirement(capsys) -> None:
    def unauthorized(scope: dict, message: dict) -> None:
        if message["status"] == 403:
            message["status"] = 401

    with serve_app(wrap(app_for(), on_response=unauthorized)) as url:
        code, out, _ = _run(
            capsys, "--url", url, "--token", ROOT_TOKEN, "--seed", "1", "--max-examples", "3"
        )
    assert code == 1
    assert "FAILED      VAULT-FORBIDDEN-NOT-401" in out
    assert "reproduce:   curl" in out


def test_community_edition_exits_1_with_an_unsupported_verdict(capsys) -> None:
    with serve_app(app_for("community")) as url:
        code, out, _ = _run(capsys, "--url", url, "--token", ROOT_TOKEN, "--seed", "1")
    assert code == 1
    assert "UNSUPPORTED: the target is Vault Community Edition" in out
    assert "nothing deviated" in out
    assert "FAILED" not in out


@pytest.mark.parametrize(
    "args",
    [
        ("--seed", "abc"),
        ("--max-examples", "0"),
        ("--concurrency", "eight"),
        ("--concurrency", "0"),
        ("--url", "ftp://example.invalid"),
        ("--profile", "reckless"),
        ("-k", "reindex and"),
        ("--junit", "/dev/null/report.xml"),  # a folder that cannot be made
        ("--ca-cert", "/nonexistent/ca.pem", "--url", "https://127.0.0.1:1"),
    ],
)
def test_bad_flags_exit_2_with_one_sentence(capsys, args: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as raised:  # argparse's own refusals exit directly
        code, _, err = _run(capsys, *args)
        raise SystemExit(code)
    assert raised.value.code == 2
    _assert_one_sentence(capsys.readouterr().err or err)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--max-examples", "0"), "--max-examples (pytest: --replcheck-max-examples) must be"),
        (("--budget", "0"), "--budget (REPLCHECK_BUDGET; pytest: --replcheck-budget) must"),
        (
            ("--concurrency", "65"),
            "--concurrency (REPLCHECK_CONCURRENCY; pytest: --replcheck-concurrency) must be "
            "between 1 and 64, not 65",
        ),
        (("--url", "https://"), "--url (VAULT_ADDR; pytest: --vault-addr) has no host"),
        (("--url", "http://:8200"), "has no host"),
        (("--url", "ftp://x"), "must start with http:// or https://"),
        (("--url", "vault:8200"), "must start with http:// or https://"),
        (("--url", "http://vault:99999"), "port that is not a number between 1 and 65535"),
    ],
)
def test_bad_values_are_named_by_their_flag(
    capsys, args: tuple[str, ...], expected: str
) -> None:
    """Messages name the flag a user typed (and its twins), never the internal setting name,
    and a URL without a host is refused as such before any connection is tried."""
    code, out, err = _run(capsys, *args)
    assert code == 2
    _assert_one_sentence(err)
    assert expected in err
    assert "max_examples" not in err and "cannot connect" not in err
    assert "target:" not in out


def test_bad_environment_value_exits_2(capsys, monkeypatch) -> None:
    monkeypatch.setenv("VAULT_SKIP_VERIFY", "sometimes")
    code, _, err = _run(capsys, "--plan", "--embedded")
    assert code == 2
    _assert_one_sentence(err)
    assert "VAULT_SKIP_VERIFY" in err and "sometimes" in err


def test_unreachable_target_exits_2(capsys) -> None:
    code, _, err = _run(capsys, "--url", f"http://127.0.0.1:{_free_port()}", "--token", "t" * 20)
    assert code == 2
    _assert_one_sentence(err)
    assert "cannot connect" in err


def test_tls_failure_exits_2(capsys) -> None:
    with serve_app(app_for()) as url:
        code, _, err = _run(
            capsys, "--url", url.replace("http://", "https://"), "--token", ROOT_TOKEN
        )
    assert code == 2
    _assert_one_sentence(err)
    # A plain-HTTP server: the advice is http://, not certificate flags (see tests/tls).
    assert "plain HTTP" in err and "--ca-cert" not in err


def test_environment_variables_supply_url_and_token(capsys, monkeypatch) -> None:
    with serve_app(app_for()) as url:
        monkeypatch.setenv("VAULT_ADDR", url)
        monkeypatch.setenv("VAULT_TOKEN", ROOT_TOKEN)
        code, out, _ = _run(capsys, "-k", "RECOVER-METHODS", "--seed", "2", "--verbose")
    assert code == 0
    assert f"target: {url}  profile: safe" in out
    assert "passed      RECOVER-METHODS::other_methods_are_405" in out  # --verbose: every check
    assert "  passed      RECOVER-METHODS [MUST]" in out


def test_plan_sends_nothing(capsys) -> None:
    seen: list[str] = []
    with serve_app(wrap(app_for(), on_request=lambda scope: seen.append(scope["path"]))) as url:
        code, out, _ = _run(
            capsys,
            "--url",
            url,
            "--token",
            ROOT_TOKEN,
            "--profile",
            "full",
            "--plan",
            "--seed",
            "4",
            "--max-examples",
            "3",
        )
    assert code == 0
    assert seen == []
    assert "nothing is sent" in out
    assert "POST /v1/auth/token/create" in out  # the provisioning it would do
    assert "-X POST" in out and "/v1/sys/replication/reindex" in out
    assert ROOT_TOKEN not in out and "$VAULT_TOKEN" in out
    assert "request(s) would be sent" in out


def test_plan_lists_the_same_requests_a_run_sends(capsys) -> None:
    from replcheck.conformance.engine.runner import run
    from replcheck.conformance.settings.target import Settings

    with serve_app(app_for()) as url:
        settings = Settings(
            url=url, token=ROOT_TOKEN, seed=9, max_examples=3, profile="safe", keyword="fuzz"
        )
        planned = run(settings.replace(plan=True))
        sent = run(settings)
    assert [e.request.url for e in planned.exchanges] == [e.request.url for e in sent.exchanges]
    assert [e.request.body for e in planned.exchanges] == [e.request.body for e in sent.exchanges]


def test_every_report_names_the_target_kind_profile_and_strict(capsys, tmp_path) -> None:
    import json
    import xml.etree.ElementTree as ET

    paths = {name: tmp_path / f"report.{name}" for name in ("junit", "json", "html")}
    with serve_app(app_for()) as url:
        code, out, _ = _run(
            capsys, "--url", url, "--token", ROOT_TOKEN, "-k", "status or REINDEX-SUDO",
            "--seed", "2", *[a for name, path in paths.items() for a in (f"--{name}", str(path))],
        )  # fmt: skip
    assert code == 0, out[-2000:]
    scope = (
        f"Judged: URL {url}; safe profile, strict off: 2 MUSTs not judged — add --provision or "
        "--non-sudo-token T (2) to judge them."
    )
    assert scope in out
    document = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert document["target_kind"] == f"URL {url}" and document["scope_sentence"] == scope
    assert document["unjudged_musts"] == {
        "--provision or --non-sudo-token T": ["REINDEX-SUDO", "REINDEX-SUDO-PATH-VARIANTS"]
    }
    properties = {
        p.get("name"): p.get("value")
        for p in ET.parse(paths["junit"]).getroot().iter("property")
    }
    assert properties["target_kind"] == f"URL {url}" and properties["scope"] == scope
    assert properties["strict"] == "off"
    html = paths["html"].read_text(encoding="utf-8")
    assert "Judged: URL" in html and "safe profile, strict off: 2 MUSTs not judged" in html

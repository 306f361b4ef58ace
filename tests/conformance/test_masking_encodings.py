"""Masking cannot be sidestepped by encoding: a token echoed JSON-escaped (wholly or in part),
percent-encoded, as HTML character references, base64 at any alignment, truncated, in a header
or a URL is masked in what a report keeps, for tokens of 8 to 128 characters."""

from __future__ import annotations

import base64
import functools
import json
import string

import pytest
from echoing_target import echo_forms, echo_headers, leaks
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import RecordingClient
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest
from replcheck.conformance.transport.masking import MIN_ECHO, SUDO_LABEL, Masker
from replcheck.conformance.transport.secret_forms import base64_cores

#: What a token can be made of: any character sendable in a header (visible ASCII).
SENDABLE = "".join(chr(c) for c in range(0x21, 0x7F))
TOKENS = st.one_of(
    st.text(alphabet=SENDABLE, min_size=8, max_size=128),
    st.text(alphabet=string.ascii_letters + string.digits, min_size=24, max_size=124).map(
        lambda rest: "hvs." + rest
    ),
)


def _masker(token: str) -> Masker:
    masker = Masker()
    masker.add(token, SUDO_LABEL)
    return masker


def _error_body(token: str) -> str:
    forms = ", ".join(f'"{form}"' for form in echo_forms(token).values())
    return f'{{"errors": ["permission denied", {forms}]}}'


def test_the_echoing_target_really_echoes_the_token_in_every_form() -> None:
    """The other way round: unmasked, every form the target writes is a leak."""
    token = "hvs.CAESIJz8Ykz1Qh0d9uQ2cYbXr7yq3tWm5Zk4n6Lp"
    for name, form in echo_forms(token).items():
        assert leaks(f'{{"errors": ["{form}"]}}', token), name
    for name, value in echo_headers(token):
        assert leaks(f"{name}: {value}", token), name


@pytest.mark.parametrize("name", sorted(echo_forms("x" * 8)))
def test_each_form_alone_is_masked(name: str) -> None:
    token = "hvs.CAESIJz8Ykz1Qh0d9uQ2cYbXr7yq3tWm5Zk4n6Lp"
    body = f'{{"errors": ["{echo_forms(token)[name]}"]}}'
    masked = _masker(token).mask(body)
    assert not leaks(masked, token), masked
    assert SUDO_LABEL in masked
    json.loads(masked)  # still JSON: escape sequences are replaced whole


def _masked_words() -> str:
    """What a masked echo says whatever the token (``$VAULT_TOKEN``, ``permission denied``):
    a token that spells these words is found in them, unechoed."""
    other = "hvs.another-token-of-the-same-run"
    masker = _masker(other)
    return "\n".join(
        [masker.mask(_error_body(other)), *(masker.mask(v) for _, v in echo_headers(other))]
    )


@given(token=TOKENS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_form_of_any_token_survives_masking(token: str) -> None:
    assume(not leaks(_masked_words(), token))
    masker = _masker(token)
    body = masker.mask(_error_body(token))
    assert not leaks(body, token), body
    for name, value in echo_headers(token):
        masked = masker.mask(f"{name}: {value}")
        assert not leaks(masked, token), masked


@given(token=TOKENS)
@settings(max_examples=100, deadline=None)
def test_a_recorded_exchange_keeps_no_form_of_the_token(token: str) -> None:
    """The copy a run keeps for its reports: URL, request and answer headers and bodies."""
    assume(not leaks(_masked_words() + " curl -sS -i -X GET http://127.0.0.1:8200/v1/", token))
    url = f"http://127.0.0.1:8200/v1/sys/replication/status?t={token.encode().hex()}"
    raw = Exchange(
        SentRequest("GET", url + "&q=" + "".join(f"%{b:02X}" for b in token.encode()),
                    (("X-Vault-Token", token),)),
        ReceivedResponse(400, tuple(echo_headers(token)), _error_body(token)),
        purpose="an echo",
    )
    client = RecordingClient(Settings(), "http://127.0.0.1:8200", _masker(token), plan=True)
    kept = client.mask(raw)
    assert kept.response is not None
    texts = [kept.request.url, kept.response.body, kept.curl()]
    texts += [f"{name}: {value}" for name, value in kept.request.headers + kept.response.headers]
    for text in texts:
        assert not leaks(text, token), text


def test_the_base64_cores_are_what_every_encoding_of_the_token_holds() -> None:
    token = "hvs.0123456789abcdef"
    cores = base64_cores(token)
    for before in (b"", b"a", b"ab", b"abc", b"Bearer "):
        for after in (b"", b"!", b"!!"):
            encoded = base64.b64encode(before + token.encode() + after).decode()
            safe = base64.urlsafe_b64encode(before + token.encode() + after).decode()
            assert any(core in encoded for core in cores)
            assert any(core in safe for core in cores)


def test_a_short_secret_is_still_masked_only_where_it_stands_alone() -> None:
    masker = _masker("root")
    assert masker.mask('{"merkle_root": "x", "t": "\\u0072oot"}') == (
        f'{{"merkle_root": "x", "t": "{SUDO_LABEL}"}}'
    )
    assert masker.mask("%72%6F%6F%74") == SUDO_LABEL
    assert masker.mask("uproot%20rooted") == "uproot%20rooted"


def test_fewer_than_eight_characters_of_a_long_token_are_left() -> None:
    """The other side of the rule: short pieces are ordinary text (hvs.CAES starts them all)."""
    token = "hvs.CAESIJz8Ykz1Qh0d9uQ2cYbXr7yq3tWm5Zk4n6Lp"
    piece = token[5 : 5 + MIN_ECHO - 1]
    escaped = "".join(f"\\u{ord(c):04x}" for c in piece)
    assert _masker(token).mask(f"a {piece} b {escaped}") == f"a {piece} b {escaped}"


def _reports_of(token: str) -> dict[str, str]:
    """Every report of a run whose one finding holds the echoing exchange, kept as a run keeps
    it (masked by the client; the message masked as checks mask theirs)."""
    import io

    from replcheck.conformance.checks.edition import Edition
    from replcheck.conformance.engine.run_result import RunResult
    from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome, combine
    from replcheck.conformance.report import (
        TerminalReporter,
        render_html,
        render_json,
        render_junit,
    )

    masker = _masker(token)
    client = RecordingClient(Settings(), "http://127.0.0.1:8200", masker, plan=True)
    raw = Exchange(
        SentRequest("POST", "http://127.0.0.1:8200/v1/sys/replication/reindex",
                    (("X-Vault-Token", token),), body='{"token": "' + token.replace("\\", "\\\\")
                    .replace('"', '\\"') + '"}'),
        ReceivedResponse(401, tuple(echo_headers(token)), _error_body(token)),
        purpose="an echo",
    )
    kept = client.mask(raw)
    finding = Finding("REINDEX-AUTH", masker.mask(f"the token {token} came back"), "403", kept,
                      source="echo")
    check = CheckResult("REINDEX-AUTH", "echo", Outcome.FAILED, findings=[finding], exchanges=1,
                        judged=1)
    result = RunResult(
        target="http://127.0.0.1:8200", target_url="http://127.0.0.1:8200", settings={},
        seed=1, profile="safe", plan=False, edition=Edition.ENTERPRISE,
        results={"REINDEX-AUTH": combine("REINDEX-AUTH", [check])}, checks=[check],
        exchanges=[kept],
    )
    terminal = io.StringIO()
    TerminalReporter(terminal).summary(result)
    return {
        "terminal": terminal.getvalue(),
        "junit": render_junit(result),
        "json": render_json(result),
        "html": render_html(result),
    }


@functools.cache
def _vocabulary() -> str:
    """The reports' own words (keys, headings, labels), from a run with another token."""
    return "\n".join([*_reports_of("hvs.another-token-of-the-same-run").values(), _masked_words()])


@given(token=TOKENS)
@settings(max_examples=40, deadline=None)
def test_no_report_format_holds_any_form_of_the_token(token: str) -> None:
    # A token that spells the reports' own words (``target_d``) is found in them, unechoed.
    assume(not leaks(_vocabulary(), token))
    reports = _reports_of(token)
    assert SUDO_LABEL in reports["html"]  # the echoing exchange is shown
    for name, text in reports.items():
        assert not leaks(text, token), f"the {name} report reveals the token"


def test_unmasked_the_reports_would_reveal_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The other way round: with a masker that knows no secret, every report leaks."""
    token = "hvs.CAESIJz8Ykz1Qh0d9uQ2cYbXr7yq3tWm5Zk4n6Lp"
    monkeypatch.setattr(Masker, "add", lambda self, secret, label: None)
    reports = _reports_of(token)
    for name, text in reports.items():
        assert leaks(text, token), name

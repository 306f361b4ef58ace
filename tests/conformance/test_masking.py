"""Judge raw, mask on output: checks see the exact bytes that came back; only what leaves the
process is masked, at token boundaries, also JSON-escaped and as an echoed prefix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from replcheck.conformance.cli import main
from replcheck.conformance.transport.masking import MIN_ECHO, Masker
from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

LABEL = "$VAULT_TOKEN"
#: Tokens a person really uses: ``vault server -dev``'s ``root``, a legacy service token, a
#: current one.
TOKENS = ("root", "s.x", "hvs.CAESIJz8Ykz1Qh0d9uQ2cYbXr7yq3tWm5Zk4n6Lp")


def _masker(token: str) -> Masker:
    masker = Masker()
    masker.add(token, LABEL)
    return masker


@pytest.mark.parametrize("token", TOKENS)
def test_a_token_is_masked_where_it_stands_alone(token: str) -> None:
    masker = _masker(token)
    assert masker.mask(f"X-Vault-Token: {token}") == f"X-Vault-Token: {LABEL}"
    assert masker.mask(f'{{"token": "{token}"}}') == f'{{"token": "{LABEL}"}}'
    assert masker.mask(f"curl -H 'Authorization: Bearer {token}'") == (
        f"curl -H 'Authorization: Bearer {LABEL}'"
    )
    assert masker.mask(f"the token {token}.") == f"the token {LABEL}."


@pytest.mark.parametrize(
    ("token", "text"),
    [
        ("root", '{"merkle_root": "dec62aac4efa345352f2f1e746af087b706b5223"}'),
        ("root", "rooted, uproot, root_ca, root-ca"),
        ("s.x", "abs.x s.xyz"),
    ],
)
def test_a_token_inside_another_word_is_left_alone(token: str, text: str) -> None:
    assert _masker(token).mask(text) == text


def test_json_escaped_copies_are_masked() -> None:
    token = 'odd"to/ken\\é'
    masker = _masker(token)
    for written in (
        '{"t": "odd\\"to/ken\\\\é"}',  # json.dumps(ensure_ascii=False)
        '{"t": "odd\\"to/ken\\\\\\u00e9"}',  # ensure_ascii=True
        '{"t": "odd\\"to\\/ken\\\\\\u00e9"}',  # "/" escaped, as some encoders do
    ):
        assert masker.mask(written) == '{"t": "$VAULT_TOKEN"}', written


def test_an_echoed_run_of_eight_characters_or_more_is_masked() -> None:
    token = TOKENS[2]
    masker = _masker(token)
    assert masker.mask(f"token {token[:MIN_ECHO]}...") == f"token {LABEL}..."
    assert masker.mask(f"token {token[:20]}*****") == f"token {LABEL}*****"
    assert masker.mask(f"token ...{token[10:10 + MIN_ECHO]}...") == f"token ...{LABEL}..."
    # Fewer characters say nothing of the token (every hvs token starts with "hvs.CAES").
    shorter = token[: MIN_ECHO - 1]
    assert masker.mask(f"token {shorter}") == f"token {shorter}"
    assert masker.mask(f"token {token[10:10 + MIN_ECHO - 1]}") == (
        f"token {token[10:10 + MIN_ECHO - 1]}"
    )


def test_a_token_of_eight_characters_or_more_glued_to_other_characters_is_masked_too() -> None:
    token = TOKENS[2]
    assert _masker(token).mask(f"Bearer{token}X") == f"Bearer{LABEL}X"
    assert _masker("12345678").mask("Bearer12345678X") == f"Bearer{LABEL}X"
    assert _masker("root").mask("Bearerroot") == "Bearerroot"  # short: only where it stands


def test_the_longest_secret_wins_and_each_keeps_its_label() -> None:
    masker = Masker.for_tokens("hvs.sudo0token0for0the0run", "hvs.sudo0token0for0the0run0more")
    assert masker.mask("a hvs.sudo0token0for0the0run0more b hvs.sudo0token0for0the0run") == (
        "a $VAULT_NON_SUDO_TOKEN b $VAULT_TOKEN"
    )


def _leaks(token: str, text: str) -> list[str]:
    """Where ``token`` stands alone in ``text`` (inside another word it is no leak)."""
    return re.findall(rf"(?<![A-Za-z0-9_-]){re.escape(token)}(?![A-Za-z0-9_-])", text)


@pytest.mark.parametrize("token", TOKENS)
def test_replcheck_run_with_a_short_or_long_token_is_conformant_and_masked(
    token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's own example: the embedded server with ``--token root`` (as ``replcheck
    serve --dev-root-token root``) is CONFORMANT, and the token is in no output."""
    paths = {name: tmp_path / f"report.{name}" for name in ("junit", "json", "html")}
    code = main(
        ["run", "--embedded", "--token", token, "--seed", "3", "--max-examples", "4"]
        + [arg for name, path in paths.items() for arg in (f"--{name}", str(path))]
    )
    out = capsys.readouterr()
    assert code == 0, out.out[-3000:]
    assert "CONFORMANT" in out.out and "NOT CONFORMANT" not in out.out
    texts = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    texts["terminal"] = out.out + out.err
    assert '"outcome": "failed"' not in texts["json"]  # merkle_root was judged as sent
    for name, text in texts.items():
        assert not _leaks(token, text), f"the token leaked into the {name} output"


def test_the_readme_example_serve_with_dev_root_token_root_then_run_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``replcheck serve --dev-root-token root`` then ``replcheck run --url … --token root``:
    provisioning, fuzzing and every report with the token ``root``."""
    config = ServerConfig(root_token="root", reindex_stage_seconds=0.002, log_level="warning")
    report = tmp_path / "report.json"
    with EmbeddedServer(config) as server:
        code = main(
            ["run", "--url", server.url, "--token", "root", "--profile", "full", "--seed", "8",
             "--max-examples", "4", "--json", str(report)]
        )  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.out[-3000:]
    for text in (report.read_text(encoding="utf-8"), out.out, out.err):
        assert not _leaks("root", text)

"""The reference page: complete, self-contained, served by the reference server, and rendered
by a real browser with the network off."""

from __future__ import annotations

import html
import json
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
from headless_chromium import CHROMIUM, SKIP_REASON, chromium
from headless_chromium import probe as probe_page

from replcheck import spec
from replcheck.reference_server.app import create_app
from replcheck.reference_server.embedded import EmbeddedServer
from replcheck.spec.reference_docs import operations, render_html

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient



class _Resources(HTMLParser):
    """Every attribute that could make a browser fetch something, and every section."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name in ("src", "href", "srcset", "poster", "data", "action"):
            value = values.get(name)
            if value is not None and not (name == "href" and value.startswith("#")):
                self.fetches.append((tag, name, value))
        if tag == "section" and values.get("data-operation-id"):
            self._current = values["data-operation-id"]
            self.sections[self._current] = []
        if tag == "span" and self._current and "badge" in (values.get("class") or ""):
            self.sections[self._current].append(values.get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._current = None


@pytest.fixture(scope="module")
def page() -> str:
    return render_html()


@pytest.fixture(scope="module")
def parsed(page: str) -> _Resources:
    parser = _Resources()
    parser.feed(page)
    return parser


def test_page_fetches_nothing(page: str, parsed: _Resources) -> None:
    assert parsed.fetches == []
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert "@import" not in page and "url(" not in page and "@font-face" not in page


def test_every_operation_with_its_badges(parsed: _Resources) -> None:
    document = spec.bundled_openapi()
    expected = {
        op["operationId"]: (op.get("x-vault-sudo") is True, op.get("security") == [])
        for item in document["paths"].values()
        for method, op in item.items() if method != "parameters"
    }
    assert set(parsed.sections) == set(expected)
    for operation_id, (sudo, unauthenticated) in expected.items():
        badges = " ".join(parsed.sections[operation_id])
        assert ("badge sudo" in badges) is sudo, operation_id
        assert ("badge unauthenticated" in badges) is unauthenticated, operation_id
        assert ("badge token" in badges) is not unauthenticated, operation_id
    assert expected["reindexReplication"] == (True, False)
    assert expected["checkStatus"] == (False, True)


def test_the_family_extensions_are_badges(parsed: _Resources) -> None:
    """Each operation shows the DR operation token, root namespace and changes-replication
    badges exactly when its extension says so."""
    extensions = {
        "dr-token": "x-vault-dr-operation-token",
        "root-ns": "x-vault-root-namespace-only",
        "changes": "x-replcheck-changes-replication",
    }
    document = spec.bundled_openapi()
    for item in document["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            badges = " ".join(parsed.sections[op["operationId"]])
            for badge, extension in extensions.items():
                assert (f"badge {badge}" in badges) is (op.get(extension) is True), (
                    op["operationId"], badge)
    assert "badge dr-token" in " ".join(parsed.sections["promoteDrSecondary"])
    assert "badge changes" not in " ".join(parsed.sections["readDrStatus"])


def test_topology_requirements_are_marked_as_the_gates(page: str) -> None:
    rows = [line for line in page.splitlines() if "<tr><td><code>" in line]
    for requirement in spec.requirements():
        mine = [row for row in rows if f"<code>{requirement.id}</code>" in row]
        assert mine, requirement.id
        for row in mine:
            pending = requirement.topology and requirement.judged
            unjudged = requirement.topology and not requirement.judged
            assert (spec.TOPOLOGY_PENDING in row) is pending, requirement.id
            assert (spec.TOPOLOGY_UNJUDGED in row) is unjudged, requirement.id


def test_every_requirement_id_appears_and_each_operation_lists_its_own(page: str) -> None:
    for requirement in spec.requirements():
        assert f"<code>{requirement.id}</code>" in page, requirement.id
    by_id = {op.operation_id: {r.id for r in op.requirements} for op in operations()}
    assert "REINDEX-SUDO" in by_id["reindexReplication"]
    assert "STATUS-UNAUTHENTICATED" in by_id["checkStatus"]
    assert "REINDEX-SUDO" not in by_id["checkStatus"]


def test_responses_and_examples_are_on_the_page(page: str) -> None:
    for status in ("200", "204", "400", "403", "404", "405", "413"):
        assert f"<td><code>{status}</code></td>" in page
    for name in ("drPerfPrimary2024", "communityEdition", "lenient", "permissionDenied"):
        assert f"Example <code>{name}</code>" in page
    sample = spec.example("status-dr-secondary-idle")
    assert json.dumps(sample, indent=2) in html.unescape(page)


def test_reference_server_serves_the_page() -> None:
    with TestClient(create_app()) as client:
        answer = client.get("/ui/replcheck")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.text == render_html()
        assert client.get("/ui/replcheck/other").status_code == 404


_PROBE = """<script>
const seen = (el) => {
  const box = el.getBoundingClientRect(); const style = getComputedStyle(el);
  return box.width > 0 && box.height > 0 && style.display !== 'none'
    && style.visibility !== 'hidden' && style.opacity !== '0';
};
const result = {operations: {}, sudo: []};
for (const s of document.querySelectorAll('section.operation')) {
  result.operations[s.dataset.operationId] = seen(s) && seen(s.querySelector('h2'));
}
for (const b of document.querySelectorAll('section.operation .badge.sudo')) {
  result.sudo.push(b.closest('section').dataset.operationId + ':' + seen(b));
}
document.body.setAttribute('data-probe', JSON.stringify(result));
</script>"""

@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_page_renders_offline_in_a_real_browser(page: str, tmp_path: Path) -> None:
    probe, dom = probe_page(page, _PROBE, tmp_path)
    assert probe["operations"] == {op.operation_id: True for op in operations()}
    assert sorted(probe["sudo"]) == [
        "generateDrSecondaryToken:true", "generatePerformanceSecondaryToken:true",
        "reindexReplication:true", "reindexReplicationPut:true",
    ]
    for operation_id in ("attemptRecovery", "reindexReplication", "checkStatus"):
        assert f'data-operation-id="{operation_id}"' in dom

    plain = tmp_path / "replcheck.html"
    plain.write_text(page, encoding="utf-8")
    shot = tmp_path / "replcheck.png"
    taken = chromium(tmp_path, "shot", "--window-size=1280,1600", f"--screenshot={shot}",
                      plain.as_uri())
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1600)
    assert len(data) > 50_000, "a blank page compresses to a few kilobytes"


@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_served_page_renders_in_a_real_browser(tmp_path: Path) -> None:
    """The page as ``replcheck serve`` serves it, over a real loopback socket."""
    with EmbeddedServer() as server:
        dumped = chromium(tmp_path, "served", "--dump-dom", f"{server.url}/ui/replcheck")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    parser = _Resources()
    parser.feed(dumped.stdout)
    assert set(parser.sections) == {op.operation_id for op in operations()}
    assert "badge sudo" in " ".join(parser.sections["reindexReplication"])
    assert "badge unauthenticated" in " ".join(parser.sections["checkStatus"])

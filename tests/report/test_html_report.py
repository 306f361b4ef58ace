"""The HTML report people read: summary first, failures de-duplicated and grouped by
requirement, JSON bodies pretty-printed with the failing path marked, nothing fetched; and, in a
real headless browser, the summary of a 35-failure run on the first screen."""

from __future__ import annotations

import html
import json
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from headless_chromium import CHROMIUM, SKIP_REASON, chromium
from headless_chromium import probe as probe_page
from report_fixtures import (
    BROKEN_PATH,
    LONG_TOKEN_NOTE,
    NO_TOKEN,
    SINGLE,
    broken_run,
    gaps_run,
    unsupported_run,
)

from replcheck import spec
from replcheck.conformance.report import render_html, render_json
from replcheck.conformance.report.json_view import pretty_json_html


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(broken_run())


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[str] = []
        self.tags: list[str] = []
        self.order: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name in ("src", "href", "srcset", "action", "data"):
            value = values.get(name)
            if value is not None and not (name == "href" and value.startswith("#")):
                self.fetches.append(value)
        if values.get("id") in ("summary", "failures", "run"):
            self.order.append(values["id"] or "")


def test_summary_comes_first_and_nothing_is_fetched(page: str) -> None:
    parsed = _Page()
    parsed.feed(page)
    assert parsed.fetches == []
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert parsed.order == ["summary", "failures", "run"]
    summary = page[: page.index("<section id='failures'>")]
    assert "NOT CONFORMANT" in summary
    assert "18 failed" in summary and "23 passed" in summary
    assert "23 distinct finding(s) on 35 requests" in summary


def test_failed_requirements_lead_the_summary_table(page: str) -> None:
    rows = re.findall(r"<tr class='row-([a-z-]+)'>", page)
    assert rows == ["failed"] * 18 + ["passed"] * 23


def test_the_table_and_the_verdict_classify_a_requirement_alike() -> None:
    """A requirement that passed on what ran while a check was not run (no token) is not
    "passed" in the table while the headline lists it as not fully run: both say partial."""
    run = gaps_run()
    page = render_html(run)
    assert "not fully run: STATUS-IGNORES-TOKEN" in page
    row = re.search(r"<tr class='row-partial'>(.*?)</tr>", page)
    assert row and "STATUS-IGNORES-TOKEN" in row.group(1)
    assert f"accepts_valid_token not run: {NO_TOKEN}" in row.group(1)
    assert re.findall(r"<tr class='row-([a-z-]+)'>", page) == (
        ["not-run"] * 3 + ["partial"] + ["passed"] * 37
    )
    assert "data-outcome='partial'>1 partial</span>" in page
    assert "data-outcome='passed'>37 passed</span>" in page
    assert page.count(LONG_TOKEN_NOTE) == 1  # one note, naming both requirements
    assert "<li><code>RECOVER-AUTH</code>, <code>REINDEX-AUTH</code>: " in page


def test_requirement_texts_are_whole_with_backticks_as_code() -> None:
    page = render_html(gaps_run(strict=False))
    assert "text-overflow" not in page and "…" not in page and "`" not in page
    summary = page[: page.index("</header>")]
    shown = html.unescape(re.sub(r"<[^>]+>", "", summary))
    for requirement in (r for r in spec.requirements() if not r.topology):
        assert requirement.statement.replace("`", "") in shown, requirement.id
    assert "follow its <code>mode</code>: <code>disabled</code> carries" in summary


def test_a_target_without_the_api_says_why_once() -> None:
    page = render_html(unsupported_run())
    assert page.count("no replication API") == 1  # the verdict, not a note beside it
    assert page.count("edition: see the verdict") == 35  # each unsupported row


def test_identical_findings_are_one_block_on_n_requests(page: str) -> None:
    blocks = re.findall(r"<article class='finding' id='f(\d+)'>", page)
    assert len(blocks) == 23
    assert page.count("answered 401") == 1  # one headline, not ten
    assert "on 10 requests" in page and "on 4 requests" in page
    listed = re.search(r"<summary>on 10 requests</summary><ol>(.*?)</ol>", page)
    assert listed and listed.group(1).count("<li>") == 10
    # the same 1.5 KB body is shown once
    assert page.count("not-a-uuid") == 2  # the headline and the body, once each


def test_findings_are_grouped_under_their_requirement(page: str) -> None:
    failures = page[page.index("<section id='failures'>") :]
    sections = re.findall(r"<section class='requirement' id='req-([A-Z0-9-]+)'>", failures)
    assert len(sections) == 18 and set(SINGLE) <= set(sections)
    boolean = failures[failures.index("id='req-REINDEX-BOOLEAN-FORMS'") :]
    boolean = boolean[: boolean.index("</section>")]
    assert boolean.count("<article class='finding'") == 6
    assert "href='#req-STATUS-SCHEMA'" in page


def test_json_bodies_are_pretty_printed_with_the_failing_path_marked(page: str) -> None:
    marked = re.findall(r"<mark data-json-path='([^']*)'>([^<]*)</mark>", page)
    assert marked == [(BROKEN_PATH, "&quot;not-a-uuid&quot;")]
    assert "\n      <span class='key'>&quot;cluster_id&quot;</span>: <mark" in page


def test_unprintable_bytes_are_shown_escaped(page: str) -> None:
    for raw in ("\x00", "\x1b", "\ufffd"):
        assert raw not in page
    assert "\\x00oops\\x1b[0m\\ufffd" in page


def test_a_path_the_body_lacks_marks_its_nearest_value() -> None:
    shown, found = pretty_json_html('{"data": {"dr": {"mode": "primary"}}}', ("$.data.dr.x",))
    assert found and "<mark data-json-path='$.data.dr'>{" in shown
    raw, found = pretty_json_html("not json <b>", ("$",))
    assert raw == "not json &lt;b&gt;" and not found


def test_json_report_keeps_the_json_paths() -> None:
    document = json.loads(render_json(broken_run()))
    schema = next(r for r in document["requirements"] if r["id"] == "STATUS-SCHEMA")
    assert {tuple(f["json_paths"]) for f in schema["findings"]} == {(BROKEN_PATH,)}


# --- in a real browser -------------------------------------------------------------------------

_PROBE = """<script>
const box = (el) => { const r = el.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
const shown = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: true});
const result = {
  verdict: box(document.querySelector('.verdict')),
  verdictText: document.querySelector('.verdict').innerText,
  counts: box(document.querySelector('.counts')),
  countsText: document.querySelector('.counts').innerText,
  table: box(document.querySelector('table.summary')),
  failedRows: [...document.querySelectorAll('tr.row-failed')].map(box),
  attention: box(document.querySelector('.attention')),
  attentionText: document.querySelector('.attention').innerText,
  firstFinding: box(document.querySelector('article.finding')),
  requestLists: [...document.querySelectorAll('article.finding ol')].map(shown),
  marks: [...document.querySelectorAll('mark')].map(shown),
  viewport: window.innerHeight,
};
document.body.setAttribute('data-probe', JSON.stringify(result));
</script>"""

_SCREEN = (1280, 900)


#: The browser window: the first screen a person sees of the report.
_WINDOW = f"--window-size={_SCREEN[0]},{_SCREEN[1]}"


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    offset, idat, header = 8, b"", b""
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        chunk = png[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6)
    step = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * step
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up = previous[x]
            corner = previous[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + pred) & 0xFF
        previous = line
        rows.append(bytes(b for i, b in enumerate(line) if i % step < 3))
    return width, height, rows


@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_summary_of_35_failures_is_on_the_first_screen(page: str, tmp_path: Path) -> None:
    probe, _ = probe_page(page, _PROBE, tmp_path, _WINDOW)
    fold = _SCREEN[1]
    assert probe["verdict"]["bottom"] <= fold and "NOT CONFORMANT" in probe["verdictText"]
    assert probe["counts"]["bottom"] <= fold and "18 failed" in probe["countsText"]
    assert "23 distinct finding(s) on 35 requests" in probe["countsText"]
    assert probe["table"]["top"] < fold
    assert len(probe["failedRows"]) == 18
    # Every failed requirement is named on the first screen; the table gives each its full
    # text, so only its first rows fit there.
    assert probe["attention"]["bottom"] <= fold
    assert all(rid in probe["attentionText"] for rid in [*SINGLE, "VAULT-FORBIDDEN-NOT-401"])
    on_screen = [row for row in probe["failedRows"] if row["bottom"] <= fold]
    assert on_screen and on_screen == probe["failedRows"][: len(on_screen)]
    assert probe["firstFinding"]["top"] > probe["table"]["bottom"]  # below the summary
    assert probe["requestLists"] and not any(probe["requestLists"])  # collapsed
    assert probe["marks"] == [True]

    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    shot = tmp_path / "report.png"
    taken = chromium(tmp_path, "shot", _WINDOW, f"--screenshot={shot}", report.as_uri())
    assert taken.returncode == 0, taken.stderr[-2000:]
    width, height, rows = _pixels(shot.read_bytes())
    assert (width, height) == _SCREEN
    # What a person sees: the verdict's red band near the top, and text (dark pixels) in every
    # failed row of the table within the first screen.
    verdict = probe["verdict"]
    middle = int((verdict["top"] + verdict["bottom"]) / 2)
    x = int(verdict["left"]) + 4
    assert rows[middle][3 * x : 3 * x + 3] == bytes([0xFD, 0xE4, 0xE4])
    for row in on_screen:
        line = rows[int(row["top"]) + 10]  # the row's first line of text
        dark = sum(1 for i in range(0, len(line), 3) if max(line[i : i + 3]) < 0x90)
        assert dark > 20, row

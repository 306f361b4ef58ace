"""Headless Chromium (Debian's package) for the tests that look at a page as a person would.

``make test`` installs ``chromium`` with apt-get when it runs as root; elsewhere the browser
tests are skipped with ``SKIP_REASON``. The browser runs with the network off: every host but
the loopback address fails to resolve, and any request that is not for loopback goes to a dead
proxy, so a page that loads anything from the network shows it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM", "SKIP_REASON", "chromium", "probe"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SKIP_REASON = ("SKIPPED: chromium is not installed (make test installs it with apt-get when "
               "run as root)")

_OFFLINE = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
)


def chromium(tmp_path: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the browser offline with a fresh profile of its own (``name`` tells them apart)."""
    assert CHROMIUM is not None, SKIP_REASON
    return subprocess.run(
        [CHROMIUM, *_OFFLINE, f"--user-data-dir={tmp_path / ('profile-' + name)}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def probe(page: str, script: str, tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    """Load ``page`` with ``script`` (which sets ``data-probe`` on the body to a JSON value)
    added at its end; returns that value and the DOM as the browser left it."""
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", script + "</body>"), encoding="utf-8")
    dumped = chromium(tmp_path, "dom", *args, "--virtual-time-budget=3000", "--dump-dom",
                      probed.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    match = re.search(r'data-probe="([^"]*)"', dumped.stdout)
    assert match, dumped.stdout[:2000]
    return json.loads(html.unescape(match.group(1))), dumped.stdout

"""``replcheck fleet``: bad inventories and flags exit 2 with one sentence naming the entry and
key; -k and --tag select; an unset token variable is named before any run and costs only that
target its verdict; a hanging target does not hold the others beyond its own bounds; no token
appears in any output."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from replcheck.conformance.cli import main
from replcheck.conformance.fleet.inventory import load

BAD = [
    ("targets: []", "targets"),
    ("targets: [{name: a, url: 'ftp://x'}]", "target a: url"),
    ("targets: [{name: a, embedded: true, break: nope}]", "target a: break 'nope'"),
    ("targets: [{name: a, embedded: true}, {name: a, embedded: true}]", "target a: the name"),
    ("targets: [{name: a, embedded: true, settings: {budget: -1}}]", "target a: budget"),
    ("targets: [{name: a, embedded: true, settings: {max_examples: 0}}]",
     "target a: max_examples"),
    ("targets: [{name: a, embedded: true, setings: {}}]", "target a: unknown key 'setings'"),
    ("targets: [{name: a, url: 'http://x:1', embedded: true}]", "target a: give exactly one"),
    ("defaults: {profile: fast}\ntargets: [{name: a, embedded: true}]", "defaults: profile"),
    ("targets: [{name: a, embedded: six}]", "target a: embedded must be"),
    ("targets: [{embedded: true}]", "targets[0] lacks the key 'name'"),
    ("targets: [{name: b, topology: missing.yaml}]", "target b: topology"),
    ("targets: [{name: a, embedded: true, settings: {client_timeout: 10x}}]",
     "target a: client_timeout"),
    ("targets: [{name: a, embedded: true, break: reindex-without-sudo, url: 'http://x'}]",
     "target a"),
    ("targets: [{name: a, url: 'http://x', break: reindex-without-sudo}]",
     "target a: break needs embedded: true"),
    ("[1", "not valid YAML"),
]


def _fleet(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["fleet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("document", "named"), BAD)
def test_a_bad_inventory_exits_2_with_one_sentence_naming_the_entry(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], document: str, named: str) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(document + "\n", encoding="utf-8")
    code, out, err = _fleet(capsys, str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("replcheck fleet: error: ")
    assert named in err
    assert "Traceback" not in err


def test_a_good_inventory_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text("targets: [{name: a, embedded: true, break: reindex-without-sudo}]\n",
                    encoding="utf-8")
    assert [t.name for t in load(path, {}).targets] == ["a"]


@pytest.mark.parametrize("value", ["0", "65", "x"])
def test_parallel_out_of_bounds_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        value: str) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text("targets: [{name: a, embedded: true}]\n", encoding="utf-8")
    code, _, err = _fleet(capsys, str(path), "--parallel", value)
    assert code == 2 and "--parallel" in err and err.count("\n") == 1


SELECTION = """targets:
  - {name: prod-eu, url: 'http://127.0.0.1:1', tags: [prod, eu]}
  - {name: prod-us, url: 'http://127.0.0.1:2', tags: [prod, us]}
  - {name: stage-eu, url: 'http://127.0.0.1:3', tags: [stage, eu]}
  - {name: lab, embedded: true}
"""


@pytest.mark.parametrize(("keyword", "tags", "chosen"), [
    (None, [], ["prod-eu", "prod-us", "stage-eu", "lab"]),
    ("prod", [], ["prod-eu", "prod-us"]),
    ("eu and not stage", [], ["prod-eu"]),
    (None, ["eu"], ["prod-eu", "stage-eu"]),
    (None, ["us", "stage"], ["prod-us", "stage-eu"]),
    ("prod", ["eu"], ["prod-eu"]),
])
def test_k_and_tag_select(tmp_path: Path, keyword: str | None, tags: list[str],
                          chosen: list[str]) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(SELECTION, encoding="utf-8")
    assert [t.name for t in load(path, {}).select(keyword, tags)] == chosen


def test_a_selection_of_nothing_exits_2(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(SELECTION, encoding="utf-8")
    code, _, err = _fleet(capsys, str(path), "--tag", "none")
    assert code == 2 and "--tag none" in err and err.count("\n") == 1
    code, _, err = _fleet(capsys, str(path), "-k", "and (")
    assert code == 2 and err.count("\n") == 1


@pytest.fixture
def silent_target() -> Iterator[str]:
    """A target that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_hanging_target_and_an_unset_token_cost_only_their_own_verdicts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], silent_target: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from replcheck.reference_server.config import ServerConfig
    from replcheck.reference_server.embedded import EmbeddedServer

    secret = "hvs.fleet-secret-token-0123456789"
    monkeypatch.setenv("FLEET_TEST_TOKEN", secret)
    monkeypatch.delenv("FLEET_TEST_MISSING", raising=False)
    with EmbeddedServer(ServerConfig(root_token=secret)) as server:
        path = tmp_path / "fleet.yaml"
        path.write_text(
            "defaults: {profile: safe, max_examples: 1, client_timeout: 1s, budget: 3s}\n"
            "targets:\n"
            f"  - {{name: hung, url: '{silent_target}', token_env: FLEET_TEST_TOKEN}}\n"
            f"  - {{name: live, url: '{server.url}', token_env: FLEET_TEST_TOKEN}}\n"
            f"  - {{name: unset, url: '{server.url}', token_env: FLEET_TEST_MISSING}}\n",
            encoding="utf-8")
        report = tmp_path / "out" / "fleet.json"
        started = time.monotonic()
        code, out, err = _fleet(capsys, str(path), "--parallel", "2", "--json", str(report),
                                "--html", str(tmp_path / "out" / "f.html"),
                                "--junit", str(tmp_path / "out" / "f.xml"))
        took = time.monotonic() - started
    assert code == 2
    document = json.loads(report.read_text(encoding="utf-8"))
    by_name = {t["name"]: t for t in document["targets"]}
    assert by_name["live"]["verdict"] == "conformant"
    assert by_name["hung"]["verdict"] == "no verdict"
    assert by_name["unset"]["verdict"] == "no verdict"
    assert "FLEET_TEST_MISSING" in by_name["unset"]["sentence"]
    # Named before any run: the first stderr line, before the first progress line.
    assert err.splitlines()[0].startswith("replcheck fleet: error: no verdict for unset")
    # The hung target's own bounds end it (1 s per request, 3 s budget), not the live one's.
    assert by_name["hung"]["duration_s"] < 20
    assert took < 60
    assert "hung" in err.splitlines()[-1] or "hung" in err
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir())
    for text in (out, err, written):
        assert secret not in text


def test_a_targets_file_with_an_unset_token_variable_is_named_not_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLEET_SET_TOKEN", raising=False)
    (tmp_path / "set.yaml").write_text(
        "clusters:\n  primary: {url: 'http://127.0.0.1:1', token_env: FLEET_SET_TOKEN}\n",
        encoding="utf-8")
    path = tmp_path / "fleet.yaml"
    path.write_text("targets: [{name: set, topology: set.yaml}]\n", encoding="utf-8")
    (target,) = load(path, {}).targets
    assert target.kind == "topology" and target.unset == ("FLEET_SET_TOKEN",)
    (target,) = load(path, {"FLEET_SET_TOKEN": "x"}).targets
    assert target.unset == ()


def test_a_reference_topology_is_judged_as_a_set(tmp_path: Path) -> None:
    from replcheck.conformance.cli.fleet_embedded import judge, resolve
    from replcheck.conformance.fleet.pool import run_fleet

    path = tmp_path / "fleet.yaml"
    path.write_text("defaults: {profile: safe, converge_timeout: 20s}\n"
                    "targets: [{name: pair, embedded: dr-pair}]\n", encoding="utf-8")
    result = run_fleet(load(path, {}, resolve).targets, 1, embedded=judge)
    (outcome,) = result.targets
    assert outcome.kind == "embedded topology" and outcome.verdict == "conformant"
    assert outcome.outcomes.get("TOPOLOGY-SHARED-CLUSTER-ID") == "passed"

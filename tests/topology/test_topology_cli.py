"""``replcheck run --topology`` / ``--secondary-url``: exit statuses, one-sentence usage errors,
the reports written from the topology run, ``--save-snapshots`` read back offline, and no token
in any output."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from asgi_serving import serve_asgi
from echoing_target import echoing_proxy, leaks

from replcheck.conformance.cli import main
from replcheck.conformance.topology.snapshot import from_document
from replcheck.reference_server.topology.definition import load
from replcheck.reference_server.topology.runtime import TopologyServer

TOKENS = {"primary": "hvs.Q7xK2mZp9vLrT4wY8nB3cD6f", "secondary": "hvs.J5hG1sW0qE8uI2oP7aZ4xC9v"}


@pytest.fixture(scope="module")
def dr_pair() -> Iterator[TopologyServer]:
    topology = load("dr-pair")
    topology = dataclasses.replace(topology, clusters=tuple(
        dataclasses.replace(c, root_token=TOKENS[c.name]) for c in topology.clusters))
    with TopologyServer(topology) as server:
        yield server


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def targets_file(tmp_path: Path, server: TopologyServer, extra: str = "",
                 secondary: str | None = None) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(f"""
clusters:
  primary: {{url: "{server.url('primary')}", token_env: TOK_P, role: {{dr: primary}}}}
  secondary: {{url: "{secondary or server.url('secondary')}", token_env: TOK_S,
              role: {{dr: secondary}}}}
{extra}""", encoding="utf-8")
    return path


@pytest.fixture
def tokens_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOK_P", TOKENS["primary"])
    monkeypatch.setenv("TOK_S", TOKENS["secondary"])
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.delenv("VAULT_TOKEN", raising=False)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--topology", "dr-pair"], "names a reference topology: add --embedded"),
        (["--topology", "set.yaml", "--url", "http://127.0.0.1:1"],
         "cannot be combined with --url"),
        (["--secondary-url", "http://127.0.0.1:1"], "needs --url"),
        (["--topology", "set.yaml", "--break", "list"], "cannot be combined with --break"),
        (["--topology", "set.yaml", "--plan"], "cannot be combined with --plan"),
        (["--save-snapshots", "out"], "add --topology FILE or --url P --secondary-url S"),
        (["--topology", "no-such-set", "--embedded"], "unknown topology 'no-such-set'"),
        (["--topology", "missing.yaml"], "--topology missing.yaml: no such file"),
        (["--url", "http://127.0.0.1:1", "--secondary-url", "gopher://x"], "--secondary-url "),
        (["--topology", "dr-pair", "--embedded", "--converge-timeout", "0"],
         "--converge-timeout"),
        (["--topology", "dr-pair", "--embedded", "--watch", "soon"], "--watch"),
        (["--topology", "dr-pair", "--embedded", "--save-snapshots", "set.yaml/x"],
         "cannot write --save-snapshots set.yaml/x"),
    ],
)
def test_bad_flags_exit_2_with_one_sentence(argv: list[str], said: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch,
                                            tokens_in_env: None) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "set.yaml").write_text("clusters: {A: {url: http://127.0.0.1:1}}")
    assert main(["run", *argv]) == 2
    err = capsys.readouterr().err
    assert said in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_targets_file_is_judged_with_reports_and_no_token_anywhere(
        tmp_path: Path, dr_pair: TopologyServer, capsys: pytest.CaptureFixture[str],
        tokens_in_env: None) -> None:
    path = targets_file(tmp_path, dr_pair)
    reports = {name: tmp_path / f"r.{name}" for name in ("json", "junit", "html")}
    flags = [arg for name, file in reports.items() for arg in (f"--{name}", str(file))]
    status = main(["run", "--topology", str(path), "--converge-timeout", "10", *flags,
                   "--save-snapshots", str(tmp_path / "snaps")])
    out, err = capsys.readouterr()
    assert status == 0, out + err
    assert "CONFORMANT" in out
    assert out.index("cluster secondary") < out.index("CONFORMANT")  # ids before the verdict
    report = json.loads(reports["json"].read_text())
    assert report["verdict"] == "conformant"
    names = {r["id"] for r in report["requirements"]}
    assert "TOPOLOGY-WAL-BOUND" in names
    assert 'name="dr: primary -&gt; secondary"' in reports["junit"].read_text()
    assert [link["label"] for link in report["topology"]["links"]] == [
        "dr: primary -> secondary"]
    assert "<svg" in reports["html"].read_text()
    texts = [out, err, *(file.read_text() for file in reports.values())]
    snapshots = sorted((tmp_path / "snaps").glob("*.json"))
    texts += [file.read_text() for file in snapshots]
    for token in TOKENS.values():
        for text in texts:
            assert not leaks(text, token)
    assert [p.stem for p in snapshots] == ["primary", "secondary"]
    read = from_document("x", json.loads(snapshots[1].read_text()), source=str(snapshots[1]))
    assert read.cluster == "secondary" and read.read_time_known
    assert read.status is not None and read.status["dr"]["mode"] == "secondary"
    assert read.leader is not None and read.health is not None
    capsys.readouterr()
    assert main(["validate", "--topology", *map(str, snapshots)]) == 0, capsys.readouterr()


def test_a_cluster_echoing_its_token_in_its_errors_has_it_masked_in_every_output(
        tmp_path: Path, dr_pair: TopologyServer, capsys: pytest.CaptureFixture[str],
        tokens_in_env: None) -> None:
    """The proxy answers 404 (an upstream path that does not exist) with the token echoed in
    the body and headers: the sentence naming the cluster quotes the body, masked."""
    token = TOKENS["secondary"]
    reports = {name: tmp_path / f"r.{name}" for name in ("json", "junit", "html")}
    flags = [arg for name, file in reports.items() for arg in (f"--{name}", str(file))]
    with serve_asgi(echoing_proxy(dr_pair.url("secondary") + "/nowhere", token)) as url:
        path = targets_file(tmp_path, dr_pair, secondary=url)
        status = main(["run", "--topology", str(path), "--converge-timeout", "1", "-v", *flags])
    out, err = capsys.readouterr()
    assert status == 2
    assert "cluster secondary: GET sys/replication/status answered 404" in err
    assert "$TOK_S" in err
    for text in [out, err, *(file.read_text() for file in reports.values())]:
        assert not leaks(text, token)


def test_an_unreachable_cluster_exits_2_naming_it_with_the_others_judged(
        tmp_path: Path, dr_pair: TopologyServer, capsys: pytest.CaptureFixture[str],
        tokens_in_env: None) -> None:
    port = closed_port()
    path = targets_file(tmp_path, dr_pair, f'  ghost: {{url: "http://127.0.0.1:{port}"}}\n')
    report = tmp_path / "r.json"
    assert main(["run", "--topology", str(path), "--converge-timeout", "5",
                 "--json", str(report)]) == 2
    out, err = capsys.readouterr()
    assert f"cluster ghost could not be read: cannot connect to http://127.0.0.1:{port}" in err
    assert json.loads(report.read_text())["verdict"] == "conformant"
    assert "TOPOLOGY-WAL-BOUND" in out or "passed" in out


def test_the_shorthand_judges_a_primary_and_its_secondary(
        dr_pair: TopologyServer, capsys: pytest.CaptureFixture[str],
        tokens_in_env: None) -> None:
    status = main(["run", "--url", dr_pair.url("primary"), "--secondary-url",
                   dr_pair.url("secondary"), "--converge-timeout", "10", "-k", "WAL-BOUND"])
    out, err = capsys.readouterr()
    assert status == 0, out + err
    assert "read order (every secondary before its primary): 127.0.0.1:" in out
    secondary = dr_pair.url("secondary").removeprefix("http://")
    assert out.index(f"order (every secondary before its primary): {secondary}") >= 0


def test_an_embedded_named_topology_is_judged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--topology", "perf-pair", "--embedded",
                 "--converge-timeout", "10"]) == 0
    out = capsys.readouterr().out
    assert "CONFORMANT" in out and "embedded reference topology perf-pair" in out
    assert "left to replcheck run --topology" not in out

"""The targets file of ``replcheck run --topology FILE`` and the ``--secondary-url`` shorthand:
what they accept, one sentence naming the file, key and value for what they refuse, and the
published schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from replcheck import spec
from replcheck.conformance.cli import main
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.settings.values import SettingError
from replcheck.conformance.topology.reading import read_order
from replcheck.conformance.topology.targets import from_file, from_urls, roles_known


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_file_is_read_with_tokens_from_their_variables(tmp_path: Path) -> None:
    path = write(tmp_path, """
clusters:
  A:
    url: https://a.example:8200
    token_env: TOKEN_A
    tls_skip_verify: true
    tls_server_name: vault.example
    role: {performance: primary, dr: primary}
  B:
    url: http://127.0.0.1:8210/
    role: {dr: secondary}
""")
    targets = from_file(path, Settings(client_timeout=7), {"TOKEN_A": "hvs.secret-a"})
    a, b = targets.clusters
    assert (a.name, a.url, a.token, a.token_from) == ("A", "https://a.example:8200",
                                                      "hvs.secret-a", "$TOKEN_A")
    assert a.settings.tls_skip_verify and a.settings.tls_server_name == "vault.example"
    assert a.settings.client_timeout == 7 and b.settings.client_timeout == 7
    assert (b.token, b.token_from, b.settings.tls_skip_verify) == (None, None, False)
    assert targets.expected_roles() == {"A": {"performance": "primary", "dr": "primary"},
                                        "B": {"dr": "secondary"}}
    assert roles_known(targets)
    assert [c.name for c in read_order(targets.clusters, targets.expected_roles())] == ["B", "A"]
    assert "hvs.secret-a" not in repr(targets)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("clusters: {A: {url: ftp://x}}", "clusters.A.url must be an http:// or https:// URL, "
                                          "got 'ftp://x'"),
        ("clusters: {A: {urll: http://x}}", "unknown key 'clusters.A.urll'"),
        ("clusters: {A: {token_env: T}}", "clusters.A lacks the key 'url'"),
        ("clusters: {A: {url: http://x, role: {dr: boss}}}",
         "clusters.A.role.dr must be one of primary, secondary, disabled, got 'boss'"),
        ("clusters: {A: {url: http://x, role: {wan: primary}}}",
         "unknown key 'clusters.A.role.wan'"),
        ('clusters: {"a b": {url: http://x}}', "the cluster name 'a b' must be"),
        ("[1, 2]", "must hold a mapping with a 'clusters' mapping, got a list"),
        ("clusters: {}", "got an empty mapping"),
        ("clusters: {A: {url: http://x, token_env: UNSET_T}}",
         "clusters.A.token_env names the environment variable UNSET_T, which is not set"),
        ("clusters: {A: {url: http://x, token_env: 'not a name'}}",
         "clusters.A.token_env must be the name of an environment variable, got 'not a name'"),
        ("clusters: {A: {url: http://x, ca_cert: /no/such.pem}}", "clusters.A: the CA "),
        ("clusters: {A: {url: http://x, client_cert: c.pem}}",
         "clusters.A: client_cert and client_key must be given together"),
        ("clusters: {A: {url: http://x, tls_skip_verify: sure}}",
         "clusters.A.tls_skip_verify must be true or false, got 'sure'"),
        ("clusters: {A: {url: 'http://u:p@x'}}", "clusters.A.url "),
        ("clusters: {A: {url: http://x}, B: {url: http://x/}}",
         "clusters A and B have the same url"),
        ("clusters: [A", "is not valid YAML at line"),
    ],
)
def test_a_bad_file_is_one_sentence_naming_file_key_and_value(tmp_path: Path, text: str,
                                                             said: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingError) as caught:
        from_file(path, Settings(), {})
    message = str(caught.value)
    assert said in message and str(path) in message, message
    assert "\n" not in message and "Traceback" not in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match=r"--topology .*nope.yaml: no such file"):
        from_file(tmp_path / "nope.yaml", Settings(), {})


def test_an_empty_token_variable_counts_as_unset(tmp_path: Path) -> None:
    path = write(tmp_path, "clusters: {A: {url: http://x, token_env: T}}")
    with pytest.raises(SettingError, match="which is not set"):
        from_file(path, Settings(), {"T": ""})
    assert from_file(path, Settings(), {"T": "tok"}).clusters[0].token == "tok"


def test_the_shorthand_names_clusters_by_host_and_port() -> None:
    base = Settings(url="http://127.0.0.1:8200", token="hvs.t")
    targets = from_urls(base, ["http://127.0.0.1:8210", "https://dr.example/vault"])
    assert [c.name for c in targets.clusters] == ["127.0.0.1:8200", "127.0.0.1:8210",
                                                  "dr.example"]
    assert {c.token for c in targets.clusters} == {"hvs.t"}
    assert not roles_known(targets)


@pytest.mark.parametrize(
    ("secondaries", "said"),
    [
        (["ftp://x"], "--secondary-url "),
        (["http://127.0.0.1:8200/"], "named twice"),
    ],
)
def test_bad_shorthand_values(secondaries: list[str], said: str) -> None:
    with pytest.raises(SettingError, match=said):
        from_urls(Settings(url="http://127.0.0.1:8200"), secondaries)


def test_the_schema_is_published_and_valid(tmp_path: Path) -> None:
    schema = spec.standalone_schema("topology-targets")
    Draft202012Validator.check_schema(schema)
    assert schema == spec.topology_targets_schema()
    assert "topology-targets" in spec.standalone_names()
    out = tmp_path / "targets.json"
    assert main(["spec", "--schema", "topology-targets", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == schema
    example = {"clusters": {"A": {"url": "https://a:8200", "token_env": "VAULT_TOKEN_A",
                                  "role": {"dr": "primary"}}}}
    assert Draft202012Validator(schema).is_valid(example)
    assert not Draft202012Validator(schema).is_valid({"clusters": {"A": {"token": "x",
                                                                         "url": "http://a"}}})


def test_the_docs_example_is_a_valid_targets_file(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "topology.md").read_text()
    section = doc.split("\n## Judging a replication set\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("<!-- targets-example", 1)[1].split("```yaml\n", 1)[1]
    example = yaml.safe_load(block.split("```", 1)[0])
    assert Draft202012Validator(spec.topology_targets_schema()).is_valid(example)
    for cluster in example["clusters"].values():  # the CA files are the docs' own paths
        cluster.pop("ca_cert")
    path = tmp_path / "set.json"
    path.write_text(json.dumps(example))
    targets = from_file(path, Settings(), {"VAULT_TOKEN_A": "a", "VAULT_TOKEN_B": "b"})
    assert [c.name for c in read_order(targets.clusters, targets.expected_roles())] == ["B", "A"]


def test_the_drill_example_of_the_docs_is_a_valid_targets_file() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "topology.md").read_text()
    section = doc.split("\n## Active scenarios", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    example = yaml.safe_load(block)
    assert "unseal_keys_env" in example
    assert Draft202012Validator(spec.topology_targets_schema()).is_valid(example)

"""Unseal key shares: made at start like ``vault server -dev``, printed by the banner only,
adopted from a primary, and combined as Vault's Shamir scheme combines them."""

from __future__ import annotations

import base64
import itertools

import pytest

from replcheck.reference_server.config import ConfigError, ServerConfig
from replcheck.reference_server.core import VaultCore
from replcheck.reference_server.key_shares import KeyShares, KeySharesError, combine, split

from .conftest import vault
from .serve_process import ServeProcess


def test_a_dev_cluster_has_one_32_byte_key_and_threshold_one(client):
    core = vault(client)
    (key,) = core.unseal_keys
    assert len(base64.b64decode(key, validate=True)) == 32
    status = client.get("/v1/sys/seal-status").json()
    assert (status["t"], status["n"]) == (1, 1)
    assert VaultCore(ServerConfig()).unseal_keys != core.unseal_keys  # random per cluster


def test_configured_shares_split_the_key_any_threshold_of_them_recover_it(make_client):
    client = make_client(key_shares=5, key_threshold=3)
    core = vault(client)
    shares = [base64.b64decode(k) for k in core.unseal_keys]
    assert len(shares) == 5 and all(len(s) == 33 for s in shares)
    recovered = {combine(list(c)) for c in itertools.combinations(shares, 3)}
    assert len(recovered) == 1
    assert combine(shares[:2]) not in recovered  # fewer than the threshold: unrelated bytes
    status = client.get("/v1/sys/seal-status").json()
    assert (status["t"], status["n"]) == (3, 5)


@pytest.mark.parametrize(("shares", "threshold", "message"), [
    (3, 1, "greater than one"), (2, 3, "at most key_shares"), (0, 1, "between 1 and 255"),
    (256, 2, "between 1 and 255"), (True, 1, "between 1 and 255"), (3, "2", "between 1 and 255"),
])
def test_bad_share_settings_are_refused_with_a_sentence(shares, threshold, message):
    with pytest.raises(ConfigError, match=message):
        ServerConfig(key_shares=shares, key_threshold=threshold)


def test_a_secondary_adopts_its_primarys_shares_and_threshold():
    primary = VaultCore(ServerConfig(key_shares=4, key_threshold=2))
    secondary = VaultCore(ServerConfig())
    secondary.adopt_unseal_keys(primary.unseal_keys)
    assert secondary.unseal_keys == primary.unseal_keys
    assert secondary.unseal_threshold == 2
    single = VaultCore(ServerConfig())
    secondary.adopt_unseal_keys(single.unseal_keys)
    assert (secondary.unseal_keys, secondary.unseal_threshold) == (single.unseal_keys, 1)


@pytest.mark.parametrize("keys", [[], ["not base64!"], ["AAAA", "AAAAAAAA"]])
def test_adopting_what_are_not_shares_fails_and_keeps_the_keys(keys):
    core = VaultCore(ServerConfig())
    before = core.unseal_keys
    with pytest.raises(ValueError):
        core.adopt_unseal_keys(keys)
    assert core.unseal_keys == before


def test_split_and_combine_refuse_what_shamir_refuses():
    with pytest.raises(KeySharesError):
        split(b"k" * 32, 3, 1)
    parts = split(b"k" * 32, 3, 2)
    with pytest.raises(KeySharesError, match="less than two parts"):
        combine(parts[:1])
    with pytest.raises(KeySharesError, match="duplicate part"):
        combine([parts[0], parts[0]])
    with pytest.raises(KeySharesError, match="same length"):
        combine([parts[0], parts[1][:-2] + parts[1][-1:]])
    assert "root_key" not in repr(KeyShares.generate()) and "shares=" not in repr(
        KeyShares.generate())


def test_serve_prints_the_unseal_key_before_the_root_token_and_never_logs_it(tmp_path):
    log = tmp_path / "serve.log"
    with ServeProcess(log, "--access-log", "--log-level", "debug") as server:
        banner = server.banner
    key_lines = [line for line in banner if line.startswith("Unseal Key")]
    assert len(key_lines) == 1 and key_lines[0].startswith("Unseal Key: ")
    key = key_lines[0].split(": ", 1)[1]
    assert len(base64.b64decode(key, validate=True)) == 32
    assert banner.index(key_lines[0]) < len(banner) - 1 and banner[-1].startswith("Root Token:")
    assert any(line.strip().startswith("Cluster Address: https://") for line in banner)
    assert key not in log.read_text()

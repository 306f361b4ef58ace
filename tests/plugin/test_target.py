"""The plugin's ``VaultTarget`` is the engine's ``Settings``: no setting restated, none lost."""

from __future__ import annotations

import dataclasses

import pytest

from replcheck.conformance.plugin_support.target import VaultTarget
from replcheck.conformance.settings.target import Settings


def _every_setting_given() -> Settings:
    values = {
        "url": "https://vault.example:8200", "token": "s.sudo", "non_sudo_token": "s.plain",
        "namespace": "team", "ca_cert": "/ca.pem", "ca_path": "/cas", "client_cert": "/c.pem",
        "client_key": "/k.pem", "tls_server_name": "vault.internal", "tls_skip_verify": True,
        "profile": "full", "seed": 7, "strict": True, "max_examples": 3,
        "max_response_bytes": 4096, "client_timeout": 2.5, "budget": 9.0, "concurrency": 4,
        "keyword": "STATUS", "plan": True, "converge_timeout": 30.0, "watch": 60.0,
        "watch_interval": 5.0,
    }
    given = {f.name for f in dataclasses.fields(Settings)}
    # A setting added to Settings must be given a value here, or this test cannot see it lost.
    assert given <= set(values) | {"embedded", "provision"}, given - set(values)
    return Settings(**{name: value for name, value in values.items() if name in given})


def test_every_setting_goes_through_the_target_and_back() -> None:
    settings = _every_setting_given()
    target = VaultTarget.of(settings)
    assert target.settings() == settings
    assert type(target.settings()) is Settings
    assert target.url == settings.url and target.namespace == "team"


def test_changes_apply_to_the_target_and_to_the_settings_it_gives() -> None:
    target = VaultTarget.of(_every_setting_given(), seed=11)
    assert target.seed == 11
    assert target.settings(budget=1.0).budget == 1.0 and target.settings().budget == 9.0


def test_a_target_has_an_address() -> None:
    with pytest.raises(ValueError, match="url must be given"):
        VaultTarget.of(Settings())


def test_tokens_stay_out_of_the_repr() -> None:
    shown = repr(VaultTarget.of(_every_setting_given()))
    assert "s.sudo" not in shown and "s.plain" not in shown and "vault.example" in shown

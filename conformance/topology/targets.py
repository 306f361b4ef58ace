"""The clusters a topology run reads: a targets file, or ``--url P --secondary-url S …``.

The targets file (YAML or JSON, schema ``spec/topology/topology-targets.json``, printed by
``replcheck spec --schema topology-targets``) names each cluster, its ``url``, the NAME of the
environment variable holding its token (``token_env``: the file holds no secret), its TLS
settings as the single-cluster settings name them, and optionally the ``role`` it is expected
to have per mode. Each cluster becomes one single-cluster ``Settings`` (the run's bounds, with
its own URL, token and TLS), so that the engine's transport applies to every read unchanged.

Anything wrong (an unreadable file, a key the schema does not know, a URL Vault's clients would
not take, a token variable that is not set, a TLS file that cannot be used) is a
``SettingError``: one sentence naming the file, the key and the value (exit 2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from replcheck import spec
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.settings.values import (
    SettingError,
    host_name_problem,
    sendable_problem,
    shown,
    url_problem,
)
from replcheck.conformance.settings.yaml_files import read_yaml
from replcheck.conformance.transport.tls import client_context

__all__ = ["ClusterTarget", "Targets", "from_file", "from_urls", "roles_known"]

#: The TLS settings a cluster of the file may carry, as ``Settings`` names them.
TLS_KEYS = ("ca_cert", "ca_path", "client_cert", "client_key", "tls_server_name",
            "tls_skip_verify")


@dataclass(frozen=True)
class ClusterTarget:
    """One cluster of the set: its name, the single-cluster settings that read it (URL, token,
    TLS, the run's bounds), where its token came from, and the roles expected of it."""

    name: str
    settings: Settings = field(repr=False)
    #: Where the token came from (``$VAULT_TOKEN_A``, ``--token``), or None without one.
    token_from: str | None = None
    #: mode -> expected role (``primary``, ``secondary``, ``disabled``); empty when not said.
    roles: Mapping[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        assert self.settings.url is not None
        return self.settings.url

    @property
    def token(self) -> str | None:
        return self.settings.token


@dataclass(frozen=True)
class Targets:
    """Every cluster of the set, in the order given, and what named them (the file, or the
    flags)."""

    clusters: tuple[ClusterTarget, ...]
    source: str
    #: The DR primary's unseal (or recovery) key shares, for the DR operation tokens of the
    #: failover drill (``--drill failover``): from the variable the file's ``unseal_keys_env``
    #: names, or the embedded reference topology's own; empty otherwise.
    unseal_keys: tuple[str, ...] = field(default=(), repr=False)

    def expected_roles(self) -> dict[str, dict[str, str]]:
        """cluster -> mode -> role, for the clusters whose roles were given."""
        return {c.name: dict(c.roles) for c in self.clusters if c.roles}


def roles_known(targets: Targets) -> bool:
    """Whether the roles the targets give tell every secondary apart from its primary (then a
    live run orders its reads from them, without a first ordering read)."""
    return all(cluster.roles for cluster in targets.clusters)


# --- the file ----------------------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(spec.topology_targets_schema())


def _key_path(parts: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in parts)


def _schema_sentence(error: ValidationError, where: str) -> str:
    """One sentence for the first schema error: the file, the key and the value."""
    parts = list(error.absolute_path)
    at = f"{where}: {_key_path(parts)}" if parts else where
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        unknown = next((str(k) for k in instance if k not in allowed), "?")
        return (f"{where}: unknown key {_key_path([*parts, unknown])!r}; the keys there are "
                + ", ".join(allowed))
    if error.validator == "required" and isinstance(instance, dict):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = next((str(k) for k in required if k not in instance), "?")
        return f"{at} lacks the key {missing!r}"
    if "propertyNames" in error.schema_path:
        return (f"{where}: clusters: the cluster name {_brief(instance)} must be 1 to 64 "
                "letters, digits, _, . and -")
    if not parts and error.validator == "type":
        return f"{where} must hold a mapping with a 'clusters' mapping, got {_brief(instance)}"
    title = schema.get("title")
    if error.validator == "enum":
        expected = "one of " + ", ".join(str(v) for v in schema["enum"])
    elif isinstance(title, str):
        expected = title
    else:
        expected = error.message
    return f"{at} must be {expected}, got {_brief(instance)}"


def _brief(value: Any) -> str:
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict | list):
        kind = "mapping" if isinstance(value, dict) else "list"
        return f"an empty {kind}" if not value else f"a {kind}"
    return shown(json.dumps(value))


def _read(path: Path) -> Any:
    return read_yaml(path, named=f"--topology {path}", kind="a targets file", yaml_named=str(path))


def from_file(path: Path, base: Settings, environ: Mapping[str, str]) -> Targets:
    """The clusters of the targets file ``path``, each read with ``base``'s bounds;
    ``SettingError`` (one sentence naming the file, the key and the value) for anything
    wrong. Token variables are looked up in ``environ``."""
    document = _read(path)
    where = str(path)
    errors = sorted(_validator().iter_errors(document),
                    key=lambda e: (e.validator != "additionalProperties",
                                   [str(p) for p in e.absolute_path]))
    if errors:
        raise SettingError(_schema_sentence(errors[0], where))
    clusters = []
    for name, entry in document["clusters"].items():
        key = f"{where}: clusters.{name}"
        token, token_from = None, None
        variable = entry.get("token_env")
        if variable is not None:
            token = environ.get(variable)
            if not token:
                raise SettingError(
                    f"{key}.token_env names the environment variable {variable}, which is "
                    "not set (export the cluster's token in it, or drop token_env to read the "
                    "cluster without a token)"
                )
            token_from = f"${variable}"
        tls = {k: entry[k] for k in TLS_KEYS if k in entry}
        settings = _cluster_settings(base, key, entry["url"], token, tls)
        clusters.append(ClusterTarget(name, settings, token_from, dict(entry.get("role", {}))))
    _unique_urls(clusters, where)
    return Targets(tuple(clusters), where, _unseal_keys(document, where, environ))


def _unseal_keys(document: Mapping[str, Any], where: str,
                 environ: Mapping[str, str]) -> tuple[str, ...]:
    """The key shares in the variable ``unseal_keys_env`` names (separated by commas or white
    space), or none when the file names no variable."""
    variable = document.get("unseal_keys_env")
    if variable is None:
        return ()
    shares = tuple(part for part in re.split(r"[\s,]+", environ.get(variable, "")) if part)
    if not shares:
        raise SettingError(
            f"{where}: unseal_keys_env names the environment variable {variable}, which is not "
            "set (export the DR primary's unseal key shares in it, separated by commas, or "
            "drop unseal_keys_env: only the failover drill needs them)")
    return shares


def _cluster_settings(base: Settings, key: str, url: str, token: str | None,
                      tls: Mapping[str, Any]) -> Settings:
    """One cluster's settings: ``base`` with its URL, token and TLS, each value checked here
    so that the message names the file's key."""
    problem = url_problem(url)
    if problem:
        raise SettingError(f"{key}.url {problem}")
    if token is not None:
        problem = sendable_problem(token)
        if problem:
            raise SettingError(f"{key}: the token in its token_env variable {problem}")
    name = tls.get("tls_server_name")
    if isinstance(name, str):
        problem = host_name_problem(name)
        if problem:
            raise SettingError(f"{key}.tls_server_name {problem}")
    if ("client_cert" in tls) != ("client_key" in tls):
        raise SettingError(f"{key}: client_cert and client_key must be given together")
    changes: dict[str, Any] = {"url": url, "token": token}
    for option in TLS_KEYS:
        if option in tls:
            changes[option] = tls[option]
    settings = base.replace(**changes)
    try:
        client_context(settings)
    except SettingError as exc:
        raise SettingError(f"{key}: {exc}") from None
    return settings


def _unique_urls(clusters: Sequence[ClusterTarget], where: str) -> None:
    seen: dict[str, str] = {}
    for cluster in clusters:
        url = cluster.url.rstrip("/")
        if url in seen:
            raise SettingError(
                f"{where}: clusters {seen[url]} and {cluster.name} have the same url "
                f"{shown(cluster.url)}; each cluster of a set is read once"
            )
        seen[url] = cluster.name


# --- the shorthand -----------------------------------------------------------------------------


def _host_port(url: str) -> str:
    """A cluster's name in the shorthand: its URL's host:port (the scheme and path dropped)."""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0]


def from_urls(base: Settings, secondaries: Sequence[str]) -> Targets:
    """``--url P --secondary-url S …``: the primary (``base.url``) and its secondaries, each
    named by its host:port, all with ``base``'s token and TLS settings; the roles are not said
    (the run reads once to order them), since P may be a DR or a performance primary."""
    assert base.url is not None
    clusters = [ClusterTarget(_host_port(base.url), base,
                              "--token" if base.token else None)]
    for url in secondaries:
        problem = url_problem(url)
        if problem:
            raise SettingError(f"--secondary-url {problem}")
        clusters.append(ClusterTarget(_host_port(url), base.replace(url=url),
                                      "--token" if base.token else None))
    names = [c.name for c in clusters]
    for name in names:
        if names.count(name) > 1:
            raise SettingError(
                f"the cluster {name} is named twice by --url and --secondary-url; each cluster "
                "of a set is read once"
            )
    return Targets(tuple(clusters), "--url and --secondary-url")

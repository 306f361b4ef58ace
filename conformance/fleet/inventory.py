"""The fleet inventory: a YAML (or JSON) file naming every target of ``replcheck fleet``.

Its schema is spec/fleet/fleet-inventory.json (``replcheck spec --schema fleet-inventory``).
``load`` reads and checks it before anything is started or sent, and resolves every target's
``Settings`` as ``replcheck run`` resolves its flags (``Option.parse`` for textual values, then
``Settings.validate``); ``InventoryError`` is one sentence naming the entry (by name, else by
index) and the key.

Secrets: the inventory names environment variables (``token_env``, ``non_sudo_token_env``), never
tokens. The environment's own ``VAULT_ADDR``, ``VAULT_TOKEN``, ``VAULT_CACERT``… are NOT read for
the fleet's targets: one target's token must never reach another's server, so a target gets
exactly what the inventory gives it. A variable named but unset does not make the inventory bad:
that target has no verdict, ``Inventory.unset`` names every such target before any run, and the
others are judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from replcheck import spec
from replcheck.conformance.settings.selection import Selection, SelectionError
from replcheck.conformance.settings.target import Settings, option_named
from replcheck.conformance.settings.values import SettingError, shown
from replcheck.conformance.settings.yaml_files import read_yaml

#: Settings whose values are paths, read relative to the inventory's folder.
PATH_SETTINGS = ("ca_cert", "ca_path", "client_cert", "client_key")


#: Checks and completes an embedded target (see ``load``); ``SettingError`` for a bad name.
Resolve = Callable[["FleetTarget"], "FleetTarget"]


class InventoryError(SettingError):
    """A bad inventory: one sentence naming the entry and the key."""


@dataclass(frozen=True)
class FleetTarget:
    """One target of the inventory, its settings resolved (tokens included: never print these
    settings; ``Settings.public`` masks them)."""

    name: str
    index: int
    tags: tuple[str, ...]
    #: ``url`` | ``topology`` | ``embedded`` | ``embedded topology``.
    kind: str
    settings: Settings
    #: ``topology``: the targets file; ``embedded topology``: the reference topology's name.
    topology: str | None = None
    #: ``embedded: true`` with ``break: NAME``: the broken server's name.
    broken: str | None = None
    #: The variables this target names that are not set (the target then has no verdict).
    unset: tuple[str, ...] = ()

    @property
    def no_verdict_sentence(self) -> str:
        variables = " and ".join(self.unset)
        return (f"target {self.name}: the environment variable {variables} it names for a "
                f"token {'is' if len(self.unset) == 1 else 'are'} not set, so it was not run")


@dataclass(frozen=True)
class Inventory:
    path: Path
    targets: tuple[FleetTarget, ...]
    notes: tuple[str, ...] = field(default=())

    def select(self, keyword: str | None = None, tags: Sequence[str] = ()) -> list[FleetTarget]:
        """The targets whose name matches ``keyword`` (``-k``: words with and/or/not, as
        ``replcheck run -k``) and that carry at least one of ``tags`` (any when empty), in
        inventory order. ``SettingError`` for a bad expression."""
        matches = name_matcher(keyword)
        wanted = set(tags)
        return [
            target for target in self.targets
            if matches(target.name) and (not wanted or wanted & set(target.tags))
        ]

    @property
    def unset(self) -> list[FleetTarget]:
        """Targets naming a token variable that is not set (no verdict; named before any run)."""
        return [target for target in self.targets if target.unset]


def name_matcher(keyword: str | None) -> Any:
    """``-k EXPR`` on target names: the same expression language as ``replcheck run -k``
    (a word matches when it is a substring of the name, case-insensitive)."""
    if keyword is None:
        return lambda name: True
    try:
        selection = Selection(keyword)
    except SelectionError as exc:
        raise SettingError(str(exc)) from None
    except RecursionError:
        raise SettingError("-k nests its parentheses too deeply") from None
    return selection.matches_text


def _read(path: Path) -> Any:
    return read_yaml(path, named=f"the inventory {path}", kind="a file", error=InventoryError)


def _entry_name(document: Any, parts: Sequence[str | int]) -> str:
    """How a sentence names the entry a schema error is in: ``target prod-eu`` or
    ``targets[3]``, ``defaults``, or the document."""
    if len(parts) >= 2 and parts[0] == "targets" and isinstance(parts[1], int):
        entry = document["targets"][parts[1]]
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name:
            return f"target {name}"
        return f"targets[{parts[1]}]"
    return str(parts[0]) if parts else "the inventory"


def _brief(value: Any) -> str:
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict | list):
        kind = "mapping" if isinstance(value, dict) else "list"
        return f"an empty {kind}" if not value else f"a {kind}"
    return shown(json.dumps(value))


def _schema_sentence(document: Any, error: ValidationError, path: Path) -> str:
    parts = list(error.absolute_path)
    entry = _entry_name(document, parts)
    inner = [str(p) for p in parts[2:]] if entry.startswith(("target ", "targets[")) else [
        str(p) for p in parts[1:]]
    key = ".".join(inner)
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    where = f"{path}: {entry}"
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        unknown = next((str(k) for k in instance if k not in allowed), "?")
        full = f"{key}.{unknown}" if key else unknown
        return f"{where}: unknown key {full!r}; the keys there are {', '.join(allowed)}"
    if error.validator == "required" and isinstance(instance, dict):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = next((str(k) for k in required if k not in instance), "?")
        return f"{where} lacks the key {missing!r}"
    if not parts and error.validator == "type":
        return f"{path} must hold a mapping with a 'targets' list, got {_brief(instance)}"
    if error.validator == "enum":
        expected = "one of " + ", ".join(str(v) for v in schema["enum"])
    elif isinstance(schema.get("title"), str):
        expected = schema["title"]
    elif error.validator == "minItems":
        expected = "a list of at least one target"
    else:
        expected = error.message
    return f"{where}: {key or 'the entry'} must be {expected}, got {_brief(instance)}"


def _setting_value(name: str, value: Any, folder: Path, where: str) -> Any:
    """One inventory setting as ``replcheck run``'s flag would give it."""
    option = option_named(name)
    if name in PATH_SETTINGS:
        return str((folder / str(value)).resolve()) if not Path(str(value)).is_absolute() \
            else str(value)
    if option.kind == "bool" and isinstance(value, bool):
        return value
    if option.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if option.kind == "seconds" and isinstance(value, int | float) \
            and not isinstance(value, bool):
        return float(value)
    return option.parse(str(value), f"{where}: {name}")


def _settings(defaults: Mapping[str, Any], own: Mapping[str, Any], folder: Path,
              where: str, extra: Mapping[str, Any]) -> Settings:
    explicit: dict[str, Any] = {}
    for source, values in (("defaults", defaults), (where, own)):
        for name, value in values.items():
            explicit[name] = _setting_value(name, value, folder, source)
    try:
        return Settings.resolve({**explicit, **extra}, {})
    except SettingError as exc:
        raise InventoryError(f"{where}: {_setting_message(str(exc))}") from None


_FLAG = re.compile(r"--([a-z-]+)(?: \([^)]*\))?")


def _setting_message(message: str) -> str:
    """``Settings.validate`` names a setting by its flag (and its twins): the inventory by its
    key."""
    return _FLAG.sub(lambda match: match.group(1).replace("-", "_"), message)


def _token(variable: str | None, environ: Mapping[str, str], unset: list[str]) -> str | None:
    if variable is None:
        return None
    value = environ.get(variable)
    if not value:
        unset.append(variable)
        return None
    return value


def _topology_unset(path: Path, environ: Mapping[str, str]) -> list[str]:
    """The token variables a targets file names that are not set (read leniently: the file
    itself is checked by ``from_file`` when its variables are set)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    clusters = document.get("clusters") if isinstance(document, dict) else None
    names = [entry.get("token_env") for entry in (clusters or {}).values()
             if isinstance(entry, dict)] if isinstance(clusters, dict) else []
    return sorted({n for n in names if isinstance(n, str) and not environ.get(n)})


def _target(entry: Mapping[str, Any], index: int, defaults: Mapping[str, Any], path: Path,
            environ: Mapping[str, str], resolve: Resolve | None) -> FleetTarget:
    name = str(entry["name"])
    where = f"{path}: target {name}"
    folder = path.parent
    kinds = [key for key in ("url", "topology", "embedded") if key in entry]
    if len(kinds) != 1:
        given = " and ".join(kinds) if kinds else "none of them"
        raise InventoryError(
            f"{where}: give exactly one of url, topology or embedded (given: {given})")
    broken = entry.get("break")
    if broken is not None and entry.get("embedded") is not True:
        raise InventoryError(f"{where}: break needs embedded: true (a broken server is embedded)")
    unset: list[str] = []
    extra: dict[str, Any] = {}
    kind = kinds[0]
    topology: str | None = None
    if kind == "url":
        extra["url"] = entry["url"]
    token = _token(entry.get("token_env"), environ, unset)
    non_sudo = _token(entry.get("non_sudo_token_env"), environ, unset)
    if token is not None:
        extra["token"] = token
    if non_sudo is not None:
        extra["non_sudo_token"] = non_sudo
    settings = _settings(defaults, entry.get("settings", {}), folder, where, extra)
    if kind == "embedded" and entry["embedded"] is not True:
        kind, topology = "embedded topology", str(entry["embedded"])
    elif kind == "topology":
        targets_file = folder / str(entry["topology"])
        topology = str(targets_file)
        unset += _topology_unset(targets_file, environ)
        if not unset:
            _check_targets_file(targets_file, settings, environ, where)
    target = FleetTarget(name, index, tuple(entry.get("tags", ())), kind, settings, topology,
                         None if broken is None else str(broken), tuple(unset))
    if resolve is not None and (target.broken is not None or kind == "embedded topology"):
        try:
            return resolve(target)
        except SettingError as exc:
            raise InventoryError(f"{where}: {exc}") from None
    return target


def _check_targets_file(path: Path, settings: Settings, environ: Mapping[str, str],
                        where: str) -> None:
    from replcheck.conformance.topology.targets import from_file

    try:
        from_file(path, settings.replace(url=None), environ)
    except SettingError as exc:
        raise InventoryError(f"{where}: topology: {exc}") from None


def load(path: Path, environ: Mapping[str, str], resolve: Resolve | None = None) -> Inventory:
    """Read and check the inventory at ``path``; token variables are looked up in ``environ``.
    ``InventoryError`` (one sentence) for anything wrong with the file.

    ``resolve`` checks an embedded target's server names (``break``, a reference topology) and
    gives a broken server its proven profile and bounds: the CLI passes
    ``replcheck.conformance.cli.fleet_embedded.resolve`` (this layer does not import the
    reference server); without it those names are checked when the target runs."""
    document = _read(path)
    errors = sorted(
        Draft202012Validator(spec.fleet_inventory_schema()).iter_errors(document),
        key=lambda e: (e.validator != "additionalProperties", [str(p) for p in e.absolute_path]),
    )
    if errors:
        raise InventoryError(_schema_sentence(document, _deepest(errors[0]), path))
    defaults = document.get("defaults", {})
    targets: list[FleetTarget] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(document["targets"]):
        name = str(entry["name"])
        if name in seen:
            raise InventoryError(
                f"{path}: target {name}: the name is already used by targets[{seen[name]}]")
        seen[name] = index
        targets.append(_target(entry, index, defaults, path, environ, resolve))
    return Inventory(path, tuple(targets))


def _deepest(error: ValidationError) -> ValidationError:
    """The most precise error under a ``oneOf`` (the one deepest in the document)."""
    if error.context:
        return max(error.context, key=lambda e: len(list(e.absolute_path)))
    return error

"""Target settings: where the suite points, with which tokens, how hard it pushes.

Every setting is declared once, in ``OPTIONS``, with the environment variable Vault's own CLI
reads for it and its pytest flag (whose ini key is the flag without dashes). The CLI
(``replcheck run``) and the pytest plugin both build their flags from this table and resolve
values with ``Settings.resolve``: an explicit value wins, then the environment variable, then an
ini value (pytest only), then the default. Nothing here lives in a module global beyond the
declarations. Textual values are parsed in ``replcheck.conformance.settings.values``; secrets are
masked in ``replcheck.conformance.transport.masking``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from replcheck.conformance.settings.values import (
    SettingError,
    host_name_problem,
    parse_bool,
    parse_bytes,
    parse_int,
    parse_seconds,
    sendable_problem,
    shown,
    url_problem,
)

Profile = Literal["safe", "full"]
PROFILES: tuple[Profile, ...] = ("safe", "full")

#: Examples generated per operation and generation mode by the fuzzer. Chosen so that a
#: full-profile run against the embedded server stays well under 30 s on two cores.
DEFAULT_MAX_EXAMPLES = 25

#: The default cap on one response body (decompressed) and deadline of one whole request: see
#: ``replcheck.conformance.transport.bounded_http``. Vault's answers here are kilobytes (a status
#: with a thousand secondaries is about 400 KB); judging a body costs far more memory than the body
#: (schema validation's messages copy the offending value: ~150 times an 8 MiB body, measured), so
#: the cap stays at 1 MiB, which keeps one judged answer near 150 MB. Vault's own client waits 60 s
#: (VAULT_CLIENT_TIMEOUT); a gate in CI should give up sooner on a target that dribbles.
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024

#: With ``--budget``, the cap on generated examples per operation and mode when
#: ``--max-examples`` is not given: high enough that time, not the count, ends the drawing.
BUDGET_MAX_EXAMPLES = 1000
DEFAULT_CLIENT_TIMEOUT = 30.0

#: Upper bounds of the numeric settings: beyond them a value is a typo, and a run would not end
#: in any useful time (``--plan --max-examples 1000`` draws ~10,000 requests, a minute of CPU
#: on a loaded machine) or hold any answer in memory.
MAX_EXAMPLES = BUDGET_MAX_EXAMPLES
MAX_SEED = 2**64 - 1
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_CLIENT_TIMEOUT = 3600.0
MAX_BUDGET = 24 * 3600.0


#: How long a topology run polls a set whose converging relations fail (``--converge-timeout``)
#: by default: a secondary that has just connected spends some seconds in merkle-diff and
#: merkle-sync before it streams.
DEFAULT_CONVERGE_TIMEOUT = 60.0
#: Seconds between the reads of ``--watch`` by default.
DEFAULT_WATCH_INTERVAL = 2.0
MAX_WATCH = 24 * 3600.0

@dataclass(frozen=True)
class Option:
    """One setting: its attribute name, flags, environment variable, and meaning."""

    name: str
    help: str
    env: str | None = None
    kind: Literal["str", "bool", "int", "profile", "bytes", "seconds"] = "str"
    secret: bool = False
    #: The pytest plugin's flag, named after Vault's CLI (``--vault-addr``) or prefixed
    #: ``--replcheck-`` where Vault has no such setting.
    pytest_flag: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        """The pytest ini key: the plugin's flag without dashes (``vault_addr``)."""
        return self.pytest_flag.lstrip("-").replace("-", "_")

    def parse(self, raw: str, source: str) -> Any:
        """Turn a textual value (from a flag, an ini file or the environment) into its type."""
        if self.kind == "bool":
            return parse_bool(source, raw)
        if self.kind == "int":
            return parse_int(source, raw)
        if self.kind == "bytes":
            return parse_bytes(source, raw)
        if self.kind == "seconds":
            return parse_seconds(source, raw)
        if self.kind == "profile" and raw not in PROFILES:
            raise SettingError(f"{source} must be one of {', '.join(PROFILES)}, not {shown(raw)}")
        return raw


OPTIONS: tuple[Option, ...] = (
    Option(
        "url",
        "address of the target; required unless --embedded judges the embedded reference server",
        env="VAULT_ADDR",
        pytest_flag="--vault-addr",
    ),
    Option(
        "token",
        "token with sudo on sys/replication/*",
        env="VAULT_TOKEN",
        secret=True,
        pytest_flag="--vault-token",
    ),
    Option(
        "non_sudo_token",
        "token with update but no sudo on sys/replication/*, for the sudo checks "
        "(or --provision: one is made with --token, then revoked)",
        secret=True,
        pytest_flag="--vault-non-sudo-token",
    ),
    Option(
        "namespace",
        "Vault Enterprise namespace, sent as X-Vault-Namespace",
        env="VAULT_NAMESPACE",
        pytest_flag="--vault-namespace",
    ),
    Option(
        "ca_cert",
        "PEM file of the CA that signed the target's certificate",
        env="VAULT_CACERT",
        pytest_flag="--vault-cacert",
    ),
    Option(
        "ca_path",
        "folder of PEM CA files, every file read whatever its name; not read when a CA "
        "certificate file is given",
        env="VAULT_CAPATH",
        pytest_flag="--vault-capath",
    ),
    Option(
        "client_cert",
        "PEM certificate to present to the target (mutual TLS); needs the client key",
        env="VAULT_CLIENT_CERT",
        pytest_flag="--vault-client-cert",
    ),
    Option(
        "client_key",
        "PEM private key of the client certificate",
        env="VAULT_CLIENT_KEY",
        pytest_flag="--vault-client-key",
    ),
    Option(
        "tls_server_name",
        "name sent as SNI and checked against the target's certificate, instead of the URL's host",
        env="VAULT_TLS_SERVER_NAME",
        pytest_flag="--vault-tls-server-name",
    ),
    Option(
        "tls_skip_verify",
        "do not verify the target's TLS certificate",
        env="VAULT_SKIP_VERIFY",
        kind="bool",
        pytest_flag="--vault-skip-verify",
    ),
    Option(
        "profile",
        "safe: change nothing on the target (no successful recover/reindex, nothing "
        "provisioned unless --provision); full: also run successful recover/reindex calls, and "
        "provision (default: full on the embedded server, safe against a URL)",
        kind="profile",
        pytest_flag="--replcheck-profile",
    ),
    Option(
        "provision",
        "let the run create the helper tokens and policies the sudo and capability checks "
        "need (with --token), and remove them at the end (implied by --profile full)",
        kind="bool",
        pytest_flag="--replcheck-provision",
    ),
    Option(
        "seed",
        "seed of the run, 0 to 2**64 - 1; the same seed sends the same requests",
        kind="int",
        pytest_flag="--replcheck-seed",
    ),
    Option(
        "strict",
        "no verdict without the tokens the selected checks need: a missing --token, or "
        "--non-sudo-token without --provision, stops the run (exit 2); a check not run for "
        "another reason than the profile (or not provisioning) fails it",
        env="REPLCHECK_STRICT",
        kind="bool",
        pytest_flag="--replcheck-strict",
    ),
    Option(
        "max_examples",
        f"generated requests per operation and mode (default {DEFAULT_MAX_EXAMPLES}, "
        f"at most {MAX_EXAMPLES})",
        kind="int",
        pytest_flag="--replcheck-max-examples",
    ),
    Option(
        "max_response_bytes",
        "largest response body the run accepts, decompressed (e.g. 4MiB); a larger one "
        f"stops the run (default {DEFAULT_MAX_RESPONSE_BYTES >> 20}MiB)",
        kind="bytes",
        pytest_flag="--replcheck-max-response-bytes",
    ),
    Option(
        "client_timeout",
        "deadline of one whole request, answer included (e.g. 30s, 2m); a slower answer "
        f"stops the run (default {DEFAULT_CLIENT_TIMEOUT:g}s)",
        env="VAULT_CLIENT_TIMEOUT",
        kind="seconds",
        pytest_flag="--vault-client-timeout",
    ),
    # --- speed: the run's time budget (issue 12) ---------------------------------------------
    Option(
        "budget",
        "seconds the whole run may take (e.g. 60s, 2m): every check runs, then generated "
        "requests fill the time left (up to --max-examples per operation and mode, default "
        f"{BUDGET_MAX_EXAMPLES} with a budget); the report says how many cases each "
        "operation got",
        env="REPLCHECK_BUDGET",
        kind="seconds",
        pytest_flag="--replcheck-budget",
    ),
    # --- speed: requests in flight at once (issue 12, item 3) --------------------------------
    Option(
        "concurrency",
        "checks and generated requests in flight at once (default 1: one after another); "
        "checks that change the target's state still run one at a time, in order",
        env="REPLCHECK_CONCURRENCY",
        kind="int",
        pytest_flag="--replcheck-concurrency",
    ),
    # --- a topology run: a replication set read over time (issue 21) -------------------------
    Option(
        "converge_timeout",
        "topology runs: how long to keep reading the set, with backoff, while a relation that "
        "converges (caught up, equal merkle roots, stream-wals) fails (e.g. 30s, 2m; default "
        f"{DEFAULT_CONVERGE_TIMEOUT:g}s)",
        env="REPLCHECK_CONVERGE_TIMEOUT",
        kind="seconds",
        pytest_flag="--replcheck-converge-timeout",
    ),
    Option(
        "watch",
        "topology runs: keep reading the set for this long (e.g. 2m) and judge what only time "
        "shows: a merkle loop, a stream that never resumes, a heartbeat that stops",
        env="REPLCHECK_WATCH",
        kind="seconds",
        pytest_flag="--replcheck-watch",
    ),
    Option(
        "watch_interval",
        f"topology runs: seconds between two reads of --watch (default "
        f"{DEFAULT_WATCH_INTERVAL:g}s)",
        env="REPLCHECK_WATCH_INTERVAL",
        kind="seconds",
        pytest_flag="--replcheck-watch-interval",
    ),
)

#: The most requests ``--concurrency`` may keep in flight: a conformance run is not a load test.
MAX_CONCURRENCY = 64


def option_named(name: str) -> Option:
    """The declaration of the setting ``name`` (for messages that name its flags)."""
    return next(option for option in OPTIONS if option.name == name)


#: Who reads the settings; messages name a setting as that front end spells it first.
Front = Literal["cli", "pytest"]


def _named(name: str, front: Front = "cli") -> str:
    """How a message names a setting: the front end's flag first, then its twins."""
    option = option_named(name)
    if front == "pytest":
        twins = [f"ini {option.ini}", *([option.env] if option.env else [])]
        twins.append(f"replcheck run: {option.flag}")
        return f"{option.pytest_flag} ({'; '.join(twins)})"
    twins = [option.env] if option.env else []
    twins.append(f"pytest: {option.pytest_flag}")
    return f"{option.flag} ({'; '.join(twins)})"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know about its target and its budget.

    ``url`` None means: start the embedded reference server and judge it. ``profile`` and
    ``seed`` None mean: choose (see ``resolved_profile``; the runner draws and prints a seed).
    """

    url: str | None = None
    token: str | None = field(default=None, repr=False)
    non_sudo_token: str | None = field(default=None, repr=False)
    namespace: str | None = None
    ca_cert: str | None = None
    ca_path: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    tls_server_name: str | None = None
    tls_skip_verify: bool = False
    profile: Profile | None = None
    provision: bool = False
    seed: int | None = None
    strict: bool = False
    max_examples: int | None = None
    max_response_bytes: int | None = None
    client_timeout: float | None = None
    budget: float | None = None
    concurrency: int | None = None
    converge_timeout: float | None = None
    watch: float | None = None
    watch_interval: float | None = None
    keyword: str | None = None
    plan: bool = False

    @classmethod
    def resolve(
        cls,
        explicit: Mapping[str, Any],
        environ: Mapping[str, str],
        ini: Mapping[str, str] | None = None,
        *,
        front: Front = "cli",
        **extra: Any,
    ) -> Settings:
        """Build settings from explicit values (None = not given), the environment, and
        textual ini values keyed by option name (empty = not given).

        Raises ``SettingError`` naming the variable (or ini key) and the bad value.
        """
        values: dict[str, Any] = {}
        for option in OPTIONS:
            value = explicit.get(option.name)
            if value is None and option.env and environ.get(option.env) is not None:
                value = option.parse(environ[option.env], option.env)
            raw = (ini or {}).get(option.name, "")
            if value is None and raw:
                value = option.parse(raw, f"ini key {option.ini}")
            if value is not None:
                values[option.name] = value
        settings = cls(**values, **extra)
        settings.validate(front)
        return settings

    def validate(self, front: Front = "cli") -> None:
        """Reject unusable values; each message names the front end's flag, then its twins,
        never the attribute name (users never see ``max_examples``)."""
        def named(name: str) -> str:
            return _named(name, front)

        if self.profile is not None and self.profile not in PROFILES:
            raise SettingError(
                f"{named('profile')} must be one of {', '.join(PROFILES)}, "
                f"not {shown(self.profile)}"
            )
        if self.max_examples is not None and not 1 <= self.max_examples <= MAX_EXAMPLES:
            raise SettingError(
                f"{named('max_examples')} must be between 1 and {MAX_EXAMPLES}, "
                f"not {self.max_examples}"
            )
        if self.seed is not None and not 0 <= self.seed <= MAX_SEED:
            raise SettingError(
                f"{named('seed')} must be between 0 and {MAX_SEED} (2**64 - 1), not {self.seed}"
            )
        if self.max_response_bytes is not None and not (
            1024 <= self.max_response_bytes <= MAX_RESPONSE_BYTES
        ):
            raise SettingError(
                f"{named('max_response_bytes')} must be between 1KiB and "
                f"{MAX_RESPONSE_BYTES >> 20}MiB, not {self.max_response_bytes}"
            )
        for name, seconds, most in (
            ("client_timeout", self.client_timeout, MAX_CLIENT_TIMEOUT),
            ("budget", self.budget, MAX_BUDGET),
            ("converge_timeout", self.converge_timeout, MAX_BUDGET),
            ("watch", self.watch, MAX_WATCH),
            ("watch_interval", self.watch_interval, MAX_WATCH),
        ):
            if seconds is not None and not 0 < seconds <= most:
                raise SettingError(
                    f"{named(name)} must be more than 0 s and at most {most:g} s, "
                    f"not {seconds:g}"
                )
        if self.concurrency is not None and not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise SettingError(
                f"{named('concurrency')} must be between 1 and {MAX_CONCURRENCY}, "
                f"not {self.concurrency}"
            )
        if self.url is not None:
            problem = url_problem(self.url)
            if problem:
                raise SettingError(f"{named('url')} {problem}")
        # Sent in a header as written: refused now, not as an unsendable first request.
        for name, value, spaces in (
            ("token", self.token, False),
            ("non_sudo_token", self.non_sudo_token, False),
            ("namespace", self.namespace, True),
        ):
            problem = sendable_problem(value, spaces=spaces) if value else None
            if problem:
                raise SettingError(f"{named(name)} {problem}")
        if self.tls_server_name:
            problem = host_name_problem(self.tls_server_name)
            if problem:
                raise SettingError(f"{named('tls_server_name')} {problem}")
        if (self.client_cert is None) != (self.client_key is None):
            cert, key = named("client_cert"), named("client_key")
            raise SettingError(f"{cert} and {key} must be given together")

    @property
    def embedded(self) -> bool:
        return self.url is None

    @property
    def resolved_profile(self) -> Profile:
        if self.profile is not None:
            return self.profile
        return "full" if self.embedded else "safe"

    @property
    def provisioning(self) -> bool:
        """Whether the run may create helper tokens and policies on the target: asked for
        with ``--provision``, or implied by the ``full`` profile (which changes state anyway)."""
        return self.provision or self.resolved_profile == "full"

    @property
    def examples(self) -> int:
        if self.max_examples is not None:
            return self.max_examples
        return DEFAULT_MAX_EXAMPLES if self.budget is None else BUDGET_MAX_EXAMPLES

    @property
    def response_cap(self) -> int:
        if self.max_response_bytes is not None:
            return self.max_response_bytes
        return DEFAULT_MAX_RESPONSE_BYTES

    @property
    def workers(self) -> int:
        """Requests in flight at once (``--concurrency``; 1: one after another)."""
        return self.concurrency if self.concurrency is not None else 1

    @property
    def timeout_s(self) -> float:
        return self.client_timeout if self.client_timeout is not None else DEFAULT_CLIENT_TIMEOUT

    @property
    def converge_s(self) -> float:
        """How long a topology run polls converging relations (``--converge-timeout``)."""
        if self.converge_timeout is not None:
            return self.converge_timeout
        return DEFAULT_CONVERGE_TIMEOUT

    @property
    def watch_every_s(self) -> float:
        """Seconds between two reads of ``--watch``."""
        if self.watch_interval is not None:
            return self.watch_interval
        return DEFAULT_WATCH_INTERVAL

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def public(self) -> dict[str, Any]:
        """The settings as a report shows them: secrets only say whether they were given."""
        out: dict[str, Any] = {}
        for option in OPTIONS:
            value = getattr(self, option.name)
            out[option.name] = ("given" if value else None) if option.secret else value
        out["profile"] = self.resolved_profile
        out["max_examples"] = self.examples
        out["max_response_bytes"] = self.response_cap
        out["client_timeout"] = self.timeout_s
        out["keyword"] = self.keyword
        out["concurrency"] = self.workers
        return out

"""A synthetic run of a badly broken server: 35 findings over 18 requirements, some repeated
(the same 401 on 10 requests, the same 1.5 KB status body breaking its schema on 4), every
other requirement passed. Built from real requirement ids and a real documented status body, so
the renderers see what a run against such a server gives them."""

from __future__ import annotations

import json
from importlib import resources

from replcheck import spec
from replcheck.conformance.checks.edition import Edition
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome, combine
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest

BASE = "http://127.0.0.1:8200/v1"
STATUS = f"{BASE}/sys/replication/status"
REINDEX = f"{BASE}/sys/replication/reindex"
RECOVER = f"{BASE}/sys/replication/recover"
JSON_HEADERS = (("Content-Type", "application/json"),)
BROKEN_PATH = "$.data.dr.cluster_id"
#: Requirements with one distinct finding each (besides the two repeated ones).
SINGLE = [
    "STATUS-METHODS", "STATUS-MODE-SHAPE", "STATUS-KNOWN-SECONDARIES", "RECOVER-AUTH",
    "RECOVER-METHODS", "REINDEX-AUTH", "REINDEX-SUDO", "REINDEX-SUDO-PATH-VARIANTS",
    "REINDEX-BOOLEAN-FORMS", "REINDEX-INVALID-PARAMETERS", "REINDEX-UNKNOWN-PARAMETERS",
    "REINDEX-METHODS", "VAULT-ERROR-BODY", "VAULT-UNKNOWN-PATH", "VAULT-CONTENT-TYPE",
    "VAULT-CACHE-CONTROL",
]


def broken_status_body() -> str:
    """The documented 2024 status sample with a cluster id that is not a UUID (~1.5 KB)."""
    text = (
        resources.files("replcheck.spec")
        .joinpath("examples/status-dr-perf-primary-2024.json")
        .read_text(encoding="utf-8")
    )
    document = json.loads(text)
    document["data"]["dr"]["cluster_id"] = "not-a-uuid"
    return json.dumps(document, separators=(",", ":"))


def _exchange(method: str, url: str, status: int, body: str, purpose: str) -> Exchange:
    return Exchange(
        SentRequest(method, url, (("X-Vault-Token", "$VAULT_TOKEN"),)),
        ReceivedResponse(status, JSON_HEADERS, body),
        purpose=purpose,
        origin="fuzz",
    )


def _findings() -> dict[str, list[Finding]]:
    denied = json.dumps({"errors": ["permission denied"]})
    found: dict[str, list[Finding]] = {}
    for n in range(10):
        url = [STATUS, REINDEX, RECOVER][n % 3] + f"?n={n}"
        exchange = _exchange("POST", url, 401, denied, "invalid token")
        found.setdefault("VAULT-FORBIDDEN-NOT-401", []).append(
            Finding(
                "VAULT-FORBIDDEN-NOT-401", f"POST {url}: answered 401",
                "403 for a missing, invalid or insufficient token", exchange,
                source="forbidden_not_401",
            )
        )
    body = broken_status_body()
    for n in range(4):
        exchange = _exchange("GET", STATUS, 200, body, f"status read {n}")
        found.setdefault("STATUS-SCHEMA", []).append(
            Finding(
                "STATUS-SCHEMA", f"{BROKEN_PATH}: \"not-a-uuid\" is not a valid uuid",
                "a body valid against status.json", exchange, source="status_schema",
                json_paths=(BROKEN_PATH,),
            )
        )
    for n, requirement in enumerate(SINGLE):
        exchange = _exchange("PUT", REINDEX, 500, "\x00oops\x1b[0m\ufffd", f"case {n}")
        found[requirement] = [
            Finding(requirement, f"case {n}: answered 500", "a 4xx answer", exchange,
                    source=f"check_{n}")
        ]
    # Five more that differ from each other on one requirement: distinct, never merged.
    for n in range(5):
        exchange = _exchange("POST", REINDEX, 200, "{}", f"flag form {n}")
        found["REINDEX-BOOLEAN-FORMS"].append(
            Finding("REINDEX-BOOLEAN-FORMS", f"flag form {n}: accepted", "400", exchange,
                    source="boolean_forms")
        )
    return found


def _single_cluster() -> list[spec.Requirement]:
    """The requirements a single-cluster run judges (not ``scope: topology``, which a run
    reports as the topology gate's: tested in tests/conformance/test_topology_pending.py)."""
    return [requirement for requirement in spec.requirements() if not requirement.topology]


def broken_run() -> RunResult:
    """The run: 35 findings, 23 of them distinct, over 18 failed requirements."""
    findings = _findings()
    results = {}
    checks = []
    for requirement in _single_cluster():
        mine = findings.get(requirement.id, [])
        check = CheckResult(
            requirement.id,
            "check",
            Outcome.FAILED if mine else Outcome.PASSED,
            findings=mine,
            exchanges=len(mine) or 1,
            judged=len(mine) or 1,
        )
        checks.append(check)
        results[requirement.id] = combine(requirement.id, [check])
    return RunResult(
        target=f"{BASE} (a broken server)",
        target_url=BASE.removesuffix("/v1"),
        settings={},
        seed=7,
        profile="safe",
        plan=False,
        edition=Edition.ENTERPRISE,
        results=results,
        checks=checks,
        exchanges=[f.exchange for fs in findings.values() for f in fs if f.exchange],
        started_at="2026-11-30T18:00:00Z",
        duration_s=3.2,
    )


#: The edition sentence of a target without the replication API (as the probe words it).
NO_API = (
    "GET /v1/sys/replication/status answered 404 (unsupported path): the target has no "
    "replication API (e.g. OpenBao, or a Vault build without Enterprise replication)"
)
#: Requirements that hold of any Vault answer: judged even without the replication API.
GENERIC = [
    "VAULT-ERROR-BODY", "VAULT-FORBIDDEN-NOT-401", "VAULT-NO-SERVER-ERROR", "VAULT-NO-TOKEN-ECHO",
    "VAULT-CONTENT-TYPE", "VAULT-CACHE-CONTROL",
]
#: The note two AUTH checks add on a server that refuses a 64 KiB token in its HTTP layer.
LONG_TOKEN_NOTE = "a 64 KiB token was refused by the HTTP layer (400) before Vault read it"
#: Why the checks that need a token are not run when none was given.
NO_TOKEN = "no --token (or VAULT_TOKEN) was given"


def _run(results: dict[str, list[CheckResult]], **changes: object) -> RunResult:
    checks = [check for mine in results.values() for check in mine]
    fields: dict[str, object] = {
        "target": BASE, "target_url": BASE.removesuffix("/v1"), "settings": {}, "seed": 7,
        "profile": "safe", "plan": False, "edition": Edition.ENTERPRISE,
        "results": {rid: combine(rid, mine) for rid, mine in results.items()},
        "checks": checks, "exchanges": [], "started_at": "2026-11-30T18:00:00Z",
        "duration_s": 1.0,
    }
    fields.update(changes)
    return RunResult(**fields)  # type: ignore[arg-type]


def unsupported_run() -> RunResult:
    """OpenBao's run: one status read answered 404, every replication requirement unsupported,
    the generic ones passed on that one answer."""
    results: dict[str, list[CheckResult]] = {}
    for requirement in _single_cluster():
        if requirement.id in GENERIC:
            check = CheckResult(requirement.id, "judge", Outcome.PASSED, exchanges=1, judged=1)
        else:
            check = CheckResult(requirement.id, "check", Outcome.UNSUPPORTED, NO_API)
        results[requirement.id] = [check]
    status = Exchange(SentRequest("GET", STATUS, ()), ReceivedResponse(404, JSON_HEADERS, "{}"))
    return _run(results, edition=Edition.ABSENT, edition_observed=NO_API, notes=[NO_API],
                exchanges=[status])


def gaps_run(strict: bool = True) -> RunResult:
    """A run without a token: STATUS-IGNORES-TOKEN passed on its token-less check with the
    other not run (partial), three requirements not run for the same reason, two AUTH
    requirements passed with the same note, the rest passed."""
    results: dict[str, list[CheckResult]] = {}
    for requirement in _single_cluster():
        rid = requirement.id
        passed = CheckResult(rid, "check", Outcome.PASSED, exchanges=1, judged=1)
        if rid == "STATUS-IGNORES-TOKEN":
            results[rid] = [
                CheckResult(rid, "ignores_invalid_token", Outcome.PASSED, judged=1),
                CheckResult(rid, "accepts_valid_token", Outcome.NOT_RUN, NO_TOKEN),
            ]
        elif rid in ("RECOVER-METHODS", "REINDEX-METHODS", "VAULT-BEARER-TOKEN"):
            results[rid] = [CheckResult(rid, "check", Outcome.NOT_RUN, NO_TOKEN)]
        elif rid in ("RECOVER-AUTH", "REINDEX-AUTH"):
            passed.notes.append(LONG_TOKEN_NOTE)
            results[rid] = [passed]
        else:
            results[rid] = [passed]
    return _run(results, strict=strict)

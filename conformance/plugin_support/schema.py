"""A schemathesis schema of the contract, bound to the session's target, judged like Vault.

``bind_schema`` loads the bundled contract without the operations that change replication
state (``contract.generation_document()``) with the target's address, TLS
setting and namespace, and enables one check only: ``replcheck_vault_judges``, which applies
every per-response judge of the engine (documented status and body schema, errors body,
content type, 403 not 401, no 5xx, no token echo). schemathesis's own checks stay off for this
schema, because they flag legitimate Vault behaviour (204 with no body, no ``Allow`` on 405,
lenient booleans).

Tokens: in the ``full`` profile generated requests carry the sudo token, so successful
recover/reindex calls happen; in ``safe`` they carry none, and cannot change the target.

schemathesis registers checks globally; ``replcheck_vault_judges`` is registered the first
time a schema is bound, and does nothing for any schema not bound here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import schemathesis
from schemathesis.config import SchemathesisConfig

from replcheck.conformance.checks.judges import registered as registered_judges
from replcheck.conformance.judging import contract
from replcheck.conformance.plugin_support.target import VaultTarget
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest
from replcheck.conformance.transport.masking import SUDO_LABEL, Masker
from replcheck.conformance.transport.tls import folder_certificates

VAULT_CHECK = "replcheck_vault_judges"
#: Extension member marking a document bound here (survives schemathesis's clones).
BOUND_MARK = "x-replcheck-bound"


def bind_schema(target: VaultTarget, ca_file: str | None = None) -> Any:
    document = contract.generation_document()
    document[BOUND_MARK] = True
    schema = schemathesis.openapi.from_dict(document, config=SchemathesisConfig())
    token = target.token if target.profile == "full" else ""
    schema.config.update(
        base_url=target.api_url, headers=target.headers(token), **target.schemathesis_tls(ca_file)
    )
    _register()
    schema.config.checks.update(included_check_names=[VAULT_CHECK])
    return schema


@contextmanager
def ca_path_bundle(target: VaultTarget) -> Iterator[str | None]:
    """The certificates of the target's CA folder in one temporary PEM file, for schemathesis's
    client (None when the folder is not used); the file is removed on exit."""
    if target.tls_skip_verify or target.ca_cert or not target.ca_path:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="replcheck-tls-") as folder:
        bundle = Path(folder) / "ca-path.pem"
        bundle.write_text(folder_certificates(target.ca_path), encoding="ascii")
        yield str(bundle)


def lazy_schema_compat(node: Any) -> None:
    """schemathesis 4.x's ``from_fixture`` tests read ``node._nodeid``, which pytest 9.2 no
    longer has (it keeps the id elsewhere); give the node that attribute, which schemathesis
    then sets and restores around each operation, so ``@schema.parametrize()`` tests run."""
    if not hasattr(node, "_nodeid"):
        node._nodeid = node.nodeid


def _register() -> None:
    from schemathesis.checks import CHECKS

    if VAULT_CHECK not in CHECKS.get_all_names():
        schemathesis.check(replcheck_vault_judges)


def replcheck_vault_judges(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every engine judge on one answer; AssertionError lists what deviated (tokens masked)."""
    if not case.operation.schema.raw_schema.get(BOUND_MARK):
        return None
    exchange, tokens = _exchange(response, case)
    masker = Masker()
    for token in tokens:
        masker.add(token, SUDO_LABEL)
    problems = [
        f"{judge.requirement} ({judge.name}): {masker.mask(message)}; expected {expected}"
        for judge in registered_judges()
        for message, expected, *_ in judge.func(exchange, tokens)
    ]
    if problems:
        raise AssertionError("\n".join(problems))
    return True


def _exchange(response: Any, case: Any) -> tuple[Exchange, tuple[str, ...]]:
    request = response.request
    headers = tuple((str(k), str(v)) for k, v in request.headers.items())
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    sent = SentRequest(method=request.method, url=str(request.url), headers=headers, body=body)
    received = ReceivedResponse(
        status=response.status_code,
        headers=tuple((str(k), str(v)) for k, values in response.headers.items() for v in values),
        body=(response.content or b"").decode("utf-8", "replace"),
    )
    # As the engine's fuzzer does: the operation the request addresses as sent (a negative
    # case may have changed its method), or None when it is no documented operation.
    documented = contract.operation_for(request.method, urlsplit(str(request.url)).path)
    operation = documented.key if documented else None
    tokens = tuple(
        value.removeprefix("Bearer ").strip()
        for name, value in headers
        if name.lower() in ("x-vault-token", "authorization")
    )
    return Exchange(sent, received, purpose="schemathesis case", operation=operation), tokens

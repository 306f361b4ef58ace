"""Schemathesis over the contract against the app: no 5xx, no schema violation.

The examples the spec refers to by ``externalValue`` are inlined first, so the run never tries
to fetch a file over HTTP. The budget is small so the run takes seconds.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import unsupported_method

from replcheck import spec
from replcheck.conformance.judging import contract
from replcheck.reference_server.app import create_app
from replcheck.reference_server.config import ServerConfig

from .conftest import CheckingClient


def _inline_examples(node: Any) -> Any:
    if isinstance(node, dict):
        if "externalValue" in node:
            name = node["externalValue"].rsplit("/", 1)[-1].removesuffix(".json")
            rest = {k: v for k, v in node.items() if k != "externalValue"}
            return {**rest, "value": spec.example(name)}
        return {key: _inline_examples(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline_examples(item) for item in node]
    return node


# Reindex jobs finish at once here: a second reindex during a running one is answered 400
# (tested in test_replication_state), which a fuzzer would read as valid data rejected.
APP = create_app(ServerConfig(reindex_stage_seconds=0))
ROOT = APP.state.vault.root_token
RAW_CLIENT = CheckingClient(APP, base_url="http://127.0.0.1:8200")

schema = schemathesis.openapi.from_dict(_inline_examples(contract.generation_document()))
schema.app = APP
schema.config.generation.update(
    modes=["positive", "negative"], max_examples=25, deterministic=True, database="none"
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
# The operations that set a replication set up or fail it over change the cluster's state
# for every later case (a second enable is refused as it should be), and those of a DR
# secondary or of the filters answer 400 in a cluster of another role: the topology's tests
# (tests/topology) and the server's per-cluster tests drive them in the state they need.
schema = schema.exclude(
    func=lambda ctx: bool(ctx.operation.definition.raw.get("x-replcheck-changes-replication"))
).exclude(path_regex=r"^/sys/replication/(dr/secondary/|performance/.*-filter/)")


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_no_5xx_and_no_schema_violation(case):
    # Vault answers an undeclared method 405 without an ``Allow`` header (the contract says
    # so); schemathesis's check for that header would flag the real Vault behaviour.
    response = case.call(headers={"X-Vault-Token": ROOT})
    assert response.status_code < 500
    if not all(unquote(str(v)).isprintable() for v in (case.path_parameters or {}).values()):
        # A negative case's path parameter holding a non-printable character: Go's server
        # answers a bare 400 before Vault reads the request (tested in test_conventions).
        assert response.status_code == 400 and not response.content
        return
    case.validate_response(response, excluded_checks=[unsupported_method])


_SEGMENTS = st.sampled_from(["v1", "sys", "replication", "reindex", "recover", "status",
                             "policies", "acl", "auth", "token", "create", "", ".", "..",
                             "%2F", "%00", "Replication", "x y", "\u00e9"])


@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "LIST", "HEAD", "PATCH", "FOO"]),
    segments=st.lists(_SEGMENTS, min_size=0, max_size=6),
    query=st.sampled_from(["", "?list=true", "?list=x", "?a=1&a=2", "?%ff=%fe"]),
    body=st.one_of(st.binary(max_size=64),
                   st.dictionaries(st.text(max_size=8), st.none() | st.booleans()
                                   | st.integers() | st.text(max_size=8), max_size=4)
                   .map(lambda d: json.dumps(d).encode())),
    auth=st.sampled_from(["none", "root", "bogus", "bearer"]),
)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck),
          database=None, derandomize=True)
def test_any_request_gets_a_vault_style_answer(method, segments, query, body, auth):
    headers = {"none": {}, "root": {"X-Vault-Token": ROOT},
               "bogus": {"X-Vault-Token": "bogus"},
               "bearer": {"Authorization": f"Bearer {ROOT}"}}[auth]
    # A raw path, so that "//x" stays a path instead of being read as a host name.
    raw_path = quote("/" + "/".join(segments), safe="/%") + query
    url = httpx.URL("http://127.0.0.1:8200").copy_with(raw_path=raw_path.encode())
    response = RAW_CLIENT.request(method, url, headers=headers, content=body)  # checks it
    assert response.status_code < 500

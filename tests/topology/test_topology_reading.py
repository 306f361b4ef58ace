"""One cluster's read against a real Vault-lineage server (OpenBao's ``bao server -dev``): the
health query a topology run sends is one Vault's HTTP layer accepts (200 with the body), and a
server without the replication API is a read that fails in one sentence naming the cluster,
never a crash of the run."""

from __future__ import annotations

from openbao_support import OpenBaoServer

from replcheck.conformance.engine.run_result import Verdict
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.topology.reading import HEALTH_QUERY, read_cluster
from replcheck.conformance.topology.run import run_topology
from replcheck.conformance.topology.targets import ClusterTarget, Targets
from replcheck.conformance.transport.client import RecordingClient
from replcheck.conformance.transport.masking import Masker


def test_bao_answers_the_health_query_and_has_no_replication_status(
        openbao: OpenBaoServer) -> None:
    target = ClusterTarget("bao", Settings(url=openbao.url, token="root"))
    with RecordingClient(target.settings, openbao.url, Masker(), plan=False) as client:
        health = client.send("GET", "/v1/sys/health", params=HEALTH_QUERY)
        read = read_cluster(client, target)
    assert health.status == 200 and health.response is not None
    assert '"version"' in health.response.body
    assert read.status is None and read.error is not None
    assert read.error.startswith("cluster bao: GET sys/replication/status answered 404")


def test_a_set_with_a_cluster_without_the_api_exits_2_naming_it(openbao: OpenBaoServer) -> None:
    targets = Targets((ClusterTarget("bao", Settings(url=openbao.url)),), "test")
    result = run_topology(targets, Settings(converge_timeout=1))
    assert result.exit_code == 2 and list(result.unreachable) == ["bao"]
    assert result.verdict is Verdict.NOTHING_JUDGED

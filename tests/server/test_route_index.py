"""The server half of the requirement index: which route and handler serve an endpoint."""

from __future__ import annotations

from replcheck.reference_server.route_index import DISPATCHER, exercised


def test_an_endpoint_names_its_route_handler_and_flags() -> None:
    [line] = exercised("GET /sys/replication/status")
    assert "`sys/replication/status` read" in line
    assert "handlers.replication.read_status" in line and "(unauthenticated)" in line
    [line] = exercised("POST /sys/replication/reindex")
    assert "handlers.replication.reindex" in line and "sudo" in line


def test_every_method_adds_the_dispatcher_and_several_endpoints_are_joined() -> None:
    lines = exercised("* /sys/replication/recover")
    assert lines[-1] == DISPATCHER and "handlers.replication.recover" in lines[0]
    both = exercised("POST /sys/replication/recover, POST /sys/replication/reindex")
    assert len(both) == 2 and DISPATCHER not in both


def test_conventions_and_unserved_paths_are_the_dispatchers() -> None:
    assert exercised("*") == [DISPATCHER]
    assert exercised("POST /sys/replication/*/") == [DISPATCHER]
    assert exercised("GET /sys/replication/nowhere") == [DISPATCHER]

"""The topology gate as pytest tests:
``pytest --pyargs replcheck.conformance.topology_suite --replcheck-topology FILE`` (or
``--replcheck-topology-embedded NAME``).

Same relations, ids and verdicts as ``replcheck run --topology``: one test per ``TOPOLOGY-*``
requirement per link (or per set), from the session's one run of the set.
"""

"""Fleet runs: many single runs (clusters and replication sets) side by side, and one report.

A layer beside ``topology/``: above ``engine/`` and ``topology/``, below ``report/`` and the
front ends. ``inventory`` reads the targets, ``running`` judges one target, ``pool`` runs them
N at a time in worker processes, ``result`` holds what the reports read.
"""

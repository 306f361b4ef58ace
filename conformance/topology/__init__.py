"""The topology gate: many single-cluster reads of a replication set, paired and judged.

A layer above ``engine/`` and below ``report/``: ``snapshot`` (one cluster read once, from a
live read or a captured file), ``pairing`` (which clusters form which links), ``relations``
(the registry of rules across clusters, one module per area), ``judging`` (rounds of reads to
the engine's ``CheckResult``s).
"""

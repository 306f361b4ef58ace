"""Several clusters in one process: the network between them, the links, the replicated data,
and the runtime that serves them (``replcheck serve --topology``).

Each cluster is today's single-cluster app (``create_app``/``VaultCore``); this package adds
what lies between clusters. It imports ``replcheck.reference_server`` and ``replcheck.spec`` only.
"""

"""Several clusters in one process: ``replcheck serve --topology NAME|FILE``.

``definition.py`` describes a topology (its clusters, links and faults, the named ones in
``named/``, the file format checked against ``spec/topology/topology-file.json``, ports); the
other modules run it, each cluster being today's single-cluster app.
"""

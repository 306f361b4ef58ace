"""replcheck: contract tests and a conformance gate for Vault's /sys/replication API.

Everything installs under this one namespace so that replcheck never shadows a user's own
top-level packages: ``replcheck.spec`` (the published contract: OpenAPI document and JSON
Schemas, as package data), ``replcheck.reference_server`` (a server that answers like Vault) and
``replcheck.conformance`` (the judge: ``replcheck run`` and the pytest plugin). In the source
tree these live in the top-level folders ``spec/``, ``reference_server/`` and ``conformance/``;
``replcheck/spec``, ``replcheck/reference_server`` and ``replcheck/conformance`` are links to
them, committed to git, so the checkout reads as installed (for the build, type checkers and
editors alike).
"""

__version__ = "0.1.0"

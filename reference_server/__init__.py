"""A small, fast, faithful stand-in for Vault Enterprise's ``/sys/replication`` API.

Modules, by what they hold:

* ``app`` — the ASGI app and Vault's order of request checks (``create_app``)
* ``conventions/`` — Vault's HTTP conventions: envelope, errors, paths, tokens, bodies;
  ``field_decoding`` — handler fields decoded leniently
* ``routing`` — route/request/reply types; ``handlers/`` — the endpoints, one module per area
* ``acl`` — tokens, policies and capability evaluation; ``hcl`` — the policy parser
* ``replication`` — the live replication state; ``states`` — the table
  of starting states; ``scenarios`` — the live model built from one
* ``core`` — all state of one server; ``config`` — settings and config files
* per-cluster facts on the core: ``addresses`` (API and cluster addresses), ``key_shares``
  (unseal key shares), ``dr_operation_tokens``, ``dr_secondary`` (what a DR secondary still
  serves), ``path_filters``
* ``embedded`` — run the server in a background thread; ``cli`` — ``replcheck serve``

This package never imports ``replcheck.conformance``; it reads the contract only through
``replcheck.spec`` (to serve the OpenAPI document).
"""

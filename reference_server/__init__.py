"""A small, fast, faithful stand-in for Vault Enterprise's ``/sys/replication`` API.

Modules, by what they hold:

* ``app`` — the ASGI app and Vault's order of request checks (``create_app``)
* ``vault_http`` — envelope, errors, tokens from headers, path cleaning, bodies, lenient fields
* ``routing`` — route/request/reply types; ``handlers/`` — the endpoints, one module per area
* ``acl`` — tokens, policies and capability evaluation; ``hcl`` — the policy parser
* ``replication`` — the live replication state; ``states`` — the table
  of starting states; ``scenarios`` — the live model built from one
* ``core`` — all state of one server; ``config`` — settings and config files
* ``embedded`` — run the server in a background thread; ``cli`` — ``replcheck serve``

This package never imports ``conformance``; it reads the contract only through
``replcheck_spec`` (to serve the OpenAPI document).
"""

"""The conformance suite as pytest tests:
``pytest --pyargs replcheck.conformance.suite --vault-addr URL``.

Same checks, ids and verdicts as ``replcheck run``: the tests are the engine's registered
checks and judges (see ``replcheck.conformance.plugin_support.suite``).
"""

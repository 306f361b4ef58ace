"""Vault's HTTP conventions, independent of routes and state, so the dispatcher in ``app``
stays a short list of Vault's checks in Vault's order: the success envelope (``envelope``), error
answers and Go's own (``errors``), request targets and path cleaning (``paths``), where the token
comes from (``tokens``), and bodies read and parsed (``bodies``)."""

"""Tokens before the checks: each given token looked up (``preflight``), and the helper tokens
the checks need created and always removed (``provision``)."""

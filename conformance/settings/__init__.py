"""Run settings: every setting declared once (``target``), values written as text parsed as
Vault's CLI reads them (``values``), and ``-k`` (``selection``). Imports nothing of the engine."""

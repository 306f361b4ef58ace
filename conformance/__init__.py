"""replcheck's conformance engine: judges any target against the /sys/replication contract."""

__version__ = "0.1.0"

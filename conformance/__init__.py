"""replcheck's conformance engine: judges any target against the /sys/replication contract."""

from replcheck import __version__

__all__ = ["__version__"]

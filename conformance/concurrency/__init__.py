"""Threads and signals of a run: the worker pool behind ``--concurrency``, the order exchanges
are recorded in whatever the threads' timing, and the stop request a signal sets."""

"""Spec-driven fuzzing: cases drawn with schemathesis from the bundled spec, sent with the run's
credentials and judged by every per-response judge."""

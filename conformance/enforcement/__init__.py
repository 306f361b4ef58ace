"""The enforcer model (checks, judges and watchers behind one protocol, one registry, one run
order) and the requirement catalogue joined with what enforces each requirement."""

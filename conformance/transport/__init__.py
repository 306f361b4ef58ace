"""How requests reach the target: the recording HTTP client, its bounds, TLS, the exchanges
it records and the masking of every secret they show."""

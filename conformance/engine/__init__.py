"""One run: the session opened (tokens looked up, status read, tokens provisioned), the checks
scheduled under the judges' panel, and what the run concludes (``run_result``)."""

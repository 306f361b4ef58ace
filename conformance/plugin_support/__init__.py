"""What the pytest plugin (``replcheck.conformance.plugin``) does, kept out of the plugin module.

- ``options``: the plugin's flags and ini keys, made from
  ``replcheck.conformance.settings.target.OPTIONS``;
- ``target``: ``VaultTarget``, what users' fixtures hand out (address, tokens, TLS);
- ``state``: one pytest process's view of the run (target, seed, embedded server, results
  folder), handed from the xdist controller to its workers;
- ``suite``: the bundled suite's tests, each running one engine check (or judge);
- ``results``: the folder where every process leaves its check results, and the ``RunResult``
  the engine's reports are rendered from;
- ``schema``: a schemathesis schema bound to the target, judged by the engine's judges.
"""

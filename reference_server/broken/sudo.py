"""The zoo's sudo category. Sudo on reindex, on every spelling of its path."""

from __future__ import annotations

from .asgi import REINDEX
from .model import BrokenServer, bypass_sudo, deviate, reindex_as_update

ENTRIES: tuple[BrokenServer, ...] = (
    BrokenServer(
        "reindex-without-sudo", "reindex succeeds for a token with update but without sudo",
        ("REINDEX-SUDO", "REINDEX-SUDO-PATH-VARIANTS"),
        deviate(bypass_sudo(lambda r: r.clean == REINDEX)),
        lambda p: reindex_as_update(p, "/sys/replication/reindex"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-trailing-slash", "reindex/ (trailing slash) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: r.path == REINDEX + "/")),
        lambda p: reindex_as_update(p, "/sys/replication/reindex/"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-case", "REINDEX (any case change) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: r.path != REINDEX and r.path.lower() == REINDEX)),
        lambda p: reindex_as_update(p, "/sys/replication/REINDEX"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-double-slash", "sys//replication//reindex reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: "//" in r.path and r.clean == REINDEX)),
        lambda p: reindex_as_update(p, "/sys//replication//reindex"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-percent-encoding",
        "a percent-encoded spelling (re%69ndex, %2F, %2e) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: b"%" in r.raw_path and r.clean.rstrip("/") == REINDEX)),
        lambda p: reindex_as_update(p, "/sys/replication/re%69ndex"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-dot-segment",
        "a literal dot segment (replication/./reindex, x/../reindex) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: r.clean == REINDEX
                            and any(s in (".", "..") for s in r.path.split("/")))),
        lambda p: reindex_as_update(p, "/sys/replication/./reindex"),
        category="sudo",
    ),
    BrokenServer(
        "sudo-bypass-trailing-space",
        "reindex%20 (trailing white space, stripped by the router) reaches reindex without sudo",
        ("REINDEX-SUDO-PATH-VARIANTS",),
        deviate(bypass_sudo(lambda r: r.clean != REINDEX and r.clean.strip() == REINDEX)),
        lambda p: reindex_as_update(p, "/sys/replication/reindex%20"),
        category="sudo",
    ),
)

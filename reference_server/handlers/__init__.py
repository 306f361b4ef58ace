"""Endpoint handlers, one module per area; each exports ``ROUTES``."""

from __future__ import annotations

from ..routing import Route
from . import policies, replication, system, tokens

__all__ = ["all_routes"]


def all_routes() -> list[Route]:
    return [*replication.ROUTES, *policies.ROUTES, *tokens.ROUTES, *system.ROUTES]

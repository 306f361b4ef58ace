"""The fleet's JSON report (spec/fleet/fleet-report.json): ``fleet_result_to_json`` as text."""

from __future__ import annotations

import json

from replcheck.conformance.fleet.result import FleetResult, fleet_result_to_json


def render_fleet_json(result: FleetResult) -> str:
    return json.dumps(fleet_result_to_json(result), indent=2, ensure_ascii=False) + "\n"

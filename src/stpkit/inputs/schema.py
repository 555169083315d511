"""The versioned JSON Schema of plan files, generated from the domain types."""

from __future__ import annotations

from typing import Any

from stpkit.domain import PLAN_SCHEMA_VERSION, Plan

SCHEMA_ID = f"https://stpkit.example/schema/plan-v{PLAN_SCHEMA_VERSION}.json"


def plan_schema() -> dict[str, Any]:
    schema = Plan.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"stpkit plan file, version {PLAN_SCHEMA_VERSION}",
        **{k: v for k, v in schema.items() if k != "title"},
    }

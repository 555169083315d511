"""Write a Plan as a readable YAML plan file: one line per spend, income or phasing entry,
whole £000 without decimals, in the same field order as the schema."""

from __future__ import annotations

import io
import json
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from stpkit.domain import Plan

#: Mappings and lists under these keys are written on one line each.
_FLOW_KEYS = {
    "activity",
    "expenditure_gbp000",
    "phasing_pct",
    "revenue_investment_gbp000",
    "capital_gbp000",
    "sustainability_fund_gbp000",
    "allocations_gbp000",
    "acts_on",
    "footprint",
}
_FLOW_ITEMS = {"spend_gbp000", "income_gbp000"}


def _tidy(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _style(node: Any, key: str | None = None) -> Any:
    if isinstance(node, dict):
        out = CommentedMap((k, _style(v, k)) for k, v in node.items())
        if key in _FLOW_KEYS:
            out.fa.set_flow_style()
        return out
    if isinstance(node, list):
        items = [_style(v) for v in node]
        if key in _FLOW_ITEMS:
            for item in items:
                if isinstance(item, CommentedMap):
                    item.fa.set_flow_style()
        seq = CommentedSeq(items)
        if key == "providers":
            seq.fa.set_flow_style()
        return seq
    return _tidy(node)


def plan_to_yaml(plan: Plan, header: str = "") -> str:
    data = json.loads(plan.model_dump_json(exclude_defaults=True))
    data = {"schema_version": plan.schema_version, **data}
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    if header:
        buffer.write("".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()))
    yaml.dump(_style(data), buffer)
    return buffer.getvalue()

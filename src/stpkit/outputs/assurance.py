"""An assessment as the documented JSON structure (``stpkit-assurance`` version 1): the findings
with their numbers, the rules checked, the three gaps and the rating. Money is £000, surplus
positive; a value that cannot be worked out is null."""

from __future__ import annotations

import math
from typing import Any

from stpkit import __version__
from stpkit.assurance import Assessment, IndicatorResult
from stpkit.domain import Severity
from stpkit.reference.footprints import load_footprints
from stpkit.reference.illustrative import ILLUSTRATIVE_NOTE

ASSURANCE_FORMAT = "stpkit-assurance"
ASSURANCE_FORMAT_VERSION = 1


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def indicator_document(indicator: IndicatorResult, years: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": indicator.id,
        "name": indicator.name,
        "unit": indicator.unit,
        "better": indicator.better.value,
        "baseline": _number(indicator.baseline),
        "target": _number(indicator.target),
        "trajectory": {year: _number(v) for year, v in zip(years, indicator.trajectory, strict=True)},
        "gap_at_baseline": _number(indicator.gap_at_baseline),
        "gap_at_horizon": _number(indicator.gap_at_horizon),
        "share_closed_pct": _number(indicator.share_closed_pct),
        "source": indicator.source,
        "trajectory_source": indicator.trajectory_source,
    }


def assurance_document(assessment: Assessment) -> dict[str, Any]:
    plan, gaps, rating = assessment.plan, assessment.gaps, assessment.rating
    years = gaps.years
    finance = gaps.finance
    percentiles = finance.final_percentiles_gbp000
    return {
        "format": ASSURANCE_FORMAT,
        "format_version": ASSURANCE_FORMAT_VERSION,
        "stpkit_version": __version__,
        "plan": {
            "title": plan.title,
            "footprint": {
                "code": plan.footprint.code,
                "name": plan.footprint.name or load_footprints()[plan.footprint.code].name,
            },
            "base_year": plan.base_year,
            "horizon": plan.horizon,
            "illustrative": plan.illustrative,
            "illustrative_note": ILLUSTRATIVE_NOTE if plan.illustrative else None,
        },
        "risk_runs": None
        if assessment.risk is None
        else {"runs": assessment.risk.runs, "seed": assessment.risk.seed},
        "summary": {
            "errors": assessment.count(Severity.ERROR),
            "warnings": assessment.count(Severity.WARNING),
            "info": assessment.count(Severity.INFO),
            "rules_checked": list(assessment.checked),
            "rules_not_checked": list(assessment.not_checked),
        },
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "title": f.title,
                "subject": f.subject,
                "year": f.year,
                "message": f.message,
                "numbers": f.numbers,
            }
            for f in assessment.findings
        ],
        "gaps": {
            "years": list(years),
            "finance": {
                "do_nothing_gbp000": list(finance.do_nothing_gbp000),
                "with_plan_gbp000": list(finance.with_plan_gbp000),
                "gap_gbp000": finance.gap_gbp000,
                "left_central_gbp000": finance.left_central_gbp000,
                "left_p50_gbp000": _number(finance.left_p50_gbp000),
                "final_p10_p50_p90_gbp000": None if percentiles is None else list(percentiles),
                "probability_of_balance": _number(finance.probability_of_balance),
            },
            "care_quality": [indicator_document(i, years) for i in gaps.care_quality],
            "health_wellbeing": [indicator_document(i, years) for i in gaps.health_wellbeing],
        },
        "rating": {
            "category": rating.category.value,
            "score": rating.score,
            "components": [
                {
                    "component": c.component.value,
                    "score": _number(c.score),
                    "weight_pct": c.weight_pct,
                    "basis": c.basis,
                }
                for c in rating.components
            ],
            "thresholds": {c.value: v for c, v in rating.thresholds.items()},
        },
    }

"""All 44 footprints at once: each footprint's position and the national total.

Bodies that span footprints (ambulance trusts) appear in several plans, each with the
footprint's share, so adding footprints counts each body once as long as the shares of a body
add up to no more than 100%; a warning names any body whose shares do not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stpkit import __version__
from stpkit.domain import Plan
from stpkit.engine.model import PlanResult, run_plan
from stpkit.reference.footprints import load_footprints
from stpkit.reference.illustrative import illustrative_plan
from stpkit.reference.parameters import ParameterSet

SHARE_TOLERANCE_PCT = 0.01


@dataclass(frozen=True)
class NationalResult:
    base_year: str
    horizon: str
    table: pd.DataFrame  # one row per footprint
    totals: dict[str, Any]
    results: dict[str, PlanResult] = field(repr=False)
    warnings: tuple[str, ...] = ()

    @property
    def any_illustrative(self) -> bool:
        return bool(self.table["illustrative"].any())


def run_national(params: ParameterSet, plans: list[Plan] = ()) -> NationalResult:
    """Run every footprint: the given plans where there is one, the illustrative plan
    elsewhere. All plans must share a base year and horizon to be added up."""
    given = {p.footprint.code: p for p in plans}
    footprints = load_footprints()
    results = {code: run_plan(given.get(code) or illustrative_plan(code, params), params) for code in footprints}
    spans = {(r.years[0], r.years[-1]) for r in results.values()}
    if len(spans) > 1:
        raise ValueError(f"plans cover different years {sorted(spans)}; a national roll-up needs one span")
    ((base_year, horizon),) = spans
    rows = []
    for code, result in results.items():
        population = footprints[code].population
        rows.append(
            {
                "code": code,
                "name": footprints[code].name,
                "population": population,
                "illustrative": result.plan.illustrative,
                "source": "plan file" if code in given else "bundled illustrative plan",
                "base_gbp000": float(result.do_nothing[0, 0]),
                "do_nothing_gbp000": float(result.do_nothing[0, -1]),
                "with_plan_gbp000": float(result.with_plan[0, -1]),
                "with_plan_per_head_gbp": 1000 * float(result.with_plan[0, -1]) / population,
            }
        )
    table = pd.DataFrame(rows)
    population = int(table["population"].sum())
    totals = {
        "population": population,
        "base_gbp000": float(table["base_gbp000"].sum()),
        "do_nothing_gbp000": float(table["do_nothing_gbp000"].sum()),
        "with_plan_gbp000": float(table["with_plan_gbp000"].sum()),
    }
    totals["with_plan_per_head_gbp"] = 1000 * totals["with_plan_gbp000"] / population
    return NationalResult(base_year, horizon, table, totals, results, _share_warnings(results))


def _share_warnings(results: dict[str, PlanResult]) -> tuple[str, ...]:
    shares: dict[str, float] = {}
    for result in results.values():
        for code, share in zip(result.ledger.org_codes, result.ledger.org_share, strict=True):
            shares[code] = shares.get(code, 0.0) + 100 * share
    return tuple(
        f"{code} is counted {total:.1f}% across footprints: its shares should add up to 100% at most"
        for code, total in sorted(shares.items())
        if total > 100 + SHARE_TOLERANCE_PCT
    )


def national_document(result: NationalResult) -> dict[str, Any]:
    return {
        "format": "stpkit-national",
        "format_version": 1,
        "stpkit_version": __version__,
        "base_year": result.base_year,
        "horizon": result.horizon,
        "units": {"money": "GBP thousands (£000)", "sign": "surplus positive, deficit negative"},
        "footprints": result.table.to_dict(orient="records"),
        "england": result.totals,
        "warnings": list(result.warnings),
    }

"""Capital: what the plan's schemes need, by source and year, against what is available."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stpkit.domain import CapitalSource, Plan, fy_range

SOURCES = tuple(CapitalSource)


@dataclass(frozen=True)
class Capital:
    """Arrays ``(years, sources)`` in £000."""

    need: np.ndarray  # what the schemes need, by the source they name
    available: np.ndarray  # what the plan says is available, with disposal receipts as 'disposal'

    @property
    def shortfall(self) -> np.ndarray:
        """Need not covered by what is available from the same source, cumulatively: capital
        not spent in one year is carried to the next. Need with no source is all shortfall."""
        return np.maximum(np.cumsum(self.need - self.available, axis=0), 0.0)


def plan_capital(plan: Plan, disposal_receipts: np.ndarray) -> Capital:
    """``disposal_receipts`` is ``(years,)`` from the sites the plan sells."""
    years = fy_range(plan.base_year, plan.horizon)
    need = np.zeros((len(years), len(SOURCES)))
    available = np.zeros_like(need)
    for scheme in plan.schemes:
        for t, year in enumerate(years):
            need[t, SOURCES.index(scheme.capital_source)] += scheme.capital_gbp000.get(year, 0.0)
    for source, by_year in plan.capital_available_gbp000.items():
        for t, year in enumerate(years):
            available[t, SOURCES.index(source)] += by_year.get(year, 0.0)
    available[:, SOURCES.index(CapitalSource.DISPOSAL)] += disposal_receipts
    return Capital(need, available)

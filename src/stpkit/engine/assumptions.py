"""The assumptions a plan runs on: national parameters, with the plan's overrides applied,
as arrays over the plan's years."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stpkit.domain import Plan, fy_range
from stpkit.reference.parameters import ParameterSet


@dataclass(frozen=True)
class Assumptions:
    """Central values of every parameter for one plan: ``values[name]`` has shape
    ``(years, members)`` in the parameter's own unit (e.g. percent per year)."""

    years: tuple[str, ...]
    members: dict[str, tuple[str, ...]]
    values: dict[str, np.ndarray]
    overridden: frozenset[tuple[str, str, str]]  # (name, member, year) set by the plan

    def series(self, name: str, member: str = "") -> np.ndarray:
        return self.values[name][:, self.members[name].index(member)]

    def fraction(self, name: str) -> np.ndarray:
        """The parameter as a fraction (percent / 100), shape ``(years, members)``."""
        return self.values[name] / 100.0


def resolve_assumptions(plan: Plan, params: ParameterSet) -> Assumptions:
    """National parameters for the plan's years, overridden where the plan says so.

    The plan has been checked (``check_overrides``), so every year it needs has a value."""
    years = tuple(fy_range(plan.base_year, plan.horizon))
    values: dict[str, np.ndarray] = {}
    members: dict[str, tuple[str, ...]] = {}
    overridden: set[tuple[str, str, str]] = set()
    for param in params:
        if param.used_by != "model":
            continue  # national totals and assurance thresholds do not drive the model
        override = plan.assumptions.get(param.name, {})
        table = np.zeros((len(years), len(param.members)))
        for j, member in enumerate(param.members):
            given = override.get(member, {}) if param.dimension else override
            for i, year in enumerate(years):
                if year in given:
                    table[i, j] = float(given[year])
                    overridden.add((param.name, member, year))
                else:
                    table[i, j] = param.values[member][year]
        values[param.name] = table
        members[param.name] = param.members
    return Assumptions(years=years, members=members, values=values, overridden=frozenset(overridden))

"""A workforce scheme fills vacant posts: vacancies fall by the staff it recruits, year by year,
and so do the agency staff who covered them and the premium paid for them. Worked by hand over
two years on conftest's two organisations."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import NEXT, make_plan, two_org_data
from stpkit.api import PlanRun
from stpkit.domain import Measure

LATER = "2018/19"
TRUST, NURSING = 1, 0


def _plan() -> dict:
    """T1 has 100 nursing WTE (its only staff), 10% of them vacant, half of the vacant shifts
    filled by agency staff at the national premium of 30% and cost of £38,000 a WTE. A nurse
    recruitment scheme replaces 60% of the agency shifts, phased 50% in 2017/18 and 50% in
    2018/19. Activity does not grow, so neither does the establishment; pay inflation is 2% a
    year."""
    data = two_org_data()
    data["horizon"] = LATER
    for section in data["assumptions"].values():
        for by_year in [section] if NEXT in section else list(section.values()):
            by_year[LATER] = by_year[NEXT]
    for name in ("demand_growth_demographic_pct", "demand_growth_non_demographic_pct"):
        data["assumptions"][name]["non_elective"] = {NEXT: 0.0, LATER: 0.0}
    data["organisations"][1]["workforce"] = {
        "wte": {"nursing": 100},
        "vacancy_pct": {"nursing": 10},
        "agency_share_pct": {"nursing": 50},
    }
    data["schemes"] = [
        {
            "id": "NURSES",
            "name": "Nurse recruitment",
            "category": "efficiency",
            "owner": "T1",
            "acts_on": {"kind": "workforce", "staff_group": "nursing"},
            "size_pct": 60,
            "phasing_pct": {NEXT: 50, LATER: 50},
            "evidence": "moderate",
        }
    ]
    return data


@pytest.fixture(scope="module")
def run(params) -> PlanRun:
    return PlanRun.from_plan(make_plan(_plan()), params)


def test_recruitment_fills_vacancies_year_by_year(run):
    workforce = run.central.workforce
    # 10 vacant posts, 5 covered by agency staff. The scheme replaces 30% of the agency shifts
    # in 2017/18 and 60% in 2018/19 by recruiting: 1.5 and 3 WTE.
    assert workforce.establishment_with_plan[:, TRUST, NURSING] == pytest.approx([100, 100, 100])
    assert workforce.vacancies_with_plan[:, TRUST, NURSING] == pytest.approx([10, 10 - 1.5, 10 - 3])
    assert workforce.agency_with_plan[:, TRUST, NURSING] == pytest.approx([5, 5 - 1.5, 5 - 3])
    # The premium: agency WTE x £38,000 x pay inflation (1.02, 1.0404) x 30%, in £000:
    # 5 x 38 x 0.3 = 57; 3.5 x 38 x 1.02 x 0.3 = 40.698; 2 x 38 x 1.0404 x 0.3 = 23.72112.
    premium = workforce.agency_premium_with_plan_gbp000[:, TRUST, NURSING]
    assert premium == pytest.approx([57.0, 40.698, 23.72112])
    # The other groups have no staff at all.
    assert np.all(workforce.vacancies_with_plan[:, TRUST, 1:] == 0)


def test_the_vacancy_rate_falls_with_recruitment(run):
    gaps = run.assessment(runs=0).gaps
    vacancy = next(i for i in gaps.care_quality if i.id == Measure.STAFF_VACANCY_PCT.value)
    # 10, 8.5 and 7 vacant posts of 100.
    assert vacancy.trajectory == pytest.approx((10.0, 8.5, 7.0))


def test_without_the_scheme_vacancies_stay_at_the_base_rate(params):
    data = _plan()
    data["schemes"] = []
    workforce = PlanRun.from_plan(make_plan(data), params).central.workforce
    assert workforce.vacancies_with_plan[:, TRUST, NURSING] == pytest.approx([10, 10, 10])
    assert workforce.agency_with_plan[:, TRUST, NURSING] == pytest.approx([5, 5, 5])

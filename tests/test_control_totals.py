"""Control totals and the Sustainability and Transformation Fund: a provider is paid its STF in
a year only if it meets its control total that year, in the central case and in every risk run."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import NEXT, make_plan, pay_scheme, two_org_data
from stpkit.api import PlanRun

# The two-organisation plan (tests/conftest.py): trust T1 is at -10,000 in 2016/17 and, doing
# nothing, -12,533.33 in 2017/18 before any STF. Give it £2,000k of STF in 2017/18.
BEFORE_FUND = -12_533.333333
FUND = 2_000.0


def _run(control_total: float | None, schemes=()) -> PlanRun:
    data = two_org_data()
    trust = data["organisations"][1]["baseline"]
    trust["sustainability_fund_gbp000"] = {NEXT: FUND}
    if control_total is not None:
        trust["control_total_gbp000"] = {NEXT: control_total}
    data["schemes"] = list(schemes)
    return PlanRun.from_plan(make_plan(data))


def _trust(values: np.ndarray) -> float:
    return float(values[0, 1, 1])  # run 0, 2017/18, T1


def test_without_a_control_total_the_fund_is_paid_whatever_happens():
    result = _run(None).central
    assert _trust(result.with_plan_by_org) == pytest.approx(BEFORE_FUND + FUND)  # -10,533.33
    assert "fund_withheld" not in [s.id for s in result.to_do_nothing.steps]


def test_a_control_total_met_keeps_the_fund():
    # -12,533.33 + 2,000 = -10,533.33 meets a control total of -11,000.
    result = _run(-11_000).central
    assert _trust(result.do_nothing_by_org) == pytest.approx(-10_533.333333)
    assert _trust(result.to_do_nothing.step("fund_withheld").by_org) == 0.0


def test_a_control_total_missed_loses_the_fund():
    # -10,533.33 misses a control total of -10,000, so the £2,000k is not paid: -12,533.33.
    result = _run(-10_000).central
    assert _trust(result.do_nothing_by_org) == pytest.approx(BEFORE_FUND)
    assert _trust(result.to_do_nothing.step("fund_withheld").by_org) == pytest.approx(-FUND)
    for leg in result.bridge.legs:
        assert np.allclose(leg.unexplained_by_org(), 0.0, atol=1e-6)


def test_a_plan_that_meets_the_control_total_regains_the_fund():
    # A 5% pay saving. Pay grows with the trust's clinical activity (80,000 of its 90,000 income,
    # up 5%) and 2% pay inflation: 60,000 x (1 + 0.05 x 80/90) x 1.02 = 63,920, so 3,196 is saved
    # in 2017/18. With the plan T1 reaches -12,533.33 + 3,196 + 2,000 = -7,337.33, meeting
    # -10,000: the fund the do-nothing lost (-2,000) is regained (+2,000), and the bridge still
    # runs from start to end.
    result = _run(-10_000, [pay_scheme()]).central
    assert _trust(result.with_plan_by_org) == pytest.approx(-7_337.333333)
    assert _trust(result.to_with_plan.step("fund_regained").by_org) == pytest.approx(FUND)
    assert _trust(result.to_with_plan.step("CIP").by_org) == pytest.approx(3_196.0)
    for leg in result.bridge.legs:
        assert np.allclose(leg.unexplained_by_org(), 0.0, atol=1e-6)


def test_risk_runs_give_the_chance_of_being_paid_and_the_money_at_risk():
    # A control total far below the position is met in every run; one far above, in none.
    easy = _run(-30_000).risk(300, seed=1)
    assert easy.fund_paid_probability_by_org[1, 1] == 1.0 and easy.fund_withheld_mean[1] == 0.0
    hard = _run(0.0).risk(300, seed=1)
    assert hard.fund_paid_probability_by_org[1, 1] == 0.0
    assert hard.fund_withheld_mean[1] == pytest.approx(FUND)
    assert np.isnan(hard.fund_paid_probability_by_org[1, 0])  # the CCG has no control total
    # Between the two, the chance follows the runs: the trust's position before STF over the runs.
    middle = _run(-10_533.333333 + 1.0).risk(300, seed=1)  # just above the central case: missed there
    assert 0.0 < middle.fund_paid_probability_by_org[1, 1] < 1.0
    (leg,) = middle.bridge.legs
    assert np.allclose(leg.unexplained_by_org(), 0.0, atol=1e-6)


def test_risk_runs_judge_the_position_with_the_plan_not_the_do_nothing():
    # Doing nothing T1 misses -10,000 in 2017/18 (-10,533.33); the pay saving of 3,196 takes it
    # to -7,337.33, so it needs only a sixth of the saving (533 of 3,196) to be paid: most runs are.
    with_plan = _run(-10_000, [pay_scheme()]).risk(300, seed=2)
    assert with_plan.fund_paid_probability_by_org[1, 1] > 0.5
    assert with_plan.fund_withheld_mean[1] < FUND / 2


def test_assurance_names_the_provider_planned_to_miss_its_control_total():
    # Doing nothing and with no scheme, T1 reaches -10,533.33 in 2017/18 (STF of 2,000 included)
    # against a control total of -10,000: A29 fires with those numbers; at -11,000 it does not.
    missed = _run(-10_000).assessment(0)
    (finding,) = [f for f in missed.findings if f.rule == "A29"]
    assert finding.subject == "T1" and finding.year == NEXT
    assert finding.numbers == pytest.approx(
        {"control_total_gbp000": -10_000.0, "position_gbp000": -10_533.333333, "fund_withheld_gbp000": FUND,
         "years_missed": 1}
    )
    assert not [f for f in _run(-11_000).assessment(0).findings if f.rule == "A29"]

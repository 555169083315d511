"""The do-nothing projection with rates the other hand-worked tests leave at zero, and beds for a
provider whose plan gives no base-year beds, against numbers worked out by hand on the CCG and
acute trust of conftest.two_org_data.

Reminder of the two organisations (base year 2016/17): CCG C1 has an allocation of 100,000 and
spends 80,000 with trust T1 on 40,000 emergency spells and 20,000 on prescribing. T1 also has
10,000 of education and training income, and costs of pay 60,000, drugs 10,000, other 30,000.
T1's costs are attributed to its income: 80/90 to the emergency spells (moving with their
activity) and 10/90 left unattributed (not moving with activity)."""

from __future__ import annotations

import pytest

from conftest import BASE, NEXT, make_plan, two_org_data
from stpkit.api import PlanRun
from stpkit.engine.project import Driver

CCG, TRUST = 0, 1
AFTER = "2018/19"


def central(data):
    return PlanRun.from_plan(make_plan(data)).central


# ---- do-nothing provider efficiency ------------------------------------------------------------


def test_do_nothing_provider_efficiency_lowers_provider_costs(params):
    """Two years, the simple rates of conftest plus 2% do-nothing provider efficiency in 2017/18.

    Without it (test_engine_handworked) T1's do-nothing costs in 2017/18 are 106,533.33 and its
    position -12,533.33; the CCG's is -2,000. Efficiency takes 2% off every provider cost line:
    106,533.33 x 0.98 = 104,402.67, so T1's position is 94,000 - 104,402.67 = -10,402.67, and the
    footprint's -2,000 - 10,402.67 = -12,402.67. The CCG does not change: it has no costs."""
    data = two_org_data()
    data["assumptions"]["provider_efficiency_do_nothing_pct"] = {NEXT: 2.0}
    result = central(data)
    assert result.do_nothing_by_org[0, 0, TRUST] == pytest.approx(-10_000.0)
    assert result.do_nothing_by_org[0, 1, CCG] == pytest.approx(-2_000.0)
    assert result.do_nothing_by_org[0, 1, TRUST] == pytest.approx(-10_402.667, abs=0.01)
    assert result.do_nothing[0, 1] == pytest.approx(-12_402.667, abs=0.01)
    # The efficiency step of the bridge, on its own: the tariff's 2% efficiency moves
    # 80,000 x 2% = 1,600 from T1 to the CCG, and T1's base-year costs of 100,000 fall by 2%:
    # CCG +1,600, T1 -1,600 + 2,000 = +400, the footprint +2,000.
    step = result.driver_effect_by_org[0, 1, list(Driver).index(Driver.EFFICIENCY)]
    assert step[CCG] == pytest.approx(1_600.0)
    assert step[TRUST] == pytest.approx(400.0)
    assert step.sum() == pytest.approx(2_000.0)


# ---- three years with every rate switched on ------------------------------------------------------


def every_rate_data():
    """Three years (2016/17 to 2018/19) with every rate of the do-nothing non-zero and different
    in each year. Emergency activity is paid in full and all acute cost is variable, so that the
    marginal rate and cost behaviour (tested elsewhere) do not enter."""
    both = {BASE: 100.0, NEXT: 100.0, AFTER: 100.0}
    data = two_org_data()
    data["horizon"] = AFTER
    data["assumptions"] = {
        "emergency_marginal_rate_pct": both,
        "cost_variable_share_pct": {"acute_trust": both},
        "cost_semi_fixed_share_pct": {"acute_trust": {BASE: 0.0, NEXT: 0.0, AFTER: 0.0}},
        "demand_growth_demographic_pct": {
            "non_elective": {NEXT: 1.0, AFTER: 2.0},
            "prescribing": {NEXT: 1.0, AFTER: 1.0},
        },
        "demand_growth_non_demographic_pct": {
            "non_elective": {NEXT: 2.0, AFTER: 2.0},
            "prescribing": {NEXT: 1.0, AFTER: 2.0},
        },
        "cost_inflation_pct": {
            "pay": {NEXT: 2.0, AFTER: 3.0},
            "drugs": {NEXT: 4.0, AFTER: 5.0},
            "other": {NEXT: 1.0, AFTER: 2.0},
        },
        "tariff_cost_uplift_pct": {NEXT: 2.5, AFTER: 3.5},
        "tariff_efficiency_pct": {NEXT: 1.5, AFTER: 2.0},
        "provider_efficiency_do_nothing_pct": {NEXT: 1.0, AFTER: 2.0},
        "provider_other_income_growth_pct": {NEXT: 2.0, AFTER: 1.0},
        "allocation_growth_pct": {"ccg": {NEXT: 3.0, AFTER: 2.0}},
    }
    return data


def test_do_nothing_over_three_years_with_every_rate_non_zero(params):
    """Indices (base year 1):

    | index                                   | 2017/18                  | 2018/19                        |
    |-----------------------------------------|--------------------------|--------------------------------|
    | emergency volume (1% + 2%, 2% + 2%)     | 1.03                     | 1.03 x 1.04 = 1.0712           |
    | prescribing volume (1% + 1%, 1% + 2%)   | 1.02                     | 1.02 x 1.03 = 1.0506           |
    | tariff (uplift - efficiency)            | 1 + 2.5% - 1.5% = 1.01   | 1.01 x (1 + 3.5% - 2%) = 1.02515 |
    | pay / drugs / other inflation           | 1.02 / 1.04 / 1.01       | 1.0506 / 1.092 / 1.0302        |
    | do-nothing provider efficiency          | 0.99                     | 0.99 x 0.98 = 0.9702           |
    | allocation (3%, 2%)                     | 103,000                  | 105,060                        |
    | other income (2%, 1%)                   | 10,200                   | 10,302                         |

    T1's cost of each type is 8/9 attributed (x emergency volume) and 1/9 not, so it moves with
    (8 x volume + 1) / 9: 1.0266667 in 2017/18 and 1.0632889 in 2018/19.

    2017/18. CCG: 103,000 - 80,000 x 1.03 x 1.01 (83,224) - 20,000 x 1.02 x 1.04 (21,216) = -1,440.
    T1: income 83,224 + 10,200 = 93,424; costs
      pay   60,000 x 1.0266667 x 1.02 x 0.99 = 62,203.68
      drugs 10,000 x 1.0266667 x 1.04 x 0.99 = 10,570.56
      other 30,000 x 1.0266667 x 1.01 x 0.99 = 30,796.92   (103,571.16 in all)
    position 93,424 - 103,571.16 = -10,147.16.

    2018/19. CCG: 105,060 - 80,000 x 1.0712 x 1.02515 (87,851.2544) - 20,000 x 1.0506 x 1.092
    (22,945.104) = -5,736.3584.
    T1: income 87,851.2544 + 10,302 = 98,153.2544; costs
      pay   60,000 x 1.0632889 x 1.0506 x 0.9702 = 65,028.1191
      drugs 10,000 x 1.0632889 x 1.092  x 0.9702 = 11,265.1034
      other 30,000 x 1.0632889 x 1.0302 x 0.9702 = 31,882.7186   (108,175.9412 in all)
    position 98,153.2544 - 108,175.9412 = -10,022.6868."""
    result = central(every_rate_data())
    by_org = result.do_nothing_by_org[0]
    assert by_org[0, CCG] == pytest.approx(0.0, abs=1e-6)
    assert by_org[0, TRUST] == pytest.approx(-10_000.0)
    assert by_org[1, CCG] == pytest.approx(-1_440.0)
    assert by_org[1, TRUST] == pytest.approx(-10_147.16, abs=0.005)
    assert by_org[2, CCG] == pytest.approx(-5_736.3584, abs=0.0005)
    assert by_org[2, TRUST] == pytest.approx(-10_022.6868, abs=0.0005)
    assert result.do_nothing[0] == pytest.approx([-10_000.0, -11_587.16, -15_759.0452], abs=0.0005)
    # With no schemes the plan changes nothing.
    assert result.with_plan_by_org[0] == pytest.approx(by_org)


def test_each_driver_alone_over_three_years_by_organisation(params):
    """The bridge's steps in 2017/18, each driver switched on alone (the others at base-year
    level), with the rates of the test above:

    | driver     | CCG                                        | T1                                          |
    |------------|--------------------------------------------|---------------------------------------------|
    | demand     | -80,000 x 3% - 20,000 x 2% = -2,800        | +2,400 income - 88,888.89 x 3% cost = -266.67 |
    | inflation  | tariff uplift 2.5%: -2,000; drugs 4%: -800 | +2,000 - (1,200 pay + 400 drugs + 300 other) |
    |            | = -2,800                                   | = +100                                      |
    | efficiency | tariff -1.5%: +1,200                       | -1,200 + 1% of 100,000 cost = -200          |
    | funding    | allocation +3,000                          | other income +200                           |

    The interaction is the rest of the change from the base year: CCG -1,440 - (-1,400) = -40
    (80,000 x (1.03 x 1.01 - 1.04) = 24 and 20,000 x (1.02 x 1.04 - 1.06) = 16 more spend);
    T1 -147.16 - (-166.67) = +19.51."""
    result = central(every_rate_data())
    steps = dict(zip(Driver, result.driver_effect_by_org[0, 1], strict=True))
    assert steps[Driver.DEMAND] == pytest.approx([-2_800.0, -266.667], abs=0.001)
    assert steps[Driver.INFLATION] == pytest.approx([-2_800.0, 100.0], abs=0.001)
    assert steps[Driver.EFFICIENCY] == pytest.approx([1_200.0, -200.0], abs=0.001)
    assert steps[Driver.FUNDING] == pytest.approx([3_000.0, 200.0], abs=0.001)
    assert result.driver_interaction_by_org[0, 1] == pytest.approx([-40.0, 19.507], abs=0.001)


# ---- beds when the plan gives none for the base year ----------------------------------------------


def test_beds_without_base_year_beds_are_what_the_bed_days_need_at_the_target(params):
    """T1 gives no beds. Bed days: 40,000 emergency spells x 3.9 bed days = 156,000 in 2016/17,
    and 5% more, 163,800, in 2017/18. At the 85% target occupancy that needs
    156,000 / (365 x 0.85) = 502.82 beds in the base year, growing with bed days to
    502.82 x 1.05 = 527.96 (= 163,800 / (365 x 0.85)); occupancy is then the target, 85%."""
    result = central(two_org_data())
    beds = result.beds
    assert beds.bed_days_do_nothing[0, :, TRUST] == pytest.approx([156_000.0, 163_800.0])
    assert beds.beds_do_nothing[0, :, TRUST] == pytest.approx([502.8203, 527.9613], abs=1e-4)
    assert beds.beds_with_plan[0, :, TRUST] == pytest.approx([502.8203, 527.9613], abs=1e-4)
    assert beds.occupancy_with_plan_pct[0, :, TRUST] == pytest.approx([85.0, 85.0])
    assert beds.wards_removed[0, :, TRUST] == pytest.approx([0.0, 0.0])


def test_beds_without_base_year_beds_follow_the_plans_own_target(params):
    """The plan sets a 90% occupancy target: 156,000 / (365 x 0.90) = 474.89 beds in 2016/17 and
    163,800 / (365 x 0.90) = 498.63 in 2017/18."""
    data = two_org_data()
    data["assumptions"]["bed_occupancy_target_pct"] = {BASE: 90.0, NEXT: 90.0}
    beds = central(data).beds
    assert beds.beds_do_nothing[0, :, TRUST] == pytest.approx([474.8858, 498.6301], abs=1e-4)
    assert beds.occupancy_with_plan_pct[0, :, TRUST] == pytest.approx([90.0, 90.0])


def test_beds_set_only_for_a_later_year_close_wards_against_the_target(params):
    """T1 plans 480 beds from 2017/18 but gives none for 2016/17, so its base-year beds are what
    its bed days need at 85%: 502.82, and 527.96 doing nothing in 2017/18. Keeping 480 is
    47.96 fewer: one whole 28-bed ward. Occupancy with the plan: 163,800 / (365 x 480) = 93.49%."""
    data = two_org_data()
    data["organisations"][1]["capacity"] = {"beds": {NEXT: 480}}
    beds = central(data).beds
    assert beds.beds_do_nothing[0, 1, TRUST] == pytest.approx(527.9613, abs=1e-4)
    assert beds.beds_with_plan[0, 1, TRUST] == pytest.approx(480.0)
    assert beds.wards_removed[0, 1, TRUST] == 1.0
    assert beds.occupancy_with_plan_pct[0, 1, TRUST] == pytest.approx(100 * 163_800 / (365 * 480))

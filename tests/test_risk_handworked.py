"""Risk runs and the tornado against numbers worked out by hand on the CCG and acute trust of
conftest.two_org_data (2016/17 and 2017/18, the round-number rates of simple_assumptions).

How the footprint's do-nothing position in 2017/18 (central -14,533.33) moves with the national
shifts that risk runs draw. With a shift d added to every line's demand growth, the CCG's
payment to T1 cancels on consolidation; what is left is the CCG's prescribing,
20,000 x (1 + d) x 1.05, and T1's costs, each type T x (8/9 x (1.05 + d) + 1/9) x its inflation
(8/9 of them are attributed to the emergency spells). Everything is linear in each shift:

- demand: 20,000 x 1.05 + 88,888.89 x (0.6 x 1.02 + 0.1 x 1.05 + 0.3 x 1.01) = 21,000 + 90,666.67
  = 111,666.67 less surplus per unit of d;
- pay inflation: 60,000 x (8/9 x 1.05 + 1/9) = 60,000 x 1.0444444 = 62,666.67 per unit;
- drugs inflation: prescribing 20,000 + T1's 10,000 x 1.0444444 = 30,444.44 per unit;
- other inflation: 30,000 x 1.0444444 = 31,333.33 per unit.

National shifts are normal with sd demand 0.75 points, pay 0.75, drugs 2.0, other 0.5
(national_parameters.yaml); the P10 and P90 of a normal are -/+ 1.2815516 sd."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import BASE, NEXT, demand_scheme, make_plan, pay_scheme, two_org_data
from stpkit.api import PlanRun
from stpkit.engine.bridge import Leg
from stpkit.engine.risk import Simulation, summarise
from stpkit.engine.sensitivity import tornado
from stpkit.engine.uncertainty import draw_plan, plan_uncertainty

Z90 = 1.2815516
CENTRAL_2017_18 = -14_533.333
DEMAND_SLOPE = 111_666.667  # £000 of deficit per unit of national demand shift, 2017/18
PAY_SLOPE, DRUGS_SLOPE, OTHER_SLOPE = 62_666.667, 30_444.444, 31_333.333


def plan_run(data) -> PlanRun:
    return PlanRun.from_plan(make_plan(data))


# ---- national demand uncertainty --------------------------------------------------------------


def test_national_demand_spreads_the_do_nothing_by_its_documented_size():
    """With cost inflation held certain (its sd set to 0 in the plan), only national demand
    moves the do-nothing. Its P90 is the central case plus 111,666.67 x 0.0075 x 1.2815516 =
    1,073.30 (low demand), its P10 the central case less 1,073.30 (high demand): a spread of
    2,146.60. 4,000 runs from seed 3 read those quantiles to within about 2%."""
    data = two_org_data()
    data["assumptions"]["cost_inflation_sd_pct"] = {c: {BASE: 0.0, NEXT: 0.0} for c in ("pay", "drugs", "other")}
    run = plan_run(data)
    risk = run.risk(runs=4000, seed=3)
    p10, p50, p90 = risk.do_nothing_percentiles[:, 1]
    half_spread = DEMAND_SLOPE * 0.0075 * Z90
    assert half_spread == pytest.approx(1_073.30, abs=0.01)
    assert p90 - CENTRAL_2017_18 == pytest.approx(half_spread, rel=0.04)
    assert CENTRAL_2017_18 - p10 == pytest.approx(half_spread, rel=0.04)
    assert p50 == pytest.approx(CENTRAL_2017_18, abs=60)
    # The base year is not drawn.
    assert risk.do_nothing_percentiles[:, 0] == pytest.approx([-10_000.0] * 3)


# ---- every stream follows the seed --------------------------------------------------------------


def _two_scheme_data(correlation_pct: float):
    data = two_org_data()
    data["schemes"] = [
        demand_scheme(capital_gbp000={NEXT: 1_000}, capital_source="provider",
                      capital_project_type="standard_buildings"),
        pay_scheme(),
    ]
    data["assumptions"]["delivery_correlation_pct"] = {BASE: correlation_pct, NEXT: correlation_pct}
    return data


def _draws(run: PlanRun, seed: int, runs: int = 64):
    return draw_plan(run.plan, plan_uncertainty(run.plan, run.prepared.assumptions), seed, runs)


@pytest.mark.parametrize(
    "correlation_pct",
    [100.0, 0.0],
    ids=["delivery-from-the-common-factor-only", "delivery-from-each-schemes-own-draw-only"],
)
def test_every_draw_stream_follows_the_seed(correlation_pct):
    """Each uncertain input comes from its own stream keyed by the seed: the same seed gives
    the same draws, another seed different draws in every run after run 0 (the central case).
    With all delivery variance common (100%) delivery comes from the footprint-wide stream
    alone; with none (0%) from each scheme's own stream alone."""
    run = plan_run(_two_scheme_data(correlation_pct))
    first, again, other = _draws(run, 11), _draws(run, 11), _draws(run, 12)
    streams = {
        "delivery": lambda d: d.delivery,
        "slippage": lambda d: d.delay_years,
        "recurrence": lambda d: d.nonrecurrent,
        "capital overrun": lambda d: d.capital_overrun[:, :1],  # the scheme with capital
        "national demand": lambda d: d.national.demand_shift,
        "national inflation": lambda d: d.national.inflation_shift,
    }
    for name, pick in streams.items():
        a, b, c = pick(first), pick(again), pick(other)
        assert np.array_equal(a, b), f"{name}: the same seed gave different draws"
        assert np.array_equal(a[0], c[0]), f"{name}: run 0 is the central case whatever the seed"
        differs = np.any(a[1:] != c[1:], axis=tuple(range(1, a.ndim))) if a.ndim > 1 else a[1:] != c[1:]
        assert differs.all(), f"{name}: seeds 11 and 12 drew the same values in some runs"


# ---- capital cost overrun ----------------------------------------------------------------------


def test_capital_need_in_risk_runs_carries_the_optimism_bias():
    """One scheme needs 1,000 of capital in 2017/18, a standard building: each run adds an
    overrun uniform between 2% and 24% (HM Treasury optimism bias). The need's P10, P50 and P90
    are 1,000 x (1.02 + 0.22 x 0.1) = 1,042, 1,000 x 1.13 = 1,130 and 1,000 x (1.02 + 0.22 x 0.9)
    = 1,218; 2,000 runs read them to within a few £000. No run needs less than 1,020 except run
    0, the plan as written."""
    data = two_org_data()
    data["schemes"] = [
        demand_scheme(capital_gbp000={NEXT: 1_000}, capital_source="provider",
                      capital_project_type="standard_buildings")
    ]
    run = plan_run(data)
    assert run.central.capital.need.sum() == pytest.approx(1_000.0)
    risk = run.risk(runs=2000, seed=5)
    p10, p50, p90 = risk.capital_need_percentiles[:, 1]
    assert p10 == pytest.approx(1_042.0, abs=6)
    assert p50 == pytest.approx(1_130.0, abs=6)
    assert p90 == pytest.approx(1_218.0, abs=6)
    assert risk.capital_need_percentiles[:, 0] == pytest.approx([0.0, 0.0, 0.0])


# ---- percentiles by organisation ----------------------------------------------------------------


class _Central:
    """What ``summarise`` reads from the central result of a plan with no schemes."""

    def __init__(self, with_plan_by_org: np.ndarray):
        self.with_plan = with_plan_by_org.sum(axis=-1)[None]
        by_org = with_plan_by_org[None]
        self.to_with_plan = Leg("with_plan", "", by_org, (), by_org)
        years = with_plan_by_org.shape[0]
        self.schemes = type("S", (), {"investment_gbp000": np.zeros((years, 0)), "owner": np.zeros(0, int)})()


def test_percentiles_by_organisation_are_over_the_runs():
    """Five runs of two organisations over two years (numpy's linear interpolation: P10 sits
    0.4 of the way from the lowest run to the next, P90 0.6 of the way from the fourth to the
    highest).

    Organisation A, 2017/18: -400, -300, -200, -100, 0 -> P10 -360, P50 -200, P90 -40.
    Organisation B, 2017/18: runs 10, 50, 20, 40, 30 -> sorted 10..50: P10 14, P50 30, P90 46.
    Base year: A 1..5 -> 1.4, 3, 4.6; B 10..50 -> 14, 30, 46.
    The footprint in 2017/18, run by run: 10, -50, -180, -260, -370 -> P10 -326, P50 -180,
    P90 -14: not the sum of the organisations' percentiles (-346, -170, 6)."""
    a = np.array([[1, 0], [2, -100], [3, -200], [4, -300], [5, -400]], dtype=float)
    b = np.array([[10, 10], [20, 50], [30, 20], [40, 40], [50, 30]], dtype=float)
    runs = np.stack([a, b], axis=-1)  # (runs, years, orgs)
    sim = Simulation(
        seed=0,
        do_nothing_by_org=runs,
        paper_by_org=runs,
        landed_by_org=runs,
        with_plan_by_org=runs,
        realisation=np.zeros((2, 0)),
        capital_need=np.zeros((5, 2)),
    )
    summary = summarise(sim, _Central(runs[0]))
    by_org = summary.percentiles_by_org
    assert by_org.shape == (3, 2, 2)  # (percentiles, years, organisations)
    assert by_org[:, 1, 0] == pytest.approx([-360.0, -200.0, -40.0])
    assert by_org[:, 1, 1] == pytest.approx([14.0, 30.0, 46.0])
    assert by_org[:, 0, 0] == pytest.approx([1.4, 3.0, 4.6])
    assert by_org[:, 0, 1] == pytest.approx([14.0, 30.0, 46.0])
    assert summary.percentiles[:, 1] == pytest.approx([-326.0, -180.0, -14.0])


# ---- the tornado ---------------------------------------------------------------------------------


def test_tornado_reads_each_input_at_its_p10_and_p90():
    """The plan has no schemes, so only the national shifts move its final-year position. Every
    input at its median gives the central case, -14,533.33; each bar moves one input to its P10
    (low) and P90 (high): -/+ 1.2815516 sd, times the slope above.

    | input           | swing each way                          | low        | high       |
    |-----------------|-----------------------------------------|------------|------------|
    | national demand | 111,666.67 x 0.0075 x 1.2816 = 1,073.30 | -13,460.03 | -15,606.63 |
    | drugs inflation |  30,444.44 x 0.02   x 1.2816 =   780.32 | -13,753.01 | -15,313.66 |
    | pay inflation   |  62,666.67 x 0.0075 x 1.2816 =   602.33 | -13,931.00 | -15,135.66 |
    | other inflation |  31,333.33 x 0.005  x 1.2816 =   200.78 | -14,332.56 | -14,734.11 |
    | delivery        | no schemes: nothing                     | -14,533.33 | -14,533.33 |

    Higher demand or inflation is a larger deficit, so the low probability is the better end."""
    found = tornado(plan_run(two_org_data()).prepared)
    assert found.median_case == pytest.approx(CENTRAL_2017_18, abs=0.01)
    bars = {bar.label: (bar.low, bar.high) for bar in found.bars}
    expected = {
        "national demand growth": DEMAND_SLOPE * 0.0075,
        "drugs inflation": DRUGS_SLOPE * 0.02,
        "pay inflation": PAY_SLOPE * 0.0075,
        "other inflation": OTHER_SLOPE * 0.005,
    }
    for label, per_sd in expected.items():
        swing = per_sd * Z90
        assert bars[label] == pytest.approx((CENTRAL_2017_18 + swing, CENTRAL_2017_18 - swing), abs=0.01), label
    assert bars["national demand growth"] == pytest.approx((-13_460.03, -15_606.63), abs=0.01)
    assert bars["footprint-wide delivery (shared by all schemes)"] == pytest.approx(
        (CENTRAL_2017_18, CENTRAL_2017_18), abs=0.01
    )
    assert [bar.label for bar in found.bars][:4] == list(expected)  # widest swing first

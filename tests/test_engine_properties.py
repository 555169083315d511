"""Invariants of the model, checked on generated plans."""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_plan
from stpkit.domain import check_plan
from stpkit.engine.ledger import LineKind
from stpkit.engine.model import run_plan
from stpkit.reference.parameters import load_parameters
from strategies import YEARS, plans

PARAMS = load_parameters()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run(data):
    plan = make_plan(data)
    assert check_plan(plan) == []
    return run_plan(plan, PARAMS)


def _scale(values: np.ndarray) -> float:
    """An absolute tolerance for sums of floats of this size."""
    return 1e-9 * max(1.0, float(np.abs(values).max(initial=0.0)))


@SETTINGS
@given(plans(shares=False))
def test_consolidation_cancels_internal_payments(data):
    result = _run(data)
    ledger = result.ledger
    for lines in (result.lines_do_nothing[0], result.lines_with_plan[0]):
        internal = lines[:, ledger.internal] * ledger.sign[ledger.internal]
        # Each internal payment is one commissioner's spend and one provider's income.
        assert np.allclose(internal.sum(axis=1), 0.0, atol=_scale(lines))


@SETTINGS
@given(plans())
def test_org_positions_add_up_to_the_footprint(data):
    result = _run(data)
    signed = result.lines_do_nothing[0] * result.ledger.sign
    assert np.allclose(signed.sum(axis=1), result.do_nothing[0], atol=_scale(signed))


@SETTINGS
@given(plans(max_schemes=0, capacity_changes=False))
def test_no_schemes_means_with_plan_equals_do_nothing(data):
    # Closing beds or sites changes the position without any scheme, so none are drawn here.
    result = _run(data)
    # The position with the plan is added up from the lines on its own: equal to rounding.
    assert np.allclose(result.with_plan_by_org, result.do_nothing_by_org, rtol=0, atol=_scale(result.do_nothing_by_org))
    assert not result.scheme_effect.size
    assert np.all(result.scheme_interaction == 0)


@SETTINGS
@given(plans())
def test_bridge_stages_add_up_to_the_positions_worked_out_from_the_lines(data):
    """Each leg's end is worked out on its own: the do-nothing from the lines with every driver
    on, the position with the plan from each line's value with the plan (plus running costs and
    income from repurposed sites). The steps come from the stages. Only the interaction steps
    are measured, each against a position no later stage uses, so a wrong stage (stranded cost,
    capacity released, moved activity) shows here."""
    result = _run(data)
    for leg in result.bridge.legs:
        assert np.allclose(leg.unexplained_by_org(), 0.0, rtol=0, atol=_scale(leg.end_by_org)), leg.id
    # The legs join: the second starts where the first ends.
    assert np.array_equal(result.to_with_plan.start_by_org, result.to_do_nothing.end_by_org)


#: National parameters in money: the cost a closed ward releases, and the price of activity that
#: moves to a provider with none of its own (also how units bought outside are counted).
MONEY_PARAMETERS = ("ward_semi_fixed_cost_gbp000", "national_unit_cost_gbp")


def _scaled_money(data, k):
    data = copy.deepcopy(data)
    assumptions = data.setdefault("assumptions", {})
    for name in MONEY_PARAMETERS:
        param = PARAMS[name]
        scaled = {m: {y: v * k for y, v in param.values[m].items() if y in YEARS} for m in param.members}
        assumptions[name] = scaled if param.dimension else scaled[""]
    for org in data["organisations"]:
        for site in org.get("capacity", {}).get("sites", []):
            site["repurposing_income_gbp000"] = {y: v * k for y, v in site.get("repurposing_income_gbp000", {}).items()}
        b = org["baseline"]
        if "allocation_gbp000" in b:
            b["allocation_gbp000"] *= k
        for line in b.get("spend_gbp000", []) + b.get("income_gbp000", []):
            line["value_gbp000"] *= k
        for key in ("expenditure_gbp000", "sustainability_fund_gbp000"):
            if key in b:
                b[key] = {name: v * k for name, v in b[key].items()}
    for scheme in data["schemes"]:
        scheme["revenue_investment_gbp000"] = {y: v * k for y, v in scheme["revenue_investment_gbp000"].items()}
    return data


@SETTINGS
@given(plans(), st.sampled_from([0.5, 3.0, 1000.0]))
def test_money_scales_linearly(data, k):
    one, scaled = _run(data), _run(_scaled_money(data, k))
    for a, b in (
        (one.do_nothing_by_org, scaled.do_nothing_by_org),
        (one.with_plan_by_org, scaled.with_plan_by_org),
        (one.scheme_effect_by_org, scaled.scheme_effect_by_org),
        (one.driver_effect_by_org, scaled.driver_effect_by_org),
    ):
        assert np.allclose(b, k * a, rtol=1e-9, atol=_scale(k * a))
    # Activity is not money: it does not change.
    assert np.allclose(one.activity_with_plan, scaled.activity_with_plan)
    assert np.allclose(one.arrivals_with_plan, scaled.arrivals_with_plan)


@SETTINGS
@given(plans())
def test_schemes_never_remove_more_than_exists(data):
    result = _run(data)
    ledger = result.ledger
    costs = ledger.kind == LineKind.COST
    assert np.all(result.lines_with_plan[..., costs] >= 0)
    assert np.all(result.activity_with_plan >= 0)
    assert np.all(result.activity_with_plan <= result.activity_do_nothing * (1 + 1e-12))

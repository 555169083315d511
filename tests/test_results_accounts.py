"""Each member's income, expenditure and bridge in the results add up: across tables, across
members and along each bridge."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings

from conftest import make_plan
from stpkit.api import PlanRun
from stpkit.outputs.results import bridge_steps, income_and_expenditure
from strategies import plans

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _tolerance(values: np.ndarray) -> float:
    return 1e-9 * max(1.0, float(np.abs(values).max(initial=0.0)))


@SETTINGS
@given(plans())
def test_income_less_expenditure_is_each_members_position(data):
    result = PlanRun.from_plan(make_plan(data)).central
    accounts = income_and_expenditure(result)
    for scenario, position in (("do_nothing", result.do_nothing_by_org[0]), ("with_plan", result.with_plan_by_org[0])):
        net = accounts[f"income_{scenario}"] - accounts[f"expenditure_{scenario}"]
        assert np.allclose(net, position, rtol=0, atol=_tolerance(accounts[f"income_{scenario}"])), scenario


@SETTINGS
@given(plans())
def test_members_bridges_add_up_to_the_footprints(data):
    result = PlanRun.from_plan(make_plan(data)).central
    footprint = bridge_steps(result.bridge, plan=result.plan)
    members = [bridge_steps(result.bridge, plan=result.plan, org=o) for o in range(result.ledger.n_orgs)]
    for i, step in enumerate(footprint):
        summed = sum(m[i]["values"] for m in members)
        assert np.allclose(summed, step["values"], rtol=0, atol=_tolerance(step["values"])), step["id"]


def test_the_example_members_bridges_in_the_json_run_from_start_to_end():
    document = PlanRun.load().results_document()
    for org in document["organisations"]:
        for leg in ("to_do_nothing", "to_with_plan"):
            bridge = org["bridge"][leg]
            start = np.broadcast_to(np.asarray(bridge["start_gbp000"]), (len(document["years"]),))
            steps = sum((np.asarray(s["gbp000"]) for s in bridge["steps"]), np.zeros(len(document["years"])))
            assert np.allclose(start + steps, bridge["end_gbp000"], rtol=0, atol=1e-6), (org["code"], leg)
        # The member's with-plan position is its income less its expenditure with the plan.
        net = np.subtract(org["income_gbp000"]["with_plan"], org["expenditure_gbp000"]["with_plan"])
        assert np.allclose(net, org["with_plan_gbp000"], rtol=0, atol=1e-6), org["code"]

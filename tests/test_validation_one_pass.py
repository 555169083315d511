"""A plan's problems are all reported in one pass: fixing the reported problems never makes new
ones appear, except where a check could not run because of a problem it depends on.

The checks come in groups: the plan's own consistency (references, years, phasing), the
footprint code, the national parameters it overrides, and the engine's layout (a scheme larger
than what it acts on). Each group runs whatever the others find; a check is skipped only for
the part of the plan it cannot read (a scheme with problems is not laid out, a bad override is
left out of the layout, and nothing is laid out when an organisation has problems, since the
ledger is built from every organisation)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conftest import NEXT, demand_scheme, make_plan, pay_scheme, two_org_data
from stpkit.api import PlanRun
from stpkit.inputs.located import InputError


def _problems(data: dict[str, Any], params) -> dict[str, str]:
    with pytest.raises(InputError) as caught:
        PlanRun.from_plan(make_plan(data), params)
    found = {p.field: p.message for p in caught.value.problems}
    assert len(found) == len(caught.value.problems), "one problem per field here"
    return found


def _several_groups() -> dict[str, Any]:
    """Two organisations (see conftest.two_org_data) and three schemes, with problems of every
    group: T1's pay is £60,000k, so a £90,000k saving of it is more than it acts on."""
    data = two_org_data()
    data["schemes"] = [
        demand_scheme(id="DM", owner="C9"),  # a bad reference: no member C9
        pay_scheme(id="CIP", size_pct=None, size_gbp000=90_000),  # larger than T1's £60,000k of pay
        pay_scheme(id="CIP2"),  # sound
    ]
    data["assumptions"]["cost_inflation_pct"]["pay"]["2018/19"] = 2.0  # a bad override: after the horizon
    data["governance"] = {"sign_off": [{"organisation": "T2", "status": "pending"}]}  # another bad reference
    data["footprint"]["code"] = "E54000099"  # not a footprint
    return data


def test_problems_of_every_group_are_reported_at_once(params):
    found = _problems(_several_groups(), params)
    assert set(found) == {
        "schemes[0].owner",
        "governance.sign_off[0].organisation",
        "footprint.code",
        "assumptions.cost_inflation_pct.pay.2018/19",
        "schemes[1].size_gbp000",
    }
    assert "unknown organisation 'C9'" in found["schemes[0].owner"]
    override = found["assumptions.cost_inflation_pct.pay.2018/19"]
    assert "2018/19 is outside the plan's years (2016/17 to 2017/18)" in override
    # The layout leaves out scheme 0 (its owner is unknown) but names the others by their place
    # in the plan: the second scheme is schemes[1], not the first one laid out.
    assert found["schemes[1].size_gbp000"] == "£90,000k is more than the £60,000k it acts on"


def test_fixing_the_reported_problems_leaves_none():
    """The other half of one pass: what was reported is all there was."""
    data = _several_groups()
    data["schemes"][0]["owner"] = "C1"
    data["schemes"][1]["size_gbp000"] = 6_000
    del data["assumptions"]["cost_inflation_pct"]["pay"]["2018/19"]
    data["governance"]["sign_off"][0]["organisation"] = "T1"
    data["footprint"]["code"] = "E54000036"
    run = PlanRun.from_plan(make_plan(data))
    # 6,000 of 60,000 is 10% of T1's pay.
    assert run.prepared.schemes.size[1] == pytest.approx(0.10)


def test_a_broken_override_does_not_stop_the_layout(params):
    """An override that could not be read (text for a number) is left out of the layout; the
    sizes it checks are base-year values, which no parameter changes."""
    data = two_org_data()
    data["assumptions"]["tariff_efficiency_pct"] = {NEXT: "2%"}
    data["schemes"] = [pay_scheme(size_pct=None, size_gbp000=70_000)]
    found = _problems(data, params)
    assert set(found) == {"assumptions.tariff_efficiency_pct.2017/18", "schemes[0].size_gbp000"}
    assert found["schemes[0].size_gbp000"] == "£70,000k is more than the £60,000k it acts on"


def test_problems_with_an_organisation_stop_only_the_layout(params):
    """The ledger is laid out from every organisation, so a spend line naming no member stops
    the layout (the scheme too large for T1's pay is found once it is fixed); every other check
    still runs."""
    data = two_org_data()
    data["organisations"][0]["baseline"]["spend_gbp000"][0]["provider"] = "T9"
    data["assumptions"]["no_such_parameter"] = {NEXT: 1.0}
    data["schemes"] = [pay_scheme(size_pct=None, size_gbp000=70_000, phasing_pct={NEXT: 90})]
    found = _problems(data, params)
    assert set(found) == {
        "organisations[0].baseline.spend_gbp000[0].provider",
        "assumptions.no_such_parameter",
        "schemes[0].phasing_pct",
    }


def test_a_code_used_twice_stops_only_the_checks_that_need_the_organisation_it_names(params):
    """Two members called T1: references to T1 are ambiguous and are not followed, but the rest
    of the plan is still checked: here a scheme's phasing and an indicator."""
    data = two_org_data()
    twin = copy.deepcopy(data["organisations"][1])
    twin["name"] = "Another Trust"
    data["organisations"].append(twin)
    data["schemes"] = [pay_scheme(phasing_pct={NEXT: 90})]
    data["indicators"] = [{"id": "ae_within_4_hours_pct", "target": 120}]
    found = _problems(data, params)
    assert set(found) == {
        "organisations[1].code",
        "organisations[2].code",
        "schemes[0].phasing_pct",
        "indicators[0].target",
    }



def test_a_wrong_horizon_stops_only_the_checks_of_years(params):
    """Without the plan's years no year can be checked against them (a phasing year, an
    override's year), nor anything laid out; references are still checked."""
    data = two_org_data()
    data["horizon"] = "2015/16"
    data["schemes"] = [demand_scheme(owner="C9", phasing_pct={"2019/20": 100})]
    found = _problems(data, params)
    assert set(found) == {"horizon", "schemes[0].owner"}

"""Cost behaviour, beds and wards, sites, the marginal rate, shifts of care, A&E downgrades,
workforce and capital, against numbers worked out by hand on the two-organisation plan of
conftest (a CCG paying one acute trust 80,000 for 40,000 emergency spells in 2016/17)."""

from __future__ import annotations

import copy
from dataclasses import fields

import numpy as np
import pytest

from conftest import BASE, NEXT, demand_scheme, make_plan, two_org_data
from stpkit.domain import CapitalSource, check_plan
from stpkit.engine.capital import SOURCES
from stpkit.engine.model import Stages, prepare, run_plan
from stpkit.engine.project import Rates, central_rates
from stpkit.engine.risk import compact
from stpkit.engine.schemes import central_effect

CCG, TRUST = 0, 1
BEHAVIOUR = {  # acute trusts: 20% variable, 50% semi-fixed, 30% fixed
    "cost_variable_share_pct": {"acute_trust": {BASE: 20.0, NEXT: 20.0}},
    "cost_semi_fixed_share_pct": {"acute_trust": {BASE: 50.0, NEXT: 50.0}},
}

# Do-nothing 2017/18 (see test_engine_handworked): the trust's cost attributed to the
# emergency spells is 57,120 pay + 9,800 drugs + 28,280 other = 95,200; all its cost 106,533.33.
ATTRIBUTED, ALL_COST = 95_200.0, 106_533.333


def plan_with(*schemes, **changes):
    data = two_org_data()
    data["assumptions"].update(copy.deepcopy(BEHAVIOUR))
    data["schemes"] = list(schemes)
    for key, value in changes.items():
        data[key] = value
    return data


def run(params, data):
    plan = make_plan(data)
    assert check_plan(plan) == []
    return run_plan(plan, params)


def test_activity_avoided_saves_only_its_variable_cost(params):
    result = run(params, plan_with(demand_scheme()))
    # On paper 10% of the attributed 95,200 goes: 9,520. Only the variable 20% really does:
    # 1,904; the other 7,616 is stranded.
    assert result.scheme_effect[0, 1, 0] == pytest.approx(9_520.0)
    assert result.stranded[0, 1] == pytest.approx(-7_616.0)
    assert result.capacity[0, 1] == pytest.approx(0.0)
    assert result.stranded_by_scheme[0, 1, 0] == pytest.approx(7_616.0)
    # Trust: do-nothing -12,533.33, loses 8,400 of income, saves 1,904.
    assert result.with_plan_by_org[0, 1, TRUST] == pytest.approx(-12_533.333 - 8_400 + 1_904, abs=0.01)
    assert result.with_plan[0, 1] == pytest.approx(-14_533.333 + 1_904, abs=0.01)


def test_closing_wards_releases_semi_fixed_cost(params):
    data = plan_with(demand_scheme())
    data["organisations"][1]["capacity"] = {"beds": {BASE: 520, NEXT: 490}}
    result = run(params, data)
    beds = result.beds
    # Bed days: 40,000 spells x 3.9 = 156,000 in 2016/17; 42,000 x 3.9 = 163,800 do nothing in
    # 2017/18, so do-nothing beds grow to 520 x 1.05 = 546; with the plan 37,800 x 3.9 = 147,420.
    assert beds.bed_days_do_nothing[0, 1, TRUST] == pytest.approx(163_800)
    assert beds.bed_days_with_plan[0, 1, TRUST] == pytest.approx(147_420)
    assert beds.beds_do_nothing[0, 1, TRUST] == pytest.approx(546)
    assert beds.beds_with_plan[0, 1, TRUST] == pytest.approx(490)
    # 546 - 490 = 56 beds: two whole wards of 28. Each releases 1,500 x 1.02 pay inflation.
    assert beds.wards_removed[0, 1, TRUST] == 2
    assert result.capacity[0, 1] == pytest.approx(2 * 1_530.0)
    # Occupancy 147,420 / (365 x 490) = 82.4%, under the 85% target; 475.2 beds needed at 85%.
    assert beds.occupancy_with_plan_pct[0, 1, TRUST] == pytest.approx(100 * 147_420 / (365 * 490))
    assert beds.required_with_plan[0, 1, TRUST] == pytest.approx(147_420 / (365 * 0.85))
    assert result.with_plan[0, 1] == pytest.approx(-14_533.333 + 1_904 + 3_060, abs=0.01)


def test_closing_a_site_releases_its_fixed_cost_and_shows_overcrowding(params):
    data = plan_with()
    data["organisations"][1]["capacity"] = {
        "beds": {BASE: 520},
        "sites": [
            {
                "code": "A",
                "name": "Cottage hospital",
                "kind": "community_hospital",
                "beds": 130,
                "closes": NEXT,
                "repurposing_income_gbp000": {NEXT: 500},
            }
        ],
    }
    result = run(params, data)
    # The site holds 130 of 520 beds, so 25% of the fixed cost: 30% x 106,533.33 x 25% = 7,990.
    # Its beds go too: 546 - 130 = 416. But no activity falls: the 163,800 bed days still need
    # 163,800 / (365 x 0.92) = 487.79 beds at the 92% ceiling, so only 546 - 487.79 = 58.21
    # beds are freed, two whole wards (not the four that 130 beds make): 2 x 1,530 = 3,060.
    # Rent from the repurposed building: 500.
    assert result.beds.beds_with_plan[0, 1, TRUST] == pytest.approx(416)
    assert result.beds.wards_removed[0, 1, TRUST] == 2
    assert result.capacity[0, 1] == pytest.approx(0.3 * ALL_COST * 0.25 + 3_060 + 500, abs=0.01)
    # No activity falls: 163,800 bed days in 416 beds is 107.9% occupancy, above the target.
    assert result.beds.occupancy_with_plan_pct[0, 1, TRUST] == pytest.approx(100 * 163_800 / (365 * 416))
    assert result.stranded[0, 1] == pytest.approx(0.0)


def test_beds_kept_below_need_release_only_the_beds_no_longer_needed(params):
    data = plan_with()
    data["organisations"][1]["capacity"] = {"beds": {BASE: 520, NEXT: 400}}
    result = run(params, data)
    beds = result.beds
    # No scheme: 163,800 bed days in 2017/18 and 520 x 1.05 = 546 beds doing nothing. The plan
    # keeps 400, 146 fewer, at 163,800 / (365 x 400) = 112.2% occupancy. Even at the 92% ceiling
    # its activity needs 163,800 / (365 x 0.92) = 487.79 beds, so only 546 - 487.79 = 58.21 beds
    # are really freed: 2 whole wards (not the 5 that 146 beds make), 2 x 1,530 = 3,060.
    assert beds.beds_with_plan[0, 1, TRUST] == pytest.approx(400)
    assert beds.occupancy_with_plan_pct[0, 1, TRUST] == pytest.approx(100 * 163_800 / (365 * 400))
    assert beds.wards_removed[0, 1, TRUST] == 2
    assert result.capacity[0, 1] == pytest.approx(2 * 1_530.0)
    # With 10% fewer emergency admissions the bed days fall to 147,420, which need
    # 147,420 / (365 x 0.92) = 439.01 beds at the ceiling: 546 - 439.01 = 106.99 beds are
    # freed, 3 wards, 3 x 1,530 = 4,590. The ward savings follow the activity, not the 400.
    data["schemes"] = [demand_scheme()]
    result = run(params, data)
    assert result.beds.wards_removed[0, 1, TRUST] == 3
    assert result.capacity[0, 1] == pytest.approx(3 * 1_530.0)


def test_in_risk_runs_wards_follow_each_runs_bed_days(params):
    """Risk runs work beds out from each run's own activity (``Stages`` with ``all_cells``
    False, on the compacted ledger, as ``simulate`` does). Two runs of the same plan: in the
    first the demand scheme delivers its 10%, in the second nothing."""
    data = plan_with(demand_scheme())
    data["organisations"][1]["capacity"] = {"beds": {BASE: 520, NEXT: 400}}
    prepared = compact(prepare(make_plan(data), params))
    central = central_rates(prepared.assumptions)
    rates = Rates(**{f.name: np.repeat(getattr(central, f.name), 2, axis=0) for f in fields(Rates)})
    delivered = central_effect(prepared.schemes)
    effect = np.concatenate([delivered, np.zeros_like(delivered)])
    stages = Stages(prepared, rates, effect, all_cells=False)
    beds = stages.beds
    # Delivered: 147,420 bed days, 439.01 beds needed at 92%, 106.99 freed: 3 wards, 4,590.
    # Not delivered: 163,800 bed days, 487.79 needed, 58.21 freed: 2 wards, 3,060. Both runs
    # keep the plan's 400 beds; closing 546 - 400 = 146 would make 5 wards in each.
    assert beds.bed_days_with_plan[:, 1, TRUST] == pytest.approx([147_420, 163_800])
    assert list(beds.wards_removed[:, 1, TRUST]) == [3, 2]
    assert stages.capacity_by_org[:, 1, TRUST] == pytest.approx([3 * 1_530.0, 2 * 1_530.0])


def test_emergency_activity_is_paid_at_the_marginal_rate(params):
    data = plan_with(demand_scheme())
    data["assumptions"]["emergency_marginal_rate_pct"] = {BASE: 70.0, NEXT: 70.0}
    result = run(params, data)
    # Do nothing: the CCG pays 80,000 x (30% + 70% x 1.05) = 82,800, not 84,000.
    assert result.do_nothing_by_org[0, 1, CCG] == pytest.approx(103_000 - 82_800 - 21_000)
    assert result.do_nothing_by_org[0, 1, TRUST] == pytest.approx(82_800 + 10_000 - ALL_COST, abs=0.01)
    # 10% fewer admissions: only the marginal part falls, 10% of 58,800 = 5,880.
    assert result.with_plan_by_org[0, 1, CCG] == pytest.approx(-800 + 5_880)
    # The footprint is indifferent to the rate: payments between members cancel.
    assert result.do_nothing[0, 1] == pytest.approx(-14_533.333, abs=0.01)


def _with_community_trust(data):
    """Adds T2, a community trust paid 8,000 by the CCG for 100,000 contacts (80 each),
    all of its 8,000 cost pay; community trusts: 10% variable, 65% semi-fixed."""
    data["organisations"][0]["baseline"]["spend_gbp000"].append(
        {"service_line": "community", "provider": "T2", "value_gbp000": 8_000}
    )
    data["organisations"][0]["baseline"]["allocation_gbp000"] += 8_000
    data["organisations"].append(
        {
            "code": "T2",
            "name": "Community Trust",
            "kind": "community_trust",
            "baseline": {"activity": {"community": 100_000}, "expenditure_gbp000": {"pay": 8_000}},
        }
    )
    data["assumptions"]["demand_growth_demographic_pct"]["community"] = {NEXT: 0.0}
    data["assumptions"]["demand_growth_non_demographic_pct"]["community"] = {NEXT: 0.0}
    data["assumptions"]["cost_variable_share_pct"]["community_trust"] = {BASE: 10.0, NEXT: 10.0}
    data["assumptions"]["cost_semi_fixed_share_pct"]["community_trust"] = {BASE: 65.0, NEXT: 65.0}
    return data


def shift_scheme(**changes):
    scheme = demand_scheme(
        id="SHIFT",
        acts_on={
            "kind": "shift",
            "service_line": "non_elective",
            "to": [{"provider": "T2", "service_line": "community", "share_pct": 100, "units_per_unit": 5}],
        },
    )
    scheme.update(changes)
    return scheme


def test_shift_of_care_pays_the_receiver_and_saves_only_what_really_goes(params):
    result = run(params, _with_community_trust(plan_with(shift_scheme())))
    # 10% of 42,000 spells leave the acute trust: 4,200, arriving as 21,000 contacts.
    assert result.arrivals_with_plan[0, 1].sum() == pytest.approx(21_000)
    # The CCG pays the community trust its own price, 80 a contact: 1,680; it pays the acute
    # trust 8,400 less. The community trust bears 75% (variable and semi-fixed) of its average
    # cost of 80 a contact, with pay inflation: 21,000 x 0.08 x 0.75 x 1.02 = 1,285.2.
    assert result.with_plan_by_org[0, 1, 0] - result.do_nothing_by_org[0, 1, 0] == pytest.approx(8_400 - 1_680)
    assert result.with_plan_by_org[0, 1, 2] - result.do_nothing_by_org[0, 1, 2] == pytest.approx(1_680 - 1_285.2)
    # The acute trust saves only its variable cost, 1,904, so the footprint gains 618.8.
    assert result.with_plan_by_org[0, 1, 1] - result.do_nothing_by_org[0, 1, 1] == pytest.approx(-8_400 + 1_904)
    assert result.with_plan[0, 1] - result.do_nothing[0, 1] == pytest.approx(1_904 - 1_285.2)


def test_receiving_capacity_is_paid_for_before_the_activity_moves(params):
    data = _with_community_trust(
        plan_with(
            shift_scheme(
                phasing_pct={"2018/19": 100},
                acts_on={
                    "kind": "shift",
                    "service_line": "non_elective",
                    "lead_time_years": 1,
                    "to": [{"provider": "T2", "service_line": "community", "share_pct": 100, "units_per_unit": 5}],
                },
            )
        )
    )
    data["horizon"] = "2018/19"
    for section in data["assumptions"].values():
        for by_year in [section] if NEXT in section else list(section.values()):
            by_year["2018/19"] = by_year[NEXT]
    result = run(params, data)
    # 2017/18: nothing has moved, but the community trust already runs the new service:
    # 200,000 contacts x 0.08 x 0.75 x 1.05 volume x 1.02 pay x 10% = 1,285.2 of double running.
    assert result.arrivals_with_plan[0, 1].sum() == pytest.approx(0.0)
    assert result.with_plan[0, 1] - result.do_nothing[0, 1] == pytest.approx(-1_285.2)


def test_ae_downgrade_sends_attendances_and_admissions_to_the_receiving_sites(params):
    data = plan_with()
    ccg, trust = data["organisations"]
    ccg["baseline"]["spend_gbp000"] += [
        {"service_line": "ae", "provider": "T1", "value_gbp000": 7_500},
        {"service_line": "non_elective", "provider": "T3", "value_gbp000": 40_000},
        {"service_line": "ae", "provider": "T3", "value_gbp000": 3_750},
    ]
    ccg["baseline"]["allocation_gbp000"] += 51_250
    trust["baseline"]["activity"]["ae"] = 50_000
    trust["capacity"] = {
        "sites": [
            {"code": "S1", "name": "Main", "kind": "acute_hospital", "type1_ae": True, "ae_share_pct": 60},
            {"code": "S2", "name": "District", "kind": "acute_hospital", "type1_ae": True, "ae_share_pct": 40},
        ]
    }
    data["organisations"].append(
        {
            "code": "T3",
            "name": "Neighbour Trust",
            "kind": "acute_trust",
            "baseline": {"activity": {"non_elective": 20_000, "ae": 25_000}, "expenditure_gbp000": {"pay": 43_750}},
        }
    )
    for line in ("ae", "urgent_care"):
        for name in ("demand_growth_demographic_pct", "demand_growth_non_demographic_pct"):
            data["assumptions"][name][line] = {NEXT: 0.0}
    data["schemes"] = [
        demand_scheme(
            id="DG",
            owner="T1",
            acts_on={
                "kind": "ae_downgrade",
                "site": "S2",
                "admissions_per_attendance": 0.25,
                "to": [
                    {"provider": "T3", "share_pct": 75},
                    {"provider": "T1", "service_line": "urgent_care", "share_pct": 25},
                ],
            },
            size_pct=100,
        )
    ]
    result = run(params, data)
    moves = {
        (a.provider, a.service_line.value): result.arrivals_with_plan[0, 1, i]
        for i, a in enumerate(result.ledger.arrivals)
    }
    arrived: dict = {}
    for key, units in moves.items():
        arrived[key] = arrived.get(key, 0.0) + units
    # S2 sees 40% of 50,000 attendances: 20,000 leave; 15,000 go to T3's A&E, 5,000 to urgent care.
    assert arrived[(2, "ae")] == pytest.approx(15_000)
    assert arrived[(1, "urgent_care")] == pytest.approx(5_000)
    # A quarter of those sent to T3 would have been admitted: 3,750 emergency admissions move,
    # from 42,000 do-nothing spells at T1 in 2017/18 (3,750 of the 40,000 base-year spells).
    assert arrived[(2, "non_elective")] == pytest.approx(3_750 * 1.05)
    cells = result.ledger.cells
    t1_nel = [c for c, cell in enumerate(cells) if cell.provider == 1 and cell.service_line.value == "non_elective"]
    left = result.activity_do_nothing[0, 1, t1_nel].sum() - result.activity_with_plan[0, 1, t1_nel].sum()
    assert left == pytest.approx(3_750 * 1.05)


def test_workforce_scheme_saves_the_agency_premium(params):
    data = plan_with(
        {
            "id": "BANK",
            "name": "Nurse bank",
            "category": "efficiency",
            "owner": "T1",
            "acts_on": {"kind": "workforce", "staff_group": "nursing"},
            "size_pct": 100,
            "phasing_pct": {NEXT: 100},
            "evidence": "moderate",
        }
    )
    data["organisations"][1]["workforce"] = {
        "wte": {"nursing": 100},
        "vacancy_pct": {"nursing": 10},
        "agency_share_pct": {"nursing": 50},
    }
    result = run(params, data)
    # All pay is nursing; 10% vacant, half covered by agency at a 30% premium: the premium is
    # 0.015 / 1.015 of pay. Pay in 2017/18 is 63,920, so the whole premium is 944.63.
    assert result.scheme_effect[0, 1, 0] == pytest.approx(63_920 * 0.015 / 1.015, abs=0.01)
    assert result.workforce.agency_with_plan[1, TRUST].sum() == pytest.approx(0.0)


def test_capital_need_against_what_is_available(params):
    data = plan_with(
        demand_scheme(capital_gbp000={NEXT: 900}, capital_source="transformation_fund"),
        demand_scheme(id="DM2", capital_gbp000={NEXT: 300}),
    )
    data["capital_available_gbp000"] = {"transformation_fund": {BASE: 200, NEXT: 500}}
    result = run(params, data)
    capital = result.capital
    fund, none = SOURCES.index(CapitalSource.TRANSFORMATION_FUND), SOURCES.index(CapitalSource.NONE)
    # 900 needed against 200 + 500 available: 200 short by 2017/18; the 300 with no source is all short.
    assert np.allclose(capital.shortfall[:, fund], [0, 200])
    assert np.allclose(capital.shortfall[:, none], [0, 300])


# ---- Shorter stays ----------------------------------------------------------------------------
# No emergency growth, so that 2017/18 has the base year's 40,000 spells and 156,000 bed days.
# The trust's cost attributed to the spells (8/9 of its cost, by income) is then 54,400 pay +
# 9,333.33 drugs + 26,933.33 other = 90,666.67; its do-nothing position is -12,000.
FLAT_EMERGENCY = {
    "demand_growth_demographic_pct": {"non_elective": {NEXT: 0.0}, "prescribing": {NEXT: 0.0}},
    "demand_growth_non_demographic_pct": {"non_elective": {NEXT: 0.0}, "prescribing": {NEXT: 0.0}},
}
ATTRIBUTED_FLAT = 90_666.667


def shorter_stays(**changes):
    scheme = {
        "id": "LOS",
        "name": "Shorter emergency stays",
        "category": "service_reconfiguration",
        "owner": "T1",
        "acts_on": {"kind": "length_of_stay", "service_line": "non_elective"},
        "size_pct": 10,
        "phasing_pct": {NEXT: 100},
        "evidence": "moderate",
    }
    scheme.update(changes)
    return scheme


def flat_plan_with(*schemes, beds=None):
    data = plan_with(*schemes)
    data["assumptions"].update(copy.deepcopy(FLAT_EMERGENCY))
    if beds is not None:
        data["organisations"][1]["capacity"] = {"beds": beds}
    return data


def test_shorter_stays_cut_bed_days_and_beds_but_not_admissions_or_income(params):
    result = run(params, flat_plan_with(shorter_stays()))
    beds = result.beds
    # 40,000 spells x 3.9 = 156,000 bed days; 10% shorter stays save 15,600 of them.
    assert beds.bed_days_do_nothing[0, 1, TRUST] == pytest.approx(156_000)
    assert beds.bed_days_with_plan[0, 1, TRUST] == pytest.approx(140_400)
    # Beds needed at 85%: 15,600 / (365 x 0.85) = 50.3 fewer.
    fewer = beds.required_with_plan[0, 1, TRUST] - 156_000 / (365 * 0.85)
    assert fewer == pytest.approx(-15_600 / (365 * 0.85)) and round(-fewer, 1) == 50.3
    # The beds stay (the plan does not give fewer), so occupancy falls: 140,400 / (365 x 502.82).
    assert beds.beds_with_plan[0, 1, TRUST] == pytest.approx(156_000 / (365 * 0.85))
    assert beds.occupancy_with_plan_pct[0, 1, TRUST] == pytest.approx(85 * 0.9)
    assert beds.wards_removed[0, 1, TRUST] == 0
    # Admissions, the trust's income and the CCG's spend are unchanged.
    assert result.activity_with_plan[0, 1] == pytest.approx(result.activity_do_nothing[0, 1])
    assert result.with_plan_by_org[0, 1, CCG] == pytest.approx(result.do_nothing_by_org[0, 1, CCG])
    # On paper the cost per bed day of the bed days saved goes: 10% x 50% of 90,666.67 = 4,533.33.
    # Only its variable 20% goes at once: 906.67; the other 3,626.67 is stranded until wards close.
    assert result.scheme_effect[0, 1, 0] == pytest.approx(0.10 * 0.50 * ATTRIBUTED_FLAT, abs=0.01)
    assert result.stranded[0, 1] == pytest.approx(-0.8 * 0.10 * 0.50 * ATTRIBUTED_FLAT, abs=0.01)
    assert result.capacity[0, 1] == pytest.approx(0.0)
    assert result.with_plan_by_org[0, 1, TRUST] == pytest.approx(-12_000 + 906.667, abs=0.01)
    assert np.abs(result.to_with_plan.unexplained_by_org()).max() < 1e-6


def test_shorter_stays_close_the_wards_they_empty(params):
    result = run(params, flat_plan_with(shorter_stays(), beds={BASE: 520, NEXT: 460}))
    beds = result.beds
    # The plan keeps 460 of 520 beds; 140,400 bed days need 140,400 / (365 x 0.92) = 418.1 at
    # the ceiling, so 520 - 460 = 60 beds are freed: 2 wards of 28, 2 x 1,530 released.
    assert beds.beds_with_plan[0, 1, TRUST] == pytest.approx(460)
    assert beds.wards_removed[0, 1, TRUST] == 2
    assert result.capacity[0, 1] == pytest.approx(2 * 1_530.0)
    assert result.with_plan_by_org[0, 1, TRUST] == pytest.approx(-12_000 + 906.667 + 3_060, abs=0.01)
    assert np.abs(result.to_with_plan.unexplained_by_org()).max() < 1e-6
    # Without the shorter stays the 156,000 bed days need 464.6 beds at the ceiling: one ward.
    assert run(params, flat_plan_with(beds={BASE: 520, NEXT: 460})).beds.wards_removed[0, 1, TRUST] == 1


def test_in_risk_runs_stays_follow_each_runs_delivery(params):
    data = flat_plan_with(shorter_stays(), beds={BASE: 520, NEXT: 460})
    prepared = compact(prepare(make_plan(data), params))
    central = central_rates(prepared.assumptions)
    rates = Rates(**{f.name: np.repeat(getattr(central, f.name), 2, axis=0) for f in fields(Rates)})
    delivered = central_effect(prepared.schemes)
    stages = Stages(prepared, rates, np.concatenate([delivered, np.zeros_like(delivered)]), all_cells=False)
    assert stages.beds.bed_days_with_plan[:, 1, TRUST] == pytest.approx([140_400, 156_000])
    assert list(stages.beds.wards_removed[:, 1, TRUST]) == [2, 1]


def test_shorter_stays_are_a_providers_share_of_bed_days(params):
    problems = check_plan(make_plan(flat_plan_with(shorter_stays(owner="C1"), shorter_stays(
        id="LOS2", size_pct=None, size_gbp000=1_000))))
    messages = {p.loc: p.message for p in problems}
    assert "must be owned by a provider" in messages[("schemes", 0, "owner")]
    assert "size_pct" in messages[("schemes", 1, "size_gbp000")]
    with pytest.raises(ValueError, match="length_of_stay"):
        make_plan(flat_plan_with(shorter_stays(acts_on={"kind": "length_of_stay", "service_line": "outpatient"})))

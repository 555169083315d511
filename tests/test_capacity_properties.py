"""Invariants of cost behaviour, capacity and activity that moves, checked on generated plans
and on a pair of identical trusts.

Expected values are worked out from the ledger arrays (``lines_*``, ``activity_*``,
``arrivals_with_plan``) and the plan itself, not from the engine's own totals, wherever that is
possible: the position on paper, for instance, is rebuilt here from each scheme's size and
phasing and the lines it acts on."""

from __future__ import annotations

import copy
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from conftest import make_plan
from stpkit.domain import check_plan
from stpkit.engine.ledger import Behaviour, LineKind
from stpkit.engine.model import PlanResult, run_plan
from stpkit.engine.schemes import central_effect
from stpkit.reference.parameters import load_parameters
from strategies import SCHEME_KINDS, plans

PARAMS = load_parameters()
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run(data) -> PlanResult:
    plan = make_plan(data)
    assert check_plan(plan) == []
    return run_plan(plan, PARAMS)


def _tolerance(*arrays: np.ndarray) -> float:
    """An absolute tolerance for sums of floats of this size."""
    return 1e-9 * max([1.0] + [float(np.abs(a).max(initial=0.0)) for a in arrays])


def _semi_fixed_share(result: PlanResult) -> float:
    return result.assumptions.series("cost_semi_fixed_share_pct", "acute_trust")[0] / 100.0


def _variable_share(result: PlanResult) -> float:
    return result.assumptions.series("cost_variable_share_pct", "acute_trust")[0] / 100.0


def _scheme_cells(result: PlanResult, scheme) -> list[int]:
    """The activity cells a scheme acts on, as plan-format.md describes them: a commissioner's
    spend on the line (with the providers it names, if any); everything a provider is paid for
    on the line, whoever pays."""
    codes = result.ledger.org_codes
    owner = codes.index(scheme.owner)
    named = {codes.index(p) for p in scheme.acts_on.providers}
    return [
        c
        for c, cell in enumerate(result.ledger.cells)
        if cell.service_line == scheme.acts_on.service_line
        and ((cell.payer == owner and (not named or cell.provider in named)) or cell.provider == owner)
    ]


def _paper_lines(result: PlanResult) -> np.ndarray:
    """``(years, lines)`` of the do-nothing ledger with every scheme as planned and all the cost
    of the activity it avoids gone: the engine's ``lines_paper`` with the lines of activity that
    arrives set to nil. Each component keeps ``1 - effect`` (or adds ``effect``) of the lines it acts
    on; components on the same line multiply."""
    schemes = result.schemes
    effect = central_effect(schemes)[0]  # (years, components): size x phasing
    factor = np.ones_like(result.lines_do_nothing[0])
    for k in range(schemes.n_components):
        change = 1.0 + schemes.direction[k] * np.minimum(effect[:, k], 1.0)
        factor[:, schemes.paper[k].astype(bool)] *= change[:, None]
    return result.lines_do_nothing[0] * factor * ~result.ledger.is_arrival


def _provider_costs(result: PlanResult, lines: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(years, orgs)``: the sum of the chosen lines of each organisation."""
    ledger = result.ledger
    out = np.zeros((lines.shape[0], ledger.n_orgs))
    for o in range(ledger.n_orgs):
        out[:, o] = lines[:, mask & (ledger.org == o)].sum(axis=1)
    return out


def _capacity_released(result: PlanResult) -> np.ndarray:
    """``(years, orgs)``: the most that closing wards and sites can release, from the plan's
    sites and the wards removed: a ward's semi-fixed cost (national, grown with pay inflation,
    at the provider's share) per ward, up to the provider's do-nothing semi-fixed cost of bedded
    activity; and each closed site's share of its do-nothing fixed cost (its
    ``fixed_cost_share_pct``, else its share of the base-year beds)."""
    ledger, plan, a = result.ledger, result.plan, result.assumptions
    dn = result.lines_do_nothing[0]
    cost = (ledger.kind == LineKind.COST) & ~ledger.is_arrival
    semi_bedded = cost & (ledger.behaviour == Behaviour.SEMI_FIXED) & ledger.bedded
    fixed = cost & (ledger.behaviour == Behaviour.FIXED)
    pay = a.series("cost_inflation_pct", "pay") / 100.0
    pay_index = np.cumprod(np.concatenate([[1.0], 1.0 + pay[1:]]))
    ward_cost = a.series("ward_semi_fixed_cost_gbp000") * pay_index
    years = list(result.years)
    out = np.zeros((len(years), ledger.n_orgs))
    for o, org in enumerate(plan.organisations):
        own = ledger.org == o
        semi_dn = dn[:, semi_bedded & own].sum(axis=1)
        wards = result.beds.wards_removed[0, :, o]
        out[:, o] += np.minimum(wards * ward_cost * ledger.org_share[o], semi_dn)
        if org.capacity is None:
            continue
        base_beds = org.capacity.beds.get(years[0], result.beds.beds_do_nothing[0, 0, o])
        closed = np.zeros(len(years))
        for site in org.capacity.sites:
            if site.closes is None:
                continue
            if site.fixed_cost_share_pct is not None:
                share = site.fixed_cost_share_pct / 100.0
            else:
                share = min(1.0, site.beds / base_beds) if base_beds > 0 else 0.0
            closed += share * np.array([y >= site.closes for y in years])
        out[:, o] += np.minimum(closed, 1.0) * dn[:, fixed & own].sum(axis=1)
    return out


# ---- a. activity moved between members is conserved -------------------------------------------


def _assert_moved_activity_is_conserved(result: PlanResult) -> None:
    (scheme,) = result.plan.schemes
    cells = _scheme_cells(result, scheme)
    dn, wp = result.activity_do_nothing[0], result.activity_with_plan[0]
    others = np.setdiff1d(np.arange(dn.shape[1]), cells)
    assert np.array_equal(dn[:, others], wp[:, others])  # no other cell loses activity
    left = (dn[:, cells] - wp[:, cells]).sum(axis=1)
    arrived = result.arrivals_with_plan[0]
    per_unit = sum(d.share_pct / 100.0 * d.units_per_unit for d in scheme.acts_on.to)
    tol = _tolerance(dn, arrived)
    assert np.allclose(arrived.sum(axis=1), per_unit * left, rtol=1e-9, atol=tol)
    # And each receiving provider and line gets its own share.
    codes = result.ledger.org_codes
    expected: dict[tuple, float] = defaultdict(float)
    for d in scheme.acts_on.to:
        line = d.service_line or scheme.acts_on.service_line
        expected[(codes.index(d.provider), line)] += d.share_pct / 100.0 * d.units_per_unit
    got: dict[tuple, np.ndarray] = defaultdict(lambda: np.zeros(len(left)))
    for i, arrival in enumerate(result.ledger.arrivals):
        got[(arrival.provider, arrival.service_line)] += arrived[:, i]
    assert set(got) <= set(expected)
    for key, weight in expected.items():
        assert np.allclose(got[key], weight * left, rtol=1e-9, atol=tol)


@SETTINGS
@given(plans(max_schemes=1, min_schemes=1, kinds=("shift",), external=False))
def test_activity_moved_between_members_is_conserved(data):
    assume(len(data["schemes"]) == 1)
    _assert_moved_activity_is_conserved(_run(data))


def _ccg_shift_with_external_spend() -> dict:
    """A CCG buys outpatient care from T0 and from a provider outside the footprint, and moves
    20% of all its outpatient activity to T1."""
    return {
        "footprint": {"code": "E54000036"},
        "title": "Shift of activity bought outside",
        "base_year": "2016/17",
        "horizon": "2017/18",
        "organisations": [
            {
                "code": "C0",
                "name": "CCG",
                "kind": "ccg",
                "baseline": {
                    "allocation_gbp000": 10_000,
                    "spend_gbp000": [
                        {"service_line": "outpatient", "provider": "T0", "value_gbp000": 1_200},
                        {"service_line": "outpatient", "external_provider": "Elsewhere", "value_gbp000": 1_200},
                    ],
                },
            },
            *(
                {
                    "code": code,
                    "name": code,
                    "kind": "acute_trust",
                    "baseline": {"activity": {"outpatient": 10_000}, "expenditure_gbp000": {"pay": 1_200}},
                }
                for code in ("T0", "T1")
            ),
        ],
        "schemes": [
            {
                "id": "S0",
                "name": "Outpatients closer to home",
                "category": "new_care_models",
                "owner": "C0",
                "acts_on": {
                    "kind": "shift",
                    "service_line": "outpatient",
                    "to": [{"provider": "T1", "share_pct": 100}],
                },
                "size_pct": 20,
                "phasing_pct": {"2017/18": 100},
                "evidence": "moderate",
            }
        ],
    }


def test_activity_moved_away_from_outside_providers_shows_only_where_it_arrives():
    """Activity a CCG buys outside the footprint is not counted in ``activity_*`` (its cells
    have no units), but a shift of it brings units (its spend at the national price) to the
    receiving member. Here 2,000 outpatient attendances leave T0 and 2,000 leave Elsewhere: only
    T0's show as leaving in the activity arrays, all 4,000 arrive at T1. The property above is
    therefore stated for activity moved between members."""
    result = _run(_ccg_shift_with_external_spend())
    growth = result.activity_do_nothing[0, 1, 0] / result.activity_do_nothing[0, 0, 0]
    left = (result.activity_do_nothing[0, 1] - result.activity_with_plan[0, 1]).sum()
    assert left == pytest.approx(2_000 * growth)
    assert result.arrivals_with_plan[0, 1].sum() == pytest.approx(4_000 * growth)
    from_outside = [i for i, a in enumerate(result.ledger.arrivals) if result.ledger.cells[a.cell].provider < 0]
    assert result.arrivals_with_plan[0, 1, from_outside].sum() == pytest.approx(2_000 * growth)


def _moved_out(result: PlanResult) -> tuple[np.ndarray, dict[int, set[int]]]:
    """``(years, cells)``: the units each cell sends away, from the arrivals (each scheme's
    arrivals divided by its units per unit moved); and the shift components acting on each cell."""
    ledger, schemes = result.ledger, result.schemes
    out = np.zeros_like(result.activity_do_nothing[0])
    shifts: dict[int, set[int]] = defaultdict(set)
    for i, arrival in enumerate(ledger.arrivals):
        to = result.plan.schemes[schemes.components[arrival.component].scheme].acts_on.to
        per_unit = sum(d.share_pct / 100.0 * d.units_per_unit for d in to)
        out[:, arrival.cell] += result.arrivals_with_plan[0, :, i] / per_unit
        shifts[arrival.cell].add(arrival.component)
    return out, shifts


@SETTINGS
@given(plans(max_schemes=4, min_schemes=2, kinds=("activity", "shift"), external=False))
def test_no_more_activity_arrives_than_leaves(data):
    """With other schemes on the same cells, a shift moves no more than the cells lose. (Cells
    that two shifts act on are the subject of the next test.)"""
    result = _run(data)
    moved, shifts = _moved_out(result)
    left = result.activity_do_nothing[0] - result.activity_with_plan[0]
    single = [c for c, components in shifts.items() if len(components) == 1]
    tol = _tolerance(result.activity_do_nothing)
    assert np.all(moved[:, single] <= left[:, single] + tol)


def _two_shifts_of_the_same_activity() -> dict:
    data = _twin_trusts("outpatient", owner="T1")
    data["schemes"][0]["size_pct"] = 60
    second = copy.deepcopy(data["schemes"][0])
    second["id"] = "MOVE2"
    data["schemes"].append(second)
    return data


def test_two_shifts_of_the_same_activity_move_no_more_than_leaves():
    result = _run(_two_shifts_of_the_same_activity())
    moved, _ = _moved_out(result)
    left = result.activity_do_nothing[0] - result.activity_with_plan[0]
    assert np.all(moved.sum(axis=1) <= left.sum(axis=1) + 1e-6)


def test_two_shifts_between_twins_change_nothing_for_the_footprint():
    result = _run(_two_shifts_of_the_same_activity())
    assert np.allclose(result.with_plan[0], result.do_nothing[0], rtol=0, atol=1e-6)


# ---- b. total cost never falls by more than the cost removed ----------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_cost_never_falls_by_more_than_the_cost_removed(data):
    result = _run(data)
    ledger = result.ledger
    cost = (ledger.kind == LineKind.COST) & ~ledger.is_arrival
    dn, wp = result.lines_do_nothing[0], result.lines_with_plan[0]
    paper = _paper_lines(result)
    fall = _provider_costs(result, dn - wp, cost)
    paper_fall = _provider_costs(result, dn - paper, cost)
    released = _capacity_released(result)
    tol = _tolerance(dn)
    # Provider by provider, and so for the footprint: with the plan, no more cost goes than the
    # schemes remove on paper plus what closing wards and sites releases.
    assert np.all(fall <= paper_fall + released + tol)
    # The schemes alone (no capacity closed) never save more than on paper.
    assert np.all(paper_fall >= -tol)
    # And the engine's own steps agree: stranded cost is never a gain, closing capacity never a cost.
    assert np.all(result.stranded_by_org[0] <= tol)
    assert np.all(result.capacity_by_org[0] >= -tol)


@SETTINGS
@given(plans(kinds=tuple(k for k in SCHEME_KINDS if k != "shift")))
def test_paper_position_rebuilt_from_the_ledger_matches_the_engine(data):
    """A check on the rebuilt paper ledger used above: with no activity moved it gives the
    engine's paper position of every organisation."""
    result = _run(data)
    signed = _paper_lines(result) @ result.ledger.org_matrix()
    investment = np.zeros_like(signed)
    for s, owner in enumerate(result.schemes.owner):
        investment[:, owner] += result.schemes.investment_gbp000[:, s]
    assert np.allclose(signed - investment, result.paper_by_org[0], rtol=0, atol=_tolerance(signed))


@SETTINGS
@given(plans(max_schemes=1, min_schemes=1))
def test_a_scheme_alone_strands_what_the_plan_strands(data):
    """With one scheme, the cost it alone leaves behind is the plan's stranded cost."""
    result = _run(data)
    assume(result.schemes.n == 1)
    tol = _tolerance(result.lines_do_nothing)
    assert np.allclose(result.stranded_by_scheme[0, :, 0], -result.stranded[0], rtol=1e-9, atol=tol)


# ---- c. stranded + released = cost of the activity avoided ------------------------------------


def _avoided_and_released(result: PlanResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per year: the cost of the activity avoided (the fall on paper of every cost line of the
    cells the schemes act on), what really goes with the plan (the fall in those lines), and
    the fall in their variable part."""
    ledger = result.ledger
    cells = sorted({c for scheme in result.plan.schemes for c in _scheme_cells(result, scheme)})
    touched = (ledger.kind == LineKind.COST) & ~ledger.is_arrival & np.isin(ledger.cell, cells)
    dn, wp, paper = result.lines_do_nothing[0], result.lines_with_plan[0], _paper_lines(result)
    # Nothing else moves: the other cost lines are the same on paper and with the plan.
    cost = ledger.kind == LineKind.COST
    assert np.array_equal(paper[:, cost & ~touched], dn[:, cost & ~touched])
    assert np.array_equal(wp[:, cost & ~touched], dn[:, cost & ~touched])
    variable = touched & (ledger.behaviour == Behaviour.VARIABLE)
    return (
        (dn - paper)[:, touched].sum(axis=1),
        (dn - wp)[:, touched].sum(axis=1),
        (dn - wp)[:, variable].sum(axis=1),
    )


@SETTINGS
@given(plans(kinds=("activity",), capacity_changes=False))
def test_stranded_plus_variable_released_is_the_cost_of_activity_avoided(data):
    result = _run(data)
    avoided, released, variable = _avoided_and_released(result)
    stranded = -result.stranded[0]
    tol = _tolerance(result.lines_do_nothing)
    assert np.allclose(avoided, variable + stranded, rtol=0, atol=tol)
    # Without capacity removed only the variable part goes, and it goes in proportion: every
    # trust here is acute, so 20% of the cost of the avoided activity is released, 80% stays.
    v = _variable_share(result)
    assert np.allclose(released, variable, rtol=0, atol=tol)
    assert np.allclose(variable, v * avoided, rtol=1e-9, atol=tol)
    assert np.allclose(stranded, (1 - v) * avoided, rtol=1e-9, atol=tol)
    assert np.allclose(result.capacity[0], 0.0, atol=tol)


@SETTINGS
@given(plans(kinds=("activity",), capacity=False, capacity_changes=True))
def test_capacity_removed_from_releases_at_most_the_semi_fixed_part(data):
    """With ``capacity_removed_from`` the semi-fixed cost of clinics and teams goes too (not of
    beds, nor fixed cost): stranded plus released is still the cost avoided, and what is
    released lies between the variable part and the variable and semi-fixed parts."""
    result = _run(data)
    avoided, released, _ = _avoided_and_released(result)
    stranded = -result.stranded[0]
    tol = _tolerance(result.lines_do_nothing)
    assert np.allclose(avoided, released + stranded, rtol=0, atol=tol)
    v, s = _variable_share(result), _semi_fixed_share(result)
    assert np.all(released >= v * avoided - tol)
    assert np.all(released <= (v + s) * avoided + tol)
    if not any(scheme.capacity_removed_from for scheme in result.plan.schemes):
        assert np.allclose(released, v * avoided, rtol=1e-9, atol=tol)


# ---- d. moving activity between members -------------------------------------------------------

YEARS = ("2016/17", "2017/18", "2018/19", "2019/20")
CCG, FIRST, SECOND = 0, 1, 2


def _twin_trusts(line: str, *, phasing=None, lead_time: int = 0, capacity_from: str | None = "2017/18", owner="C1"):
    """Two identical acute trusts, each paid by one CCG 20,000 for 100,000 outpatient
    attendances and 60,000 for 30,000 emergency spells, with 5,000 of education income and
    90,000 of cost; a shift of 10% of ``line`` from the first to the second."""
    trust = {
        "kind": "acute_trust",
        "baseline": {
            "activity": {"outpatient": 100_000, "non_elective": 30_000},
            "income_gbp000": [{"source": "education_training", "value_gbp000": 5_000}],
            "expenditure_gbp000": {"pay": 60_000, "drugs": 10_000, "other": 20_000},
        },
    }
    scheme = {
        "id": "MOVE",
        "name": "Move activity to the neighbour",
        "category": "service_reconfiguration",
        "owner": owner,
        "acts_on": {
            "kind": "shift",
            "service_line": line,
            "to": [{"provider": "T2", "share_pct": 100}],
            "lead_time_years": lead_time,
        },
        "size_pct": 10,
        "phasing_pct": phasing or {"2017/18": 100},
        "evidence": "moderate",
    }
    if owner == "C1":
        scheme["acts_on"]["providers"] = ["T1"]
    if capacity_from is not None:
        scheme["capacity_removed_from"] = capacity_from
    return {
        "footprint": {"code": "E54000036"},
        "title": "Twin trusts",
        "base_year": YEARS[0],
        "horizon": YEARS[-1],
        "organisations": [
            {
                "code": "C1",
                "name": "CCG",
                "kind": "ccg",
                "baseline": {
                    "allocation_gbp000": 170_000,
                    "spend_gbp000": [
                        {"service_line": line_, "provider": code, "value_gbp000": value}
                        for code in ("T1", "T2")
                        for line_, value in (("outpatient", 20_000), ("non_elective", 60_000))
                    ],
                },
            },
            {"code": "T1", "name": "First", **copy.deepcopy(trust)},
            {"code": "T2", "name": "Second", **copy.deepcopy(trust)},
        ],
        "schemes": [scheme],
    }


def _paper_cost_fall(result: PlanResult, org: int) -> np.ndarray:
    """``(years,)``: the fall in an organisation's own cost (not of activity arriving) on paper."""
    ledger = result.ledger
    own_cost = (ledger.kind == LineKind.COST) & ~ledger.is_arrival & (ledger.org == org)
    return (result.lines_do_nothing[0] - _paper_lines(result))[:, own_cost].sum(axis=1)


@pytest.mark.parametrize("owner", ["C1", "T1"])
@pytest.mark.parametrize("phasing", [{"2017/18": 100}, {"2017/18": 40, "2019/20": 60}])
def test_moving_unbedded_activity_between_twins_changes_nothing_for_the_footprint(owner, phasing):
    result = _run(_twin_trusts("outpatient", phasing=phasing, owner=owner))
    dn, wp = result.do_nothing_by_org[0], result.with_plan_by_org[0]
    # The twins are identical in the do-nothing.
    assert dn[:, FIRST] == pytest.approx(dn[:, SECOND])
    # The second trust is paid the first's price and bears the first's variable and semi-fixed
    # cost, which the first sheds because its clinics go in the same year; the fixed cost stays
    # with the first but the second needs no new site. So the footprint is exactly as it was...
    assert np.allclose(wp.sum(axis=1), dn.sum(axis=1), rtol=0, atol=1e-6)
    # ...while the first loses income beyond the cost it sheds and the second gains it.
    moved = (result.activity_do_nothing[0] - result.activity_with_plan[0]).sum(axis=1)
    assert np.all(moved[1:] > 0) and np.allclose(result.arrivals_with_plan[0].sum(axis=1), moved)
    assert np.all(wp[1:, FIRST] < dn[1:, FIRST])
    assert np.all(wp[1:, SECOND] > dn[1:, SECOND])
    assert wp[1:, FIRST] - dn[1:, FIRST] == pytest.approx(-(wp[1:, SECOND] - dn[1:, SECOND]))
    assert wp[:, CCG] == pytest.approx(dn[:, CCG])  # the payer pays the same price for it


def test_double_running_and_late_removal_of_clinics_cost_the_footprint_until_they_end():
    on_time = _run(_twin_trusts("outpatient", phasing={"2018/19": 100}, capacity_from="2018/19"))
    early = _run(_twin_trusts("outpatient", phasing={"2018/19": 100}, capacity_from="2018/19", lead_time=1))
    late = _run(_twin_trusts("outpatient", phasing={"2018/19": 100}, capacity_from="2019/20"))
    never = _run(_twin_trusts("outpatient", phasing={"2018/19": 100}, capacity_from=None))

    def change(result):
        return result.with_plan[0] - result.do_nothing[0]

    assert np.allclose(change(on_time), 0.0, atol=1e-6)
    # The second trust runs the new clinics a year before the activity comes.
    assert change(early)[1] < 0 and np.allclose(change(early)[[0, 2, 3]], 0.0, atol=1e-6)
    # The first keeps its clinics a year after the activity has gone.
    assert change(late)[2] < 0 and np.allclose(change(late)[[0, 1, 3]], 0.0, atol=1e-6)
    # Never removed: the first trust keeps the semi-fixed cost of the clinics for good, while
    # the second pays for its own; the footprint loses that share of the cost the first avoids.
    assert np.all(change(never)[2:] < 0)
    assert np.allclose(change(never), -_semi_fixed_share(never) * _paper_cost_fall(never, FIRST), atol=1e-6)


def test_moving_bedded_activity_between_twins_costs_the_footprint_unless_beds_close():
    data = _twin_trusts("non_elective")
    result = _run(data)
    change = result.with_plan[0] - result.do_nothing[0]
    # Beds do not close because activity leaves: the first trust keeps its wards, so the
    # semi-fixed cost of the spells it no longer treats stays with it (capacity_removed_from
    # covers clinics and teams, not beds), while the second trust pays for the new capacity
    # it needs to treat them (its variable and semi-fixed cost). The footprint pays twice for
    # the semi-fixed part: it is worse off, by exactly that part of the cost the first avoids.
    assert change[0] == pytest.approx(0.0, abs=1e-6)
    assert np.all(change[1:] < 0)
    assert np.allclose(change, -_semi_fixed_share(result) * _paper_cost_fall(result, FIRST), atol=1e-6)
    beds = result.beds
    assert np.all(beds.beds_with_plan[0, 1:, SECOND] > beds.beds_do_nothing[0, 1:, SECOND])
    assert np.all(beds.wards_removed[0, :, FIRST] == 0)

    # Closing the first trust's beds releases semi-fixed cost ward by ward, but only wards of
    # beds its activity no longer needs even at the occupancy ceiling. A tenth of its spells
    # leave: of its 377 beds (at 85%), 377 - 0.9 x 377 x 85 / 92 = 63.5 are freed, growing with
    # demand to under 84, so two wards. Cutting four wards' beds releases no more than two.
    base_beds = int(np.round(beds.beds_do_nothing[0, 0, FIRST]))
    for cut in (2, 4):
        data["organisations"][FIRST]["capacity"] = {"beds": {YEARS[0]: base_beds, YEARS[1]: base_beds - cut * 28}}
        closed = _run(data)
        gain = (closed.with_plan[0] - closed.do_nothing[0]) - change
        assert np.all(closed.beds.wards_removed[0, 1:, FIRST] == 2)
        assert np.allclose(gain, _capacity_released(closed)[:, FIRST], rtol=1e-9, atol=1e-6)
        assert np.all(gain[1:] > 0)


# ---- workforce -------------------------------------------------------------------------------


def test_replacing_agency_shifts_keeps_the_establishment():
    data = _twin_trusts("outpatient")
    data["schemes"] = [
        {
            "id": "BANK",
            "name": "Nurse bank",
            "category": "efficiency",
            "owner": "T1",
            "acts_on": {"kind": "workforce", "staff_group": "nursing"},
            "size_pct": 50,
            "phasing_pct": {"2017/18": 100},
            "evidence": "moderate",
        }
    ]
    workforce = _run(data).workforce
    assert np.all(workforce.agency_with_plan[1:, FIRST, 0] < workforce.vacancies_with_plan[1:, FIRST, 0])
    # The same posts are filled, half the agency shifts now by bank staff: no fewer posts.
    assert np.allclose(workforce.establishment_with_plan, workforce.establishment_do_nothing, rtol=1e-12)


# ---- beds ------------------------------------------------------------------------------------


@SETTINGS
@given(plans(capacity_changes=False))
def test_beds_grow_where_activity_arrives(data):
    """Without beds closed, a provider's beds with the plan hold its bed days (its own and those
    that arrive) at no more than today's occupancy, or the target for a provider with no bed
    days today."""
    result = _run(data)
    beds = result.beds
    target = beds.occupancy_target_pct / 100.0
    for o, kind in enumerate(result.ledger.org_kinds):
        days_today, beds_today = beds.bed_days_do_nothing[0, 0, o], beds.beds_do_nothing[0, 0, o]
        if not kind.is_provider or (days_today > 0 and beds_today == 0):
            continue  # no beds today for the bed days it has: no occupancy to keep
        occupancy = days_today / (365.0 * beds_today) if days_today > 0 else target
        needed = beds.bed_days_with_plan[0, :, o] / (365.0 * occupancy)
        assert np.all(beds.beds_with_plan[0, :, o] >= needed * (1 - 1e-9))


def test_emergency_admissions_moved_to_a_trust_without_beds_get_beds():
    """The second twin has no emergency activity of its own (and so no bed days today); the
    spells that arrive need beds at the target occupancy."""
    data = _twin_trusts("non_elective")
    spend = data["organisations"][CCG]["baseline"]["spend_gbp000"]
    spend[:] = [s for s in spend if (s["provider"], s["service_line"]) != ("T2", "non_elective")]
    data["organisations"][SECOND]["baseline"]["activity"] = {"outpatient": 100_000}
    beds = _run(data).beds
    days = beds.bed_days_with_plan[0, 1:, SECOND]
    assert np.all(days > 0)
    assert beds.beds_with_plan[0, 1:, SECOND] == pytest.approx(days / (365 * 0.85))
    assert beds.occupancy_with_plan_pct[0, 1:, SECOND] == pytest.approx(85.0)

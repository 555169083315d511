"""Assurance rules, gaps and the rating against numbers worked out by hand, on the CCG and trust
of conftest.two_org_data (2016/17 and 2017/18, round-number rates from simple_assumptions).

From test_engine_handworked: in 2017/18 the trust's do-nothing costs are 106,533.33 (pay
63,920.00), the footprint's do-nothing position is -14,533.33, the CCG's allocation is 103,000,
and a 10% cut in emergency admissions saves the CCG 8,400 and the footprint 9,520 (10% of the
95,200 of trust cost attributed to those spells)."""

from __future__ import annotations

import csv
from datetime import date
from importlib.resources import files
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import BASE, NEXT, demand_scheme, make_plan, pay_scheme, two_org_data
from stpkit.assurance import RULES, Context, assess, work_out_gaps
from stpkit.assurance.gaps import IndicatorResult
from stpkit.assurance.rating import category_for, combine, findings_score
from stpkit.domain import Better, IndicatorGap, RatingCategory, RatingComponent, Severity
from stpkit.engine.model import run_plan
from stpkit.examples import example_paths
from stpkit.inputs.plan_file import load_plan

RULE = {rule.id: rule for rule in RULES}


def context(params, data, risk=None) -> Context:
    plan = make_plan(data)
    return Context(plan, run_plan(plan, params), params, risk)


def findings(params, rule_id: str, data, risk=None):
    return RULE[rule_id].check(context(params, data, risk))


def with_schemes(*schemes, **changes):
    data = two_org_data()
    data["schemes"] = list(schemes)
    data.update(changes)
    return data


def with_beds(beds: dict[str, int], **changes):
    data = with_schemes(**changes)
    data["organisations"][1]["capacity"] = {"beds": beds}
    return data


# ---- finance --------------------------------------------------------------------------------


def test_a01_deficit_in_the_final_year(params):
    # No schemes: with the plan = do nothing = -14,533.33 in 2017/18; nothing of the gap closed.
    (found,) = findings(params, "A01", with_schemes())
    assert found.year == NEXT and found.severity is Severity.ERROR
    assert found.numbers["with_plan_gbp000"] == pytest.approx(-14_533.333, abs=0.01)
    assert found.numbers["closed_by_plan_gbp000"] == pytest.approx(0.0, abs=1e-6)
    assert found.numbers["gap_closed_pct"] == pytest.approx(0.0, abs=1e-6)
    assert "deficit of £14.5m" in found.message


def test_a01_silent_when_the_plan_balances(params):
    # A published allocation of 123,000 in 2017/18 (20,000 above the 3% growth) turns the
    # -14,533.33 into +5,466.67.
    data = with_schemes()
    data["organisations"][0]["baseline"]["allocations_gbp000"] = {NEXT: 123_000}
    assert findings(params, "A01", data) == []


def test_a02_median_of_the_risk_runs(params):
    # A stub of the risk summary: P10 -30,000, P50 -5,000, P90 +20,000; 42% of 500 runs balance.
    risk = SimpleNamespace(
        percentiles=np.array([[0, -30_000.0], [0, -5_000.0], [0, 20_000.0]]),
        p_balance=np.array([1.0, 0.42]),
        central=np.array([0.0, 1_000.0]),
        runs=500,
    )
    (found,) = findings(params, "A02", with_schemes(), risk)
    assert found.numbers == {
        "p10_gbp000": -30_000.0,
        "p50_gbp000": -5_000.0,
        "p90_gbp000": 20_000.0,
        "central_gbp000": 1_000.0,
        "probability_of_balance_pct": 42.0,
        "runs": 500.0,
    }
    assert "although the central case balances" in found.message
    risk.percentiles[1, -1] = 0.0  # the median balances: nothing to say
    assert findings(params, "A02", with_schemes(), risk) == []


def test_a03_provider_efficiency_ceiling(params):
    # 6% of do-nothing pay 63,920 = 3,835.20 in 2017/18, against trust costs of 106,533.33:
    # 3.6% in the year, above the 3.0% ceiling.
    (found,) = findings(params, "A03", with_schemes(pay_scheme(size_pct=6)))
    assert (found.subject, found.year) == ("T1", NEXT)
    assert found.numbers["saving_in_year_gbp000"] == pytest.approx(3_835.2)
    assert found.numbers["cost_gbp000"] == pytest.approx(106_533.333, abs=0.01)
    assert found.numbers["efficiency_pct"] == pytest.approx(3.6)
    assert found.numbers["ceiling_pct"] == 3.0
    # 5% of pay is 3,196.00, exactly 3.0% of costs: at the ceiling, not above it.
    assert findings(params, "A03", with_schemes(pay_scheme(size_pct=5))) == []


def test_a04_commissioner_efficiency_ceiling(params):
    # The CCG pays 8,400 less in 2017/18: 8,400 / 103,000 = 8.155% of its allocation, above 2%.
    (found,) = findings(params, "A04", with_schemes(demand_scheme()))
    assert found.subject == "C1"
    assert found.numbers["saving_in_year_gbp000"] == pytest.approx(8_400.0)
    assert found.numbers["allocation_gbp000"] == pytest.approx(103_000.0)
    assert found.numbers["efficiency_pct"] == pytest.approx(100 * 8_400 / 103_000)
    # A 2% cut saves 1,680, 1.63% of the allocation: within the ceiling.
    assert findings(params, "A04", with_schemes(demand_scheme(size_pct=2))) == []


def test_a05_stranded_cost(params):
    # With acute cost 20% variable and 50% semi-fixed, the 9,520 saved on paper keeps its
    # semi-fixed and fixed part, 80% = 7,616, because no ward closes: above the 50% threshold.
    data = with_schemes(demand_scheme())
    data["assumptions"]["cost_variable_share_pct"] = {"acute_trust": {BASE: 20.0, NEXT: 20.0}}
    data["assumptions"]["cost_semi_fixed_share_pct"] = {"acute_trust": {BASE: 50.0, NEXT: 50.0}}
    (found,) = findings(params, "A05", data)
    assert found.subject == "DM"
    assert found.numbers["saving_on_paper_gbp000"] == pytest.approx(9_520.0)
    assert found.numbers["stranded_gbp000"] == pytest.approx(7_616.0)
    assert found.numbers["stranded_share_pct"] == pytest.approx(80.0)
    assert "T1 closes no wards" in found.message


def test_a05_stranded_cost_of_shorter_stays(params):
    # 10% shorter emergency stays take 10% x 50% (the cost per bed day) of the 95,200 attributed
    # to the spells off on paper, 4,760; 80% of it, 3,808, stays while the trust keeps its wards.
    stays = {
        "id": "LOS",
        "name": "Shorter stays",
        "category": "service_reconfiguration",
        "owner": "T1",
        "acts_on": {"kind": "length_of_stay", "service_line": "non_elective"},
        "size_pct": 10,
        "phasing_pct": {NEXT: 100},
        "evidence": "moderate",
    }
    data = with_schemes(stays)
    data["assumptions"]["cost_variable_share_pct"] = {"acute_trust": {BASE: 20.0, NEXT: 20.0}}
    data["assumptions"]["cost_semi_fixed_share_pct"] = {"acute_trust": {BASE: 50.0, NEXT: 50.0}}
    (found,) = findings(params, "A05", data)
    assert found.subject == "LOS"
    assert found.numbers["saving_on_paper_gbp000"] == pytest.approx(4_760.0)
    assert found.numbers["stranded_gbp000"] == pytest.approx(3_808.0)
    assert "T1 closes no wards" in found.message
    # Keeping 460 beds of the do-nothing's 546 closes wards: their semi-fixed cost goes.
    data["organisations"][1]["capacity"] = {"beds": {BASE: 520, NEXT: 460}}
    assert findings(params, "A05", data) == []


def test_a06_and_a07_beds_cut_above_target_with_nothing_in_the_community(params):
    # 40,000 emergency spells x 1.05 x 3.9 bed days = 163,800 bed days in 2017/18. Doing nothing
    # the trust's 500 beds grow with them to 525; the plan keeps 480, so 45 fewer (one 28-bed
    # ward), at 163,800 / (365 x 480) = 93.49% occupancy against 85%; at 85% it would need
    # 163,800 / (365 x 0.85) = 527.96 beds.
    data = with_beds({BASE: 500, NEXT: 480})
    (full,) = findings(params, "A06", data)
    assert (full.subject, full.year) == ("T1", NEXT)
    assert full.numbers["occupancy_pct"] == pytest.approx(100 * 163_800 / (365 * 480))
    assert full.numbers["target_pct"] == 85.0
    assert full.numbers["beds_with_plan"] == pytest.approx(480.0)
    assert full.numbers["beds_do_nothing"] == pytest.approx(525.0)
    assert full.numbers["beds_needed"] == pytest.approx(163_800 / (365 * 0.85))
    (empty,) = findings(params, "A07", data)
    assert empty.numbers == {
        "beds_removed": pytest.approx(45.0),
        "wards_removed": 1.0,
        "community_schemes": 0.0,
        "years_late": 0.0,
    }
    # A neighbourhood team paid for from 2017/18 is care outside hospital in place in time.
    team = demand_scheme(id="NBH", category="new_care_models", revenue_investment_gbp000={NEXT: 300})
    data["schemes"] = [team]
    assert findings(params, "A07", data) == []


def test_a06_severity_scales_with_occupancy(params):
    # 163,800 bed days in 2017/18; doing nothing the trust has 525 beds.
    # 510 beds: 163,800 / (365 x 510) = 87.99%, above the 85% target but under the 92%
    # ceiling: a warning.
    (near,) = findings(params, "A06", with_beds({BASE: 500, NEXT: 510}))
    assert near.severity is Severity.WARNING
    assert near.numbers["occupancy_pct"] == pytest.approx(100 * 163_800 / (365 * 510))
    assert near.numbers["ceiling_pct"] == 92.0
    # 420 beds: 163,800 / (365 x 420) = 106.85%, above the ceiling: an error that names the
    # trust, the year, the occupancy and the ceiling. Even at 92% the trust's activity needs
    # 163,800 / (365 x 0.92) = 487.79 beds, 67.79 more than it keeps.
    (over,) = findings(params, "A06", with_beds({BASE: 500, NEXT: 420}))
    assert over.severity is Severity.ERROR
    assert (over.subject, over.year) == ("T1", NEXT)
    assert over.numbers["occupancy_pct"] == pytest.approx(100 * 163_800 / (365 * 420))
    assert over.numbers["ceiling_pct"] == 92.0
    assert over.numbers["beds_needed_at_ceiling"] == pytest.approx(163_800 / (365 * 0.92))
    for words in ("Example Trust (T1)", "2017/18", "106.8%", "92%"):
        assert words in over.message, words
    # 480 beds, 93.49%, is above the ceiling too.
    assert findings(params, "A06", with_beds({BASE: 500, NEXT: 480}))[0].severity is Severity.ERROR


def test_a06_the_cornwall_example_with_too_few_beds(params):
    """The Cornwall example with Royal Cornwall Hospitals (REF) set to 1,050 beds from 2017/18,
    as a footprint might type into the submission workbook: doing nothing it would have 1,307 to
    1,425 beds at 85%, so it runs at 105% to 109% occupancy, above the 92% ceiling."""
    plan = load_plan(example_paths()["cornwall_and_isles_of_scilly"], params)
    data = plan.model_dump(mode="json", exclude_none=True)
    (trust,) = [o for o in data["organisations"] if o["code"] == "REF"]
    trust.setdefault("capacity", {})["beds"] = {NEXT: 1_050}
    ctx = context(params, data)
    beds, o = ctx.result.beds, ctx.org_index["REF"]
    (found,) = [f for f in RULE["A06"].check(ctx) if f.subject == "REF"]
    occupancy = beds.bed_days_with_plan[0, -1, o] / (365 * 1_050)
    assert found.severity is Severity.ERROR and found.year == "2020/21"
    assert found.numbers["occupancy_pct"] == pytest.approx(100 * occupancy) and occupancy > 1.05
    assert "Royal Cornwall Hospitals NHS Trust (REF)" in found.message and "92%" in found.message
    # Wards close only out of beds freed: do-nothing beds less what the activity needs at 92%
    # (more than the 1,050 the plan keeps; in 2016/17 the beds are the do-nothing's).
    needed = np.maximum(beds.beds_with_plan[0, :, o], beds.bed_days_with_plan[0, :, o] / (365 * 0.92))
    assert np.all(needed[1:] > 1_050)
    wards = np.floor(np.maximum(beds.beds_do_nothing[0, :, o] - needed, 0) / 28 + 1e-9)
    assert list(beds.wards_removed[0, :, o]) == list(wards)
    assert np.all(wards[1:] < np.floor((beds.beds_do_nothing[0, 1:, o] - 1_050) / 28))


def test_a_rule_counts_in_the_rating_at_its_worst_severity(params):
    # A06 fires for two trusts, one above the ceiling (error) and one just above the target
    # (warning): the rule costs the 20 points of an error, whichever finding comes last.
    fired = [
        SimpleNamespace(rule="A06", severity=Severity.ERROR),
        SimpleNamespace(rule="A06", severity=Severity.WARNING),
    ]
    for order in (fired, fired[::-1]):
        score, by_severity = findings_score(context(params, with_schemes()), order)
        assert score == 80.0
        assert by_severity == {Severity.ERROR: 1, Severity.WARNING: 0, Severity.INFO: 0}


def test_a08_and_a09_care_outside_hospital_not_paid_for(params):
    # A new care model with no running cost at all (A08); one whose running cost starts after
    # its saving needs a later year, so the plan runs to 2018/19 (A09).
    (unpaid,) = findings(params, "A08", with_schemes(demand_scheme(category="new_care_models")))
    assert unpaid.numbers == {"saving_gbp000": pytest.approx(9_520.0), "investment_gbp000": 0.0}
    late = demand_scheme(category="prevention", revenue_investment_gbp000={"2018/19": 250})
    (early,) = findings(params, "A09", with_schemes(late, horizon="2018/19"))
    assert (early.subject, early.year) == ("DM", NEXT)
    assert early.numbers["years_early"] == 1
    assert early.numbers["investment_gbp000"] == 250.0
    assert findings(params, "A08", with_schemes(late, horizon="2018/19")) == []


def test_a10_one_off_saving_in_a_deficit_year(params):
    # A non-recurrent 5% pay saving of 3,196 in 2017/18, the final year, when doing nothing
    # leaves -14,533.33: the plan shows -11,337.33 but recurrently the footprint is -14,533.33.
    (found,) = findings(params, "A10", with_schemes(pay_scheme(recurrent=False)))
    assert found.numbers["nonrecurrent_gbp000"] == pytest.approx(3_196.0)
    assert found.numbers["with_plan_gbp000"] == pytest.approx(-11_337.333, abs=0.01)
    assert found.numbers["recurrent_position_gbp000"] == pytest.approx(-14_533.333, abs=0.01)
    assert "in the final year" in found.message


def test_a11_and_a12_capital(params):
    # 500 of capital with no source is an error; with a named source and 200 available, 300 short.
    (unsourced,) = findings(params, "A11", with_schemes(pay_scheme(capital_gbp000={NEXT: 500})))
    assert unsourced.numbers == {"capital_gbp000": 500.0}
    sourced = with_schemes(
        pay_scheme(capital_gbp000={NEXT: 500}, capital_source="provider"),
        capital_available_gbp000={"provider": {NEXT: 200}},
    )
    assert findings(params, "A11", sourced) == []
    (short,) = findings(params, "A12", sourced)
    assert short.subject == "provider"
    assert short.numbers == {"need_gbp000": 500.0, "available_gbp000": 200.0, "shortfall_gbp000": 300.0}


def test_a13_one_weak_scheme_carries_the_plan(params):
    # Each scheme alone on paper in 2017/18: demand (weak) 9,520, pay (moderate) 3,196; the weak
    # one carries 9,520 / 12,716 = 74.9% of the savings, above 20%.
    (found,) = findings(params, "A13", with_schemes(demand_scheme(), pay_scheme()))
    assert found.subject == "DM"
    assert found.numbers["saving_gbp000"] == pytest.approx(9_520.0)
    assert found.numbers["total_savings_gbp000"] == pytest.approx(12_716.0)
    assert found.numbers["share_pct"] == pytest.approx(100 * 9_520 / 12_716)


def test_a14_two_schemes_on_the_same_admissions(params):
    # 15% and 12% of the trust's emergency admissions: 27% as written, 1 - 0.85 x 0.88 = 25.2%
    # combined, more than 25%. 15% and 9% (24%) would not be flagged.
    first, second = demand_scheme(id="DM1", size_pct=15), demand_scheme(id="DM2", size_pct=12)
    (found,) = findings(params, "A14", with_schemes(first, second))
    assert found.subject == "T1"
    assert found.numbers["combined_pct"] == pytest.approx(27.0)
    assert found.numbers["combined_multiplicative_pct"] == pytest.approx(25.2)
    assert found.numbers["schemes"] == 2
    assert findings(params, "A14", with_schemes(first, demand_scheme(id="DM2", size_pct=9))) == []


def test_a15_bodies_of_other_footprints_counted_whole(params):
    # Royal Cornwall Hospitals (REF) belongs to Cornwall (E54000036) in NHS England's lookup; in a
    # North West London plan at 100% it would be counted twice. An ambulance trust at 100% serves
    # several footprints whatever its code; at 23.5% it is counted once.
    data = with_schemes()
    data["footprint"] = {"code": "E54000027"}
    data["organisations"][1]["code"] = "REF"
    data["organisations"][0]["baseline"]["spend_gbp000"][0]["provider"] = "REF"
    ambulance = {
        "code": "AMB",
        "name": "An ambulance trust",
        "kind": "ambulance_trust",
        "baseline": {
            "activity": {"ambulance": 1_000},
            "income_gbp000": [{"source": "other_commissioners", "service_line": "ambulance", "value_gbp000": 900}],
            "expenditure_gbp000": {"pay": 1_000},
        },
    }
    data["organisations"].append(ambulance)
    found = findings(params, "A15", data)
    assert [(f.subject, f.numbers["footprints_served"]) for f in found] == [("REF", 2.0), ("AMB", 2.0)]
    assert "E54000036" in found[0].message
    ambulance["share_pct"] = 23.5
    assert [f.subject for f in findings(params, "A15", data)] == ["REF"]


def test_a16_fund_in_years_with_no_national_sum(params):
    # The providers' fund was set nationally to 2018/19 only; 1,000 counted in 2019/20 is not.
    data = with_schemes(horizon="2019/20")
    data["organisations"][1]["baseline"]["sustainability_fund_gbp000"] = {NEXT: 1_000, "2019/20": 1_000}
    (found,) = findings(params, "A16", data)
    assert found.year == "2019/20"
    assert found.numbers["fund_gbp000"] == pytest.approx(1_000.0)
    assert found.numbers["years"] == 1
    assert found.numbers["position_without_fund_gbp000"] == pytest.approx(found.numbers["with_plan_gbp000"] - 1_000)


def test_a17_prescribing_growth_written_down(params):
    # simple_assumptions set prescribing growth to 0 + 0 in 2017/18, below the national 1.3%
    # demographic growth for prescribing, and no scheme acts on prescribing. Non-elective growth
    # (2 + 3 = 5%) is above its 1.3%.
    (found,) = findings(params, "A17", with_schemes())
    assert (found.subject, found.year) == ("prescribing", NEXT)
    assert found.numbers == {"plan_growth_pct": 0.0, "demographic_growth_pct": 1.3}
    medicines = demand_scheme(id="RX", acts_on={"kind": "activity", "service_line": "prescribing"})
    assert findings(params, "A17", with_schemes(medicines)) == []


def test_a18_establishment_the_pay_bill_cannot_pay(params):
    # 1,000 nurses at £38,000 = 38,000 (£000) against 27% of 60,000 of pay = 16,200: +134.6%.
    data = with_schemes()
    data["organisations"][1]["workforce"] = {"wte": {"nursing": 1_000}}
    (found,) = findings(params, "A18", data)
    assert found.numbers["implied_pay_gbp000"] == pytest.approx(38_000.0)
    assert found.numbers["pay_gbp000"] == pytest.approx(16_200.0)
    assert found.numbers["difference_pct"] == pytest.approx(100 * (38_000 / 16_200 - 1))
    data["organisations"][1]["workforce"] = {"wte": {"nursing": 450}}  # 17,100: +5.6%
    assert findings(params, "A18", data) == []


def test_a19_and_a20_benefits_before_their_change(params):
    # Savings from 2017/18 but the capital spent in 2018/19 (A19); clinics removed only from
    # 2018/19 (A20).
    built = pay_scheme(capital_gbp000={"2018/19": 500}, capital_source="provider")
    (early,) = findings(params, "A19", with_schemes(built, horizon="2018/19"))
    assert early.numbers == {"years_early": 1.0, "capital_gbp000": 500.0}
    clinics = demand_scheme(capacity_removed_from="2018/19")
    (waiting,) = findings(params, "A20", with_schemes(clinics, horizon="2018/19"))
    assert waiting.numbers["years_early"] == 1.0
    assert waiting.numbers["stranded_before_gbp000"] >= 0


def ae_plan(receiver: str, share_to_receiver: float) -> dict:
    """The two-organisation plan with A&E: the trust (T1) sees 50,000 A&E attendances in
    2016/17, 40% of them at its District site (S2); a neighbouring trust, coded ``receiver``,
    sees 25,000. A&E and urgent care do not grow. From 2017/18 S2's department closes and
    ``share_to_receiver`` % of its patients go to the neighbour's, the rest to an urgent care
    centre at T1."""
    data = with_schemes()
    ccg, trust = data["organisations"]
    ccg["baseline"]["spend_gbp000"] += [
        {"service_line": "ae", "provider": "T1", "value_gbp000": 7_500},
        {"service_line": "non_elective", "provider": receiver, "value_gbp000": 40_000},
        {"service_line": "ae", "provider": receiver, "value_gbp000": 3_750},
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
            "code": receiver,
            "name": "Neighbour Trust",
            "kind": "acute_trust",
            "baseline": {"activity": {"non_elective": 20_000, "ae": 25_000}, "expenditure_gbp000": {"pay": 43_750}},
        }
    )
    for line in ("ae", "urgent_care"):
        for name in ("demand_growth_demographic_pct", "demand_growth_non_demographic_pct"):
            data["assumptions"][name][line] = {NEXT: 0.0}
    to = [{"provider": "T1", "service_line": "urgent_care", "share_pct": 100 - share_to_receiver}]
    data["schemes"] = [
        demand_scheme(
            id="DG",
            owner="T1",
            category="service_reconfiguration",
            acts_on={
                "kind": "ae_downgrade",
                "site": "S2",
                "admissions_per_attendance": 0.25,
                "to": [{"provider": receiver, "share_pct": share_to_receiver}, *to],
            },
            size_pct=100,
        )
    ]
    return data


def test_a28_patients_sent_to_a_department_missing_the_four_hour_standard(params):
    # The Hillingdon Hospitals (RAS) saw 64,420 type 1 attendances in 2016/17, 25,454 of them
    # for more than four hours: 1 - 25,454 / 64,420 = 60.49% within four hours, under the 95%
    # standard. S2 sees 40% of 50,000 = 20,000 attendances; 75% of them, 15,000, go to RAS,
    # which sees 25,000 of its own: 60% more, above the 10% threshold, so an error.
    (found,) = findings(params, "A28", ae_plan("RAS", 75))
    assert found.severity is Severity.ERROR
    assert (found.subject, found.year) == ("RAS", NEXT)
    assert found.numbers == {
        "four_hour_pct": pytest.approx(100 * (1 - 25_454 / 64_420)),
        "standard_pct": 95.0,
        "extra_attendances": pytest.approx(15_000),
        "own_attendances": pytest.approx(25_000),
        "extra_share_pct": pytest.approx(60.0),
        "threshold_pct": 10.0,
        "schemes": 1.0,
    }
    for words in ("Neighbour Trust (RAS)", "60.5%", "95% standard", "15,000", "60.0% more", "10% limit", "DG"):
        assert words in found.message, words
    # 10% of S2's patients, 2,000, are 8% more than RAS's own 25,000: a warning.
    (fewer,) = findings(params, "A28", ae_plan("RAS", 10))
    assert fewer.severity is Severity.WARNING
    assert fewer.numbers["extra_attendances"] == pytest.approx(2_000)
    assert fewer.numbers["extra_share_pct"] == pytest.approx(8.0)
    # Luton and Dunstable (RC9) saw 98.3% of its type 1 patients within four hours: nothing to
    # say. T1's urgent care centre is not a type 1 department, and T1 is not in the data.
    assert findings(params, "A28", ae_plan("RC9", 75)) == []


def test_a28_a_shift_of_a_and_e_activity(params):
    # No downgrade: the CCG moves 10% of its A&E patients at T1, 5,000, to RAS's department:
    # 5,000 / 25,000 = 20% more. The emergency admissions are not A&E attendances.
    data = ae_plan("RAS", 75)
    data["schemes"] = [
        demand_scheme(
            id="MOVE",
            acts_on={
                "kind": "shift",
                "service_line": "ae",
                "providers": ["T1"],
                "to": [{"provider": "RAS", "share_pct": 100}],
            },
        )
    ]
    (found,) = findings(params, "A28", data)
    assert found.severity is Severity.ERROR and found.subject == "RAS"
    assert found.numbers["extra_attendances"] == pytest.approx(5_000)
    assert found.numbers["extra_share_pct"] == pytest.approx(20.0)


def test_a28_on_the_north_west_london_example(params):
    """Ealing's A&E closes in 2019/20 and 15% of its patients go to Hillingdon (RAS), 60.5%
    within four hours in 2016/17. In the example's A&E activity Ealing sees 40% of London North
    West's 241,148 attendances, grown 2.2% a year (0.8% demographic + 1.4% other) to 2020/21:
    96,459 x 1.022^4 = 105,225, of which 15% is 15,784; Hillingdon's own 115,819 grow to 126,350:
    12.5% more, above 10%."""
    plan = load_plan(example_paths()["north_west_london"], params)
    by_subject = {f.subject: f for f in assess(plan, params, runs=0).findings if f.rule == "A28"}
    hillingdon = by_subject["RAS"]
    assert hillingdon.severity is Severity.ERROR and hillingdon.year == "2020/21"
    assert hillingdon.numbers["four_hour_pct"] == pytest.approx(60.487, abs=1e-3)
    assert hillingdon.numbers["extra_attendances"] == pytest.approx(0.4 * 241_148 * 0.15 * 1.022**4, rel=1e-6)
    assert hillingdon.numbers["own_attendances"] == pytest.approx(115_819 * 1.022**4, rel=1e-6)
    assert hillingdon.numbers["extra_share_pct"] == pytest.approx(100 * 0.4 * 241_148 * 0.15 / 115_819, rel=1e-6)
    assert "NWL-EAL-AE" in hillingdon.message
    # Every receiving trust of the example missed the standard in 2016/17.
    assert set(by_subject) == {"R1K", "RAS", "RQM", "RYJ"}


# ---- governance -------------------------------------------------------------------------------


def test_a21_and_a22_ward_closures_need_engagement_and_review(params):
    # 525 beds doing nothing, 460 kept: 65 fewer, two whole wards closed from 2017/18, which
    # starts on 1 April 2017. An event on 1 March 2017 that names the trust is in time; one on
    # 1 May 2017 is not.
    data = with_beds({BASE: 500, NEXT: 460})
    data["governance"] = {
        "engagement": [{"date": "2017-05-01", "kind": "public_meeting", "title": "Our wards", "covers": ["T1"]}]
    }
    (late,) = findings(params, "A21", data)
    assert (late.subject, late.year) == ("T1", NEXT)
    assert late.numbers == {"engagement_events": 1.0, "events_before_change": 0.0}
    assert "closing 2 wards" in late.message.lower() and "2017-05-01" in late.message
    (unreviewed,) = findings(params, "A22", data)
    assert unreviewed.numbers == {"major_changes": 1.0}
    data["governance"]["engagement"][0]["date"] = "2017-03-01"
    data["governance"]["stakeholders"] = [
        {"kind": "clinical_senate", "name": "A clinical senate", "involvement": "consulted"}
    ]
    assert findings(params, "A21", data) == [] and findings(params, "A22", data) == []


def test_a23_to_a26_sign_off_partners_and_the_public(params):
    data = with_schemes()
    data["governance"] = {
        "sign_off": [
            {"organisation": "C1", "status": "declined", "date": "2016-10-13"},
            {"organisation": "T1", "status": "pending"},
        ],
        "stakeholders": [
            {"kind": "local_authority", "name": "A county council", "involvement": "involved"},
            {"kind": "health_and_wellbeing_board", "name": "A board", "involvement": "consulted"},
            {"kind": "local_medical_committee", "name": "An LMC", "involvement": "informed"},
        ],
        "engagement": [{"date": "2017-06-01", "kind": "survey", "title": "Have your say"}],
    }
    ctx = context(params, data)
    (declined,) = RULE["A23"].check(ctx)
    assert declined.subject == "C1" and "2016-10-13" in declined.message
    assert declined.numbers == {"members": 2.0, "signed_off": 0.0, "declined": 1.0}
    (pending,) = RULE["A24"].check(ctx)
    assert pending.subject == "T1" and "pending" in pending.message
    (partners,) = RULE["A25"].check(ctx)
    assert partners.numbers == {
        "local_authorities": 1.0,
        "health_and_wellbeing_boards": 1.0,
        "local_medical_committees": 0.0,
    }
    assert partners.message == "No local medical committee was consulted on the plan."
    (public,) = RULE["A26"].check(ctx)  # the only event is after the plan starts on 2017-04-01
    assert public.numbers == {"engagement_events": 1.0, "events_before_plan": 0.0}


# ---- the three gaps -----------------------------------------------------------------------------


def test_indicator_gap_and_score():
    # Smoking 18% in the base year, 15% at the horizon, target 14% (lower is better): the gap
    # falls from 4 points to 1, so three quarters of it is closed.
    smoking = IndicatorResult(
        id="smoking", name="Adults who smoke", gap=IndicatorGap.HEALTH_WELLBEING, unit="%", better=Better.LOWER,
        baseline=18.0, target=14.0, trajectory=(18.0, 16.0, 15.0), source="", trajectory_source="",
    )
    assert (smoking.gap_at_baseline, smoking.gap_at_horizon) == (4.0, 1.0)
    assert smoking.share_closed_pct == pytest.approx(75.0)
    assert smoking.score == pytest.approx(75.0)
    # A&E 80% to 97% against 95% (higher is better): the whole 15-point gap closed, score 100;
    # falling to 78% widens it: score 0.
    ae = IndicatorResult(
        id="ae", name="A&E", gap=IndicatorGap.CARE_QUALITY, unit="%", better=Better.HIGHER,
        baseline=80.0, target=95.0, trajectory=(80.0, 97.0), source="", trajectory_source="",
    )
    assert (ae.gap_at_horizon, ae.score) == (0.0, 100.0)
    worse = IndicatorResult(**{**ae.__dict__, "trajectory": (80.0, 78.0)})
    assert (worse.gap_at_horizon, worse.score) == (17.0, 0.0)


def test_modelled_care_indicators(params):
    # Beds 500 then 480: occupancy 156,000 / (365 x 500) = 85.48% in 2016/17 and 163,800 /
    # (365 x 480) = 93.49% in 2017/18, against the 85% target.
    gaps = work_out_gaps(context(params, with_beds({BASE: 500, NEXT: 480})))
    by_id = {i.id: i for i in gaps.care_quality}
    occupancy = by_id["bed_occupancy_pct"]
    assert occupancy.trajectory == pytest.approx((100 * 156_000 / (365 * 500), 100 * 163_800 / (365 * 480)))
    assert occupancy.target == 85.0
    assert occupancy.gap_at_horizon == pytest.approx(100 * 163_800 / (365 * 480) - 85)
    # Vacancies at national rates over the trust's establishment from its 60,000 of pay at
    # national shares and costs: nursing 60m x 27% / 38,000 = 426.3 WTE at 10.3%, medical
    # 144.0 at 7.8%, other clinical 255.0 at 6%, support 685.7 at 5%: 10,472.7 / 1,511.0 = 6.93%.
    nursing, medical = 60e6 * 0.27 / 38_000, 60e6 * 0.24 / 100_000
    other, support = 60e6 * 0.17 / 40_000, 60e6 * 0.32 / 28_000
    expected = (nursing * 10.3 + medical * 7.8 + other * 6 + support * 5) / (nursing + medical + other + support)
    vacancy = by_id["staff_vacancy_pct"]
    assert vacancy.baseline == pytest.approx(expected)
    assert (vacancy.target, vacancy.source) == (5.0, "the workforce model")
    # No member provider is in the A&E data (T1 is not an ODS code) and the plan gives no
    # elective waiting: both are shown without a baseline.
    assert by_id["ae_within_4_hours_pct"].baseline is None
    assert by_id["elective_within_18_weeks_pct"].source == "not given in the plan"
    assert gaps.health_wellbeing == ()


def test_ae_baseline_from_the_published_data(params):
    # Worked out here from the bundled CSV: all departments of Royal Cornwall Hospitals (REF),
    # April 2016 to March 2017.
    text = files("stpkit.reference").joinpath("data").joinpath("ae_attendances_2016_2019.csv").read_text("utf-8")
    attendances = breaches = 0
    for row in csv.DictReader(text.splitlines()):
        day = date.fromisoformat(row["period"])
        if row["org_code"] == "REF" and date(2016, 4, 1) <= day < date(2017, 4, 1):
            attendances += int(row["attendances"])
            breaches += int(row["breaches"])
    assert attendances > 0
    data = with_schemes()
    data["organisations"][1]["code"] = "REF"
    data["organisations"][0]["baseline"]["spend_gbp000"][0]["provider"] = "REF"
    data["indicators"] = [{"id": "ae_within_4_hours_pct", "trajectory": {NEXT: 90}}]
    ae = {i.id: i for i in work_out_gaps(context(params, data)).care_quality}["ae_within_4_hours_pct"]
    assert ae.baseline == pytest.approx(100 * (1 - breaches / attendances))
    assert ae.trajectory[1] == 90.0 and ae.target == 95.0
    assert ae.gap_at_horizon == pytest.approx(5.0)


# ---- the rating ---------------------------------------------------------------------------------


def test_score_is_the_weighted_average_of_the_parts():
    weights = {
        RatingComponent.HEALTH_WELLBEING: 10,
        RatingComponent.CARE_QUALITY: 15,
        RatingComponent.FINANCE: 25,
        RatingComponent.GOVERNANCE: 15,
        RatingComponent.FINDINGS: 20,
        RatingComponent.RISK: 15,
    }
    parts = {
        RatingComponent.HEALTH_WELLBEING: 50.0,
        RatingComponent.CARE_QUALITY: 80.0,
        RatingComponent.FINANCE: 100.0,
        RatingComponent.GOVERNANCE: 60.0,
        RatingComponent.FINDINGS: 70.0,
        RatingComponent.RISK: 40.0,
    }
    # 50x10 + 80x15 + 100x25 + 60x15 + 70x20 + 40x15 = 7,100 over 100: 71.0.
    score, used = combine(parts, weights)
    assert score == pytest.approx(71.0) and used[RatingComponent.RISK] == pytest.approx(15.0)
    # Without risk runs: 6,500 over the other 85 points of weight = 76.47; finance's weight
    # becomes 25 / 85 = 29.4%.
    score, used = combine({**parts, RatingComponent.RISK: None}, weights)
    assert score == pytest.approx(6_500 / 85)
    assert used[RatingComponent.FINANCE] == pytest.approx(100 * 25 / 85) and used[RatingComponent.RISK] == 0.0


def test_categories_and_findings_penalty(params):
    thresholds = {RatingCategory.OUTSTANDING: 80, RatingCategory.ADVANCED: 65, RatingCategory.MAKING_PROGRESS: 45}
    assert category_for(80.0, thresholds) is RatingCategory.OUTSTANDING
    assert category_for(79.9, thresholds) is RatingCategory.ADVANCED
    assert category_for(45.0, thresholds) is RatingCategory.MAKING_PROGRESS
    assert category_for(44.9, thresholds) is RatingCategory.NEEDS_MOST_IMPROVEMENT
    # A01 (error, 20 points), A05 twice (one warning rule, 7 points) and A20 (info, 0): 73.
    fired = [
        SimpleNamespace(rule="A01", severity=Severity.ERROR),
        SimpleNamespace(rule="A05", severity=Severity.WARNING),
        SimpleNamespace(rule="A05", severity=Severity.WARNING),
        SimpleNamespace(rule="A20", severity=Severity.INFO),
    ]
    score, by_severity = findings_score(context(params, with_schemes()), fired)
    assert score == 73.0
    assert by_severity == {Severity.ERROR: 1, Severity.WARNING: 1, Severity.INFO: 1}


def test_assess_with_and_without_risk_runs(params):
    plan = make_plan(with_schemes(demand_scheme()))
    without = assess(plan, params, runs=0)
    assert without.risk is None and without.not_checked == ("A02",)
    # Without runs, risk and finance score 0 at their full weights (15 and 25) and A02 counts as
    # fired, so skipping the runs can only lower the rating.
    parts = {c.component: c for c in without.rating.components}
    assert (parts[RatingComponent.RISK].score, parts[RatingComponent.RISK].weight_pct) == (0.0, 15.0)
    assert (parts[RatingComponent.FINANCE].score, parts[RatingComponent.FINANCE].weight_pct) == (0.0, 25.0)
    with_runs = assess(plan, params, runs=200, seed=3)
    assert with_runs.not_checked == () and "A02" in with_runs.checked
    assert with_runs.risk.runs == 200
    assert sum(c.weight_pct for c in with_runs.rating.components) == pytest.approx(100.0)

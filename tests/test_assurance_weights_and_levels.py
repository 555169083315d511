"""The rating's weights, a rule's threshold on either side of it, and the level of decision a
governance rule asks for, against numbers worked out by hand on the plans of conftest."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from conftest import BASE, NEXT, demand_scheme, make_plan, two_org_data
from stpkit.api import PlanRun
from stpkit.assurance import RULES, Context
from stpkit.assurance.governance import governance_parts
from stpkit.assurance.rating import rate
from stpkit.domain import RatingCategory, RatingComponent, Severity

RULE = {rule.id: rule for rule in RULES}
#: The weights documented in docs/assurance.md ("The rating"), written out here on purpose.
DOCUMENTED_WEIGHTS = {
    RatingComponent.HEALTH_WELLBEING: 10.0,
    RatingComponent.CARE_QUALITY: 15.0,
    RatingComponent.FINANCE: 25.0,
    RatingComponent.GOVERNANCE: 15.0,
    RatingComponent.FINDINGS: 20.0,
    RatingComponent.RISK: 15.0,
}


def context(data, risk=None) -> Context:
    run = PlanRun.from_plan(make_plan(data))
    return Context(run.plan, run.central, run.params, risk)


# ---- the rating's weights ----------------------------------------------------------------------


def test_each_part_of_the_score_carries_its_own_weight():
    """Six parts with six different scores, so that giving any part another's weight moves the
    score:

    | part             | score | how                                                      | weight | points |
    |------------------|-------|----------------------------------------------------------|--------|--------|
    | health_wellbeing |  40   | one indicator with 40% of its gap closed                 | 10     |  4.00  |
    | care_quality     |  60   | one indicator with 60% of its gap closed                 | 15     |  9.00  |
    | finance          | 100   | the whole do-nothing gap closed                          | 25     | 25.00  |
    | governance       |  25   | no sign-off, partners or engagement (0, 0, 0); no scheme |        |        |
    |                  |       | moves care, so joint decisions count 1: (0+0+0+1)/4      | 15     |  3.75  |
    | findings         |  86   | two warning rules fired: 100 - 2 x 7                     | 20     | 17.20  |
    | risk             |  50   | half the runs balance in the final year                  | 15     |  7.50  |

    Score 66.45: advanced (65 to 80). Were finance and governance to swap weights it would be
    (100 - 25) x (15 - 25) / 100 = 7.5 lower, 58.95: making progress."""
    ctx = context(two_org_data(), risk=SimpleNamespace(p_balance=np.array([0.0, 0.5]), runs=1000))
    assert governance_parts(ctx) == {"signed_off": 0.0, "partners": 0.0, "public": 0.0, "decisions": 1.0}
    gaps = SimpleNamespace(
        health_wellbeing=[SimpleNamespace(score=40.0)],
        care_quality=[SimpleNamespace(score=60.0)],
        finance=SimpleNamespace(score=100.0, left_p50_gbp000=0.0),
    )
    fired = [
        SimpleNamespace(rule="A24", severity=Severity.WARNING),
        SimpleNamespace(rule="A25", severity=Severity.WARNING),
    ]
    rating = rate(ctx, fired, gaps)
    assert (rating.category, rating.score) == (RatingCategory.ADVANCED, pytest.approx(66.45))
    parts = {c.component: c for c in rating.components}
    assert {c: parts[c].score for c in parts} == {
        RatingComponent.HEALTH_WELLBEING: 40.0,
        RatingComponent.CARE_QUALITY: 60.0,
        RatingComponent.FINANCE: 100.0,
        RatingComponent.GOVERNANCE: 25.0,
        RatingComponent.FINDINGS: 86.0,
        RatingComponent.RISK: 50.0,
    }
    assert {c: parts[c].weight_pct for c in parts} == pytest.approx(DOCUMENTED_WEIGHTS)
    # Without risk runs the parts that need them score as unproven at their full weights: finance
    # 0, risk 0, and A02 (an error, 20) counts as fired, so findings 100 - 2 x 7 - 20 = 66:
    # 4 + 9 + 0 + 3.75 + 66 x 0.20 + 0 = 29.95, needs most improvement; never above the 66.45.
    without = rate(context(two_org_data()), fired, gaps)
    assert without.score == pytest.approx(29.95)
    assert without.category is RatingCategory.NEEDS_MOST_IMPROVEMENT
    assert {c.component: c.weight_pct for c in without.components} == pytest.approx(DOCUMENTED_WEIGHTS)


def test_parts_with_nothing_to_score_and_the_final_year_of_risk():
    """A three-year plan (to 2018/19). No health and wellbeing indicators: 0. Six error rules
    fire: 100 - 6 x 20 is below nothing, so 0. The risk part is the chance of balance in the
    final year, 20%, not in 2017/18 (90%). Score (0 x 10 + 60 x 15 + 100 x 25 + 25 x 15 + 0 x 20
    + 20 x 15) / 100 = 40.75: needs most improvement (below 45)."""
    data = two_org_data()
    data["horizon"] = "2018/19"
    for section in data["assumptions"].values():  # 2018/19's rates as 2017/18's
        for by_year in [section] if NEXT in section else list(section.values()):
            by_year["2018/19"] = by_year[NEXT]
    ctx = context(data, risk=SimpleNamespace(p_balance=np.array([1.0, 0.9, 0.2]), runs=1000))
    gaps = SimpleNamespace(
        health_wellbeing=[],
        care_quality=[SimpleNamespace(score=60.0)],
        finance=SimpleNamespace(score=100.0, left_p50_gbp000=0.0),
    )
    fired = [SimpleNamespace(rule=f"A0{i}", severity=Severity.ERROR) for i in range(1, 7)]
    rating = rate(ctx, fired, gaps)
    parts = {c.component: c.score for c in rating.components}
    assert parts[RatingComponent.HEALTH_WELLBEING] == 0.0
    assert parts[RatingComponent.FINDINGS] == 0.0
    assert parts[RatingComponent.RISK] == pytest.approx(20.0)
    assert (rating.category, rating.score) == (RatingCategory.NEEDS_MOST_IMPROVEMENT, pytest.approx(40.75))


# ---- a threshold on either side of it: A05 -----------------------------------------------------


def _stranding(variable_pct: float):
    """A 10% cut in emergency admissions with acute cost ``variable_pct`` variable and 30%
    semi-fixed. On paper it saves 10% of the 95,200 of T1's cost attributed to the spells in
    2017/18: 9,520 (test_engine_handworked). No ward closes and it names no capacity removed, so
    all but the variable part stays: a share of 100 - ``variable_pct`` of the saving."""
    data = two_org_data()
    data["schemes"] = [demand_scheme()]
    data["assumptions"]["cost_variable_share_pct"] = {"acute_trust": {BASE: variable_pct, NEXT: variable_pct}}
    data["assumptions"]["cost_semi_fixed_share_pct"] = {"acute_trust": {BASE: 30.0, NEXT: 30.0}}
    return RULE["A05"].check(context(data))


def test_a05_fires_just_above_the_stranded_share_threshold_and_not_just_below():
    """The threshold is stranded_cost_share_max_pct, 50% of the saving on paper.
    49% variable: 51% of 9,520 = 4,855.20 stays, above 50%: a warning.
    51% variable: 49% of 9,520 = 4,664.80 stays, below 50%: nothing."""
    assert _stranding(51.0) == []
    (found,) = _stranding(49.0)
    assert found.numbers["threshold_pct"] == 50.0
    assert found.numbers["saving_on_paper_gbp000"] == pytest.approx(9_520.0)
    assert found.numbers["stranded_gbp000"] == pytest.approx(4_855.2)
    assert found.numbers["stranded_share_pct"] == pytest.approx(51.0)


# ---- the level of a decision: A27 ---------------------------------------------------------------


def _moving_care(level: str | None):
    """T1 moves 10% of its emergency spells to a member community trust, T2, as community
    contacts; a decision at ``level`` names the scheme (none when None)."""
    data = two_org_data()
    ccg = data["organisations"][0]
    ccg["baseline"]["spend_gbp000"].append({"service_line": "community", "provider": "T2", "value_gbp000": 8_000})
    ccg["baseline"]["allocation_gbp000"] += 8_000
    data["organisations"].append(
        {
            "code": "T2",
            "name": "Community Trust",
            "kind": "community_trust",
            "baseline": {"activity": {"community": 100_000}, "expenditure_gbp000": {"pay": 8_000}},
        }
    )
    data["schemes"] = [
        demand_scheme(
            id="SHIFT",
            owner="T1",
            acts_on={
                "kind": "shift",
                "service_line": "non_elective",
                "to": [{"provider": "T2", "service_line": "community", "share_pct": 100, "units_per_unit": 5}],
            },
        )
    ]
    if level is not None:
        decision = {"id": "D1", "title": "Care closer to home", "level": level, "schemes": ["SHIFT"]}
        if level == "organisation":
            decision["organisations"] = ["T1"]
        data["governance"] = {"decisions": [decision]}
    return context(data)


@pytest.mark.parametrize("level", [None, "organisation"])
def test_a27_asks_for_a_joint_decision_not_one_members(level):
    """Care moves from T1 to T2: one member's board deciding is not enough."""
    ctx = _moving_care(level)
    (found,) = RULE["A27"].check(ctx)
    assert (found.subject, found.numbers) == ("SHIFT", {"organisations": 2.0})
    assert governance_parts(ctx)["decisions"] == 0.0


@pytest.mark.parametrize("level", ["place", "footprint", "above_footprint"])
def test_a27_is_satisfied_by_a_decision_at_place_or_above(level):
    ctx = _moving_care(level)
    assert RULE["A27"].check(ctx) == []
    assert governance_parts(ctx)["decisions"] == 1.0

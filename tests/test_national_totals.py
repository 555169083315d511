"""The national roll-up against figures worked out independently: England's totals as the sum of
the 44 illustrative plans run one at a time, England's population from the bundled CCG
populations, and the warning for a shared body counted more than once."""

from __future__ import annotations

import csv
from collections import defaultdict
from importlib.resources import files

import pytest

from stpkit.api import NationalRun, PlanRun
from stpkit.domain import Plan
from stpkit.national.rollup import run_national
from stpkit.reference.parameters import load_parameters

CORNWALL, AMBULANCE = "E54000036", "RYF"  # South Western Ambulance Service, shared by seven footprints


def _data(name: str) -> list[dict[str, str]]:
    text = files("stpkit.reference").joinpath("data").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _populations() -> dict[str, int]:
    """Each 2017 footprint's population: its CCGs' mid-2018 populations, CCGs of the three North
    East footprints that had merged by 2018 assigned back to their 2017 footprint."""
    back = {r["ccg18cdh"]: r["stp17cd"] for r in _data("ccg_footprint_2017.csv")}
    out: dict[str, int] = defaultdict(int)
    for r in _data("ccg_stp_population_2018.csv"):
        out[back.get(r["ccg18cdh"], r["stp18cd"])] += int(r["population_mid2018"])
    return dict(out)


@pytest.fixture(scope="module")
def national():
    return run_national(load_parameters())


def test_england_totals_are_the_sum_of_the_44_plans_run_one_by_one(national):
    codes = [r["stp17cd"] for r in _data("stp_footprints_2017.csv")]
    assert len(codes) == 44
    base = do_nothing = with_plan = 0.0
    for code in codes:
        result = PlanRun.illustrative(code).central
        base += float(result.do_nothing[0, 0])
        do_nothing += float(result.do_nothing[0, -1])
        with_plan += float(result.with_plan[0, -1])
    assert (national.base_year, national.horizon) == ("2016/17", "2020/21")
    assert sorted(national.table["code"]) == sorted(codes)
    totals = national.totals
    assert totals["base_gbp000"] == pytest.approx(base, rel=1e-12, abs=1e-6)
    assert totals["do_nothing_gbp000"] == pytest.approx(do_nothing, rel=1e-12, abs=1e-6)
    assert totals["with_plan_gbp000"] == pytest.approx(with_plan, rel=1e-12, abs=1e-6)
    # The totals are of different years: the do-nothing gap widens from the base year.
    assert totals["do_nothing_gbp000"] < totals["base_gbp000"]


def test_england_population_is_the_sum_of_the_footprints_ccgs(national):
    """Every CCG of England is in exactly one footprint: England's mid-2018 population,
    55,977,178, is the sum over the 195 CCGs and over the 44 footprints alike."""
    populations = _populations()
    assert sorted(populations) == sorted(national.table["code"])
    assert sum(populations.values()) == 55_977_178
    assert national.totals["population"] == 55_977_178
    assert dict(zip(national.table["code"], national.table["population"], strict=True)) == populations
    per_head = 1000 * national.totals["with_plan_gbp000"] / 55_977_178
    assert national.totals["with_plan_per_head_gbp"] == pytest.approx(per_head)


def test_a_shared_body_counted_more_than_once_is_named(national):
    """The ambulance trust RYF serves seven footprints; their illustrative plans give it shares
    that add up to 100% (10.1358% in Cornwall), so the illustrative roll-up warns of nothing.
    A Cornwall plan that counts 20 points more of it makes 120.0%: a warning naming it."""
    shares = [
        org.share_pct
        for code in national.table["code"]
        for org in national.results[code].plan.organisations
        if org.code == AMBULANCE
    ]
    assert len(shares) == 7 and sum(shares) == pytest.approx(100.0)
    assert national.warnings == ()

    data = PlanRun.illustrative(CORNWALL).plan.model_dump(mode="json", exclude_defaults=True)
    (ambulance,) = [org for org in data["organisations"] if org["code"] == AMBULANCE]
    assert ambulance["share_pct"] == pytest.approx(10.1358)
    ambulance["share_pct"] += 20.0
    mine = PlanRun.from_plan(Plan.model_validate(data))
    warned = NationalRun.run([mine]).result.warnings
    assert warned == (f"{AMBULANCE} is counted 120.0% across footprints: its shares should add up to 100% at most",)

"""The national view: the national bridge adds up, footprints are ranked and rated, and the
national report holds the league table, the map, the bridge and the ratings."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from stpkit.api import NationalRun
from stpkit.assurance.check import DEFAULT_RUNS, DEFAULT_SEED
from stpkit.examples import example_paths
from stpkit.inputs.plan_file import load_plan
from stpkit.national.rollup import assess_footprints, national_challenge, rank, run_national
from stpkit.outputs.report.national import national_bridge
from stpkit.reference.parameters import load_parameters

LINCOLNSHIRE = str(example_paths()["lincolnshire"])


@pytest.fixture(scope="module")
def national():
    params = load_parameters()
    result = run_national(params, [load_plan(LINCOLNSHIRE, params)])
    return params, result, assess_footprints(result, params)


def test_the_national_bridge_adds_up_to_england(national):
    _, result, _ = national
    start, steps, end = national_bridge(result)
    assert start == pytest.approx(result.totals["base_gbp000"], abs=1e-3)
    assert end == pytest.approx(result.totals["with_plan_gbp000"], abs=1e-3)
    assert start + sum(v for _, v in steps) == pytest.approx(end, abs=1e-3)
    labels = [label for label, _ in steps]
    assert "Schemes: efficiency" in labels and "Demand growth" in labels


def test_footprints_are_ranked_with_ties_shared(national):
    _, result, assessments = national
    ranking = rank(result, assessments)
    assert len(ranking) == 44
    # Real members, A&E, beds and deficits make the footprints differ: no longer one place 44 times.
    assert ranking["rank_per_head"].nunique() >= 20
    assert ranking["with_plan_per_head_gbp"].max() - ranking["with_plan_per_head_gbp"].min() > 20
    # Two footprints that show the same position per head to the pound share a rank.
    table = result.table.copy()
    first, second = table["code"].iloc[0], table["code"].iloc[1]
    table.loc[table["code"] == second, "with_plan_per_head_gbp"] = float(
        table.loc[table["code"] == first, "with_plan_per_head_gbp"].iloc[0] + 0.2
    )
    tied = rank(replace(result, table=table), assessments).set_index("code")
    assert tied.loc[first, "rank_per_head"] == tied.loc[second, "rank_per_head"]
    assert set(ranking["rating"]) <= {"outstanding", "advanced", "making_progress", "needs_most_improvement"}
    assert (ranking["rank_rating"] >= 1).all() and (ranking["rank_rating"] <= 44).all()


def test_footprints_differ_in_hospitals_as_well_as_money(national):
    _, result, assessments = national
    ranking = rank(result, assessments).set_index("code")
    # Beds per 1,000 people from real bed-day signals: Cambridgeshire and Peterborough (two large
    # acute trusts and a specialist one for 0.9m people) against Cornwall (one trust for 0.57m).
    assert ranking.loc["E54000021", "beds_per_1000"] > 2 * ranking.loc["E54000036", "beds_per_1000"]
    assert ranking["occupancy_pct"].max() - ranking["occupancy_pct"].min() > 5  # points
    assert ranking["ae_within_4_hours_pct"].max() - ranking["ae_within_4_hours_pct"].min() > 10  # points
    # Every illustrative plan's hospitals empty a little under the national-average plan (the
    # Lincolnshire example closes beds, so its occupancy rises).
    stand_ins = ranking[ranking["source"] == "bundled illustrative plan"]
    assert len(stand_ins) == 43
    assert (stand_ins["occupancy_final_pct"] < stand_ins["occupancy_pct"]).all()


def test_stp_national_rates_footprints_differently():
    # As `stp national` runs them: the default risk runs and seed for every footprint. An
    # illustrative plan is rated on its numbers (its missing sign-off and engagement records are
    # unknown, not failed), and those differ enough to cross a category boundary.
    ranking = NationalRun.run([], runs=DEFAULT_RUNS, seed=DEFAULT_SEED).ranking
    assert ranking["rating"].nunique() >= 2
    assert ranking["rating_score"].max() - ranking["rating_score"].min() > 10


def test_the_challenge_is_a_dated_parameter():
    params = load_parameters()
    assert national_challenge(params, "2020/21") == 22_000_000
    assert national_challenge(params, "2019/20") is None


def test_stp_national_json_carries_the_ranking(tmp_path: Path):
    command = [sys.executable, "-m", "stpkit", "national", "--runs", "0", "--format", "json"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    footprints = json.loads(result.stdout)["footprints"]
    assert len(footprints) == 44
    assert {"rank_per_head", "rating", "rating_score", "rank_rating", "serious_findings"} <= set(footprints[0])


def test_the_national_report(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "stpkit", "report", "--national", "--runs", "0", "--no-pdf", "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "england_report.html").read_text("utf-8")
    for heading in ("League table", "Map", "The national bridge", "Ratings"):
        assert f"<h2>{heading}</h2>" in html
    assert html.count("<tr>") >= 44 + 1
    assert "£22,000.0m" in html  # the national challenge
    assert "Cumbria and North East" in html  # the map's areas

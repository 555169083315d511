"""`stp run --runs`, `stp sensitivity` and `stp national --runs` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from runner import run_stp, stp
from stpkit.examples import example_paths
from stpkit.inputs.plan_writer import plan_to_yaml
from stpkit.reference.parameters import load_parameters
from test_risk import balancing_on_paper

LINCOLNSHIRE = str(example_paths()["lincolnshire"])




def test_run_with_runs_shows_percentiles_and_the_chance_of_balance():
    text = stp("run", LINCOLNSHIRE, "--runs", "2000", "--seed", "3").stdout
    assert "2,000 runs, seed 3" in text
    for label in ("P10", "P50", "P90", "Chance of balance or better", "Expected shortfall", "Risk-adjusted bridge"):
        assert label in text
    assert "The central case does not balance in 2020/21" in text


def test_the_json_risk_section_matches_the_table_and_adds_up():
    document = json.loads(stp("run", LINCOLNSHIRE, "--runs", "1000", "--seed", "3", "--format", "json").stdout)
    risk = document["risk"]
    assert risk["runs"] == 1000 and risk["seed"] == 3
    assert risk["central_gbp000"] == document["consolidated"]["with_plan_gbp000"]
    final = [step["gbp000"][-1] for step in risk["risk_adjusted_bridge"]]
    assert sum(final) == pytest.approx(risk["mean_gbp000"][-1], abs=1e-3)
    p10, p50, p90 = (risk["with_plan"][k][-1] for k in ("p10_gbp000", "p50_gbp000", "p90_gbp000"))
    assert p10 < p50 < p90
    assert 0 <= risk["probability_of_balance"][-1] <= 1
    assert risk["balances_only_on_paper"] is False


def test_same_seed_same_output_and_run_zero_is_the_central_case():
    args = ("run", LINCOLNSHIRE, "--runs", "500", "--seed", "9", "--format", "json")
    assert stp(*args).stdout == stp(*args).stdout
    central = json.loads(stp("run", LINCOLNSHIRE, "--format", "json").stdout)
    risky = json.loads(stp(*args).stdout)
    assert risky["risk"]["central_gbp000"] == central["consolidated"]["with_plan_gbp000"]


def test_a_plan_that_balances_only_on_paper_says_so(tmp_path: Path):
    path = tmp_path / "paper.yaml"
    path.write_text(plan_to_yaml(balancing_on_paper(load_parameters())), "utf-8")
    text = stp("run", str(path), "--runs", "2000", "--seed", "1").stdout
    assert "Balances only on paper" in text


def test_risk_csv_files(tmp_path: Path):
    stp("run", LINCOLNSHIRE, "--runs", "300", "--format", "csv", "--output", str(tmp_path))
    balance = pd.read_csv(tmp_path / "risk_balance.csv")
    assert list(balance["year"]) == ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]
    percentiles = pd.read_csv(tmp_path / "risk_percentiles.csv")
    assert set(percentiles["percentile"]) == {10, 50, 90}


def test_sensitivity_shows_the_tornado_and_the_sobol_ranking():
    text = stp("sensitivity", LINCOLNSHIRE, "--samples", "32").stdout
    assert "Tornado" in text and "Sobol indices" in text
    assert "national demand growth" in text and "delivery: United Lincolnshire Hospitals" in text


def test_sensitivity_json_ranks_by_total_effect():
    document = json.loads(stp("sensitivity", LINCOLNSHIRE, "--samples", "32", "--format", "json").stdout)
    totals = [i["total"] for i in document["sobol"]["indices"]]
    assert totals == sorted(totals, reverse=True)
    swings = [b["swing_gbp000"] for b in document["tornado"]["bars"]]
    assert swings == sorted(swings, reverse=True)


def test_national_with_runs_adds_up_runs_not_percentiles():
    document = json.loads(stp("national", "--runs", "100", "--seed", "2", "--format", "json").stdout)
    risk = document["risk"]
    assert risk["runs"] == 100
    summed = risk["with_plan_percentiles_of_summed_runs"]["p50_gbp000"][-1]
    added = risk["with_plan_sum_of_footprint_percentiles"]["p50_gbp000"][-1]
    assert summed != added
    assert all(0 <= f["probability_of_balance"] <= 1 for f in document["footprints"])


def test_kept_runs_are_the_runs_asked_for():
    """Run 0 is the central case; run 7 is the same run whether or not it is kept."""
    document = json.loads(stp("run", LINCOLNSHIRE, "--runs", "400", "--seed", "5", "--keep-run", "0",
                              "--keep-run", "7", "--format", "json").stdout)
    kept = {k["run"]: k for k in document["risk"]["kept_runs"]}
    assert sorted(kept) == [0, 7]
    assert kept[0]["with_plan_gbp000"] == pytest.approx(document["consolidated"]["with_plan_gbp000"], abs=1e-6)
    from stpkit.engine.model import prepare
    from stpkit.engine.risk import simulate
    from stpkit.inputs.plan_file import load_plan

    params = load_parameters()
    sim = simulate(prepare(load_plan(LINCOLNSHIRE, params), params), 400, seed=5)
    assert kept[7]["with_plan_gbp000"] == pytest.approx(list(sim.with_plan[7]), abs=1e-6)


def test_a_run_that_was_not_made_cannot_be_kept():
    result = run_stp("run", "--runs", "10", "--keep-run", "10")
    assert result.returncode == 2
    assert "runs are numbered 0 to 9" in result.stderr and "Traceback" not in result.stderr

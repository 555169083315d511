"""A plan `validate` accepts runs clean however close to its bounds its numbers are.

Plans are drawn with numbers at the edges of their fields' bounds and national parameters
overridden at the edges of their ranges (tests/strategies.py ``edge_plans``). Every command's
library path must then run without NaN, infinity, a numpy overflow or division warning or a
traceback, and every JSON output must be strict JSON."""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings

from stpkit.api import NationalRun, PlanRun
from stpkit.domain import Plan
from stpkit.inputs.located import InputError
from stpkit.outputs.assurance import assurance_document
from stpkit.outputs.json_text import json_text
from strategies import edge_plans

RUNS = 20
VALID = Path(__file__).parent / "fixtures" / "valid_small.yaml"


def test_json_text_refuses_nan_and_infinity():
    assert json.loads(json_text({"a": [1.5, 2]})) == {"a": [1.5, 2]}
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            json_text({"value": bad})


def _accepted(data: dict) -> PlanRun:
    try:
        return PlanRun.from_plan(Plan.model_validate(data))
    except InputError:
        assume(False)
        raise


def _finite_tables(tables: dict) -> None:
    for name, table in tables.items():
        if name == "beds.csv" and len(table):  # no beds, no occupancy: left empty (results-json.md)
            no_beds = table["beds_with_plan"] == 0
            assert table.loc[no_beds, "occupancy_with_plan_pct"].isna().all()
            table = table.assign(occupancy_with_plan_pct=table["occupancy_with_plan_pct"].fillna(0))
        if name == "ranking":  # a footprint with no acute trust or A&E department has no such measure
            measures = ["occupancy_pct", "occupancy_final_pct", "ae_within_4_hours_pct"]
            table = table.assign(**{m: table[m].astype(float).fillna(0) for m in measures})
        numbers = table.select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(numbers).all(), name


@settings(
    max_examples=int(os.environ.get("EDGE_EXAMPLES", "12")),  # more for a longer search
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking these plans takes minutes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(edge_plans())
def test_a_plan_at_its_bounds_runs_clean(data):
    run = _accepted(data)
    # Underflow to zero is harmless (a tiny share of a tiny sum); overflow and 0/0 are not.
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        risk = run.risk(RUNS, 0)
        json_text(run.results_document(risk))
        _finite_tables(run.result_tables(risk))
        json_text(assurance_document(run.assessment(RUNS, 0)))
        assert "NaN" not in run.report_html(RUNS, 0)
        assert "NaN" not in run.public_html(RUNS, 0)
        assert run.results_workbook()[:2] == b"PK"
        assert run.submission_workbook()[:2] == b"PK"
        json_text(json.loads(run.plan_json()))


def test_a_provider_with_costs_and_no_income_keeps_its_costs():
    """Zero income on every line (allowed: money may be 0) left nothing to share costs out by,
    and dividing by it raised ZeroDivisionError inside `validate`. The cost is all kept, as the
    part not tied to a line: the trust's base year is its STF of 12,655 less its 280,000 of cost."""
    from stpkit.inputs.yaml_safe import load_document

    data = load_document(VALID).data
    ccg, trust = data["organisations"]
    for line in ccg["baseline"]["spend_gbp000"]:
        if line.get("provider") == "REF":
            line["value_gbp000"] = 0
    for line in trust["baseline"]["income_gbp000"]:
        line["value_gbp000"] = 0
    data["schemes"] = []
    run = PlanRun.from_plan(Plan.model_validate(data))
    trust_result = next(o for o in run.results_document()["organisations"] if o["code"] == "REF")
    assert trust_result["do_nothing_gbp000"][0] == pytest.approx(12_655 - 280_000)


def test_delivery_without_spread_is_the_mean_itself():
    """A spread of 0 (within its range) or a mean of 0 or 100% left no beta distribution: its
    shapes were 0/0, NaN in every risk run. It is a point mass: every run delivers the mean."""
    from stpkit.engine.uncertainty import _beta, _beta_quantiles

    with np.errstate(all="raise"):
        alpha, beta = _beta(np.array([0.8, 1.0, 0.0, 0.5]), np.array([0.0, 0.1, 0.1, 0.0]))
        drawn = _beta_quantiles(alpha, beta, np.array([[0.001, 0.3, 0.5, 0.999], [0.999, 0.5, 0.001, 0.3]]))
    assert drawn.tolist() == [[0.8, 1.0, 0.0, 0.5], [0.8, 1.0, 0.0, 0.5]]


def test_risk_runs_with_no_spread_in_delivery():
    from stpkit.inputs.yaml_safe import load_document

    data = load_document(VALID).data
    data["assumptions"] = {
        "delivery_sd_pct": {e: {"2016/17": 0} for e in ("strong", "moderate", "weak", "none")},
        "nonrecurrent_share_sd_pct": {"2016/17": 0},
    }
    run = PlanRun.from_plan(Plan.model_validate(data))
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        risk = run.risk(RUNS, 0)
    json_text(run.results_document(risk))


@settings(
    max_examples=int(os.environ.get("EDGE_EXAMPLES_NATIONAL", "3")),  # each runs all 44 footprints
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(edge_plans())
def test_the_national_view_with_a_plan_at_its_bounds_runs_clean(data):
    run = _accepted({**data, "horizon": "2020/21"})  # the illustrative plans' horizon, which it joins
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        everyone = NationalRun.run([run], runs=5, params=run.params)
        json_text(everyone.document())
        _finite_tables({"ranking": everyone.ranking})
        assert "NaN" not in everyone.report_html()
        assert "NaN" not in everyone.map_svg()

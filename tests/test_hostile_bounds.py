# ruff: noqa: E501  (the table of expected errors reads best one file a line)
"""Numbers out of range or of the wrong type are refused with a located error.

Each file in tests/hostile/bounds/ is a valid plan with one bad number: NaN, infinity, a
mistyped exponent, a share over 100%, a zero ward or occupancy, true written for a number. Both
`stp validate` and `stp run` must exit with status 2 and name its file, line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runner import run_stp

HOSTILE = Path(__file__).parent / "hostile" / "bounds"

# fmt: off
EXPECTED: dict[str, tuple[int, str, str]] = {
    "activity_1e23.yaml":             (40, "organisations[1].baseline.activity.non_elective", "less than or equal to 1000000000"),
    "activity_true.yaml":             (39, "organisations[1].baseline.activity.elective", "expected a number, not true or false"),
    "allocation_infinite.yaml":       (17, "organisations[0].baseline.allocation_gbp000", "expected a finite number, not NaN or infinity"),
    "allocation_nan.yaml":            (17, "organisations[0].baseline.allocation_gbp000", "expected a finite number, not NaN or infinity"),
    "assumption_1e308.yaml":          (59, "assumptions.tariff_efficiency_pct.2018/19", "expected -20 to 20 (% per year; a rate a year), got 1e+308"),
    "allocation_400_digits.yaml":     (17, "organisations[0].baseline.allocation_gbp000", "Input should be a valid number (got a 400-digit number)"),
    "assumption_400_digits.yaml":     (57, "assumptions.cost_inflation_pct.pay.2017/18", "expected -20 to 20 (% per year; a rate a year), got a 400-digit number"),
    "assumption_growth_huge.yaml":    (60, "assumptions.demand_growth_non_demographic_pct.non_elective.2017/18", "expected -20 to 20 (% per year; a rate a year), got 150"),
    "assumption_infinite.yaml":       (57, "assumptions.cost_inflation_pct.pay.2017/18", "expected a finite number in % per year, got -inf"),
    "assumption_infinity.json":       (83, "assumptions.cost_inflation_pct.pay.2017/18", "expected a number in % per year, got 'Infinity'"),
    "assumption_nan.yaml":            (57, "assumptions.cost_inflation_pct.pay.2017/18", "expected a finite number in % per year, got nan"),
    "assumption_true.yaml":           (59, "assumptions.tariff_efficiency_pct.2018/19", "expected a number in % per year, got True"),
    "beds_10_to_the_23.yaml":         (56, "organisations[1].capacity.beds.2016/17", "less than or equal to 200000"),
    "beds_1e23_as_float.yaml":        (56, "organisations[1].capacity.beds.2016/17", "exceeded maximum size (got 1e+23)"),
    "control_total_minus_1e308.yaml": (52, "organisations[1].baseline.control_total_gbp000.2017/18", "greater than or equal to -1000000000"),
    "cost_per_wte_zero.yaml":         (60, "assumptions.cost_per_wte_gbp.nursing.2016/17", "expected 1,000 to 10,000,000 (£ per WTE"),
    "expenditure_1_9e25.yaml":        (48, "organisations[1].baseline.expenditure_gbp000.pay", "less than or equal to 1000000000 (got 1.9e+25)"),
    "expenditure_nan.json":           (70, "organisations[1].baseline.expenditure_gbp000.drugs", "expected a finite number, not NaN or infinity"),
    "indicator_1e308.yaml":           (93, "indicators[0].baseline", "less than or equal to 1000000000 (got 1e+308)"),
    "occupancy_target_zero.yaml":     (59, "assumptions.bed_occupancy_target_pct.2016/17", "expected 1 to 100 (% of beds; an occupancy), got 0"),
    "organisation_share_150.yaml":    (37, "organisations[1].share_pct", "less than or equal to 100 (got 150)"),
    "participants_true.yaml":         (94, "governance.engagement[0].participants", "expected a number, not true or false"),
    "phasing_true.json":              (99, "schemes[0].phasing_pct.2017/18", "expected a number, not true or false"),
    "site_beds_negative.yaml":        (56, "organisations[1].capacity.sites[0].beds", "greater than or equal to 0 (got -750)"),
    "site_fixed_cost_share_150.yaml": (56, "organisations[1].capacity.sites[0].fixed_cost_share_pct", "less than or equal to 100 (got 150)"),
    "size_gbp000_1e300.yaml":         (87, "schemes[1].size_gbp000", "less than or equal to 1000000000 (got 1e+300)"),
    "size_pct_true.yaml":             (66, "schemes[0].size_pct", "expected a number, not true or false"),
    "spend_1e308.yaml":               (23, "organisations[0].baseline.spend_gbp000[0].value_gbp000", "less than or equal to 1000000000 (got 1e+308)"),
    "units_per_unit_1e12.json":       (130, "schemes[1].acts_on.to[0].units_per_unit", "less than or equal to 1000 (got 1000000000000.0)"),
    "variable_cost_share_150.yaml":   (60, "assumptions.cost_variable_share_pct.acute_trust.2016/17", "expected 0 to 100 (% of cost; a share), got 150"),
    "ward_size_negative.yaml":        (59, "assumptions.ward_size_beds.2016/17", "expected 1 to 200 (beds; beds in a ward), got -28"),
    "ward_size_zero.yaml":            (59, "assumptions.ward_size_beds.2016/17", "expected 1 to 200 (beds; beds in a ward), got 0"),
    "wte_infinite.yaml":              (56, "organisations[1].workforce.wte.nursing", "expected a finite number, not NaN or infinity"),
    "yaml11_yes_as_share.yaml":       (18, "organisations[0].share_pct", "expected a number, not true or false"),
}
# fmt: on


def test_every_file_is_expected_and_listed():
    files = sorted(p.name for p in HOSTILE.iterdir() if p.name != "README.md")
    assert files == sorted(EXPECTED)
    readme = (HOSTILE / "README.md").read_text("utf-8")
    assert [name for name in files if name not in readme] == []
    assert all(p.stat().st_size < 50_000 for p in HOSTILE.iterdir())


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_refused_with_a_located_error(name, command, tmp_path):
    line, field, fragment = EXPECTED[name]
    path = HOSTILE / name
    args = ("run", path, "--runs", "0", "--output", tmp_path / "out") if command == "run" else ("validate", path)
    result = run_stp(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert re.fullmatch(rf"{re.escape(str(path))}:{line}: {re.escape(field)}: .+", first), first
    assert fragment in first
    assert not (tmp_path / "out").exists()


# The submission workbook holds the same numbers, read into the same types: a bad cell is
# refused with its sheet and cell.
WORKBOOK_CELLS = {
    # name: (sheet, column key, row key and value, value put there, expected message)
    "override of 1e308": (
        "Assumptions", "value.2017/18", "parameter", "cost_inflation_pct", 1e308,
        "expected -20 to 20 (% per year; a rate a year), got 1e+308",
    ),
    "override true": ("Assumptions", "value.2017/18", "parameter", "cost_inflation_pct", True, "expected a number"),
    "spend of 1e308": (
        "Spend", "value_gbp000", "organisation", "11N", 1e308, "value_gbp000: Input should be less than or equal to",
    ),
    "size true": ("Schemes", "size_pct", "id", "REF-CIP-01", True, "size_pct: expected a number, not true or false"),
    "activity of 1e23": (
        "Activity", "activity.elective", "organisation", "REF", 1e23, "Input should be less than or equal to 1000000000",
    ),
}


@pytest.mark.parametrize("name", sorted(WORKBOOK_CELLS))
def test_a_bad_number_in_the_workbook_is_named_by_its_cell(name, tmp_path):
    import io

    import openpyxl

    from stpkit.api import PlanRun
    from stpkit.inputs.submission import FIRST_ROW, ROW_KEY

    sheet, key, row_key, row_value, value, expected = WORKBOOK_CELLS[name]
    valid = HOSTILE.parent.parent / "fixtures" / "valid_small.yaml"
    book = openpyxl.load_workbook(io.BytesIO(PlanRun.load(valid).submission_workbook()))
    ws = book[sheet]
    keys = [c.value for c in ws[ROW_KEY]]
    column = keys.index(key) + 1
    row = next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, keys.index(row_key) + 1).value == row_value)
    ws.cell(row, column).value = value
    path = tmp_path / "plan.xlsx"
    book.save(path)
    before = path.read_bytes()
    result = run_stp("validate", path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    cell = f"{ws.cell(row, column).column_letter}{row}"
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}: {sheet}!{cell}: ") and expected in first, first
    assert path.read_bytes() == before


def test_national_with_a_plan_of_other_years_names_its_horizon(tmp_path):
    """A valid plan ending in 2019/20 cannot be added to the illustrative plans, which end in
    2020/21: `stp national --plan` said so with a ValueError traceback."""
    text = (HOSTILE.parent.parent / "fixtures" / "valid_small.yaml").read_text("utf-8")
    text = text.replace("horizon: 2020/21", "horizon: 2019/20").replace(
        "      2019/20: 25\n      2020/21: 25\n", "      2019/20: 50\n"
    )
    path = tmp_path / "to_2019.yaml"
    path.write_text(text, "utf-8")
    assert run_stp("validate", path).returncode == 0
    result = run_stp("national", "--plan", path, "--runs", "0", "--format", "json")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}:10: horizon: the plan covers 2016/17 to 2019/20 but the national run")
    assert result.stdout == ""


def test_every_national_value_lies_within_its_range():
    import math

    from stpkit.reference.parameters import RANGES, load_parameters

    for name, bounds in RANGES.items():
        for series in load_parameters()[name].values.values():
            assert all(v in bounds for v in series.values() if not math.isnan(v)), name

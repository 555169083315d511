"""A real baseline supplied as CSV (docs/baseline.md): the figures replace the illustrative ones
for the organisations covered, by amounts worked out by hand, and every malformed row is reported
with its file, line and column, with exit status 2 and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner import run_stp
from stpkit.api import NationalRun, PlanRun
from stpkit.inputs.baseline import read_baseline
from stpkit.inputs.located import InputError
from stpkit.reference.illustrative import illustrative_plan
from stpkit.reference.parameters import load_parameters

CORNWALL, RCHT = "E54000036", "REF"  # Royal Cornwall Hospitals NHS Trust
HEADER = "organisation,year,item,value\n"


def _folder(tmp_path: Path, rows: str, name: str = "cornwall.csv") -> Path:
    folder = tmp_path / "baseline"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(HEADER + rows, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def params():
    return load_parameters()


@pytest.fixture(scope="module")
def rcht_pay(params) -> float:
    return illustrative_plan(CORNWALL, params).organisation(RCHT).baseline.expenditure_gbp000["pay"]


def test_supplied_expenditure_and_beds_change_cornwall_by_the_hand_worked_amount(tmp_path, params, rcht_pay):
    # Royal Cornwall's pay bill in 2016/17 set £10m below its illustrative figure, and its beds at 700.
    pay = rcht_pay - 10_000
    folder = _folder(tmp_path, f"REF,2016/17,expenditure.pay,{pay}\nREF,2016/17,beds,700\n")
    before = NationalRun.run(runs=0, params=params).result.table.set_index("code")
    after = NationalRun.run(runs=0, params=params, baseline=folder).result.table.set_index("code")

    # The base-year position is income less costs: £10m less cost is £10,000k better, to the pound.
    assert after.loc[CORNWALL, "base_gbp000"] - before.loc[CORNWALL, "base_gbp000"] == pytest.approx(10_000, abs=1e-6)
    assert after.loc[CORNWALL, "source"] == "bundled illustrative plan with a supplied baseline"
    assert bool(after.loc[CORNWALL, "illustrative"])  # the other members' money is still apportioned
    others = before.index != CORNWALL
    columns = ["base_gbp000", "do_nothing_gbp000", "with_plan_gbp000", "source"]
    assert after.loc[others, columns].equals(before.loc[others, columns])

    plan = PlanRun.illustrative(CORNWALL, params, baseline=folder).plan
    rcht = plan.organisation(RCHT)
    assert rcht.baseline.expenditure_gbp000["pay"] == pay
    assert rcht.capacity is not None and rcht.capacity.beds["2016/17"] == 700
    # The other cost types and the other organisations keep their illustrative figures.
    original = illustrative_plan(CORNWALL, params)
    assert rcht.baseline.expenditure_gbp000["drugs"] == original.organisation(RCHT).baseline.expenditure_gbp000["drugs"]
    assert [o for o in plan.organisations if o.code != RCHT] == [o for o in original.organisations if o.code != RCHT]
    assert "own baseline for REF" in plan.title and "REF" in plan.narrative


def test_by_year_items_and_income_lines(tmp_path, params):
    folder = _folder(
        tmp_path,
        "REF,2016/17,income.nhs_england.specialised,12345\n"
        "REF,2016/17,income.research,250.5\n"
        "REF,2016/17,activity.ae,90000\n"
        "REF,2018/19,sustainability_fund,8000\n"
        "REF,2019/20,control_total,-1500\n"
        "REF,2020/21,beds,650\n",
    )
    rcht = PlanRun.illustrative(CORNWALL, params, baseline=folder).plan.organisation(RCHT)
    lines = {(line.source, line.service_line): line.value_gbp000 for line in rcht.baseline.income_gbp000}
    assert lines[("nhs_england", "specialised")] == 12345
    assert lines[("research", None)] == 250.5
    assert rcht.baseline.activity["ae"] == 90000
    assert rcht.baseline.sustainability_fund_gbp000["2018/19"] == 8000
    assert rcht.baseline.control_total_gbp000["2019/20"] == -1500
    assert rcht.capacity is not None and rcht.capacity.beds["2020/21"] == 650


def _problems(tmp_path: Path, rows: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        PlanRun.illustrative(CORNWALL, baseline=_folder(tmp_path, rows))
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("rows", "field", "says"),
    [
        ("XYZ,2016/17,expenditure.pay,1\n", "organisation", "XYZ is not a member of footprint E54000036"),
        ("REF,2016/17,expenditure.staff,1\n", "item", "expected expenditure.<cost type>"),
        ("REF,2016/17,surplus,1\n", "item", "unknown item"),
        ("REF,2016/17,income.nhs_england,1\n", "item", "clinical income needs a service line"),
        ("REF,2016/17,expenditure.pay,12k\n", "value", "not a number: '12k'"),
        ("REF,2016/17,expenditure.pay,-5\n", "value", "negative"),
        ("REF,2021/22,beds,600\n", "year", "outside the plan years 2016/17 to 2020/21"),
        ("REF,2016,beds,600\n", "year", "expected a financial year like 2016/17"),
        ("REF,2017/18,expenditure.pay,1\n", "year", "base-year figure"),
        ("REF,2016/17,beds,600.5\n", "value", "whole number"),
        # within the bounds every plan is held to (docs/plan-format.md)
        ("REF,2016/17,expenditure.pay,1e308\n", "value", "1e+308 is more than 1,000,000,000, the most money"),
        ("REF,2016/17,activity.elective,1e12\n", "value", "more than 1,000,000,000, the most activity"),
        ("REF,2016/17,beds,1e23\n", "value", "more than 200,000, the most beds"),
        ("REF,2017/18,control_total,-1e308\n", "value", "-1e+308 is less than -1,000,000,000"),
    ],
)
def test_a_malformed_row_is_located(tmp_path, rows, field, says):
    problems = _problems(tmp_path, rows)
    assert len(problems) == 1
    where = str(tmp_path / "baseline" / "cornwall.csv")
    assert problems[0].startswith(f"{where}:2: {field}: "), problems
    assert says in problems[0]


def test_a_duplicate_row_names_the_first(tmp_path):
    problems = _problems(tmp_path, "REF,2016/17,beds,600\nREF,2016/17,beds,610\n")
    assert len(problems) == 1
    assert ":3: item: beds for REF in 2016/17 is already given at " in problems[0]
    assert problems[0].endswith("cornwall.csv:2")


def test_a_commissioner_is_refused(tmp_path, params):
    ccg = next(o.code for o in illustrative_plan(CORNWALL, params).organisations if o.kind == "ccg")
    problems = _problems(tmp_path, f"{ccg},2016/17,expenditure.pay,1\n")
    assert len(problems) == 1 and ":2: organisation: " in problems[0] and "commissioner" in problems[0]


def test_a_wrong_header_is_located(tmp_path):
    folder = tmp_path / "baseline"
    folder.mkdir()
    (folder / "a.csv").write_text("org,year,item,value\nREF,2016/17,beds,1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_baseline(folder)
    assert str(caught.value.problems[0]).startswith(f"{folder / 'a.csv'}:1: (header): expected the columns")


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(InputError) as caught:
        read_baseline(_folder(tmp_path, "REF,2016/17,expenditure.pay,x\nREF,2030/31,beds,1\n"))
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "value"), (3, "year")]


def test_an_oversized_file_is_refused(tmp_path, monkeypatch):
    import stpkit.inputs.baseline as baseline

    monkeypatch.setattr(baseline, "MAX_FILE_BYTES", 10)
    with pytest.raises(InputError, match="baseline files are at most 10"):
        read_baseline(_folder(tmp_path, "REF,2016/17,beds,1\n"))


def test_the_command_line_exits_2_and_writes_nothing(tmp_path):
    folder = _folder(tmp_path, "XYZ,2016/17,expenditure.pay,1\nREF,2016/17,beds,-3\n")
    out = tmp_path / "out"
    result = run_stp("national", "--baseline", folder, "--format", "json", "--output", out)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    where = str(folder / "cornwall.csv")
    assert f"{where}:3: value: " in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_the_command_line_reports_an_unknown_organisation(tmp_path):
    result = run_stp("national", "--baseline", _folder(tmp_path, "XYZ,2016/17,beds,1\n"), "--format", "csv")
    assert result.returncode == 2
    assert "cornwall.csv:2: organisation: XYZ is not a member of any footprint's illustrative plan" in result.stderr
    assert result.stdout == ""


def test_the_command_line_uses_the_baseline(tmp_path):
    folder = _folder(tmp_path, "REF,2016/17,beds,700\n")
    result = run_stp("national", "--baseline", folder, "--format", "csv", "--runs", "0")
    assert result.returncode == 0, result.stderr
    assert "bundled illustrative plan with a supplied baseline" in result.stdout


def test_a_baseline_that_leaves_the_plan_unsound_is_located(tmp_path, params):
    # Clinical income for a line on which Royal Cornwall has no activity is money without activity.
    rcht = illustrative_plan(CORNWALL, params).organisation(RCHT)
    line = next(line for line in ("ambulance", "mental_health", "community") if not rcht.baseline.activity.get(line))
    problems = _problems(tmp_path, f"REF,2016/17,income.nhs_england.{line},100\n")
    assert len(problems) == 1
    assert ":2: organisation: with this baseline, E54000036's plan has a problem at organisations[" in problems[0]


def test_a_shared_body_is_given_once_and_counts_in_every_footprint(tmp_path, params):
    # South Western Ambulance Service serves seven footprints; its figures are for the whole trust.
    from stpkit.reference.footprints import load_footprints

    members = [c for c in load_footprints() if "RYF" in {o.code for o in illustrative_plan(c, params).organisations}]
    assert len(members) == 7
    folder = _folder(tmp_path, "RYF,2016/17,expenditure.drugs,1234\n")
    table = NationalRun.run(runs=0, params=params, baseline=folder).result.table.set_index("code")
    supplied = table.index[table["source"] == "bundled illustrative plan with a supplied baseline"]
    assert sorted(supplied) == sorted(members)

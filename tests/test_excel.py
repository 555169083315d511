"""Excel in and out: the submission workbook (stp template / stp import) and the results
workbook (stp export).

Malformed workbooks are made here from valid ones, so that each test says exactly what is
wrong; the expected cell is found from the workbook's own header rows (row 5 names each
column's field), which is the contract docs/excel.md describes."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from enum import Enum
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import demand_scheme, make_plan, pay_scheme, two_org_data
from runner import stp
from stpkit.domain import (
    ActsOnKind,
    CapitalProjectType,
    CapitalSource,
    CostType,
    DecisionLevel,
    EngagementKind,
    EvidenceLevel,
    IncomeSource,
    Involvement,
    OrgKind,
    Plan,
    Position,
    SchemeCategory,
    ServiceLine,
    SignOffStatus,
    SiteKind,
    StaffGroup,
    StakeholderKind,
    acts_on_fields,
)
from stpkit.examples import example_paths
from stpkit.inputs.located import InputError
from stpkit.inputs.plan_file import load_plan
from stpkit.inputs.plan_writer import plan_to_yaml
from stpkit.inputs.submission import (
    FIRST_ROW,
    ROW_KEY,
    ROW_ROLE,
    SHEET_NAMES,
    SHEETS,
    Members,
    empty_workbook,
    plan_workbook,
    prefilled_plan,
    read_workbook,
)
from stpkit.reference.illustrative import illustrative_plan
from strategies import plans

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])




def write(plan: Plan, path: Path, params) -> Path:
    path.write_bytes(plan_workbook(plan, params))
    return path


def problems(path: Path, params) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_workbook(path, params)
    return [str(p) for p in caught.value.problems]


def letter(ws, key: str) -> str:
    """The column holding plan field ``key`` (named in row 5)."""
    for cell in ws[ROW_KEY]:
        if cell.value == key:
            return cell.column_letter
    raise KeyError(key)


def row_of(ws, key: str, value: Any) -> int:
    column = letter(ws, key)
    for r in range(FIRST_ROW, ws.max_row + 1):
        if ws[f"{column}{r}"].value == value:
            return r
    raise KeyError(value)


@pytest.fixture(scope="module")
def lincolnshire(params) -> Plan:
    return load_plan(example_paths()["lincolnshire"], params)


@pytest.fixture(scope="module")
def lincolnshire_book(lincolnshire, params, tmp_path_factory) -> Path:
    return write(lincolnshire, tmp_path_factory.mktemp("books") / "lincolnshire.xlsx", params)


# ------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("name", sorted(example_paths()))
def test_every_example_plan_survives_the_round_trip(name, params, tmp_path):
    plan = load_plan(example_paths()[name], params)
    back = read_workbook(write(plan, tmp_path / f"{name}.xlsx", params), params)
    assert back.model_dump() == plan.model_dump()


@pytest.mark.parametrize("code", ["E54000005", "E54000013", "E54000027", "E54000036", "E54000048"])
def test_illustrative_plans_survive_the_round_trip(code, params, tmp_path):
    plan = illustrative_plan(code, params)
    back = read_workbook(write(plan, tmp_path / f"{code}.xlsx", params), params)
    assert back.model_dump() == plan.model_dump()


def test_assumptions_by_member_and_workforce_survive_the_round_trip(params, tmp_path):
    """The hand-worked two-organisation plan overrides parameters with and without a member
    (service line, cost type, kind); add a workforce, sites and a shift with a destination."""
    data = two_org_data()
    data["organisations"][1]["workforce"] = {"wte": {"nursing": 410.5, "medical": 95.0}, "vacancy_pct": {"nursing": 9}}
    data["organisations"][1]["capacity"] = {
        "beds": {"2016/17": 300, "2017/18": 280},
        "sites": [{"code": "H1", "name": "Hospital", "kind": "acute_hospital", "beds": 300, "type1_ae": True,
                   "closes": "2017/18", "disposal_receipt_gbp000": {"2017/18": 2500}}],
    }
    data["schemes"] = [
        demand_scheme(revenue_investment_gbp000={"2017/18": 150}, capacity_removed_from="2017/18"),
        pay_scheme(capital_gbp000={"2016/17": 1000}, capital_source="transformation_fund", recurrent=False),
    ]
    data["capital_available_gbp000"] = {"transformation_fund": {"2016/17": 800}, "provider": {}}
    plan = make_plan(data)
    back = read_workbook(write(plan, tmp_path / "two.xlsx", params), params)
    assert back.model_dump() == plan.model_dump()
    assert back.assumptions["cost_inflation_pct"]["drugs"] == {"2017/18": 5.0}
    assert back.organisation("T1").workforce.wte[StaffGroup.NURSING] == 410.5


@SETTINGS
@given(plans())
def test_generated_plans_survive_the_round_trip(params, tmp_path_factory, data):
    plan = Plan.model_validate(data)
    path = write(plan, tmp_path_factory.mktemp("generated") / "plan.xlsx", params)
    assert read_workbook(path, params).model_dump() == plan.model_dump()


_TEXT = st.text(st.characters(categories=("L", "N", "P", "S")) | st.just(" "), min_size=1, max_size=60).filter(
    lambda s: s.strip()
)


@SETTINGS
@given(title=_TEXT, narrative=_TEXT, name=_TEXT, description=_TEXT)
def test_any_text_survives_the_round_trip(params, tmp_path_factory, title, narrative, name, description):
    """Text that looks like a formula (=1+1), a number (007) or an Excel escape stays text."""
    data = two_org_data()
    data |= {"title": title, "narrative": narrative}
    data["organisations"][0]["name"] = name
    data["schemes"] = [demand_scheme(description=description, programme=name)]
    plan = make_plan(data)
    path = write(plan, tmp_path_factory.mktemp("text") / "plan.xlsx", params)
    assert read_workbook(path, params).model_dump() == plan.model_dump()


def test_imported_plan_file_reads_back_as_the_same_plan(lincolnshire, lincolnshire_book, tmp_path):
    stp("import", str(lincolnshire_book), "--output", str(tmp_path / "plan.yaml"))
    assert load_plan(tmp_path / "plan.yaml").model_dump() == lincolnshire.model_dump()
    stp("import", str(lincolnshire_book), "--output", str(tmp_path / "plan.json"))
    assert json.loads((tmp_path / "plan.json").read_text("utf-8"))["schema_version"] == 1
    assert load_plan(tmp_path / "plan.json").model_dump() == lincolnshire.model_dump()
    printed = stp("import", str(lincolnshire_book)).stdout
    assert printed.startswith("# Imported from lincolnshire.xlsx") and "LINC-HOTCOLD" in printed


# ---------------------------------------------------------------------------------- template


def test_footprint_template_is_prefilled_with_the_illustrative_baseline(params, tmp_path):
    stp("template", "E54000036", "--output", str(tmp_path / "cornwall.xlsx"))
    plan = read_workbook(tmp_path / "cornwall.xlsx", params)
    illustrative = illustrative_plan("E54000036", params)
    assert [o.model_dump() for o in plan.organisations] == [o.model_dump() for o in illustrative.organisations]
    assert (plan.base_year, plan.horizon, plan.illustrative, plan.schemes) == ("2016/17", "2020/21", True, [])
    assert [(s.organisation, s.status) for s in plan.governance.sign_off] == [
        (o.code, SignOffStatus.PENDING) for o in illustrative.organisations
    ]
    book = openpyxl.load_workbook(tmp_path / "cornwall.xlsx")
    cover = [c.value for row in book["Cover"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(text.startswith("ILLUSTRATIVE") for text in cover)
    assert "ILLUSTRATIVE" in book["Spend"]["A2"].value


def test_template_refuses_to_overwrite_a_workbook(tmp_path):
    target = tmp_path / "E54000036_submission.xlsx"
    target.write_bytes(b"someone's filled-in plan")
    refused = stp("template", "E54000036", "--output", str(target), check=False)
    assert refused.returncode == 2 and "exists" in refused.stderr
    assert target.read_bytes() == b"someone's filled-in plan"
    stp("template", "E54000036", "--output", str(target), "--force")
    assert target.read_bytes().startswith(b"PK")


def test_template_names_its_file_after_the_footprint_and_refuses_unknown_footprints(tmp_path):
    stp("template", "E54000027", "--output", str(tmp_path))
    assert (tmp_path / "E54000027_submission.xlsx").exists()
    unknown = stp("template", "E54000099", check=False)
    assert unknown.returncode == 2 and "unknown footprint" in unknown.stderr
    both = stp("template", "E54000027", "--plan", str(example_paths()["lincolnshire"]), check=False)
    assert both.returncode == 2


def test_template_with_a_plan_writes_that_plans_workbook(lincolnshire, params, tmp_path):
    stp("template", "--plan", str(example_paths()["lincolnshire"]), "--output", str(tmp_path / "l.xlsx"))
    assert read_workbook(tmp_path / "l.xlsx", params).model_dump() == lincolnshire.model_dump()


def test_empty_template_has_every_sheet_and_the_years_asked_for(params, tmp_path):
    stp("template", "--base-year", "2015/16", "--horizon", "2020/21", "--output", str(tmp_path / "empty.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "empty.xlsx")
    assert tuple(book.sheetnames) == SHEET_NAMES
    phasing = book["Phasing"]
    years = [c.value.split(".", 1)[1] for c in phasing[ROW_KEY] if str(c.value).startswith("phasing_pct.")]
    assert years == ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]  # the years after 2015/16
    found = problems(tmp_path / "empty.xlsx", params)
    cover = book["Cover"]
    code_row = next(r for r in range(1, 30) if cover.cell(r, 3).value == "footprint.code")
    assert f"{tmp_path / 'empty.xlsx'}: Cover!B{code_row}: footprint.code: missing: this field is required" in found
    assert any("Organisations!A6: organisations: expected at least 1 item(s)" in p for p in found)
    bad = stp("template", "--base-year", "2016", "--output", str(tmp_path / "x.xlsx"), check=False)
    assert bad.returncode == 2 and "2016/17" in bad.stderr and not (tmp_path / "x.xlsx").exists()


#: Columns whose values come from a list, and the vocabulary each list must hold.
LIST_COLUMNS = [
    ("Organisations", "kind", OrgKind),
    ("Spend", "service_line", ServiceLine),
    ("Income", "source", IncomeSource),
    ("Sites", "kind", SiteKind),
    ("Workforce", "staff_group", StaffGroup),
    ("Schemes", "category", SchemeCategory),
    ("Schemes", "acts_on.kind", ActsOnKind),
    ("Schemes", "acts_on.cost_type", CostType),
    ("Schemes", "evidence", EvidenceLevel),
    ("Capital", "capital_source", CapitalSource),
    ("Capital", "capital_project_type", CapitalProjectType),
    ("Capital available", "source", CapitalSource),
    ("Sign-off", "status", SignOffStatus),
    ("Stakeholders", "kind", StakeholderKind),
    ("Stakeholders", "involvement", Involvement),
    ("Stakeholders", "position", Position),
    ("Engagement", "kind", EngagementKind),
    ("Decisions", "level", DecisionLevel),
]


def _validation(ws, cell: str):
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, f"{ws.title}!{cell}: {len(found)} validations"
    return found[0]


def _list_values(book, formula: str) -> list[str]:
    sheet, cells = formula.split("!")
    first, last = cells.replace("$", "").split(":")
    return [c.value for row in book[sheet][f"{first}:{last}"] for c in row]


@pytest.mark.parametrize(("sheet", "key", "enum"), LIST_COLUMNS)
def test_list_columns_have_drop_downs_of_the_domain_vocabulary(sheet, key, enum: type[Enum], params, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(empty_workbook(params=params))
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    column = letter(ws, key)
    for r in (FIRST_ROW, FIRST_ROW + 100):  # data rows and rows still to be filled
        check = _validation(ws, f"{column}{r}")
        assert check.type == "list" and check.showErrorMessage
        assert _list_values(book, check.formula1) == [m.value for m in enum]
    assert ws[f"{column}{ROW_ROLE}"].value == "input"


def test_codes_and_numbers_are_checked_and_calculated_columns_marked(lincolnshire_book):
    book = openpyxl.load_workbook(lincolnshire_book)
    owner = _validation(book["Schemes"], f"{letter(book['Schemes'], 'owner')}{FIRST_ROW}")
    assert owner.type == "list" and owner.formula1 == "Organisations!$A$6:$A$2000"
    scheme = _validation(book["Phasing"], f"A{FIRST_ROW}")
    assert scheme.formula1 == "Schemes!$A$6:$A$2000"
    money = _validation(book["Spend"], f"{letter(book['Spend'], 'value_gbp000')}{FIRST_ROW}")
    assert (money.type, money.operator, money.formula1) == ("decimal", "greaterThanOrEqual", "0")
    phasing = book["Phasing"]
    total = letter(phasing, "(total)")
    assert phasing[f"{total}{ROW_ROLE}"].value == "calculated"
    assert phasing[f"{total}{FIRST_ROW}"].value == f"=SUM(C{FIRST_ROW}:F{FIRST_ROW})"
    assert phasing[f"{total}{FIRST_ROW}"].fill.fgColor.rgb.endswith("D9D9D9")  # grey, and row 3 says so
    assert phasing[f"C{FIRST_ROW}"].fill.fgColor.rgb.endswith("FFF2CC")  # pale yellow input
    assert phasing.freeze_panes == f"C{FIRST_ROW}"
    assert book["Spend"][f"{letter(book['Spend'], 'value_gbp000')}{FIRST_ROW}"].number_format == "#,##0"
    assert "£000" in book["Spend"][f"{letter(book['Spend'], 'value_gbp000')}4"].value


# ------------------------------------------------------------------------- malformed workbooks


def _broken(source: Path, tmp_path: Path, change) -> Path:
    book = openpyxl.load_workbook(source)
    change(book)
    path = tmp_path / "broken.xlsx"
    book.save(path)
    return path


def _set(sheet: str, key: str, row_key: str, row_value: str, value: Any):
    """A change that puts ``value`` in the ``key`` column of the row whose ``row_key`` is ``row_value``."""

    def change(book) -> str:
        ws = book[sheet]
        cell = f"{letter(ws, key)}{row_of(ws, row_key, row_value)}"
        ws[cell] = value
        return cell

    return change


def _cell(book, sheet: str, key: str, row_key: str, row_value: str) -> str:
    ws = book[sheet]
    return f"{letter(ws, key)}{row_of(ws, row_key, row_value)}"


MALFORMED = {
    # name: (sheet, field of the cell, key and value of its row, value put there, expected message)
    "size is not a number": (
        "Schemes", "size_pct", "id", "LINC-RC", "lots",
        "size_pct: Input should be a valid number, unable to parse string as a number (got 'lots')",
    ),
    "size below zero": (
        "Schemes", "size_pct", "id", "LINC-RC", -3, "size_pct: Input should be greater than 0 (got -3)",
    ),
    "unknown kind of organisation": (
        "Organisations", "kind", "code", "RWD", "hospital", "kind: Input should be 'ccg', 'specialised_commissioner'",
    ),
    "unknown evidence level": ("Schemes", "evidence", "id", "LINC-RC", "good", "evidence: Input should be 'strong'"),
    "scheme without a name": ("Schemes", "name", "id", "LINC-RC", None, "name: missing: this field is required"),
    "owner not a member": (
        "Schemes", "owner", "id", "LINC-RC", "XYZ", "owner: unknown organisation 'XYZ': not a member of this plan",
    ),
    "impossible date": (
        "Sign-off", "date", "organisation", "03T", "2016-02-30", "date: not a date: day is out of range for month",
    ),
    "spend with an unknown organisation": (
        "Spend", "organisation", "organisation", "03T", "ZZZ",
        "organisation: unknown organisation 'ZZZ': not on the Organisations sheet",
    ),
    "unknown footprint": (
        "Cover", None, None, None, "E54000099", "footprint.code: unknown footprint 'E54000099'",
    ),
    "a field the scheme's kind does not take": (
        "Schemes", "acts_on.cost_type", "id", "LINC-RC", "pay",
        "acts_on.cost_type: a scheme acting on activity does not take cost_type (only one acting on cost_type "
        "does); it takes service_line and providers",
    ),
    "an unknown kind of scheme": (
        "Schemes", "acts_on.kind", "id", "LINC-RC", "activities", "acts_on.kind: Input should be 'activity', ",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_bad_cell_is_named_by_its_sheet_and_cell(name, lincolnshire_book, params, tmp_path):
    sheet, key, row_key, row_value, value, expected = MALFORMED[name]
    book = openpyxl.load_workbook(lincolnshire_book)
    if sheet == "Cover":
        row = next(r for r in range(1, 30) if book["Cover"].cell(r, 3).value == "footprint.code")
        cell = f"B{row}"
        book["Cover"][cell] = value
    else:
        cell = _cell(book, sheet, key, row_key, row_value)
        book[sheet][cell] = value
    path = tmp_path / "broken.xlsx"
    book.save(path)
    reference = sheet if sheet.isalnum() else f"'{sheet}'"
    found = problems(path, params)
    assert any(p.startswith(f"{path}: {reference}!{cell}: {expected}") for p in found), found


def test_phasing_that_does_not_add_up_names_the_schemes_total(lincolnshire_book, params, tmp_path):
    # LINC-RC is phased 30, 40, 30 over 2017/18 to 2019/20; 30 + 40 + 20 = 90.
    book = openpyxl.load_workbook(lincolnshire_book)
    ws = book["Phasing"]
    row = row_of(ws, "scheme", "LINC-RC")
    ws[f"{letter(ws, 'phasing_pct.2019/20')}{row}"] = 20
    book.save(tmp_path / "phasing.xlsx")
    assert problems(tmp_path / "phasing.xlsx", params) == [
        f"{tmp_path / 'phasing.xlsx'}: Phasing!{letter(ws, '(total)')}{row}: phasing_pct: "
        "phasing adds up to 90%, expected 100%"
    ]


def test_every_problem_is_reported_at_once(lincolnshire_book, params, tmp_path):
    def change(book):
        for sheet, key, row_key, row_value, value, _ in (MALFORMED["size below zero"],
                                                         MALFORMED["unknown kind of organisation"]):
            book[sheet][_cell(book, sheet, key, row_key, row_value)] = value

    found = problems(_broken(lincolnshire_book, tmp_path, change), params)
    assert len(found) == 2 and any("Schemes!" in p for p in found) and any("Organisations!" in p for p in found)


def test_a_formula_without_a_saved_value_is_reported(lincolnshire_book, params, tmp_path):
    path = _broken(lincolnshire_book, tmp_path, _set("Schemes", "size_pct", "id", "LINC-RC", "=2+2"))
    book = openpyxl.load_workbook(lincolnshire_book)
    cell = _cell(book, "Schemes", "size_pct", "id", "LINC-RC")
    assert problems(path, params) == [
        f"{path}: Schemes!{cell}: (formula): a formula whose result was not saved: open the workbook in Excel or "
        "LibreOffice and save it, or type the value"
    ]


def test_a_missing_sheet_or_a_changed_header_is_reported(lincolnshire_book, params, tmp_path):
    path = _broken(lincolnshire_book, tmp_path, lambda book: book.remove(book["Phasing"]))
    assert problems(path, params) == [f"{path}: Phasing: (sheet): sheet missing: the workbook must keep every sheet "
                                      "of the template (an empty sheet is fine)"]

    def rename(book):
        ws = book["Schemes"]
        ws[f"{letter(ws, 'size_pct')}{ROW_KEY}"] = "size_percent"

    found = problems(_broken(lincolnshire_book, tmp_path, rename), params)
    assert any("Schemes!" in p and "unknown column 'size_percent'" in p for p in found)
    assert any(p.startswith(f"{tmp_path / 'broken.xlsx'}: Schemes!A5: size_pct: column missing") for p in found)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"schema_version: 1\n", "not an Excel workbook (.xlsx)"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "this is an old-style .xls workbook, or one protected with a password: save it from Excel as an Excel "
            "Workbook (.xlsx) without a password",
        ),
        (b"PK\x03\x04 truncated", "cannot be read as an Excel workbook (.xlsx): the file is damaged or not a workbook"),
    ],
    ids=["text", "xls", "corrupt"],
)
def test_files_that_are_not_workbooks_are_refused(content, expected, params, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    [found] = problems(path, params)
    assert found.startswith(f"{path}: (workbook): {expected}")


def test_a_workbook_that_is_not_a_template_is_refused(params, tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = "Budget"
    book.save(tmp_path / "budget.xlsx")
    [found] = problems(tmp_path / "budget.xlsx", params)
    assert found.startswith(f"{tmp_path / 'budget.xlsx'}: (workbook): not an stpkit submission workbook")


def test_import_of_a_bad_workbook_exits_2_and_writes_nothing(lincolnshire_book, tmp_path):
    path = _broken(lincolnshire_book, tmp_path, _set("Schemes", "size_pct", "id", "LINC-RC", -3))
    result = stp("import", str(path), "--output", str(tmp_path / "plan.yaml"), check=False)
    assert result.returncode == 2
    assert "size_pct: Input should be greater than 0 (got -3)" in result.stderr
    assert "1 problem found; nothing was written." in result.stderr
    assert not (tmp_path / "plan.yaml").exists() and result.stdout == ""
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(lincolnshire_book.read_bytes()[:5000])
    result = stp("import", str(corrupt), check=False)
    assert result.returncode == 2 and "damaged" in result.stderr


# ------------------------------------------------------------------------------ results out


def _sheet_rows(ws) -> list[dict[str, Any]]:
    header = [c.value for c in ws[3]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=4, values_only=True)]


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same kind: numbers exactly equal, text equal, blanks for nothing."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float | int) and isinstance(b, float | int):
        return a == b and not math.isnan(a)
    return a == b


@pytest.fixture(scope="module")
def two_org_file(tmp_path_factory) -> Path:
    data = two_org_data()
    data["schemes"] = [demand_scheme(), pay_scheme()]
    path = tmp_path_factory.mktemp("plans") / "two.yaml"
    path.write_text(plan_to_yaml(make_plan(data)), "utf-8")
    return path


def test_exported_positions_match_numbers_worked_by_hand(tmp_path):
    """The two-organisation plan without schemes (conftest): base year CCG 0, trust -10,000; in
    2017/18 CCG -2,000 and trust -12,533.33 (see test_engine_handworked)."""
    data = two_org_data()
    plan_path = tmp_path / "two.yaml"
    plan_path.write_text(plan_to_yaml(make_plan(data)), "utf-8")
    stp("export", str(plan_path), "--output", str(tmp_path / "two.xlsx"))
    rows = _sheet_rows(openpyxl.load_workbook(tmp_path / "two.xlsx")["positions"])
    value = {(r["organisation"], r["scenario"], r["year"]): r["position_gbp000"] for r in rows}
    assert value["C1", "do_nothing", "2016/17"] == pytest.approx(0.0)
    assert value["T1", "do_nothing", "2016/17"] == pytest.approx(-10_000.0)
    assert value["C1", "do_nothing", "2017/18"] == pytest.approx(-2_000.0)
    assert value["T1", "do_nothing", "2017/18"] == pytest.approx(-12_533.333, abs=0.01)
    assert value["FOOTPRINT", "do_nothing", "2017/18"] == pytest.approx(-14_533.333, abs=0.01)
    assert value["FOOTPRINT", "with_plan", "2017/18"] == pytest.approx(-14_533.333, abs=0.01)  # no schemes


@pytest.mark.parametrize("plan", ["two", "cornwall_and_isles_of_scilly", "north_west_london"])
def test_exported_figures_equal_the_json_results(plan, two_org_file, tmp_path):
    path = two_org_file if plan == "two" else example_paths()[plan]
    document = json.loads(stp("run", str(path), "--format", "json").stdout)
    stp("export", str(path), "--output", str(tmp_path / "results.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "results.xlsx")
    assert book.sheetnames == ["README", "positions", "accounts", "bridge", "organisation_bridge", "schemes", "beds",
                               "activity", "moves", "type1_ae", "workforce", "capital", "backlog_maintenance"]
    years = document["years"]

    orgs = {o["code"]: o for o in document["organisations"]}
    consolidated = document["consolidated"]
    for row in _sheet_rows(book["positions"]):
        series = orgs[row["organisation"]] if row["organisation"] != "FOOTPRINT" else consolidated
        expected = series[f"{row['scenario']}_gbp000"][years.index(row["year"])]
        assert _same(row["position_gbp000"], expected), row

    bridge = document["bridge"]
    steps = {("do_nothing", s["id"]): s["gbp000"] for s in bridge["to_do_nothing"]["steps"]}
    steps |= {("schemes", s["id"]): s["gbp000"] for s in bridge["to_with_plan"]["steps"]}
    steps["total", "do_nothing"] = bridge["to_do_nothing"]["end_gbp000"]
    steps["total", "with_plan"] = bridge["to_with_plan"]["end_gbp000"]
    steps["start", "base_position"] = [bridge["to_do_nothing"]["start_gbp000"]] * len(years)
    rows = _sheet_rows(book["bridge"])
    assert len(rows) == len(steps) * len(years)
    for row in rows:
        assert _same(row["effect_gbp000"], steps[row["section"], row["step"]][years.index(row["year"])]), row

    # Each member's income and expenditure, and its own bridge, as in the JSON.
    for row in _sheet_rows(book["accounts"]):
        expected = orgs[row["organisation"]][f"{row['item']}_gbp000"][row["scenario"]][years.index(row["year"])]
        assert _same(row["value_gbp000"], expected), row
    member_rows = _sheet_rows(book["organisation_bridge"])
    for code, org in orgs.items():
        own = org["bridge"]
        totals = {("total", "do_nothing"): own["to_do_nothing"]["end_gbp000"],
                  ("total", "with_plan"): own["to_with_plan"]["end_gbp000"]}
        for row in (r for r in member_rows if r["organisation"] == code and r["section"] == "total"):
            assert _same(row["effect_gbp000"], totals[row["section"], row["step"]][years.index(row["year"])]), row

    for name in ("schemes", "beds", "activity", "moves", "type1_ae", "workforce", "capital"):
        rows = _sheet_rows(book[name]) if book[name].max_row > 3 else []
        assert len(rows) == len(document[name]), name
        for got, expected in zip(rows, document[name], strict=True):
            assert got.keys() == expected.keys(), name
            assert all(_same(got[k], expected[k]) for k in got), (name, got, expected)


def test_results_workbook_is_tidy(two_org_file, tmp_path):
    stp("export", str(two_org_file), "--output", str(tmp_path))
    book = openpyxl.load_workbook(tmp_path / "two_results.xlsx")
    for ws in book.worksheets:
        assert isinstance(ws["A1"].value, str) and ws["A1"].font.bold
        assert not ws.merged_cells.ranges
        assert ws.freeze_panes == "A4"
        header = [c.value for c in ws[3]]
        assert all(isinstance(h, str) for h in header)
        for c, column in enumerate(header, start=1):
            cells = [row[0] for row in ws.iter_rows(min_row=4, min_col=c, max_col=c)]
            if column.endswith("_gbp000"):
                assert all(cell.number_format == "#,##0" for cell in cells if cell.value is not None), ws.title
            if column == "year":
                assert all(isinstance(cell.value, str) and cell.value[4] == "/" for cell in cells)
    readme = dict(book["README"].iter_rows(min_row=4, values_only=True))
    assert readme["money"].startswith("£ thousands (£000)")
    assert readme["sheet positions"].endswith("rows")


def test_export_reads_a_filled_workbook_too(lincolnshire_book, tmp_path):
    stp("export", str(lincolnshire_book), "--output", str(tmp_path / "out.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert "LINC-HOTCOLD" in [r["id"] for r in _sheet_rows(book["schemes"])]


# ------------------------------------------------------------------------------ LibreOffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _soffice(tmp_path: Path, target: str, files: list[Path], outdir: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    profile = (tmp_path / "profile").as_uri()
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", target,
         "--outdir", str(outdir), *map(str, files)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(home)},
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed, so the workbooks cannot be "
                                            "opened in it; CI installs it")
def test_libreoffice_opens_the_workbooks_and_keeps_the_plan(lincolnshire, lincolnshire_book, two_org_file, params,
                                                             tmp_path):
    template = tmp_path / "E54000036_submission.xlsx"
    template.write_bytes(plan_workbook(prefilled_plan("E54000036", params), params))
    stp("export", str(two_org_file), "--output", str(tmp_path / "results.xlsx"))
    pdfs = tmp_path / "pdf"
    _soffice(tmp_path, "pdf", [template, tmp_path / "results.xlsx"], pdfs)
    for name in ("E54000036_submission.pdf", "results.pdf"):
        assert (pdfs / name).read_bytes().startswith(b"%PDF")

    # Saved again by LibreOffice, the workbook still reads back as the same plan, and the
    # workbook's own formulas (totals, names looked up) have been worked out.
    resaved = tmp_path / "resaved"
    _soffice(tmp_path, "xlsx", [lincolnshire_book], resaved)
    assert read_workbook(resaved / "lincolnshire.xlsx", params).model_dump() == lincolnshire.model_dump()
    phasing = openpyxl.load_workbook(resaved / "lincolnshire.xlsx", data_only=True)["Phasing"]
    total, name = letter(phasing, "(total)"), letter(phasing, "(name)")
    for scheme in lincolnshire.schemes:
        row = row_of(phasing, "scheme", scheme.id)
        assert phasing[f"{total}{row}"].value == pytest.approx(100)
        assert phasing[f"{name}{row}"].value == scheme.name


def test_every_field_of_every_kind_of_scheme_has_a_column():
    """The Schemes sheet holds the fields of every kind of acts_on (the destinations, ``to``, are
    on their own sheet), and a scheme's row holds only the fields its kind takes."""
    schemes = next(sheet for sheet in SHEETS if sheet.name == "Schemes")
    keys = {c.key for c in schemes.fixed}
    for kind in ActsOnKind:
        assert {f"acts_on.{name}" for name in acts_on_fields(kind) if name != "to"} <= keys, kind
    destinations = next(sheet for sheet in SHEETS if sheet.name == "Destinations")
    assert {"provider", "service_line", "share_pct", "units_per_unit"} <= {c.key for c in destinations.fixed}


def test_a_schemes_row_holds_only_the_fields_of_its_kind(lincolnshire, lincolnshire_book):
    ws = openpyxl.load_workbook(lincolnshire_book)["Schemes"]
    for scheme in lincolnshire.schemes:
        row = row_of(ws, "id", scheme.id)
        given = {c.value for c in ws[ROW_KEY] if str(c.value).startswith("acts_on.")
                 and ws[f"{c.column_letter}{row}"].value not in (None, "")}
        assert given <= {"acts_on.kind", *(f"acts_on.{name}" for name in acts_on_fields(scheme.acts_on.kind))}


def test_every_workbook_sheet_and_column_is_documented():
    text = (Path(__file__).resolve().parents[1] / "docs" / "excel.md").read_text("utf-8")
    missing = [name for name in SHEET_NAMES if f"`{name}`" not in text]
    for sheet in SHEETS:
        for column in sheet.columns(Members(("2016/17", "2017/18"))):
            prefix = column.key.split(".", 1)[0]
            documented = f"`{prefix}." in text if prefix in sheet.blocks else f"`{column.key}`" in text
            if not documented:
                missing.append(f"{sheet.name}.{column.key}")
    assert missing == []

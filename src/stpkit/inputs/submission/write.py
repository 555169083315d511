"""Writing the submission workbook (``stp template``): the cover, then every data sheet of the
layout column by column, holding a plan's values or ready to fill."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator
from datetime import date
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from stpkit import __version__
from stpkit.domain import PLAN_SCHEMA_VERSION, Governance, Plan, SignOff, SignOffStatus, fy_range
from stpkit.domain.checks import MAX_PLAN_YEARS
from stpkit.inputs.submission.layout import (
    COVER_FIELDS,
    COVER_FIRST_ROW,
    DEFAULT_BASE_YEAR,
    DEFAULT_HORIZON,
    DYNAMIC_LISTS,
    EMPTY_ROWS,
    FIRST_ROW,
    LAST_ROW,
    LISTS_HEADER_ROW,
    NUMBER_CHECKS,
    OPEN_LISTS,
    OWNERS,
    ROW_KEY,
    ROW_LABEL,
    ROW_NOTE,
    ROW_ROLE,
    ROW_TITLE,
    SHEETS,
    TEXT,
    WORKBOOK_FORMAT,
    WORKBOOK_FORMAT_VERSION,
    Column,
    Entries,
    Keyed,
    Members,
    Owned,
    Sheet,
    drop_down_lists,
)
from stpkit.reference.footprints import load_footprints
from stpkit.reference.illustrative import ILLUSTRATIVE_NOTE, illustrative_plan
from stpkit.reference.parameters import ParameterSet, load_parameters

# --------------------------------------------------------------------------------- styles

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # pale yellow: yours to fill
CALC_FILL = PatternFill("solid", fgColor="D9D9D9")  # grey: worked out, not read back
HEADER_FILL = PatternFill("solid", fgColor="005EB8")  # NHS blue
_THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True, color="FFFFFF")
KEY_FONT = Font(size=8, color="595959")
ROLE_FONT = Font(italic=True, size=9)
UNLOCKED, LOCKED = Protection(locked=False), Protection(locked=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
COVER_WIDTHS = (28, 80, 24, 60)

# --------------------------------------------------------------------------------- the workbook


def plan_workbook(plan: Plan, params: ParameterSet | None = None) -> bytes:
    """The submission workbook of ``plan`` (the .xlsx file's bytes)."""
    return _save(_build(plan, params or load_parameters()))


def empty_workbook(
    base_year: str = DEFAULT_BASE_YEAR, horizon: str = DEFAULT_HORIZON, params: ParameterSet | None = None
) -> bytes:
    """An empty submission workbook for a plan from ``base_year`` to ``horizon``."""
    years = fy_range(base_year, horizon)
    if len(years) < 2:
        raise ValueError(f"the horizon {horizon} must be after the base year {base_year}")
    if len(years) > MAX_PLAN_YEARS + 1:
        raise ValueError(f"a plan covers at most {MAX_PLAN_YEARS} years after its base year")
    return _save(_build(None, params or load_parameters(), tuple(years)))


def prefilled_plan(code: str, params: ParameterSet) -> Plan:
    """The start of a footprint's plan: its members and their illustrative baseline, each
    member's sign-off pending, and no schemes yet."""
    plan = illustrative_plan(code, params)
    name = load_footprints()[code].name
    return plan.model_copy(
        update={
            "title": f"{name}: Sustainability and Transformation Plan {plan.base_year} to {plan.horizon}",
            "narrative": "",
            "schemes": [],
            "governance": Governance(
                sign_off=[SignOff(organisation=o.code, status=SignOffStatus.PENDING) for o in plan.organisations]
            ),
        }
    )


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _build(plan: Plan | None, params: ParameterSet, years: tuple[str, ...] = ()) -> Workbook:
    entries = {sheet.name: list(_entries(plan, sheet)) if plan else [] for sheet in SHEETS}
    members = _members(plan, entries) if plan else Members(years)
    book = Workbook()
    book.calculation = CalcProperties(fullCalcOnLoad=True)
    book.properties.creator = f"stpkit {__version__}"
    book.properties.title = plan.title if plan else "Sustainability and Transformation Plan: submission workbook"
    cover = book.active
    cover.title = "Cover"
    ranges = _write_lists(book.create_sheet("Lists"), drop_down_lists(params, members.years))
    for sheet in SHEETS:
        columns = sheet.columns(members)
        rows = [_row(sheet, columns, fixed, entry) for fixed, entry in entries[sheet.name]]
        ws = book.create_sheet(sheet.name, index=len(book.sheetnames) - 1)
        _write_table(ws, sheet, columns, rows, bool(plan and plan.illustrative), ranges)
    _write_cover(cover, plan, members, ranges)
    return book


# --------------------------------------------------------------------------------- rows of a plan

#: A row to write: the values of the columns that say which entry it is, and the entry whose
#: fields the other columns hold.
Source = tuple[dict[str, Any], Any]


def _get(value: Any, path: Iterable[Any]) -> Any:
    """The value at ``path`` inside a plan object (fields of models, keys of mappings), or None."""
    for part in path:
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


def _given(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _has_values(sheet: Sheet, entry: Any) -> bool:
    paths = [c.field_path for c in sheet.fixed if c.is_input and c.key not in sheet.row_keys]
    paths += [b.mapping_path for b in sheet.blocks.values()]
    return any(_given(_get(entry, path)) for path in paths)


def _entries(plan: Plan, sheet: Sheet) -> Iterator[Source]:
    """The rows of ``sheet`` for ``plan``, in order."""
    match sheet.rows:
        case Entries(path=path):
            for entry in _get(plan, path):
                yield {}, entry
        case Owned(owner=owner) as rows:
            for item in _get(plan, OWNERS[owner][1]):
                code = item.id if owner == "scheme" else item.code
                sub = _get(item, rows.path)
                if rows.many:
                    for entry in sub or []:
                        yield {owner: code}, entry
                    continue
                if not (_is_every(rows.every, item) or _has_values(sheet, sub)):
                    continue
                if rows.pivot is None:
                    yield {owner: code}, sub
                    continue
                found = {str(k) for c in sheet.fixed if c.key not in sheet.row_keys
                         for k in _get(sub, c.field_path) or {}}
                for value in [*rows.pivot_values, *sorted(found - set(rows.pivot_values))]:
                    yield {owner: code, rows.pivot: value}, sub
        case Keyed(path=path, key=key, member=member):
            for name, given in _get(plan, path).items():
                name = getattr(name, "value", name)
                if member and given and all(isinstance(v, dict) for v in given.values()):
                    for value, series in given.items():
                        yield {key: name, member: value}, series
                else:
                    yield {key: name}, {k: v for k, v in given.items() if not isinstance(v, dict)}


def _is_every(every: str | None, owner: Any) -> bool:
    match every:
        case "all":
            return True
        case "providers":
            return owner.kind.is_provider
        case "commissioners":
            return owner.kind.is_commissioner
    return False


def _row(sheet: Sheet, columns: list[Column], fixed: dict[str, Any], entry: Any) -> dict[str, Any]:
    """A row's values by column key: each column's field, read from the entry by its path."""
    pivot = sheet.rows.pivot if isinstance(sheet.rows, Owned) else None
    values = dict(fixed)
    for col in columns:
        if col.is_input and col.key not in fixed:
            path = (*col.field_path, fixed[pivot]) if pivot else col.field_path
            values[col.key] = _get(entry, path)
    return values


def _members(plan: Plan, entries: dict[str, list[Source]]) -> Members:
    """The plan's years, and any year (or line, cost type) its data uses beyond them."""
    extra: dict[str, set[str]] = {}
    for sheet in SHEETS:
        for block in sheet.blocks.values():
            found = extra.setdefault(block.prefix, set())
            for _, entry in entries[sheet.name]:
                found.update(str(getattr(k, "value", k)) for k in _get(entry, block.mapping_path) or {})
    return Members(tuple(fy_range(plan.base_year, plan.horizon)), extra)


# --------------------------------------------------------------------------------- sheets


def _write_lists(ws: Worksheet, lists: dict[str, list[str]]) -> dict[str, str]:
    """One column per list; returns where each list sits, for the drop-downs."""
    ranges = {}
    ws["A1"] = "Lists: the values each drop-down list allows (stpkit's vocabulary; not read back)"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = "Each column is one list. Choose these values on the other sheets; changing them here changes nothing."
    for c, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(c)
        header = ws.cell(LISTS_HEADER_ROW, c, name)
        header.font, header.fill, header.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        for r, value in enumerate(values, start=LISTS_HEADER_ROW + 1):
            cell = ws.cell(r, c)
            _put_text(cell, value)
            cell.fill, cell.protection = CALC_FILL, LOCKED
        last = LISTS_HEADER_ROW + max(len(values), 1)
        ranges[name] = f"Lists!${letter}${LISTS_HEADER_ROW + 1}:${letter}${last}"
        ws.column_dimensions[letter].width = min(max(len(name), *(len(v) for v in values or [""])) + 2, 60)
    ws.freeze_panes = f"A{LISTS_HEADER_ROW + 1}"
    _page_setup(ws)
    return ranges


def _write_table(
    ws: Worksheet,
    sheet: Sheet,
    columns: list[Column],
    rows: list[dict[str, Any]],
    illustrative: bool,
    ranges: dict[str, str],
) -> None:
    letters = {col.key: get_column_letter(i) for i, col in enumerate(columns, start=1)}
    ws.cell(ROW_TITLE, 1, sheet.title).font = TITLE_FONT
    note = sheet.note + " Yellow columns (input in row 3) are yours to fill; grey ones (calculated) are not read back."
    if illustrative and sheet.baseline:
        note += " " + ILLUSTRATIVE_NOTE
    ws.cell(ROW_NOTE, 1, note)
    for i, col in enumerate(columns, start=1):
        role = ws.cell(ROW_ROLE, i, col.role)
        role.font, role.fill, role.alignment = ROLE_FONT, _fill(col), HEADER_ALIGN
        label = ws.cell(ROW_LABEL, i)
        _put_text(label, col.label)
        label.font, label.fill, label.alignment, label.border = HEADER_FONT, HEADER_FILL, HEADER_ALIGN, BORDER
        key = ws.cell(ROW_KEY, i)
        _put_text(key, col.key)
        key.font = KEY_FONT
        ws.column_dimensions[letters[col.key]].width = col.width or max(10, min(len(col.label) + 2, 40))
    ws.row_dimensions[ROW_LABEL].height = 48
    for r in range(FIRST_ROW, FIRST_ROW + len(rows) + EMPTY_ROWS):
        values = rows[r - FIRST_ROW] if r - FIRST_ROW < len(rows) else {}
        for i, col in enumerate(columns, start=1):
            cell = ws.cell(r, i)
            if col.is_input:
                _put(cell, values.get(col.key), col)
                cell.protection = UNLOCKED
            else:
                cell.value = col.formula(r, letters, ranges)
                cell.protection = LOCKED
            cell.fill, cell.border = _fill(col), BORDER
            if col.fmt:
                cell.number_format = col.fmt
            cell.alignment = WRAP if col.wrap else TOP
        _fit_height(ws, r, [(values.get(c.key), c.width or 10) for c in columns if c.wrap])
    _add_checks(ws, columns, letters, ranges)
    ws.freeze_panes = f"{get_column_letter(sheet.freeze + 1)}{FIRST_ROW}"
    _page_setup(ws, f"{ROW_TITLE}:{ROW_KEY}")
    ws.print_area = f"A1:{get_column_letter(len(columns))}{FIRST_ROW + len(rows) + EMPTY_ROWS - 1}"


def _fit_height(ws: Worksheet, row: int, texts: Iterable[tuple[Any, float]]) -> None:
    """A row tall enough for its wrapped text (spreadsheets do not all fit rows on opening)."""
    lines = max([math.ceil(len(text) / (width * 1.1)) for text, width in texts if isinstance(text, str)] or [1])
    if lines > 1:
        ws.row_dimensions[row].height = min(15 * lines, 409)


def _page_setup(ws: Worksheet, title_rows: str | None = None) -> None:
    """Printed (or saved as PDF): landscape, as wide as the page, headers on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_rows:
        ws.print_title_rows = title_rows


def _fill(col: Column) -> PatternFill:
    return INPUT_FILL if col.is_input else CALC_FILL


def _add_checks(ws: Worksheet, columns: list[Column], letters: dict[str, str], ranges: dict[str, str]) -> None:
    """Drop-down lists and number checks on the input columns, down to LAST_ROW."""
    checks: dict[str, DataValidation] = {}
    for col in columns:
        if not col.is_input:
            continue
        cells = f"{letters[col.key]}{FIRST_ROW}:{letters[col.key]}{LAST_ROW}"
        if col.choices:
            source = DYNAMIC_LISTS.get(col.choices) or ranges[col.choices]
            key = f"list:{col.choices}"
            if key not in checks:
                closed = col.choices not in OPEN_LISTS
                checks[key] = DataValidation(
                    type="list",
                    formula1=source,
                    allow_blank=True,
                    showDropDown=False,  # False shows the arrow (the attribute's name says the opposite)
                    showErrorMessage=closed,
                    errorStyle="stop",
                    errorTitle="Not in the list",
                    error=f"Choose a value from the drop-down list ({col.choices} on the Lists sheet).",
                )
            checks[key].add(cells)
        elif col.check:
            kind, operator, low, high, message = NUMBER_CHECKS[col.check]
            if col.check not in checks:
                checks[col.check] = DataValidation(
                    type=kind, operator=operator, formula1=low, formula2=high, allow_blank=True,
                    showErrorMessage=True, errorStyle="stop", errorTitle="Not a valid number", error=message,
                )
            checks[col.check].add(cells)
    for check in checks.values():
        ws.add_data_validation(check)


# --------------------------------------------------------------------------------- cells


def _put_text(cell: Any, text: str) -> None:
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise ValueError(
            f"the text {text[:40]!r} holds a control character that a workbook cannot store; remove it from the plan"
        )
    cell.value = text
    cell.data_type = "s"  # text, even when it starts with "=" (never a formula)


def _put(cell: Any, value: Any, col: Column) -> None:
    if value is None or value == "" or value == []:
        return
    if isinstance(value, Enum):
        value = value.value
    if col.kind == "bool" and isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, list):
        value = ", ".join(v.isoformat() if isinstance(v, date) else str(getattr(v, "value", v)) for v in value)
    if isinstance(value, str):
        _put_text(cell, value)
    else:
        put_number(cell, value)


def put_number(cell: Any, value: Any) -> None:
    """A number, exactly: openpyxl writes 16 significant digits, which can change the last bit
    of a double, so such a number is written with all the digits it needs (17)."""
    if isinstance(value, float) and math.isfinite(value) and float(f"{value:.16g}") != value:
        cell.value = repr(value)
        cell.data_type = "n"  # the text is the number as written in the file
    else:
        cell.value = value


# ---------------------------------------------------------------------------------- cover

INSTRUCTIONS = (
    "Fill the yellow cells. Where a column has a drop-down list, choose from it (the lists are on the Lists sheet).",
    "Money is in £ thousands (£000); percentages are numbers (5 means 5%); years are NHS financial years written "
    "2016/17; dates are written year-month-day (2016-10-21).",
    "Start with Organisations (every member), then the baseline: commissioners on Allocations and Spend; providers "
    "on Income, Expenditure, Activity, STF, Beds, Sites and Workforce.",
    "Then the schemes: one row each on Schemes, with their phasing on Phasing (each row adding up to 100%), running "
    "costs on Investment, capital on Capital, and, for shift and A&E schemes, where the activity goes on "
    "Destinations.",
    "Assumptions: any national parameter the plan overrides. Indicators, Sign-off, Stakeholders, Engagement and "
    "Decisions complete the plan.",
    "Add rows below the last one on any sheet; empty rows are ignored. Leave rows 1 to 5 of each sheet as they are: "
    "row 5 names the plan field each column holds.",
    "Turn the workbook into a plan file with `stp import WORKBOOK --output plan.yaml`. Every problem is listed with "
    "its sheet and cell, and nothing is written until there are none.",
)


def _write_cover(ws: Worksheet, plan: Plan | None, members: Members, ranges: dict[str, str]) -> None:
    ws["A1"] = "Sustainability and Transformation Plan: submission workbook"
    ws["A1"].font = Font(bold=True, size=16)
    ws["A2"] = f"Made by stpkit {__version__}. Money in £ thousands (£000). Years are NHS financial years (April " \
               "to March)."
    for c, text in enumerate(("Item", "Value", "Field", "Guidance"), start=1):
        cell = ws.cell(COVER_FIRST_ROW - 1, c, text)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, HEADER_ALIGN, BORDER
    values: dict[str, Any] = {
        "workbook_format": WORKBOOK_FORMAT,
        "workbook_format_version": WORKBOOK_FORMAT_VERSION,
        "schema_version": PLAN_SCHEMA_VERSION,
        "base_year": members.years[0],
        "horizon": members.years[-1],
        "illustrative": False,
    }
    if plan is not None:
        values |= {
            "footprint.code": plan.footprint.code,
            "footprint.name": plan.footprint.name,
            "title": plan.title,
            "narrative": plan.narrative,
            "illustrative": plan.illustrative,
            "base_year": plan.base_year,
            "horizon": plan.horizon,
        }
    checks: dict[str, DataValidation] = {}
    for r, f in enumerate(COVER_FIELDS, start=COVER_FIRST_ROW):
        ws.cell(r, 1, f.label).font = Font(bold=True)
        ws.cell(r, 1).alignment = TOP
        cell = ws.cell(r, 2)
        _put(cell, values.get(f.key), Column(f.key, f.label, f.kind))
        cell.fill = CALC_FILL if f.fixed else INPUT_FILL
        cell.protection = LOCKED if f.fixed else UNLOCKED
        cell.border = BORDER
        cell.alignment = WRAP
        if f.kind in ("year", "text", "choice"):
            cell.number_format = TEXT
        _put_text(ws.cell(r, 3), f.key)
        ws.cell(r, 3).font, ws.cell(r, 3).alignment = KEY_FONT, TOP
        ws.cell(r, 4, f.guidance or None).alignment = WRAP
        _fit_height(ws, r, [(cell.value, COVER_WIDTHS[1]), (f.guidance, COVER_WIDTHS[3])])
        if f.choices:
            if f.choices not in checks:
                checks[f.choices] = DataValidation(
                    type="list", formula1=ranges[f.choices], allow_blank=True, showErrorMessage=True,
                    errorStyle="stop", errorTitle="Not in the list",
                    error=f"Choose a value from the drop-down list ({f.choices} on the Lists sheet).",
                )
            checks[f.choices].add(f"B{r}")
    for check in checks.values():
        ws.add_data_validation(check)
    row = COVER_FIRST_ROW + len(COVER_FIELDS) + 1
    if plan is not None and plan.illustrative:
        ws.cell(row, 1, "Illustrative").font = Font(bold=True, color="9C5700")
        ws.cell(row, 2, ILLUSTRATIVE_NOTE).font = Font(bold=True)
        ws.cell(row, 2).alignment = WRAP
        _fit_height(ws, row, [(ILLUSTRATIVE_NOTE, COVER_WIDTHS[1])])
        row += 2
    ws.cell(row, 1, "Key").font = Font(bold=True, size=12)
    key_rows = (
        (INPUT_FILL, "input", "Input: type a value or choose one from the drop-down list. Row 3 of each sheet says "
                              "input above these columns."),
        (CALC_FILL, "calculated", "Calculated or fixed: worked out by the workbook (totals, names looked up) or set "
                                  "by stpkit. Row 3 says calculated; these cells are not read back."),
    )
    for fill, word, text in key_rows:
        row += 1
        sample = ws.cell(row, 1, word)
        sample.fill, sample.border = fill, BORDER
        ws.cell(row, 2, text).alignment = WRAP
        _fit_height(ws, row, [(text, COVER_WIDTHS[1])])
    row += 1
    text = ("Rows 1 to 5 of every sheet: title, note, input or calculated, the column's name with its unit, and the "
            "plan field it holds.")
    ws.cell(row, 2, text).alignment = WRAP
    _fit_height(ws, row, [(text, COVER_WIDTHS[1])])
    row += 2
    ws.cell(row, 1, "Instructions").font = Font(bold=True, size=12)
    for n, text in enumerate(INSTRUCTIONS, start=1):
        row += 1
        ws.cell(row, 1, f"{n}.").alignment = Alignment(horizontal="right", vertical="top")
        ws.cell(row, 2, text).alignment = WRAP
        _fit_height(ws, row, [(text, COVER_WIDTHS[1])])
    row += 2
    ws.cell(row, 1, "Sheets").font = Font(bold=True, size=12)
    for sheet in SHEETS:
        row += 1
        ws.cell(row, 1, sheet.name)
        ws.cell(row, 2, sheet.title).alignment = WRAP
    row += 1
    ws.cell(row, 1, "Lists")
    ws.cell(row, 2, "The values of the drop-down lists").alignment = WRAP
    for letter, width in zip("ABCD", COVER_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    _page_setup(ws)

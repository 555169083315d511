"""Results as an Excel workbook of tidy tables (``stp export``): one sheet per table of
``result_tables`` and a README sheet.

Every sheet has its title in A1, a note in A2, one header row (row 3) with the same column
names as the CSV files, and one row per organisation, item and year below it. No merged cells,
nothing shown by colour alone; money in £000 (number format ``#,##0``, the values unrounded),
years as text (``2016/17``)."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stpkit import __version__
from stpkit.domain.formatting import EXCEL_GBP000
from stpkit.engine.model import PlanResult
from stpkit.inputs.submission import EXCEL_CELL_CHARACTERS, put_number, put_text
from stpkit.outputs.results import (
    ILLUSTRATIVE_NOTE,
    RESULTS_FORMAT,
    RESULTS_FORMAT_VERSION,
    footprint_name,
    result_tables,
)

HEADER_ROW = 3
TITLES = {
    "positions": "Position of each organisation and of the footprint by year: do nothing, with the plan, and the "
    "stranded cost within it (£000)",
    "accounts": "Income and expenditure of each member by year, do nothing and with the plan, at the footprint's "
    "share (£000); income less expenditure is the member's position",
    "bridge": "Bridge from the base-year position to the position with the plan, step by step (£000)",
    "organisation_bridge": "The bridge of each member, step by step, at the footprint's share (£000); the members' "
    "steps add up to the footprint's",
    "schemes": "Schemes: final-year effect and stranded cost, investment and capital over the plan (£000)",
    "beds": "Beds by provider and year: bed days, beds available and needed at target occupancy, occupancy",
    "activity": "Activity by provider and service line, do nothing and with the plan (units)",
    "moves": "Activity the schemes move between providers and settings (units)",
    "type1_ae": "The footprint's type 1 A&E departments (NHS England A&E attendances data)",
    "workforce": "Workforce by provider and staff group (WTE; agency premium £000)",
    "capital": "Capital needed and available by source and year, and the cumulative shortfall (£000)",
    "backlog_maintenance": "Backlog maintenance by provider and risk at the start of the plan, at the footprint's "
    "share (£000): a capital need beside the plan's",
}
MONEY, PERCENT, NUMBER, DECIMAL = EXCEL_GBP000, "0.0", "#,##0", "0.00"


def results_workbook(result: PlanResult) -> bytes:
    """The results of ``result`` (its central case) as the bytes of an .xlsx file."""
    plan = result.plan
    tables = {name.removesuffix(".csv"): frame for name, frame in result_tables(result).items()}
    note = (
        "Money in £ thousands (£000), unrounded: surplus positive, deficit negative. Years are NHS financial "
        "years (April to March). The same figures as `stp run --format json`."
    )
    if plan.illustrative:
        note += " " + ILLUSTRATIVE_NOTE
    book = Workbook()
    readme = book.active
    readme.title = "README"
    items: list[tuple[str, Any]] = [
        ("plan", plan.title),
        ("footprint", f"{plan.footprint.code} {footprint_name(result)}"),
        ("base year", plan.base_year),
        ("horizon", plan.horizon),
        ("illustrative baseline", "yes: " + ILLUSTRATIVE_NOTE if plan.illustrative else "no"),
        ("money", "£ thousands (£000); number format #,##0, values unrounded"),
        ("sign", "surplus positive, deficit negative"),
        ("activity", "units of each service line (spells, attendances, contacts, incidents)"),
        ("staff", "whole-time equivalents (WTE)"),
        ("years", "NHS financial years, April to March, written as text like 2016/17"),
        ("made by", f"stpkit {__version__} ({RESULTS_FORMAT} version {RESULTS_FORMAT_VERSION} as JSON)"),
    ]
    items += [(f"sheet {name}", f"{TITLES.get(name, name)}; {len(frame):,} rows") for name, frame in tables.items()]
    # The tables first, to count the cells whose text a workbook could not hold as it was.
    changed = sum(_write(book.create_sheet(name), TITLES.get(name, name), note, frame)
                  for name, frame in tables.items())
    changed += _write(Workbook().active, "", "", pd.DataFrame(items, columns=["item", "value"]))
    if changed:
        items.append((
            "text changed",
            f"{changed:,} cells: control characters a workbook cannot store were replaced with U+FFFD, or text "
            f"over {EXCEL_CELL_CHARACTERS:,} characters shortened; each such cell has a comment. The CSV and JSON "
            "outputs hold the text as written.",
        ))
    _write(
        readme,
        f"stpkit results: {plan.title}",
        note,
        pd.DataFrame(items, columns=["item", "value"]),
        widths={"item": 24, "value": 110},
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    """A cell value: numpy numbers as Python numbers, NaN as an empty cell."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _format(column: str, values: pd.Series) -> str | None:
    if column.endswith("_gbp000"):
        return MONEY
    if column.endswith("_pct"):
        return PERCENT
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    return NUMBER if column != "admissions_per_attendance" else DECIMAL


def _write(ws: Worksheet, title: str, note: str, frame: pd.DataFrame, widths: dict[str, int] | None = None) -> int:
    """Writes one sheet; returns how many cells hold text changed to fit a workbook (``put_text``)."""
    changed = put_text(ws["A1"], title)
    ws["A1"].font = Font(bold=True, size=13)
    changed += put_text(ws["A2"], note)
    columns = list(frame.columns)
    if not columns:
        ws.cell(HEADER_ROW, 1, "(no rows: nothing of this kind in the plan)")
        return changed
    for c, column in enumerate(columns, start=1):
        cell = ws.cell(HEADER_ROW, c, column)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top")
    formats = {column: _format(column, frame[column]) for column in columns}
    for r, row in enumerate(frame.itertuples(index=False), start=HEADER_ROW + 1):
        for c, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = ws.cell(r, c)
            value = _plain(value)
            if isinstance(value, str):
                changed += put_text(cell, value)  # text such as 2016/17 or a name starting "=" stays text
            else:
                put_number(cell, value)
                if formats[column] and value is not None:
                    cell.number_format = formats[column]
    for c, column in enumerate(columns, start=1):
        longest = max([len(str(v)) for v in frame[column].head(200)] + [len(column)])
        width = (widths or {}).get(column) or min(max(longest + 2, 10), 60)
        ws.column_dimensions[get_column_letter(c)].width = width
    last = get_column_letter(len(columns))
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    if len(frame):
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(frame)}"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    return changed

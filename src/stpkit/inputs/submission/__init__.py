"""The submission workbook: a plan laid out the way NHS finance templates are (``stp template``),
and a filled workbook read back into a plan (``stp import``).

One layout (layout.py) declares every sheet and column; the writer (write.py) and the reader
(read.py) both work column by column from it, so that a plan written out and read back is the
same plan. Every data sheet has five header rows: the title, a note (units, what belongs there),
whether each column is an input or calculated, the column's label with its unit, and the name of
the plan field it holds. The reader finds columns by that last row, builds the same data a plan
file holds, and checks it with the plan model and the checks of ``stp validate``; every problem
is reported with its sheet and cell. docs/excel.md describes the layout."""

from stpkit.inputs.submission.layout import (
    DEFAULT_BASE_YEAR,
    DEFAULT_HORIZON,
    FIRST_ROW,
    ROW_KEY,
    ROW_LABEL,
    ROW_ROLE,
    SHEET_NAMES,
    SHEETS,
    WORKBOOK_FORMAT,
    WORKBOOK_FORMAT_VERSION,
    Block,
    Column,
    Members,
    Sheet,
)
from stpkit.inputs.submission.read import MAX_WORKBOOK_BYTES, CellProblem, read_workbook, sheet_reference
from stpkit.inputs.submission.write import (
    EXCEL_CELL_CHARACTERS,
    empty_workbook,
    plan_workbook,
    prefilled_plan,
    put_number,
    put_text,
)

__all__ = [
    "DEFAULT_BASE_YEAR",
    "EXCEL_CELL_CHARACTERS",
    "DEFAULT_HORIZON",
    "FIRST_ROW",
    "MAX_WORKBOOK_BYTES",
    "ROW_KEY",
    "ROW_LABEL",
    "ROW_ROLE",
    "SHEETS",
    "SHEET_NAMES",
    "WORKBOOK_FORMAT",
    "WORKBOOK_FORMAT_VERSION",
    "Block",
    "CellProblem",
    "Column",
    "Members",
    "Sheet",
    "empty_workbook",
    "plan_workbook",
    "prefilled_plan",
    "put_number",
    "put_text",
    "read_workbook",
    "sheet_reference",
]

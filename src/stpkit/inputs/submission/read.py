"""Reading a filled submission workbook back into a plan (``stp import``).

Each sheet's columns are found by row 5 and read column by column from the layout: a column's
declaration says how its cells are read and where each value goes in the plan data, which is
then checked by the plan model and the checks of ``stp validate``. Every place a value comes
from is remembered, so that every problem is reported with its sheet and cell."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from stpkit.domain import Plan, Problem, format_loc
from stpkit.domain.problems import Loc
from stpkit.inputs.located import InputError, LocatedProblem, read_limited
from stpkit.inputs.plan_file import PlanCheck, pydantic_problems, validate
from stpkit.inputs.submission.layout import (
    COVER_FIELDS,
    FIRST_ROW,
    OWNERS,
    ROW_KEY,
    SHEET_NAMES,
    SHEETS,
    WORKBOOK_FORMAT,
    WORKBOOK_FORMAT_VERSION,
    Column,
    Entries,
    Keyed,
    Owned,
    Sheet,
)
from stpkit.reference.parameters import ParameterSet, load_parameters

MAX_WORKBOOK_BYTES = 20_000_000
#: Bounds on what a workbook may unzip to and hold, checked before any sheet is read: a small
#: file can unzip to gigabytes (a zip bomb) or name a cell a million rows down, which a reader
#: would fill in row by row. A submission workbook needs a few hundred rows of about 30 columns.
MAX_PARTS = 1_000
MAX_PART_BYTES = 25_000_000
MAX_UNZIPPED_BYTES = 50_000_000
MAX_ROWS = 10_000
MAX_COLUMNS = 100
MAX_SHARED_STRINGS = 100_000


def sheet_reference(name: str) -> str:
    """A sheet's name as Excel writes it in a reference: quoted when it has spaces or signs."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else "'" + name.replace("'", "''") + "'"


@dataclass(frozen=True)
class CellProblem(LocatedProblem):
    """A problem in a workbook, named by its sheet and cell (``Schemes!F7``)."""

    sheet: str = ""
    cell: str = ""

    def __str__(self) -> str:
        where = f"{sheet_reference(self.sheet)}!{self.cell}" if self.cell else self.sheet
        return f"{self.file}: {where + ': ' if where else ''}{self.field}: {self.message}"


def read_workbook(path: str | Path, params: ParameterSet | None = None, check: PlanCheck | None = None) -> Plan:
    """The plan in a filled submission workbook, checked as ``stp validate`` checks a plan file
    (``check`` as in ``load_plan``); raises InputError listing every problem with its sheet and cell."""
    path = Path(path)
    reader = _Reader(path, *_open(path))
    data = reader.plan_data()
    problems = list(reader.problems)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems + [reader.locate(p) for p in pydantic_problems(exc)]) from None
    if problems:
        raise InputError(problems)
    found = validate(plan, params or load_parameters(), check)
    if found:
        raise InputError([reader.locate(p) for p in found])
    return plan


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open(path: Path) -> tuple[Workbook, Workbook]:
    """The workbook with the values Excel saved, and with its formulas; or why it cannot be read."""
    raw = read_limited(path, MAX_WORKBOOK_BYTES, "workbooks")
    if raw.startswith(_OLE_MAGIC):
        raise InputError.single(
            path,
            "this is an old-style .xls workbook, or one protected with a password: save it from Excel as an Excel "
            "Workbook (.xlsx) without a password",
            field="(workbook)",
        )
    if not raw.startswith(b"PK"):
        hint = " (it looks like a plan file: `stp template --plan FILE` makes its workbook)" if path.suffix.lower() in (
            ".yaml", ".yml", ".json") else ""
        raise InputError.single(path, f"not an Excel workbook (.xlsx){hint}", field="(workbook)")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if "mimetype" in archive.namelist() and b"opendocument" in archive.read("mimetype"):
                raise InputError.single(
                    path, "this is an OpenDocument spreadsheet (.ods): save it as an Excel Workbook (.xlsx)",
                    field="(workbook)",
                )
            _check_bounds(path, archive)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about Excel features it does not read
            # Read only: sheets are streamed as they are read rather than built whole in memory.
            values = load_workbook(io.BytesIO(raw), data_only=True, read_only=True)
            formulas = load_workbook(io.BytesIO(raw), data_only=False, read_only=True)
        for book in (values, formulas):
            for ws in book.worksheets:
                ws.reset_dimensions()  # the cells were checked, not the range the sheet claims
    except InputError:
        raise
    except Exception as exc:  # a damaged file can fail anywhere inside the reader
        reason = str(exc) or type(exc).__name__
        raise InputError.single(
            path, f"cannot be read as an Excel workbook (.xlsx): the file is damaged or not a workbook ({reason})",
            field="(workbook)",
        ) from None
    return values, formulas


# ---------------------------------------------------------------------------------- bounds

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def _check_bounds(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that unzips too far, or whose sheets hold a cell (or claim a range)
    beyond MAX_ROWS and MAX_COLUMNS, or that has more than MAX_SHARED_STRINGS texts. Every XML
    part is scanned as a stream, whatever its name, so a sheet cannot hide under another one;
    the sizes the zip declares bound the scan, as the zip reader stops at them."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise InputError.single(path, f"{len(parts):,} parts; a workbook has at most {MAX_PARTS:,}", field="(workbook)")
    total = 0
    for part in parts:
        if part.file_size > MAX_PART_BYTES:
            raise InputError.single(
                path, f"part {part.filename} unzips to {part.file_size:,} bytes; a part of a workbook is at most "
                f"{MAX_PART_BYTES:,}", field="(workbook)",
            )
        total += part.file_size
        if total > MAX_UNZIPPED_BYTES:
            raise InputError.single(
                path, f"unzips to more than {MAX_UNZIPPED_BYTES:,} bytes; a workbook is at most "
                f"{MAX_UNZIPPED_BYTES:,} unzipped", field="(workbook)",
            )
    names = _sheet_names(archive)
    for part in parts:
        with archive.open(part) as handle:
            if handle.peek(1)[:1] in (b"<", b"\xef", b"\xff", b"\xfe"):  # XML (with a byte order mark or not)
                _scan_part(path, handle, names.get(part.filename, part.filename))


def _scan_part(path: Path, handle: Any, sheet: str) -> None:
    from xml.etree.ElementTree import ParseError, iterparse

    row = column = strings = 0
    open_elements: list[Any] = []
    try:
        for event, element in iterparse(handle, events=("start", "end")):
            if event == "end":
                open_elements.pop()
                if element.tag == _MAIN + "row" and column == 0:
                    _check_cell(path, sheet, row, 1)  # an empty row far down is filled in by a reader all the same
                if open_elements:
                    open_elements[-1].clear()  # keep only the element being read: memory stays flat
                continue
            open_elements.append(element)
            tag = element.tag
            if tag == _MAIN + "dimension":
                corner = _cell_position(element.get("ref", "").split(":")[-1])
                if corner is not None:
                    _check_cell(path, sheet, *corner)
            elif tag == _MAIN + "row":
                row, column = int(element.get("r") or row + 1), 0
            elif tag == _MAIN + "c":
                found = _cell_position(element.get("r") or "")
                row, column = found if found is not None else (row, column + 1)
                _check_cell(path, sheet, row, column)
            elif tag == _MAIN + "si":
                strings += 1
                if strings > MAX_SHARED_STRINGS:
                    raise InputError.single(
                        path, f"more than {MAX_SHARED_STRINGS:,} different texts (shared strings); a submission "
                        "workbook needs far fewer", field="(workbook)",
                    )
    except (ParseError, ValueError):
        return  # not well-formed: the workbook reader says so, with its own words


def _cell_position(reference: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as ``XFD1048576``."""
    from openpyxl.utils import column_index_from_string

    match = _CELL_REFERENCE.fullmatch(reference)
    if match is None:
        return None
    return int(match.group(2)), column_index_from_string(match.group(1).upper())


def _check_cell(path: Path, sheet: str, row: int, column: int) -> None:
    if row > MAX_ROWS or column > MAX_COLUMNS:
        raise InputError([CellProblem(
            str(path), None, "(cell)", f"beyond what a submission workbook uses: at most {MAX_ROWS:,} rows and "
            f"{MAX_COLUMNS} columns (to column {get_column_letter(MAX_COLUMNS)}); clear it or move it nearer",
            sheet, f"{get_column_letter(min(column, 18_278))}{row}",
        )])


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's part in the zip and its name, as far as the workbook says (its parts
    are small: they were bounded before)."""
    from xml.etree.ElementTree import ParseError, fromstring

    try:
        targets = {
            rel.get("Id"): rel.get("Target", "")
            for rel in fromstring(archive.read("xl/_rels/workbook.xml.rels")).iter(_PACKAGE + "Relationship")
        }
        sheets = fromstring(archive.read("xl/workbook.xml")).iter(_MAIN + "sheet")
        names = {}
        for sheet in sheets:
            target = targets.get(sheet.get(_RELATIONSHIP), "")
            names[target[1:] if target.startswith("/") else f"xl/{target}"] = sheet.get("name", "")
        return names
    except (KeyError, ParseError, ValueError):
        return {}


# ---------------------------------------------------------------------------------- cells


@dataclass
class _Row:
    """A row of a data sheet that holds anything: its values and cells by column key."""

    sheet: str
    number: int
    values: dict[str, Any]
    coords: dict[str, str]

    def coord(self, key: str | None) -> str:
        return (self.coords.get(key) if key else None) or f"A{self.number}"

    def get(self, key: str | None) -> Any:
        return self.values.get(key) if key else None


_SPLIT = re.compile(r"[,;\n]")


def _normalise(value: Any, kind: str) -> Any:
    """A cell's value as the plan model reads it: text trimmed, numbers typed into text columns
    as text, lists split at commas, dates without a time."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if value is None:
        return None
    if isinstance(value, datetime) and kind in ("date", "dates"):
        value = value.date()
    if kind in ("text", "choice") and isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if kind in ("codes", "dates"):
        if isinstance(value, str):
            return [part.strip() for part in _SPLIT.split(value)]
        if isinstance(value, int | float) and not isinstance(value, bool) and kind == "codes":
            return [str(int(value)) if float(value).is_integer() else str(value)]
        return [value]
    return value


def _put(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    """Put ``value`` at ``path`` inside ``data``, making the mappings on the way."""
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def _container(data: dict[str, Any], path: tuple[Any, ...], empty: Any) -> Any:
    """The list or mapping at ``path`` inside ``data``, made ``empty`` when it is not there."""
    for part in path[:-1]:
        data = data.setdefault(part, {})
    return data.setdefault(path[-1], empty)


# ---------------------------------------------------------------------------------- the reader


class _Reader:
    def __init__(self, path: Path, values: Workbook, formulas: Workbook):
        self.path = path
        self.values = values
        self.formulas = formulas
        self.problems: list[CellProblem] = []
        #: plan path -> (sheet, cell, the field's name there)
        self.where: dict[Loc, tuple[str, str, str]] = {}
        #: codes of organisations and schemes -> their place in the plan's lists
        self.codes: dict[str, dict[str, int]] = {what: {} for what in OWNERS}

    # -- problems and locations

    def problem(self, sheet: str, cell: str, field_name: str, message: str) -> None:
        self.problems.append(CellProblem(str(self.path), None, field_name, message, sheet, cell))

    def mark(self, loc: Loc, sheet: str, cell: str, label: str) -> None:
        self.where.setdefault(tuple(loc), (sheet, cell, label))

    def locate(self, problem: Problem) -> CellProblem:
        loc = tuple(problem.loc)
        for n in range(len(loc), -1, -1):
            hit = self.where.get(loc[:n])
            if hit:
                sheet, cell, label = hit
                name = label
                for part in loc[n:]:
                    name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
                return CellProblem(str(self.path), None, name or format_loc(loc), problem.message, sheet, cell)
        return CellProblem(str(self.path), None, format_loc(loc), problem.message)

    # -- the workbook

    def plan_data(self) -> dict[str, Any]:
        cover = self._cover_cells() if "Cover" in self.values.sheetnames else {}
        self._check_format(cover)
        data = self._cover(cover)
        for sheet in SHEETS:
            columns, rows = self._table(sheet)
            match sheet.rows:
                case Entries():
                    self._entries(sheet, columns, rows, data)
                case Owned():
                    self._owned(sheet, columns, rows, data)
                case Keyed():
                    self._keyed(sheet, columns, rows, data)
        return data

    def _check_format(self, fields: dict[str, tuple[Any, str]]) -> None:
        found = fields.get("workbook_format", (None, ""))[0]
        if found != WORKBOOK_FORMAT:
            raise InputError.single(
                self.path,
                "not an stpkit submission workbook: its Cover sheet does not say workbook_format "
                f"{WORKBOOK_FORMAT} (make one with `stp template`)",
                field="(workbook)",
            )
        version = fields.get("workbook_format_version", (None, ""))[0]
        if version != WORKBOOK_FORMAT_VERSION:
            raise InputError.single(
                self.path,
                f"workbook format version {version!r}: this stpkit reads version {WORKBOOK_FORMAT_VERSION} "
                "(make a new workbook with `stp template`)",
                field="(workbook)",
            )
        missing = [name for name in SHEET_NAMES if name != "Lists" and name not in self.values.sheetnames]
        if missing:
            raise InputError(
                [CellProblem(str(self.path), None, "(sheet)", "sheet missing: the workbook must keep every sheet of "
                             "the template (an empty sheet is fine)", name) for name in missing]
            )

    def _cover_cells(self) -> dict[str, tuple[Any, str]]:
        ws, wf = self.values["Cover"], self.formulas["Cover"]
        found: dict[str, tuple[Any, str]] = {}
        rows = zip(ws.iter_rows(max_row=200, max_col=3), wf.iter_rows(max_row=200, max_col=3), strict=False)
        for r, (cells, formula_cells) in enumerate(rows, start=1):
            key = cells[2].value if len(cells) > 2 else None
            if isinstance(key, str) and key.strip() and key.strip() not in found:
                found[key.strip()] = (self._value(cells[1], formula_cells[1], "Cover"), f"B{r}")
        return found

    def _cover(self, cells: dict[str, tuple[Any, str]]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in COVER_FIELDS:
            if f.fixed:
                continue
            if f.key not in cells:
                self.problem("Cover", "C1", f.key, f"missing: the Cover sheet has no row for {f.key} (column C)")
                continue
            value, cell = cells[f.key]
            value = _normalise(value, f.kind)
            loc = tuple(f.key.split("."))
            self.mark(loc, "Cover", cell, f.key)
            if loc[0] == "footprint":
                self.mark(("footprint",), "Cover", cell, "footprint")
            if value is not None:
                _put(data, loc, value)
        data.setdefault("footprint", {})
        return data

    def _value(self, cell: Any, formula_cell: Any, sheet: str) -> Any:
        value = cell.value
        if value is None and formula_cell.data_type == "f":
            self.problem(sheet, cell.coordinate, "(formula)", "a formula whose result was not saved: open the "
                         "workbook in Excel or LibreOffice and save it, or type the value")
        return value

    def _table(self, sheet: Sheet) -> tuple[list[Column], list[_Row]]:
        """The columns of a data sheet found by row 5, and its rows that hold anything, with the
        input values normalised."""
        ws, wf = self.values[sheet.name], self.formulas[sheet.name]
        columns: dict[str, tuple[int, Column]] = {}
        header = next(ws.iter_rows(min_row=ROW_KEY, max_row=ROW_KEY), ())
        for c, cell in enumerate(header, start=1):
            key = cell.value
            if not isinstance(key, str) or not key.strip():
                continue
            key = key.strip()
            coord = f"{get_column_letter(c)}{ROW_KEY}"
            col = sheet.column(key)
            if key in columns:
                self.problem(sheet.name, coord, key, f"column {key} appears twice in row {ROW_KEY}")
            elif col is None:
                self.problem(sheet.name, coord, key, f"unknown column {key!r} in row {ROW_KEY}: row {ROW_KEY} names "
                             "the plan field of each column (see docs/excel.md); clear it to add a column of your own")
            else:
                columns[key] = (c, col)
        for col in sheet.fixed:
            if col.is_input and col.key not in columns:
                self.problem(sheet.name, f"A{ROW_KEY}", col.key, f"column missing: row {ROW_KEY} has no {col.key} "
                             "column; put the template's column back")
        rows = []
        for r, (cells, formula_cells) in enumerate(
            zip(ws.iter_rows(min_row=FIRST_ROW), wf.iter_rows(min_row=FIRST_ROW), strict=False), start=FIRST_ROW
        ):
            values, coords = {}, {}
            for key, (c, col) in columns.items():
                coords[key] = f"{get_column_letter(c)}{r}"
                if not col.is_input or c > len(cells):
                    continue
                value = _normalise(self._value(cells[c - 1], formula_cells[c - 1], sheet.name), col.kind)
                if value is not None:
                    values[key] = value
            if values:
                rows.append(_Row(sheet.name, r, values, coords))
        return [col for _, col in columns.values() if col.is_input], rows

    def _fill(self, sheet: Sheet, columns: list[Column], row: _Row, loc: Loc, into: dict[str, Any],
              labels: bool = False) -> None:
        """Each column's value put where its declaration says inside ``into``, the entry at
        ``loc``; every place marked with its cell, whether a value is given or not (a missing
        field is reported there). ``labels``: fields are named by their place in the plan
        rather than by their column."""
        for block in sheet.blocks.values():
            place = (*loc, *block.mapping_path)
            self.mark(place, row.sheet, row.coord(block.whole or sheet.first), format_loc(place) if labels
                      else block.prefix)
        for col in columns:
            if col.key in sheet.row_keys:
                continue
            path = col.field_path
            for n in range(1, len(path)):  # the mappings on the way, at the first of their columns
                first = next(c for c in columns if c.field_path[:n] == path[:n])
                self.mark((*loc, *path[:n]), row.sheet, row.coord(first.key), ".".join(map(str, path[:n])))
            self.mark((*loc, *path), row.sheet, row.coord(col.key), format_loc((*loc, *path)) if labels else col.key)
            if col.key in row.values:
                _put(into, path, row.values[col.key])

    def _entries(self, sheet: Sheet, columns: list[Column], rows: list[_Row], data: dict[str, Any]) -> None:
        """One entry of a list per row."""
        spec = sheet.rows
        assert isinstance(spec, Entries)
        for n in range(1, len(spec.path) + 1):
            self.mark(spec.path[:n], sheet.name, f"A{FIRST_ROW}", format_loc(spec.path[:n]))
        entries = _container(data, spec.path, [])
        for row in rows:
            loc = (*spec.path, len(entries))
            entry: dict[str, Any] = {}
            self.mark(loc, row.sheet, row.coord(spec.code or sheet.first), spec.entry)
            for part in spec.parts:
                self.mark((*loc, part), row.sheet, row.coord(spec.code or sheet.first), part)
            self._fill(sheet, columns, row, loc, entry)
            code = entry.get(spec.code) if spec.code else None
            if isinstance(code, str):
                self.codes[spec.entry].setdefault(code, len(entries))
            entries.append(entry)

    def _owned(self, sheet: Sheet, columns: list[Column], rows: list[_Row], data: dict[str, Any]) -> None:
        """Rows that belong to an organisation or a scheme: at most one each, or entries of a
        list inside it, or one per value of a pivot column (a staff group)."""
        spec = sheet.rows
        assert isinstance(spec, Owned)
        where = OWNERS[spec.owner][1]
        owners = _container(data, where, [])
        found = self._owner_rows(sheet, rows, spec.owner, one_each=not spec.many and spec.pivot is None)
        pivots: dict[tuple[int, Any], int] = {}
        for i, row in found:
            owner_loc = (*where, i)
            for n in range(1, len(spec.path) + 1):
                self.mark((*owner_loc, *spec.path[:n]), row.sheet, row.coord(spec.owner), ".".join(spec.path[:n]))
            loc = (*owner_loc, *spec.path)
            if spec.many:
                entries = _container(owners[i], spec.path, [])
                loc = (*loc, len(entries))
                self.mark(loc, row.sheet, row.coord(spec.entry_column or spec.owner), spec.entry)
                entries.append({})
                self._fill(sheet, columns, row, loc, entries[-1])
            elif spec.pivot is not None:
                self._pivot(sheet, columns, row, spec, i, owners[i], pivots)
            else:
                into: dict[str, Any] = {}
                self._fill(sheet, columns, row, loc, into)
                for name, value in into.items():  # made only when it holds something (a provider's capacity)
                    _put(owners[i], (*spec.path, name), value)
        if spec.required:
            named = {i for i, _ in found}
            for i, owner in enumerate(owners):
                for block in sheet.blocks.values():  # given, even when blank: the checks say what is wrong
                    _container(owner, (*spec.path, *block.mapping_path), {})
                if i in named:
                    continue
                sheet_name, cell, _ = self.where[(*where, i)]
                code = owner.get("id" if spec.owner == "scheme" else "code", "")
                self.problem(sheet_name, cell, next(iter(sheet.blocks), sheet.name),
                             f"missing: {spec.owner} {code} has no row on the {sheet.name} sheet")

    def _pivot(self, sheet: Sheet, columns: list[Column], row: _Row, spec: Owned, i: int, owner: dict[str, Any],
               first: dict[tuple[int, Any], int]) -> None:
        """A row of figures for one value of the pivot column (a staff group) of owner ``i``: each
        column's value goes in its mapping under that value (``wte``: {group: value}). ``first``:
        the row of each owner and value already read."""
        pivot, loc = spec.pivot, (*OWNERS[spec.owner][1], i, *spec.path)
        value = row.get(pivot)
        given = [c for c in columns if c.key not in sheet.row_keys and c.key in row.values]
        what = pivot.replace("_", " ")
        if value is None:
            if given:
                self.problem(row.sheet, row.coord(pivot), pivot, f"missing: say which {what} these figures are for")
            return
        if (i, value) in first:
            self.problem(row.sheet, row.coord(pivot), pivot,
                         f"a second row for {value} (the first is row {first[i, value]}): one row per {what}")
            return
        first[i, value] = row.number
        if not given:
            return
        self.mark(loc, row.sheet, row.coord(spec.owner), spec.path[-1])
        for col in given:
            self.mark((*loc, *col.field_path), row.sheet, row.coord(col.key), col.key)
            self.mark((*loc, *col.field_path, value), row.sheet, row.coord(col.key), col.key)
            _put(owner, (*spec.path, *col.field_path, value), row.values[col.key])

    def _owner_rows(self, sheet: Sheet, rows: list[_Row], what: str, one_each: bool) -> list[tuple[int, _Row]]:
        """The rows with the place of the organisation (or scheme) each names; a problem for each
        row that names none, one the plan does not have, or (``one_each``) one already named."""
        codes = self.codes[what]
        found, first = [], {}
        unknown: dict[Any, list[_Row]] = {}
        for row in rows:
            code = row.get(what)
            if code is None:
                self.problem(sheet.name, row.coord(what), what, f"missing: say which {what} this row is for")
            elif not isinstance(code, str) or code not in codes:
                unknown.setdefault(code, []).append(row)
            elif one_each and code in first:
                self.problem(sheet.name, row.coord(what), what,
                             f"a second row for {code} (the first is row {first[code]}): give one row per {what}")
            else:
                first.setdefault(code, row.number)
                found.append((codes[code], row))
        for code, named in unknown.items():  # one message for each code, however many rows name it
            others = len(named) - 1
            more = f" ({others} more row{'s' if others > 1 else ''} of this sheet name it)" if others else ""
            self.problem(sheet.name, named[0].coord(what), what,
                         f"unknown {what} {code!r}: not on the {OWNERS[what][0]} sheet{more}")
        return found

    def _keyed(self, sheet: Sheet, columns: list[Column], rows: list[_Row], data: dict[str, Any]) -> None:
        """One row per key of a mapping, or per key and member: its values by year."""
        spec = sheet.rows
        assert isinstance(spec, Keyed)
        for n in range(1, len(spec.path) + 1):
            self.mark(spec.path[:n], sheet.name, f"A{FIRST_ROW}", format_loc(spec.path[:n]))
        mapping = _container(data, spec.path, {})
        has_members: dict[Any, bool] = {}
        plain: set[Any] = set()
        for row in rows:
            key, member = row.get(spec.key), row.get(spec.member)
            if key is None:
                self.problem(row.sheet, row.coord(spec.key), spec.key, spec.missing)
                continue
            if has_members.setdefault(key, member is not None) != (member is not None):
                self.problem(row.sheet, row.coord(spec.member), spec.member, f"{key} has rows with and without a "
                             f"{spec.member}: give one row without a {spec.member}, or one row per {spec.member}")
                continue
            loc = (*spec.path, key)
            given = mapping.setdefault(key, {})
            if member is None and key in plain:
                self.problem(row.sheet, row.coord(spec.key), spec.key, f"a second row for {key}")
            elif member is not None and member in given:
                self.problem(row.sheet, row.coord(spec.member), spec.member, f"a second row for {key} and {member}")
            else:
                self.mark(loc, row.sheet, row.coord(spec.key), format_loc(loc))
                if member is None:
                    plain.add(key)
                else:
                    loc, given = (*loc, member), given.setdefault(member, {})
                    self.mark(loc, row.sheet, row.coord(spec.member), format_loc(loc))
                self._fill(sheet, columns, row, loc, given, labels=True)

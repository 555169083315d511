"""A real baseline: a footprint's (or the centre's) own accounts for some or all of its
organisations, read from CSV files and put in place of the illustrative figures.

Every ``*.csv`` file in a folder is read. Each has the columns ``organisation`` (ODS code),
``year`` (``2016/17``), ``item`` and ``value``; one row per organisation, year and item. The
items and their units are in docs/baseline.md. Every problem is reported with its file, line and
column, all of them at once, and nothing is applied unless every row is sound."""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from stpkit.domain import PROVIDER_LINES, Plan, check_plan, format_loc
from stpkit.domain.bounds import MAX_ACTIVITY, MAX_BEDS, MAX_GBP000, readable
from stpkit.domain.enums import CostType, IncomeSource, ServiceLine
from stpkit.domain.plan import Capacity, IncomeLine, Organisation
from stpkit.domain.years import STP_BASE_YEAR, STP_HORIZON, fy_range, fy_start
from stpkit.inputs.located import InputError, LocatedProblem, quoted, read_limited

MAX_FILE_BYTES = 5_000_000
MAX_FILES = 200
COLUMNS = ("organisation", "year", "item", "value")
YEARS = fy_range(STP_BASE_YEAR, STP_HORIZON)
#: Lines of care on which trusts deliver counted activity and are paid for it.
ACTIVITY_LINES = tuple(line for line in ServiceLine if line in PROVIDER_LINES)
#: Items given for the base year only; the others are given by year.
BY_YEAR_ITEMS = ("beds", "sustainability_fund", "control_total")


@dataclass(frozen=True)
class BaselineRow:
    """One sound row: where it is, whose it is, and what it says."""

    file: str
    line: int
    organisation: str
    year: str
    item: str
    value: float

    def problem(self, field: str, message: str) -> LocatedProblem:
        return LocatedProblem(self.file, self.line, field, message)


@dataclass(frozen=True)
class SuppliedBaseline:
    """The sound rows of every file of a baseline folder, in file and line order."""

    folder: Path
    rows: tuple[BaselineRow, ...]

    @property
    def organisations(self) -> frozenset[str]:
        return frozenset(r.organisation for r in self.rows)


def _item_problem(item: str) -> str | None:
    """Why ``item`` is not a baseline item, or None when it is one."""
    parts = item.split(".")
    head, rest = parts[0], parts[1:]
    if head in BY_YEAR_ITEMS:
        return None if not rest else f"{head} takes no further parts"
    if head == "expenditure":
        if len(rest) == 1 and rest[0] in CostType.__members__.values():
            return None
        return f"expected expenditure.<cost type>, one of {', '.join(CostType)}"
    if head == "activity":
        if len(rest) == 1 and rest[0] in ACTIVITY_LINES:
            return None
        return f"expected activity.<service line>, one of {', '.join(ACTIVITY_LINES)}"
    if head == "income":
        if not rest or rest[0] not in IncomeSource.__members__.values():
            return f"expected income.<source>, the source one of {', '.join(IncomeSource)}"
        source = IncomeSource(rest[0])
        if source.is_clinical:
            if len(rest) == 2 and rest[1] in ACTIVITY_LINES:
                return None
            lines = ", ".join(ACTIVITY_LINES)
            return f"clinical income needs a service line: income.{source}.<service line>, one of {lines}"
        return None if len(rest) == 1 else f"income from {source} takes no service line: write income.{source}"
    known = ", ".join(["income.<source>[.<service line>]", "expenditure.<cost type>", "activity.<service line>",
                       *BY_YEAR_ITEMS])
    return f"unknown item; expected one of {known} (see docs/baseline.md)"


def _year_problem(year: str, item: str) -> str | None:
    try:
        fy_start(year)
    except ValueError as exc:
        return str(exc)
    if year not in YEARS:
        return f"{year} is outside the plan years {STP_BASE_YEAR} to {STP_HORIZON}"
    if item.split(".")[0] not in BY_YEAR_ITEMS and year != STP_BASE_YEAR:
        return f"{item} is a base-year figure: give it for {STP_BASE_YEAR} only"
    return None


def _value_problem(text: str, item: str) -> tuple[float | None, str | None]:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None, f"not a number: {quoted(text)}" if text else "no value"
    if not math.isfinite(value):
        return None, f"not a number: {quoted(text)}"
    unit = "beds" if item == "beds" else "activity" if item.startswith("activity.") else "money"
    if value < 0 and item != "control_total":
        return None, f"{value:g} is negative; {unit} for {item} cannot be (only control_total can)"
    if item == "beds" and value != int(value):
        return None, f"beds are a whole number (got {text})"
    # The same ceilings as a plan's fields: these figures go into a plan without passing its types.
    most = _MOST[unit]
    if value > most:
        return None, f"{readable(value)} is more than {readable(most)}, the most {unit} for {item} can be"
    if value < -most:
        return None, f"{readable(value)} is less than {readable(-most)}, the least {unit} for {item} can be"
    return value, None


_MOST = {"beds": MAX_BEDS, "activity": MAX_ACTIVITY, "money": MAX_GBP000}


def _read_file(
    path: Path, seen: dict[tuple[str, str, str], BaselineRow]
) -> tuple[list[BaselineRow], list[LocatedProblem]]:
    raw = read_limited(path, MAX_FILE_BYTES, "baseline files")
    name = str(path)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return [], [LocatedProblem(name, None, "(file)", "the file is UTF-16 text; save it as UTF-8 CSV")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [LocatedProblem(name, line, "(file)", "not UTF-8 text; save it as UTF-8 CSV")]
    reader = csv.reader(io.StringIO(text, newline=""))
    expected = ", ".join(COLUMNS)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [LocatedProblem(name, 1, "(header)", f"not CSV: {exc}")]
    if header is None:
        return [], [LocatedProblem(name, None, "(file)", f"the file is empty; expected the columns {expected}")]
    header = [h.strip().lower() for h in header]
    if sorted(header) != sorted(COLUMNS):
        got = ", ".join(header)
        return [], [LocatedProblem(name, 1, "(header)", f"expected the columns {expected} (got {got})")]
    rows: list[BaselineRow] = []
    problems: list[LocatedProblem] = []
    while True:
        line = reader.line_num + 1  # where the row starts: a quoted cell may run over lines
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(LocatedProblem(name, line, "(row)", f"not CSV: {exc}"))
            break
        runs_on = ""
        if reader.line_num > line and any("\n" in cell for cell in record):
            runs_on = f" (a quoted cell runs from this line to line {reader.line_num}: is a closing quote missing?)"
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(LocatedProblem(
                name, line, "(row)", f"expected {len(header)} cells, got {len(record)}{runs_on}"
            ))
            continue
        cells = {column: cell.strip() for column, cell in zip(header, record, strict=True)}
        found: list[LocatedProblem] = []
        if not cells["organisation"]:
            found.append(LocatedProblem(name, line, "organisation", "no organisation code"))
        item = cells["item"]
        why = _item_problem(item)
        if why:
            found.append(LocatedProblem(name, line, "item", why if item else "no item"))
        why = _year_problem(cells["year"], item)
        if why:
            found.append(LocatedProblem(name, line, "year", why))
        value, why = _value_problem(cells["value"], item)
        if why:
            found.append(LocatedProblem(name, line, "value", why))
        if found:
            problems.extend(replace(p, message=p.message + runs_on) for p in found)
            continue
        assert value is not None
        row = BaselineRow(name, line, cells["organisation"], cells["year"], item, value)
        key = (row.organisation, row.year, row.item)
        if key in seen:
            first = seen[key]
            problems.append(row.problem(
                "item", f"{row.item} for {row.organisation} in {row.year} is already given at {first.file}:{first.line}"
            ))
            continue
        seen[key] = row
        rows.append(row)
    return rows, problems


def read_baseline(folder: str | Path) -> SuppliedBaseline:
    """Every row of every ``*.csv`` file in ``folder``; an InputError naming every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError.single(folder, "no such folder" if not folder.exists() else "not a folder")
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise InputError.single(folder, "no .csv files in the folder (see docs/baseline.md)")
    if len(files) > MAX_FILES:
        raise InputError.single(folder, f"{len(files)} .csv files; a baseline has at most {MAX_FILES}")
    seen: dict[tuple[str, str, str], BaselineRow] = {}
    rows: list[BaselineRow] = []
    problems: list[LocatedProblem] = []
    for path in files:
        found, wrong = _read_file(path, seen)
        rows.extend(found)
        problems.extend(wrong)
    if problems:
        raise InputError(problems)
    return SuppliedBaseline(folder, tuple(rows))


def apply_baseline(plans: Iterable[Plan], baseline: SuppliedBaseline, what: str = "the footprint") -> list[Plan]:
    """``plans`` with the supplied figures in place of their own for every organisation the
    baseline covers (a body in several footprints in each). Every organisation must be a member
    provider of one of ``plans`` (``what`` names them in the message)."""
    plans = list(plans)
    members: dict[str, Organisation] = {}
    for plan in plans:
        for org in plan.organisations:
            members.setdefault(org.code, org)
    problems = []
    for row in baseline.rows:
        org = members.get(row.organisation)
        if org is None:
            problems.append(row.problem("organisation", f"{row.organisation} is not a member of {what}"))
        elif not org.kind.is_provider:
            problems.append(row.problem(
                "organisation", f"{row.organisation} is a commissioner ({org.kind}); baseline rows are for providers"
            ))
    if problems:
        raise InputError(problems)
    by_org: dict[str, list[BaselineRow]] = {}
    for row in baseline.rows:
        by_org.setdefault(row.organisation, []).append(row)
    out = []
    for plan in plans:
        covered = [o.code for o in plan.organisations if o.code in by_org]
        if not covered:
            out.append(plan)
            continue
        orgs = [_applied(o, by_org[o.code]) if o.code in by_org else o for o in plan.organisations]
        names = ", ".join(covered)
        changed = plan.model_copy(update={"organisations": orgs})
        for problem in check_plan(changed):
            where = problem.loc[1] if problem.loc[:1] == ("organisations",) and len(problem.loc) > 1 else None
            code = orgs[where].code if isinstance(where, int) else None
            first = by_org[code][0] if code in by_org else baseline.rows[0]
            problems.append(first.problem(
                "organisation",
                f"with this baseline, {plan.footprint.code}'s plan has a problem at {format_loc(problem.loc)}: "
                f"{problem.message}",
            ))
        out.append(plan.model_copy(update={
            "organisations": orgs,
            "title": f"{plan.title} (own baseline for {names})"[:300],
            "narrative": (
                f"{plan.narrative} The baseline of {names} is its own, supplied from {baseline.folder.name}; "
                "the other organisations' figures are as before."
            ).strip(),
        }))
    if problems:
        raise InputError(problems)
    return out


def _applied(org: Organisation, rows: list[BaselineRow]) -> Organisation:
    base = org.baseline
    income = {(line.source, line.service_line): line for line in base.income_gbp000}
    expenditure = dict(base.expenditure_gbp000)
    activity = dict(base.activity)
    stf = dict(base.sustainability_fund_gbp000)
    control = dict(base.control_total_gbp000)
    capacity = org.capacity or Capacity()
    beds = dict(capacity.beds)
    for row in rows:
        head, *rest = row.item.split(".")
        if head == "income":
            source = IncomeSource(rest[0])
            line = ServiceLine(rest[1]) if len(rest) > 1 else None
            income[(source, line)] = IncomeLine(source=source, service_line=line, value_gbp000=row.value)
        elif head == "expenditure":
            expenditure[CostType(rest[0])] = row.value
        elif head == "activity":
            activity[ServiceLine(rest[0])] = row.value
        elif head == "sustainability_fund":
            stf[row.year] = row.value
        elif head == "control_total":
            control[row.year] = row.value
        elif head == "beds":
            beds[row.year] = int(row.value)
    baseline = base.model_copy(update={
        "income_gbp000": list(income.values()),
        "expenditure_gbp000": expenditure,
        "activity": activity,
        "sustainability_fund_gbp000": stf,
        "control_total_gbp000": control,
    })
    update: dict[str, object] = {"baseline": baseline}
    if any(r.item == "beds" for r in rows):
        update["capacity"] = capacity.model_copy(update={"beds": beds})
    return org.model_copy(update=update)

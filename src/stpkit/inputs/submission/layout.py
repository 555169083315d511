"""The layout of the submission workbook, as data: its sheets, and on each the columns, one
declaration per column (or per block of columns repeated by year, cost type or service line)
with its plan field (row 5), label (row 4), width, number format and drop-down list or number
check, and where the value sits in the plan.

The writer (write.py) and the reader (read.py) both work column by column from these
declarations, so what a column is called, where it goes and how it is read are said once: a
year column's label and its key come from the same block, and a plan written out and read back
is the same plan. docs/excel.md describes the layout for the people who fill it in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from openpyxl.utils import quote_sheetname

from stpkit.domain import (
    PROVIDER_LINES,
    ActsOnKind,
    Better,
    CapitalProjectType,
    CapitalSource,
    CostType,
    DecisionLevel,
    DecisionStatus,
    EngagementKind,
    EvidenceLevel,
    IncomeSource,
    IndicatorGap,
    Involvement,
    Measure,
    OrgKind,
    Position,
    SchemeCategory,
    ServiceLine,
    SignOffStatus,
    SiteKind,
    StaffGroup,
    StakeholderKind,
    acts_on_fields,
    fy_label,
    fy_start,
)
from stpkit.domain.enums import COMMISSIONER_KINDS
from stpkit.domain.formatting import EXCEL_GBP000
from stpkit.domain.years import STP_BASE_YEAR, STP_HORIZON
from stpkit.reference.footprints import load_footprints
from stpkit.reference.parameters import ParameterSet

WORKBOOK_FORMAT = "stpkit-submission"
WORKBOOK_FORMAT_VERSION = 1
DEFAULT_BASE_YEAR, DEFAULT_HORIZON = STP_BASE_YEAR, STP_HORIZON

# Rows of every data sheet.
ROW_TITLE, ROW_NOTE, ROW_ROLE, ROW_LABEL, ROW_KEY, FIRST_ROW = 1, 2, 3, 4, 5, 6
#: Drop-down lists and number checks reach down to this row.
LAST_ROW = 2000
#: Styled empty rows left below the data for new entries.
EMPTY_ROWS = 30
INPUT, CALCULATED = "input", "calculated"

# Number formats.
MONEY = EXCEL_GBP000
COUNT = "#,##0"
PCT = "0.0##"
DECIMAL = "0.0###"
TEXT = "@"
DATE = "yyyy-mm-dd"

#: A calculated column's formula: (row, column letters by key, list ranges by name) -> formula.
Formula = Callable[[int, dict[str, str], dict[str, str]], str]

# --------------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """One column of a data sheet. ``key`` is the plan field it holds (row 5)."""

    key: str
    label: str  # row 4; ``{base}`` stands for the base year
    #: how a cell is read: text, number, int, year, date, dates (a list of dates), codes (a list
    #: of codes), bool, choice (from a drop-down list) or calc (a formula, not read back)
    kind: str = "text"
    choices: str | None = None  # the drop-down list (see ``drop_down_lists``)
    fmt: str | None = None
    width: float | None = None
    check: str | None = None  # a number check (see NUMBER_CHECKS)
    formula: Formula | None = None
    wrap: bool = False
    #: where the value goes in the row's entry (see ``Sheet.rows``); default: the key's parts,
    #: so ``acts_on.kind`` is the ``kind`` of the scheme's ``acts_on``
    path: tuple[Any, ...] | None = None

    @property
    def role(self) -> str:
        return CALCULATED if self.kind == "calc" else INPUT

    @property
    def is_input(self) -> bool:
        return self.kind != "calc"

    @property
    def field_path(self) -> tuple[Any, ...]:
        return self.path if self.path is not None else tuple(self.key.split("."))


#: Members a block runs over: every year of the plan, or the years after the base year.
YEARS, LATER_YEARS = "years", "later years"


@dataclass(frozen=True)
class Block:
    """Columns repeated for each member of a set: each year, each cost type, each service line.
    The one declaration makes each column's key (``prefix.member``, row 5), its label (row 4)
    and its place in the plan (``path`` then the member), so none can drift from the others."""

    prefix: str
    over: str | tuple[str, ...]  # YEARS, LATER_YEARS, or the members themselves
    label: str | Callable[[str], str]  # "{} beds", or the label of a member
    kind: str = "number"
    fmt: str | None = None
    check: str | None = None
    width: float | None = None
    #: the mapping the members go in, inside the row's entry; default: ``(prefix,)``
    path: tuple[str, ...] | None = None
    #: the column where a problem with the whole mapping is shown (default: the row's first cell)
    whole: str | None = None

    @property
    def mapping_path(self) -> tuple[str, ...]:
        return self.path if self.path is not None else (self.prefix,)

    def members(self, members: Members) -> list[str]:
        if self.over == YEARS:
            default, order = members.years, _year_order
        elif self.over == LATER_YEARS:
            default, order = members.years[1:], _year_order
        else:
            default, order = self.over, _order_of(self.over)
        return sorted(set(default) | members.extra.get(self.prefix, set()), key=order)

    def column(self, member: str) -> Column:
        label = self.label(member) if callable(self.label) else self.label.format(member)
        return Column(f"{self.prefix}.{member}", label, self.kind, fmt=self.fmt, width=self.width, check=self.check,
                      path=(*self.mapping_path, member))

    def member_of(self, key: str) -> str | None:
        """The member a column key names, or None when the key is not one of this block's."""
        start = self.prefix + "."
        return key[len(start):] if key.startswith(start) and len(key) > len(start) else None


@dataclass(frozen=True)
class Members:
    """The years (and other members) that blocks of columns run over."""

    years: tuple[str, ...]
    #: members found in a plan beyond the usual ones, by block prefix, so that any plan can be written
    extra: dict[str, set[str]] = field(default_factory=dict)


def _year_order(label: str) -> tuple[int, int, str]:
    try:
        return (0, fy_start(label), label)
    except ValueError:  # not a year: after the years, for the checks to report
        return (1, 0, label)


def _order_of(values: tuple[str, ...]) -> Callable[[str], Any]:
    return lambda value: (values.index(value) if value in values else len(values), value)


def _values(enum: type[Enum], keep: Callable[[Any], bool] = lambda member: True) -> tuple[str, ...]:
    return tuple(m.value for m in enum if keep(m))


# --------------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Entries:
    """One row per entry of the list at ``path`` in the plan (organisations, schemes, ...)."""

    path: tuple[str, ...]
    entry: str  # what one entry is called in messages
    #: the column whose codes rows of other sheets name (``Owned.owner``)
    code: str | None = None
    #: parts of an entry filled on other sheets whose problems are shown at the entry's own cell
    #: when no row there holds them (a provider with no Expenditure row: its baseline)
    parts: tuple[str, ...] = ()


#: What an owner column names: the sheet that lists them and where they are in the plan.
OWNERS = {"organisation": ("Organisations", ("organisations",)), "scheme": ("Schemes", ("schemes",))}


@dataclass(frozen=True)
class Owned:
    """Rows that belong to a member organisation or a scheme, named by its code in the ``owner``
    column; their fields go at ``path`` inside it."""

    owner: str  # "organisation" or "scheme": the column, and what it names (OWNERS)
    path: tuple[str, ...] = ()
    many: bool = False  # ``path`` is a list: one row per entry (otherwise one row per owner)
    entry: str = ""  # many: what one entry is called in messages
    entry_column: str | None = None  # many: the column that stands for the entry (default: the owner's)
    #: writing: the owners that get a row even when it is empty, ready to fill:
    #: "commissioners", "providers" or "all"
    every: str | None = None
    required: bool = False  # reading: every owner needs a row, and its blocks are given even when blank
    #: one row per value of this column (staff groups), whose other columns each hold a mapping
    #: by those values (``wte``: {group: value})
    pivot: str | None = None
    pivot_values: tuple[str, ...] = ()  # writing: the values every owner gets a row for


@dataclass(frozen=True)
class Keyed:
    """One row per key of the mapping at ``path`` (capital available by source), or per key and
    member for keys whose values are by member (assumptions by parameter, and by service line,
    cost type, kind or group for parameters that have them)."""

    path: tuple[str, ...]
    key: str  # the column naming the key
    missing: str  # the message for a row without a key
    member: str | None = None  # the column naming the member, blank for keys without members


Rows = Entries | Owned | Keyed


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    note: str
    rows: Rows
    declared: tuple[Column | Block, ...]
    freeze: int = 1  # columns frozen at the left
    baseline: bool = False  # holds baseline figures (the illustrative note is repeated on it)

    def columns(self, members: Members) -> list[Column]:
        """Every column, blocks expanded for ``members``, in order."""
        base = members.years[0] if members.years else "base year"
        out: list[Column] = []
        for item in self.declared:
            if isinstance(item, Block):
                out += [item.column(m) for m in item.members(members)]
            else:
                out.append(replace(item, label=item.label.replace("{base}", base)))
        return out

    @property
    def fixed(self) -> list[Column]:
        """The columns that are not part of a block."""
        return [c for c in self.declared if isinstance(c, Column)]

    @property
    def blocks(self) -> dict[str, Block]:
        return {b.prefix: b for b in self.declared if isinstance(b, Block)}

    @property
    def first(self) -> str:
        """The key of the column that stands for a row: its owner, key or first input."""
        match self.rows:
            case Owned(owner=owner):
                return owner
            case Keyed(key=key):
                return key
        return next(c.key for c in self.fixed if c.is_input)

    @property
    def row_keys(self) -> set[str]:
        """Columns that say which entry a row is, rather than hold one of its fields."""
        match self.rows:
            case Owned(owner=owner, pivot=pivot):
                return {owner, pivot} - {None}
            case Keyed(key=key, member=member):
                return {key, member} - {None}
        return set()

    def column(self, key: str) -> Column | None:
        """The column whose row 5 says ``key``: a declared one, or a member of a block."""
        for c in self.fixed:
            if c.key == key:
                return c
        for block in self.blocks.values():
            member = block.member_of(key)
            if member is not None:
                return block.column(member)
        return None


# --------------------------------------------------------------------------------- formulas


def _span(letters: dict[str, str], prefix: str) -> tuple[str, str] | None:
    found = [letter for key, letter in letters.items() if key.startswith(prefix + ".")]
    return (found[0], found[-1]) if found else None


def _sum(prefix: str) -> Formula:
    def formula(row: int, letters: dict[str, str], ranges: dict[str, str]) -> str:
        span = _span(letters, prefix)
        return f"=SUM({span[0]}{row}:{span[1]}{row})" if span else ""

    return formula


def _lookup(key: str, sheet: str) -> Formula:
    """The name of the organisation (or scheme) whose code is in column ``key``."""

    def formula(row: int, letters: dict[str, str], ranges: dict[str, str]) -> str:
        ref = quote_sheetname(sheet)
        codes, names = f"{ref}!$A${FIRST_ROW}:$A${LAST_ROW}", f"{ref}!$B${FIRST_ROW}:$B${LAST_ROW}"
        return f'=IFERROR(INDEX({names},MATCH(${letters[key]}{row},{codes},0)),"")'

    return formula


def _role(row: int, letters: dict[str, str], ranges: dict[str, str]) -> str:
    kind = f"${letters['kind']}{row}"
    tests = ",".join(f'{kind}="{k.value}"' for k in OrgKind if k in COMMISSIONER_KINDS)
    return f'=IF({kind}="","",IF(OR({tests}),"commissioner","provider"))'


def _parameter_unit(row: int, letters: dict[str, str], ranges: dict[str, str]) -> str:
    names, units = ranges["parameter"], ranges["parameter_unit"]
    return f'=IFERROR(INDEX({units},MATCH(${letters["parameter"]}{row},{names},0)),"")'


# --------------------------------------------------------------------------------- sheets

#: What a unit of activity is on each line delivered by trusts.
ACTIVITY_UNITS = {
    ServiceLine.ELECTIVE: "spells",
    ServiceLine.NON_ELECTIVE: "spells",
    ServiceLine.SPECIALISED: "spells",
    ServiceLine.OUTPATIENT: "attendances",
    ServiceLine.AE: "type 1 attendances",
    ServiceLine.URGENT_CARE: "attendances",
    ServiceLine.COMMUNITY: "contacts",
    ServiceLine.MENTAL_HEALTH: "contacts",
    ServiceLine.AMBULANCE: "incidents",
}


def _activity_label(line: str) -> str:
    unit = ACTIVITY_UNITS.get(ServiceLine(line), "units") if line in ServiceLine._value2member_map_ else "units"
    return f"{line} ({unit})"


def _org(label: str = "Organisation (code)") -> Column:
    return Column("organisation", label, "choice", choices="organisation", width=18)


def _scheme_ref() -> Column:
    return Column("scheme", "Scheme id", "choice", choices="scheme", width=16)


def _name(key: str = "organisation", sheet: str = "Organisations") -> Column:
    return Column("(name)", "Name (looked up)", "calc", formula=_lookup(key, sheet), width=36)


def _total(prefix: str, label: str, fmt: str, width: float) -> Column:
    return Column("(total)", label, "calc", fmt=fmt, formula=_sum(prefix), width=width)


def _money(key: str, label: str, **options: Any) -> Column:
    return Column(key, label, "number", fmt=MONEY, check="money", **options)


def _pct(key: str, label: str, **options: Any) -> Column:
    return Column(key, label, "number", fmt=PCT, check="pct", **options)


def _money_by_year(prefix: str, over: str, label: str, width: float = 14, **options: Any) -> Block:
    return Block(prefix, over, label, fmt=MONEY, check="money", width=width, **options)


def _acts_on_note() -> str:
    """Which fields each kind of scheme takes, from the plan's own types."""
    parts = []
    for kind in ActsOnKind:
        fields = acts_on_fields(kind)
        destinations = " (and its destinations)" if "to" in fields else ""
        parts.append(f"{kind.value}: {', '.join(f for f in fields if f != 'to')}{destinations}")
    return "; ".join(parts)


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Organisations",
        "Member organisations",
        "One row per member. Share: the part of a body that spans several footprints (ambulance trusts, "
        "county councils, specialised commissioning) that belongs to this one; 100 for the rest.",
        Entries(("organisations",), "organisation", code="code", parts=("baseline",)),
        (
            Column("code", "Code (ODS code or local identifier)", width=18, fmt=TEXT),
            Column("name", "Name", width=48),
            Column("kind", "Kind", "choice", choices="org_kind", width=26),
            _pct("share_pct", "Share in this footprint (%)", width=14),
            Column("(role)", "Commissioner or provider", "calc", formula=_role, width=16),
        ),
        baseline=True,
    ),
    Sheet(
        "Allocations",
        "Commissioners: allocations (£000)",
        "The base-year allocation (for a council, the funding modelled) and published allocations for later "
        "years. A later year left blank grows at the national allocation growth for the commissioner's kind.",
        Owned("organisation", ("baseline",), every="commissioners"),
        (
            _org("Commissioner (code)"),
            _name(),
            _money("allocation_gbp000", "{base} allocation, base year (£000)", width=16),
            _money_by_year("allocations_gbp000", LATER_YEARS, "{} allocation (£000)"),
        ),
        baseline=True,
    ),
    Sheet(
        "Spend",
        "Commissioners: base-year spend by service line and provider (£000)",
        "One row per commissioner, service line and provider. Provider: a member's code (a payment inside "
        "the footprint). External provider: the name of a provider outside it. Neither: spend not with a "
        "provider (primary care, prescribing, continuing care, social care, public health, other).",
        Owned("organisation", ("baseline", "spend_gbp000"), many=True, entry="spend"),
        (
            _org("Commissioner (code)"),
            _name(),
            Column("service_line", "Service line", "choice", choices="service_line", width=18),
            Column("provider", "Provider: member (code)", "choice", choices="organisation", width=18),
            Column("external_provider", "External provider (name)", width=32),
            _money("value_gbp000", "Spend (£000)", width=14),
        ),
        baseline=True,
    ),
    Sheet(
        "Income",
        "Providers: income from outside the footprint's commissioners (£000)",
        "One row per provider and source. Clinical income (other_commissioners, nhs_england) needs a service "
        "line; other income has none. Income from member commissioners is their spend (Spend sheet): it is "
        "not entered here.",
        Owned("organisation", ("baseline", "income_gbp000"), many=True, entry="income"),
        (
            _org("Provider (code)"),
            _name(),
            Column("source", "Source", "choice", choices="income_source", width=22),
            Column("service_line", "Service line (clinical income)", "choice", choices="service_line", width=18),
            _money("value_gbp000", "Income (£000)", width=14),
        ),
        baseline=True,
    ),
    Sheet(
        "Expenditure",
        "Providers: base-year expenditure by cost type (£000)",
        "One row per provider: the whole organisation's costs.",
        Owned("organisation", ("baseline",), every="providers"),
        (
            _org("Provider (code)"),
            _name(),
            _money_by_year("expenditure_gbp000", _values(CostType), "{} (£000)"),
            _total("expenditure_gbp000", "Total (£000)", MONEY, 14),
        ),
        baseline=True,
    ),
    Sheet(
        "Activity",
        "Providers: base-year activity by service line (units)",
        "One row per provider. Every line a provider is paid for (by members' spend or clinical income) "
        "needs its activity.",
        Owned("organisation", ("baseline",), every="providers"),
        (
            _org("Provider (code)"),
            _name(),
            Block("activity", _values(ServiceLine, lambda line: line in PROVIDER_LINES), _activity_label,
                  fmt=COUNT, check="count", width=15),
        ),
        baseline=True,
    ),
    Sheet(
        "STF",
        "Providers: Sustainability and Transformation Fund income and control totals by year (£000)",
        "One row per provider; leave a year blank for none. STF is paid in a year only if the provider's "
        "position (surplus positive, deficit negative, STF included) meets its control total; with no "
        "control total, STF is paid whatever happens.",
        Owned("organisation", ("baseline",), every="providers"),
        (
            _org("Provider (code)"),
            _name(),
            _money_by_year("sustainability_fund_gbp000", YEARS, "{} STF (£000)"),
            Block("control_total_gbp000", YEARS, "{} control total (£000)", fmt=MONEY, check="position", width=16),
        ),
        baseline=True,
    ),
    Sheet(
        "Beds",
        "Providers: beds available by year",
        "The base year sets today's occupancy (blank: the beds its bed days need at the target occupancy). "
        "A later year sets the plan's beds from that year on; years left blank keep the do-nothing beds.",
        Owned("organisation", ("capacity",), every="providers"),
        (
            _org("Provider (code)"),
            _name(),
            Block("beds", YEARS, "{} beds", "int", fmt=COUNT, check="count", width=12),
        ),
        baseline=True,
    ),
    Sheet(
        "Sites",
        "Providers: hospitals and other sites",
        "One row per site; list at least the sites the plan changes. Shares are % of the provider's A&E "
        "attendances and fixed cost; receipts and income in £000 by year.",
        Owned("organisation", ("capacity", "sites"), many=True, entry="site", entry_column="code"),
        (
            _org("Provider (code)"),
            Column("code", "Site code", width=12, fmt=TEXT),
            Column("name", "Site name", width=36),
            Column("kind", "Kind of site", "choice", choices="site_kind", width=20),
            Column("beds", "Beds in the base year", "int", fmt=COUNT, check="count", width=12),
            Column("type1_ae", "Type 1 A&E (yes/no)", "bool", choices="yes_no", width=12),
            _pct("ae_share_pct", "Share of the provider's A&E (%)", width=14),
            _pct("fixed_cost_share_pct", "Share of the provider's fixed cost (%)", width=14),
            Column("closes", "Closes from (year)", "year", choices="year", fmt=TEXT, width=12),
            _money_by_year("disposal_receipt_gbp000", YEARS, "{} disposal receipt (£000)"),
            _money_by_year("repurposing_income_gbp000", YEARS, "{} repurposing income (£000)"),
        ),
        freeze=3,
        baseline=True,
    ),
    Sheet(
        "Workforce",
        "Providers: staff establishment in the base year",
        "One row per provider and staff group; blank cells take the national figures (establishment from "
        "pay cost at the national cost per WTE, national vacancy and agency rates).",
        Owned("organisation", ("workforce",), every="providers", pivot="staff_group",
              pivot_values=_values(StaffGroup)),
        (
            _org("Provider (code)"),
            _name(),
            Column("staff_group", "Staff group", "choice", choices="staff_group", width=16),
            Column("wte", "Establishment (WTE)", "number", fmt=DECIMAL, check="count", width=14),
            _pct("vacancy_pct", "Vacancies (% of establishment)", width=16),
            _pct("agency_share_pct", "Vacant shifts filled by agency staff (%)", width=16),
        ),
        baseline=True,
    ),
    Sheet(
        "Assumptions",
        "Assumptions: national parameters this plan overrides",
        "One row per parameter (or per parameter and member, for parameters by service line, cost type, "
        "kind or staff group); values in the parameter's unit by year. `stp parameters` lists them.",
        Keyed(("assumptions",), "parameter", "missing: name the parameter (`stp parameters` lists them)",
              member="member"),
        (
            Column("parameter", "Parameter", "choice", choices="parameter", width=40),
            Column("member", "Service line, cost type, kind or group (if the parameter has one)", "choice",
                   choices="parameter_member", width=22),
            Column("(unit)", "Unit (looked up)", "calc", formula=_parameter_unit, width=24),
            Block("value", YEARS, "{}", fmt=DECIMAL, width=11, path=()),
        ),
        freeze=2,
    ),
    Sheet(
        "Schemes",
        "Schemes: what the plan changes",
        "One row per scheme. Acts on: what it changes; each kind takes only its own fields (" + _acts_on_note()
        + "). Size as a share of what it acts on (%) or in £000 at base-year prices, not both. Lists (member "
        "providers) are codes separated by commas. Phasing, running cost, capital and destinations are on "
        "their own sheets.",
        Entries(("schemes",), "scheme", code="id"),
        (
            Column("id", "Scheme id", width=16, fmt=TEXT),
            Column("name", "Name", width=40),
            Column("category", "Category", "choice", choices="scheme_category", width=22),
            Column("programme", "Programme or theme", width=24),
            Column("owner", "Owner (code)", "choice", choices="organisation", width=16),
            Column("acts_on.kind", "Acts on", "choice", choices="acts_on_kind", width=14),
            Column("acts_on.service_line", "Service line", "choice", choices="service_line", width=16),
            Column("acts_on.cost_type", "Cost type", "choice", choices="cost_type", width=11),
            Column("acts_on.income_source", "Income source", "choice", choices="income_source", width=18),
            Column("acts_on.staff_group", "Staff group", "choice", choices="staff_group", width=14),
            Column("acts_on.site", "Site (A&E downgrade)", width=12, fmt=TEXT),
            Column("acts_on.providers", "Only these member providers (codes)", "codes", width=18, fmt=TEXT),
            Column("acts_on.lead_time_years", "Lead time (years of double running)", "int", width=12,
                   check="count"),
            Column("acts_on.admissions_per_attendance", "Admissions per A&E attendance", "number",
                   fmt=DECIMAL, width=12),
            _pct("size_pct", "Size (% of what it acts on)", width=12),
            _money("size_gbp000", "Size (£000, base-year prices)", width=14),
            Column("recurrent", "Recurrent (yes/no)", "bool", choices="yes_no", width=11),
            _pct("delivery_pct", "Expected delivery (%)", width=12),
            Column("capacity_removed_from", "Capacity removed from (year)", "year", choices="year", fmt=TEXT,
                   width=13),
            Column("evidence", "Evidence", "choice", choices="evidence", width=12),
            Column("description", "Description", width=60, wrap=True),
        ),
        freeze=2,
    ),
    Sheet(
        "Destinations",
        "Schemes: where shifted activity goes",
        "For shift and ae_downgrade schemes: one row per destination. Shares of each scheme add up to 100%. "
        "Units per unit (shift schemes): units here for each unit that leaves (e.g. community contacts per "
        "admission).",
        Owned("scheme", ("acts_on", "to"), many=True, entry="destination"),
        (
            _scheme_ref(),
            Column("provider", "Provider (code)", "choice", choices="organisation", width=18),
            Column("service_line", "Arrives as (service line)", "choice", choices="service_line", width=18),
            _pct("share_pct", "Share (%)", width=12),
            Column("units_per_unit", "Units per unit", "number", fmt=DECIMAL, width=12),
        ),
    ),
    Sheet(
        "Phasing",
        "Schemes: phasing (% of the full effect first delivered each year)",
        "One row per scheme, one column per year after the base year; each row adds up to 100%.",
        Owned("scheme", every="all", required=True),
        (
            _scheme_ref(),
            _name("scheme", "Schemes"),
            Block("phasing_pct", LATER_YEARS, "{} (%)", fmt=PCT, check="pct", width=11, whole="(total)"),
            _total("phasing_pct", "Total (%): must be 100", PCT, 12),
        ),
        freeze=2,
    ),
    Sheet(
        "Investment",
        "Schemes: running cost by year (£000), borne by the owner",
        "One row per scheme that has a running cost.",
        Owned("scheme"),
        (
            _scheme_ref(),
            _name("scheme", "Schemes"),
            _money_by_year("revenue_investment_gbp000", LATER_YEARS, "{} (£000)", width=12),
            _total("revenue_investment_gbp000", "Total (£000)", MONEY, 13),
        ),
        freeze=2,
    ),
    Sheet(
        "Capital",
        "Schemes: capital needed by year (£000) and where it comes from",
        "One row per scheme that needs capital. Source none means no source is identified. Project type sets "
        "the HM Treasury optimism bias used for cost overrun in risk runs.",
        Owned("scheme", every="all"),
        (
            _scheme_ref(),
            _name("scheme", "Schemes"),
            Column("capital_source", "Source", "choice", choices="capital_source", width=20),
            Column("capital_project_type", "Project type", "choice", choices="capital_project_type", width=24),
            _money_by_year("capital_gbp000", YEARS, "{} (£000)", width=12),
            _total("capital_gbp000", "Total (£000)", MONEY, 13),
        ),
        freeze=2,
    ),
    Sheet(
        "Capital available",
        "Capital the footprint can draw on, by source and year (£000)",
        "One row per source. Site disposal receipts (Sites sheet) count as disposal.",
        Keyed(("capital_available_gbp000",), "source", "missing: say which source this row is for"),
        (
            Column("source", "Source", "choice", choices="capital_source", width=20),
            _money_by_year("capital_available_gbp000", YEARS, "{} (£000)", width=12, path=()),
            _total("capital_available_gbp000", "Total (£000)", MONEY, 13),
        ),
    ),
    Sheet(
        "Indicators",
        "Indicators: health and wellbeing, care and quality",
        "One row per indicator: a measure stpkit knows (drop-down) or a local one with its name, gap, unit, "
        "direction, baseline and target. Trajectory: the value expected in each year after the base year.",
        Entries(("indicators",), "indicator"),
        (
            Column("id", "Indicator id", "choice", choices="measure", width=28),
            Column("name", "Name (local indicators)", width=36),
            Column("gap", "Gap", "choice", choices="indicator_gap", width=18),
            Column("unit", "Unit", width=16),
            Column("better", "Better when", "choice", choices="better", width=10),
            Column("baseline", "Baseline ({base})", "number", fmt=DECIMAL, width=12),
            Column("target", "Target (by the horizon)", "number", fmt=DECIMAL, width=12),
            Block("trajectory", LATER_YEARS, "{}", fmt=DECIMAL, width=10),
            Column("source", "Source of the baseline", width=40),
        ),
    ),
    Sheet(
        "Sign-off",
        "Governance: sign-off by each member",
        "One row per member organisation. A date (year-month-day) is needed for signed_off and declined.",
        Entries(("governance", "sign_off"), "sign_off"),
        (
            _org(),
            _name(),
            Column("status", "Status", "choice", choices="sign_off_status", width=14),
            Column("date", "Date decided", "date", fmt=DATE, width=13),
            Column("body", "Decided by (board, governing body, cabinet)", width=24),
            Column("note", "Conditions, or why pending or declined", width=50, wrap=True),
        ),
    ),
    Sheet(
        "Stakeholders",
        "Governance: stakeholders outside the membership",
        "One row per body. Dates of meetings or reviews, year-month-day, separated by commas.",
        Entries(("governance", "stakeholders"), "stakeholder"),
        (
            Column("kind", "Kind", "choice", choices="stakeholder_kind", width=26),
            Column("name", "Name", width=40),
            Column("involvement", "Involvement", "choice", choices="involvement", width=14),
            Column("position", "Position", "choice", choices="position", width=24),
            Column("dates", "Dates", "dates", fmt=TEXT, width=26),
            Column("note", "Note", width=50, wrap=True),
        ),
    ),
    Sheet(
        "Engagement",
        "Governance: public engagement and consultation",
        "One row per event. Covers: the scheme ids, site codes or provider codes (for ward closures) it "
        "discussed, separated by commas.",
        Entries(("governance", "engagement"), "event"),
        (
            Column("date", "Date (or opened)", "date", fmt=DATE, width=13),
            Column("until", "Closed (consultations, surveys)", "date", fmt=DATE, width=13),
            Column("kind", "Kind", "choice", choices="engagement_kind", width=20),
            Column("title", "Title", width=40),
            Column("place", "Where, or how people took part", width=30),
            Column("participants", "People who took part", "int", fmt=COUNT, check="count", width=12),
            Column("covers", "Changes it covers (codes)", "codes", fmt=TEXT, width=30),
        ),
    ),
    Sheet(
        "Decisions",
        "Governance: decisions the plan depends on",
        "One row per decision. Schemes and organisations: ids and codes separated by commas; an "
        "organisation-level decision names exactly one member.",
        Entries(("governance", "decisions"), "decision"),
        (
            Column("id", "Decision id", width=14, fmt=TEXT),
            Column("title", "What is decided", width=40),
            Column("level", "Level", "choice", choices="decision_level", width=16),
            Column("taken_by", "Taken by", width=30),
            Column("status", "Status", "choice", choices="decision_status", width=10),
            Column("date", "Date (taken or due)", "date", fmt=DATE, width=13),
            Column("schemes", "Schemes (ids)", "codes", fmt=TEXT, width=26),
            Column("organisations", "Members bound (codes)", "codes", fmt=TEXT, width=26),
        ),
    ),
)

SHEET_NAMES = ("Cover", *(s.name for s in SHEETS), "Lists")

# ---------------------------------------------------------------------------------- lists


def _years_list(years: Iterable[str]) -> list[str]:
    starts = [fy_start(y) for y in years] or [fy_start(DEFAULT_BASE_YEAR)]
    return [fy_label(y) for y in range(min(min(starts), 2010), max(max(starts), 2035) + 1)]


def drop_down_lists(params: ParameterSet, years: Iterable[str]) -> dict[str, list[str]]:
    """The drop-down lists by name (``Column.choices``), from the plan's vocabulary (never typed
    out here). They are written on the Lists sheet, one column each."""
    overridable = [p for p in params if p.used_by != "assurance"]
    members: list[str] = []
    for p in overridable:
        members += [member for member in p.members if member and member not in members]
    return {
        "footprint": list(load_footprints()),
        "year": _years_list(years),
        "yes_no": ["yes", "no"],
        "org_kind": list(_values(OrgKind)),
        "service_line": list(_values(ServiceLine)),
        "cost_type": list(_values(CostType)),
        "income_source": list(_values(IncomeSource)),
        "scheme_category": list(_values(SchemeCategory)),
        "acts_on_kind": list(_values(ActsOnKind)),
        "evidence": list(_values(EvidenceLevel)),
        "capital_source": list(_values(CapitalSource)),
        "capital_project_type": list(_values(CapitalProjectType)),
        "site_kind": list(_values(SiteKind)),
        "staff_group": list(_values(StaffGroup)),
        "sign_off_status": list(_values(SignOffStatus)),
        "stakeholder_kind": list(_values(StakeholderKind)),
        "involvement": list(_values(Involvement)),
        "position": list(_values(Position)),
        "engagement_kind": list(_values(EngagementKind)),
        "decision_level": list(_values(DecisionLevel)),
        "decision_status": list(_values(DecisionStatus)),
        "indicator_gap": list(_values(IndicatorGap)),
        "better": list(_values(Better)),
        "measure": list(_values(Measure)),
        "parameter": [p.name for p in overridable],
        "parameter_unit": [p.unit for p in overridable],
        "parameter_member": members,
    }


#: Lists whose values come from the workbook itself: the codes typed on another sheet.
DYNAMIC_LISTS = {
    "organisation": f"Organisations!$A${FIRST_ROW}:$A${LAST_ROW}",
    "scheme": f"Schemes!$A${FIRST_ROW}:$A${LAST_ROW}",
}
#: Lists where a value outside the list is allowed (local indicator ids).
OPEN_LISTS = {"measure"}
LISTS_HEADER_ROW = 3

#: Number checks on input cells: (type, operator, low, high, message).
NUMBER_CHECKS = {
    "money": ("decimal", "greaterThanOrEqual", "0", None, "Enter an amount in £000: a number, 0 or more."),
    "position": ("decimal", "between", "-100000000", "100000000",
                 "Enter a position in £000: a surplus as a positive number, a deficit as a negative one."),
    "count": ("decimal", "greaterThanOrEqual", "0", None, "Enter a number, 0 or more."),
    "pct": ("decimal", "between", "0", "100", "Enter a percentage as a number from 0 to 100 (5 is 5%)."),
}

# ---------------------------------------------------------------------------------- cover


@dataclass(frozen=True)
class CoverField:
    """A row of the cover: the plan's top-level fields (column B holds the value, C the field)."""

    key: str
    label: str
    kind: str = "text"
    choices: str | None = None
    guidance: str = ""
    fixed: bool = False


COVER_FIELDS = (
    CoverField("workbook_format", "Workbook format", fixed=True,
               guidance="Tells stpkit this is its submission workbook. Do not change."),
    CoverField("workbook_format_version", "Workbook format version", fixed=True),
    CoverField("schema_version", "Plan file format version", fixed=True),
    CoverField("footprint.code", "Footprint code", "choice", "footprint",
               "The ONS STP code, E54000005 to E54000048 (`stp footprints` lists them)."),
    CoverField("footprint.name", "Footprint name", guidance="Optional: the footprint's name."),
    CoverField("title", "Plan title"),
    CoverField("narrative", "Narrative", guidance="A few sentences: the local challenge, the big choices, the risks."),
    CoverField("illustrative", "Illustrative baseline", "bool", "yes_no",
               "yes while the baseline is apportioned from national totals; no once it is the members' own "
               "accounts."),
    CoverField("base_year", "Base year", "year", "year",
               "The year of the baseline, e.g. 2016/17. The year columns of the other sheets were made for the "
               "base year and horizon shown: make a new template to change them."),
    CoverField("horizon", "Horizon (last year)", "year", "year", "The last year projected, e.g. 2020/21."),
)
COVER_FIRST_ROW = 5

"""The submission workbook: a plan laid out the way NHS finance templates are (``stp template``),
and a filled workbook read back into a plan (``stp import``).

One layout serves both directions, so that a plan written out and read back is the same plan.
Every data sheet has five header rows: the title, a note (units, what belongs there), whether
each column is an input or calculated, the column's label with its unit, and the name of the
plan field it holds. The reader finds columns by that last row, builds the same data a plan
file holds, and checks it with the plan model and the checks of ``stp validate``; every
problem is reported with its sheet and cell. docs/excel.md describes the layout."""

from __future__ import annotations

import io
import math
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from stpkit import __version__
from stpkit.domain import (
    PLAN_SCHEMA_VERSION,
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
    Governance,
    IncomeSource,
    IndicatorGap,
    Involvement,
    Measure,
    Organisation,
    OrgKind,
    Plan,
    Position,
    Problem,
    SchemeCategory,
    ServiceLine,
    SignOff,
    SignOffStatus,
    SiteKind,
    StaffGroup,
    StakeholderKind,
    format_loc,
    fy_label,
    fy_range,
    fy_start,
)
from stpkit.domain.checks import MAX_PLAN_YEARS
from stpkit.domain.enums import COMMISSIONER_KINDS
from stpkit.domain.formatting import EXCEL_GBP000
from stpkit.domain.problems import Loc
from stpkit.inputs.located import InputError, LocatedProblem, read_limited
from stpkit.inputs.plan_file import PlanCheck, pydantic_problems, validate
from stpkit.reference.footprints import load_footprints
from stpkit.reference.illustrative import ILLUSTRATIVE_NOTE, illustrative_plan
from stpkit.reference.parameters import ParameterSet, load_parameters

WORKBOOK_FORMAT = "stpkit-submission"
WORKBOOK_FORMAT_VERSION = 1
DEFAULT_BASE_YEAR = "2016/17"
DEFAULT_HORIZON = "2020/21"
MAX_WORKBOOK_BYTES = 20_000_000

# Rows of every data sheet.
ROW_TITLE, ROW_NOTE, ROW_ROLE, ROW_LABEL, ROW_KEY, FIRST_ROW = 1, 2, 3, 4, 5, 6
#: Drop-down lists and number checks reach down to this row.
LAST_ROW = 2000
#: Styled empty rows left below the data for new entries.
EMPTY_ROWS = 30
INPUT, CALCULATED = "input", "calculated"

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

MONEY = EXCEL_GBP000
COUNT = "#,##0"
PCT = "0.0##"
DECIMAL = "0.0###"
TEXT = "@"
DATE = "yyyy-mm-dd"


# --------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Column:
    """One column of a data sheet. ``key`` is the plan field it holds (row 5)."""

    key: str
    label: str
    #: text, number, int, year, date, dates (a list of dates), codes (a list of codes), bool,
    #: choice (from a drop-down list) or calc (a formula, not read back)
    kind: str = "text"
    choices: str | None = None
    fmt: str | None = None
    width: float | None = None
    check: str | None = None  # a number check: "money", "pct", "count"
    #: calculated columns: (row, column letters by key, list ranges by name) -> formula
    formula: Callable[[int, dict[str, str], dict[str, str]], str] | None = None
    wrap: bool = False

    @property
    def role(self) -> str:
        return CALCULATED if self.kind == "calc" else INPUT


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    note: str
    columns: tuple[Column, ...]
    #: prefixes of columns repeated by year (or by cost type, service line): ``beds.2016/17``
    blocks: dict[str, str] = field(default_factory=dict)  # prefix -> kind
    freeze: int = 1
    #: the sheet holds baseline figures (the illustrative note is repeated on it)
    baseline: bool = False

    @property
    def inputs(self) -> list[Column]:
        return [c for c in self.columns if c.kind != "calc"]


def _block(prefix: str, members: Iterable[str], label: str, kind: str = "number", **options: Any) -> list[Column]:
    return [Column(f"{prefix}.{m}", label.format(m), kind, **options) for m in members]


def _span(letters: dict[str, str], prefix: str) -> tuple[str, str] | None:
    found = [letter for key, letter in letters.items() if key.startswith(prefix + ".")]
    return (found[0], found[-1]) if found else None


def _sum(prefix: str) -> Callable[[int, dict[str, str], dict[str, str]], str]:
    def formula(row: int, letters: dict[str, str], ranges: dict[str, str]) -> str:
        span = _span(letters, prefix)
        return f"=SUM({span[0]}{row}:{span[1]}{row})" if span else ""

    return formula


def _lookup(key: str, sheet: str) -> Callable[[int, dict[str, str], dict[str, str]], str]:
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


def _org(label: str = "Organisation (code)") -> Column:
    return Column("organisation", label, "choice", choices="organisation", width=18)


def _scheme_ref() -> Column:
    return Column("scheme", "Scheme id", "choice", choices="scheme", width=16)


def _name(key: str = "organisation", sheet: str = "Organisations") -> Column:
    return Column("(name)", "Name (looked up)", "calc", formula=_lookup(key, sheet), width=36)


def _money(key: str, label: str, **options: Any) -> Column:
    return Column(key, label, "number", fmt=MONEY, check="money", **options)


def _pct(key: str, label: str, **options: Any) -> Column:
    return Column(key, label, "number", fmt=PCT, check="pct", **options)


@dataclass(frozen=True)
class Members:
    """The years (and other members) that repeated columns run over."""

    years: tuple[str, ...]
    #: extra members found in a plan, by block prefix, so that any plan can be written
    extra: dict[str, set[str]] = field(default_factory=dict)

    def of(self, prefix: str, default: Iterable[str], order: Callable[[str], Any] | None = None) -> list[str]:
        return sorted(set(default) | self.extra.get(prefix, set()), key=order or _year_order)

    def all(self, prefix: str) -> list[str]:
        return self.of(prefix, self.years)

    def projection(self, prefix: str) -> list[str]:
        return self.of(prefix, self.years[1:])


def _year_order(label: str) -> tuple[int, int, str]:
    try:
        return (0, fy_start(label), label)
    except ValueError:  # not a year: after the years, for the checks to report
        return (1, 0, label)


def _enum_order(enum: type[Enum]) -> Callable[[str], Any]:
    order = [m.value for m in enum]
    return lambda value: (order.index(value) if value in order else len(order), value)


def layout(members: Members) -> list[Sheet]:
    """The data sheets of the workbook, in order, for the years in ``members``."""
    m = members
    base = m.years[0] if m.years else "base year"
    activity_lines = m.of(
        "activity", [line.value for line in ServiceLine if line in PROVIDER_LINES], _enum_order(ServiceLine)
    )
    return [
        Sheet(
            "Organisations",
            "Member organisations",
            "One row per member. Share: the part of a body that spans several footprints (ambulance trusts, "
            "county councils, specialised commissioning) that belongs to this one; 100 for the rest.",
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
            (
                _org("Commissioner (code)"),
                _name(),
                _money("allocation_gbp000", f"{base} allocation, base year (£000)", width=16),
                *_block("allocations_gbp000", m.projection("allocations_gbp000"), "{} allocation (£000)",
                        fmt=MONEY, check="money", width=14),
            ),
            blocks={"allocations_gbp000": "number"},
            baseline=True,
        ),
        Sheet(
            "Spend",
            "Commissioners: base-year spend by service line and provider (£000)",
            "One row per commissioner, service line and provider. Provider: a member's code (a payment inside "
            "the footprint). External provider: the name of a provider outside it. Neither: spend not with a "
            "provider (primary care, prescribing, continuing care, social care, public health, other).",
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
            (
                _org("Provider (code)"),
                _name(),
                *_block("expenditure_gbp000", m.of("expenditure_gbp000", [c.value for c in CostType],
                                                   _enum_order(CostType)),
                        "{} (£000)", fmt=MONEY, check="money", width=14),
                Column("(total)", "Total (£000)", "calc", fmt=MONEY, formula=_sum("expenditure_gbp000"), width=14),
            ),
            blocks={"expenditure_gbp000": "number"},
            baseline=True,
        ),
        Sheet(
            "Activity",
            "Providers: base-year activity by service line (units)",
            "One row per provider. Every line a provider is paid for (by members' spend or clinical income) "
            "needs its activity.",
            (
                _org("Provider (code)"),
                _name(),
                *[
                    Column(f"activity.{line}", f"{line} ({ACTIVITY_UNITS.get(ServiceLine(line), 'units')})"
                           if line in ServiceLine._value2member_map_ else f"{line} (units)",
                           "number", fmt=COUNT, check="count", width=15)
                    for line in activity_lines
                ],
            ),
            blocks={"activity": "number"},
            baseline=True,
        ),
        Sheet(
            "STF",
            "Providers: Sustainability and Transformation Fund income by year (£000)",
            "One row per provider; leave a year blank for none.",
            (
                _org("Provider (code)"),
                _name(),
                *_block("sustainability_fund_gbp000", m.all("sustainability_fund_gbp000"), "{} STF (£000)",
                        fmt=MONEY, check="money", width=14),
            ),
            blocks={"sustainability_fund_gbp000": "number"},
            baseline=True,
        ),
        Sheet(
            "Beds",
            "Providers: beds available by year",
            "The base year sets today's occupancy (blank: the beds its bed days need at the target occupancy). "
            "A later year sets the plan's beds from that year on; years left blank keep the do-nothing beds.",
            (
                _org("Provider (code)"),
                _name(),
                *_block("beds", m.all("beds"), "{} beds", "int", fmt=COUNT, check="count", width=12),
            ),
            blocks={"beds": "int"},
            baseline=True,
        ),
        Sheet(
            "Sites",
            "Providers: hospitals and other sites",
            "One row per site; list at least the sites the plan changes. Shares are % of the provider's A&E "
            "attendances and fixed cost; receipts and income in £000 by year.",
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
                *_block("disposal_receipt_gbp000", m.all("disposal_receipt_gbp000"), "{} disposal receipt (£000)",
                        fmt=MONEY, check="money", width=14),
                *_block("repurposing_income_gbp000", m.all("repurposing_income_gbp000"),
                        "{} repurposing income (£000)", fmt=MONEY, check="money", width=14),
            ),
            blocks={"disposal_receipt_gbp000": "number", "repurposing_income_gbp000": "number"},
            freeze=3,
            baseline=True,
        ),
        Sheet(
            "Workforce",
            "Providers: staff establishment in the base year",
            "One row per provider and staff group; blank cells take the national figures (establishment from "
            "pay cost at the national cost per WTE, national vacancy and agency rates).",
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
            (
                Column("parameter", "Parameter", "choice", choices="parameter", width=40),
                Column("member", "Service line, cost type, kind or group (if the parameter has one)", "choice",
                       choices="parameter_member", width=22),
                Column("(unit)", "Unit (looked up)", "calc", formula=_parameter_unit, width=24),
                *_block("value", m.all("value"), "{}", fmt=DECIMAL, width=11),
            ),
            blocks={"value": "number"},
            freeze=2,
        ),
        Sheet(
            "Schemes",
            "Schemes: what the plan changes",
            "One row per scheme. Acts on: what it changes, with the service line, cost type, income source, staff "
            "group or site it needs. Size as a share of what it acts on (%) or in £000 at base-year prices, not "
            "both. Lists (member providers) are codes separated by commas. Phasing, running cost, capital and "
            "destinations are on their own sheets.",
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
            "Units per unit: units here for each unit that leaves (e.g. community contacts per admission).",
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
            (
                _scheme_ref(),
                _name("scheme", "Schemes"),
                *_block("phasing_pct", m.projection("phasing_pct"), "{} (%)", fmt=PCT, check="pct", width=11),
                Column("(total)", "Total (%): must be 100", "calc", fmt=PCT, formula=_sum("phasing_pct"), width=12),
            ),
            blocks={"phasing_pct": "number"},
            freeze=2,
        ),
        Sheet(
            "Investment",
            "Schemes: running cost by year (£000), borne by the owner",
            "One row per scheme that has a running cost.",
            (
                _scheme_ref(),
                _name("scheme", "Schemes"),
                *_block("revenue_investment_gbp000", m.projection("revenue_investment_gbp000"), "{} (£000)",
                        fmt=MONEY, check="money", width=12),
                Column("(total)", "Total (£000)", "calc", fmt=MONEY, formula=_sum("revenue_investment_gbp000"),
                       width=13),
            ),
            blocks={"revenue_investment_gbp000": "number"},
            freeze=2,
        ),
        Sheet(
            "Capital",
            "Schemes: capital needed by year (£000) and where it comes from",
            "One row per scheme that needs capital. Source none means no source is identified. Project type sets "
            "the HM Treasury optimism bias used for cost overrun in risk runs.",
            (
                _scheme_ref(),
                _name("scheme", "Schemes"),
                Column("capital_source", "Source", "choice", choices="capital_source", width=20),
                Column("capital_project_type", "Project type", "choice", choices="capital_project_type", width=24),
                *_block("capital_gbp000", m.all("capital_gbp000"), "{} (£000)", fmt=MONEY, check="money", width=12),
                Column("(total)", "Total (£000)", "calc", fmt=MONEY, formula=_sum("capital_gbp000"), width=13),
            ),
            blocks={"capital_gbp000": "number"},
            freeze=2,
        ),
        Sheet(
            "Capital available",
            "Capital the footprint can draw on, by source and year (£000)",
            "One row per source. Site disposal receipts (Sites sheet) count as disposal.",
            (
                Column("source", "Source", "choice", choices="capital_source", width=20),
                *_block("capital_available_gbp000", m.all("capital_available_gbp000"), "{} (£000)", fmt=MONEY,
                        check="money", width=12),
                Column("(total)", "Total (£000)", "calc", fmt=MONEY, formula=_sum("capital_available_gbp000"),
                       width=13),
            ),
            blocks={"capital_available_gbp000": "number"},
        ),
        Sheet(
            "Indicators",
            "Indicators: health and wellbeing, care and quality",
            "One row per indicator: a measure stpkit knows (drop-down) or a local one with its name, gap, unit, "
            "direction, baseline and target. Trajectory: the value expected in each year after the base year.",
            (
                Column("id", "Indicator id", "choice", choices="measure", width=28),
                Column("name", "Name (local indicators)", width=36),
                Column("gap", "Gap", "choice", choices="indicator_gap", width=18),
                Column("unit", "Unit", width=16),
                Column("better", "Better when", "choice", choices="better", width=10),
                Column("baseline", f"Baseline ({base})", "number", fmt=DECIMAL, width=12),
                Column("target", "Target (by the horizon)", "number", fmt=DECIMAL, width=12),
                *_block("trajectory", m.projection("trajectory"), "{}", fmt=DECIMAL, width=10),
                Column("source", "Source of the baseline", width=40),
            ),
            blocks={"trajectory": "number"},
        ),
        Sheet(
            "Sign-off",
            "Governance: sign-off by each member",
            "One row per member organisation. A date (year-month-day) is needed for signed_off and declined.",
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
    ]


SHEET_NAMES = ("Cover", *(s.name for s in layout(Members(()))), "Lists")


# ---------------------------------------------------------------------------------- lists


def _years_list(years: Iterable[str]) -> list[str]:
    starts = [fy_start(y) for y in years] or [fy_start(DEFAULT_BASE_YEAR)]
    return [fy_label(y) for y in range(min(min(starts), 2010), max(max(starts), 2035) + 1)]


def _lists(params: ParameterSet, years: Iterable[str]) -> dict[str, list[str]]:
    """The drop-down lists, from the plan's vocabulary (never typed out here)."""
    overridable = [p for p in params if p.used_by != "assurance"]
    members: list[str] = []
    for p in overridable:
        members += [member for member in p.members if member and member not in members]

    def values(enum: type[Enum]) -> list[str]:
        return [m.value for m in enum]

    return {
        "footprint": list(load_footprints()),
        "year": _years_list(years),
        "yes_no": ["yes", "no"],
        "org_kind": values(OrgKind),
        "service_line": values(ServiceLine),
        "cost_type": values(CostType),
        "income_source": values(IncomeSource),
        "scheme_category": values(SchemeCategory),
        "acts_on_kind": values(ActsOnKind),
        "evidence": values(EvidenceLevel),
        "capital_source": values(CapitalSource),
        "capital_project_type": values(CapitalProjectType),
        "site_kind": values(SiteKind),
        "staff_group": values(StaffGroup),
        "sign_off_status": values(SignOffStatus),
        "stakeholder_kind": values(StakeholderKind),
        "involvement": values(Involvement),
        "position": values(Position),
        "engagement_kind": values(EngagementKind),
        "decision_level": values(DecisionLevel),
        "decision_status": values(DecisionStatus),
        "indicator_gap": values(IndicatorGap),
        "better": values(Better),
        "measure": values(Measure),
        "parameter": [p.name for p in overridable],
        "parameter_unit": [p.unit for p in overridable],
        "parameter_member": members,
    }


#: Lists whose values come from the workbook itself: the codes typed on another sheet.
_DYNAMIC_LISTS = {
    "organisation": f"Organisations!$A${FIRST_ROW}:$A${LAST_ROW}",
    "scheme": f"Schemes!$A${FIRST_ROW}:$A${LAST_ROW}",
}
#: Lists where a value outside the list is allowed (local indicator ids).
_OPEN_LISTS = {"measure"}
LISTS_HEADER_ROW = 3


# --------------------------------------------------------------------------------- writing


def plan_workbook(plan: Plan, params: ParameterSet | None = None) -> bytes:
    """The submission workbook of ``plan`` (the .xlsx file's bytes)."""
    return _save(_build(plan, _members(plan), params or load_parameters()))


def empty_workbook(
    base_year: str = DEFAULT_BASE_YEAR, horizon: str = DEFAULT_HORIZON, params: ParameterSet | None = None
) -> bytes:
    """An empty submission workbook for a plan from ``base_year`` to ``horizon``."""
    years = fy_range(base_year, horizon)
    if len(years) < 2:
        raise ValueError(f"the horizon {horizon} must be after the base year {base_year}")
    if len(years) > MAX_PLAN_YEARS + 1:
        raise ValueError(f"a plan covers at most {MAX_PLAN_YEARS} years after its base year")
    return _save(_build(None, Members(tuple(years)), params or load_parameters()))


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


def _members(plan: Plan) -> Members:
    """The plan's years, and any year (or line, cost type) its data uses beyond them."""
    extra: dict[str, set[str]] = {}

    def add(prefix: str, keys: Iterable[Any]) -> None:
        extra.setdefault(prefix, set()).update(str(getattr(k, "value", k)) for k in keys)

    for org in plan.organisations:
        b = org.baseline
        add("allocations_gbp000", b.allocations_gbp000)
        add("expenditure_gbp000", b.expenditure_gbp000)
        add("activity", b.activity)
        add("sustainability_fund_gbp000", b.sustainability_fund_gbp000)
        if org.capacity:
            add("beds", org.capacity.beds)
            for site in org.capacity.sites:
                add("disposal_receipt_gbp000", site.disposal_receipt_gbp000)
                add("repurposing_income_gbp000", site.repurposing_income_gbp000)
    for given in plan.assumptions.values():
        for key, value in given.items():
            add("value", value if isinstance(value, dict) else [key])
    for scheme in plan.schemes:
        add("phasing_pct", scheme.phasing_pct)
        add("revenue_investment_gbp000", scheme.revenue_investment_gbp000)
        add("capital_gbp000", scheme.capital_gbp000)
    for by_year in plan.capital_available_gbp000.values():
        add("capital_available_gbp000", by_year)
    for indicator in plan.indicators:
        add("trajectory", indicator.trajectory)
    return Members(tuple(fy_range(plan.base_year, plan.horizon)), extra)


def _build(plan: Plan | None, members: Members, params: ParameterSet) -> Workbook:
    book = Workbook()
    book.calculation = CalcProperties(fullCalcOnLoad=True)
    book.properties.creator = f"stpkit {__version__}"
    book.properties.title = plan.title if plan else "Sustainability and Transformation Plan: submission workbook"
    cover = book.active
    cover.title = "Cover"
    sheets = layout(members)
    ranges = _write_lists(book.create_sheet("Lists"), _lists(params, members.years))
    rows = _plan_rows(plan) if plan else {}
    for spec in sheets:
        ws = book.create_sheet(spec.name, index=len(book.sheetnames) - 1)
        _write_table(ws, spec, rows.get(spec.name, []), bool(plan and plan.illustrative), ranges)
    _write_cover(cover, plan, members, sheets, ranges)
    return book


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
    ws: Worksheet, spec: Sheet, rows: list[dict[str, Any]], illustrative: bool, ranges: dict[str, str]
) -> None:
    letters = {col.key: get_column_letter(i) for i, col in enumerate(spec.columns, start=1)}
    ws.cell(ROW_TITLE, 1, spec.title).font = TITLE_FONT
    note = spec.note + " Yellow columns (input in row 3) are yours to fill; grey ones (calculated) are not read back."
    if illustrative and spec.baseline:
        note += " " + ILLUSTRATIVE_NOTE
    ws.cell(ROW_NOTE, 1, note)
    for i, col in enumerate(spec.columns, start=1):
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
        for i, col in enumerate(spec.columns, start=1):
            cell = ws.cell(r, i)
            if col.kind == "calc":
                cell.value = col.formula(r, letters, ranges)
                cell.protection = LOCKED
            else:
                _put(cell, values.get(col.key), col)
                cell.protection = UNLOCKED
            cell.fill, cell.border = _fill(col), BORDER
            if col.fmt:
                cell.number_format = col.fmt
            cell.alignment = WRAP if col.wrap else TOP
        _fit_height(ws, r, [(values.get(c.key), c.width or 10) for c in spec.columns if c.wrap])
    _add_checks(ws, spec, letters, ranges)
    ws.freeze_panes = f"{get_column_letter(spec.freeze + 1)}{FIRST_ROW}"
    _page_setup(ws, f"{ROW_TITLE}:{ROW_KEY}")
    ws.print_area = f"A1:{get_column_letter(len(spec.columns))}{FIRST_ROW + len(rows) + EMPTY_ROWS - 1}"


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
    return CALC_FILL if col.kind == "calc" else INPUT_FILL


_CHECKS = {
    "money": ("decimal", "greaterThanOrEqual", "0", None, "Enter an amount in £000: a number, 0 or more."),
    "count": ("decimal", "greaterThanOrEqual", "0", None, "Enter a number, 0 or more."),
    "pct": ("decimal", "between", "0", "100", "Enter a percentage as a number from 0 to 100 (5 is 5%)."),
}


def _add_checks(ws: Worksheet, spec: Sheet, letters: dict[str, str], ranges: dict[str, str]) -> None:
    """Drop-down lists and number checks on the input columns, down to LAST_ROW."""
    checks: dict[str, DataValidation] = {}
    for col in spec.inputs:
        cells = f"{letters[col.key]}{FIRST_ROW}:{letters[col.key]}{LAST_ROW}"
        if col.choices:
            source = _DYNAMIC_LISTS.get(col.choices) or ranges[col.choices]
            key = f"list:{col.choices}"
            if key not in checks:
                closed = col.choices not in _OPEN_LISTS
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
            kind, operator, low, high, message = _CHECKS[col.check]
            if col.check not in checks:
                checks[col.check] = DataValidation(
                    type=kind, operator=operator, formula1=low, formula2=high, allow_blank=True,
                    showErrorMessage=True, errorStyle="stop", errorTitle="Not a valid number", error=message,
                )
            checks[col.check].add(cells)
    for check in checks.values():
        ws.add_data_validation(check)


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


def _by_year(values: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {f"{prefix}.{getattr(k, 'value', k)}": v for k, v in values.items()}


def _plan_rows(plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """The rows of every data sheet for ``plan``, by sheet name."""
    rows: dict[str, list[dict[str, Any]]] = {}

    def add(sheet: str, row: dict[str, Any]) -> None:
        rows.setdefault(sheet, []).append(row)

    for org in plan.organisations:
        add("Organisations", {"code": org.code, "name": org.name, "kind": org.kind, "share_pct": org.share_pct})
    for org in plan.organisations:
        _organisation_rows(org, add)
    for name, given in plan.assumptions.items():
        if given and all(isinstance(v, dict) for v in given.values()):
            for member, series in given.items():
                add("Assumptions", {"parameter": name, "member": member, **_by_year(series, "value")})
        else:
            plain = {k: v for k, v in given.items() if not isinstance(v, dict)}
            add("Assumptions", {"parameter": name, **_by_year(plain, "value")})
    for s in plan.schemes:
        act = s.acts_on
        row = {
            "id": s.id, "name": s.name, "category": s.category, "programme": s.programme, "owner": s.owner,
            "size_pct": s.size_pct, "size_gbp000": s.size_gbp000, "recurrent": s.recurrent,
            "delivery_pct": s.delivery_pct, "capacity_removed_from": s.capacity_removed_from,
            "evidence": s.evidence, "description": s.description,
        }
        for name in ("kind", "service_line", "cost_type", "income_source", "staff_group", "site", "providers",
                     "lead_time_years", "admissions_per_attendance"):
            row[f"acts_on.{name}"] = getattr(act, name, None)  # None: not a field of this kind
        add("Schemes", row)
        for dest in getattr(act, "to", []):
            add("Destinations", {"scheme": s.id, **dest.model_dump()})
        add("Phasing", {"scheme": s.id, **_by_year(s.phasing_pct, "phasing_pct")})
        if s.revenue_investment_gbp000:
            add("Investment", {"scheme": s.id, **_by_year(s.revenue_investment_gbp000, "revenue_investment_gbp000")})
        add("Capital", {"scheme": s.id, "capital_source": s.capital_source,
                        "capital_project_type": s.capital_project_type, **_by_year(s.capital_gbp000, "capital_gbp000")})
    for source, by_year in plan.capital_available_gbp000.items():
        add("Capital available", {"source": source, **_by_year(by_year, "capital_available_gbp000")})
    for i in plan.indicators:
        add("Indicators", {**i.model_dump(exclude={"trajectory"}), **_by_year(i.trajectory, "trajectory")})
    g = plan.governance
    for entry in g.sign_off:
        add("Sign-off", entry.model_dump())
    for entry in g.stakeholders:
        add("Stakeholders", entry.model_dump())
    for entry in g.engagement:
        add("Engagement", entry.model_dump())
    for entry in g.decisions:
        add("Decisions", entry.model_dump())
    return rows


def _organisation_rows(org: Organisation, add: Callable[[str, dict[str, Any]], None]) -> None:
    b, code, provider = org.baseline, org.code, org.kind.is_provider
    if not provider or b.allocation_gbp000 is not None or b.allocations_gbp000:
        add("Allocations", {"organisation": code, "allocation_gbp000": b.allocation_gbp000,
                            **_by_year(b.allocations_gbp000, "allocations_gbp000")})
    for s in b.spend_gbp000:
        add("Spend", {"organisation": code, **s.model_dump()})
    for i in b.income_gbp000:
        add("Income", {"organisation": code, **i.model_dump()})
    if provider or b.expenditure_gbp000:
        add("Expenditure", {"organisation": code, **_by_year(b.expenditure_gbp000, "expenditure_gbp000")})
    if provider or b.activity:
        add("Activity", {"organisation": code, **_by_year(b.activity, "activity")})
    if provider or b.sustainability_fund_gbp000:
        add("STF", {"organisation": code, **_by_year(b.sustainability_fund_gbp000, "sustainability_fund_gbp000")})
    capacity = org.capacity
    if provider or capacity:
        add("Beds", {"organisation": code, **_by_year(capacity.beds if capacity else {}, "beds")})
    for site in capacity.sites if capacity else []:
        row = {"organisation": code, **site.model_dump(exclude={"disposal_receipt_gbp000",
                                                                 "repurposing_income_gbp000"})}
        row |= _by_year(site.disposal_receipt_gbp000, "disposal_receipt_gbp000")
        row |= _by_year(site.repurposing_income_gbp000, "repurposing_income_gbp000")
        add("Sites", row)
    workforce = org.workforce
    if provider or workforce:
        given = workforce.model_dump(mode="json") if workforce else {}
        groups = [g.value for g in StaffGroup]
        groups += sorted({k for values in given.values() for k in values} - set(groups))
        for group in groups:
            add("Workforce", {"organisation": code, "staff_group": group,
                              **{name: given.get(name, {}).get(group) for name in ("wte", "vacancy_pct",
                                                                                   "agency_share_pct")}})


# ---------------------------------------------------------------------------------- cover


@dataclass(frozen=True)
class CoverField:
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
COVER_WIDTHS = (28, 80, 24, 60)

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


def _write_cover(
    ws: Worksheet, plan: Plan | None, members: Members, sheets: list[Sheet], ranges: dict[str, str]
) -> None:
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
    for spec in sheets:
        row += 1
        ws.cell(row, 1, spec.name)
        ws.cell(row, 2, spec.title).alignment = WRAP
    row += 1
    ws.cell(row, 1, "Lists")
    ws.cell(row, 2, "The values of the drop-down lists").alignment = WRAP
    for letter, width in zip("ABCD", COVER_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    _page_setup(ws)


# ---------------------------------------------------------------------------------- reading


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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about Excel features it does not read
            values = load_workbook(io.BytesIO(raw), data_only=True)
            formulas = load_workbook(io.BytesIO(raw), data_only=False)
    except InputError:
        raise
    except Exception as exc:  # a damaged file can fail anywhere inside the reader
        reason = str(exc) or type(exc).__name__
        raise InputError.single(
            path, f"cannot be read as an Excel workbook (.xlsx): the file is damaged or not a workbook ({reason})",
            field="(workbook)",
        ) from None
    return values, formulas


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict[str, Any]
    coords: dict[str, str]

    def coord(self, key: str) -> str:
        return self.coords.get(key) or f"A{self.number}"

    def block(self, prefix: str) -> dict[str, Any]:
        start = prefix + "."
        return {k[len(start):]: v for k, v in self.values.items() if k.startswith(start)}

    def block_coords(self, prefix: str) -> dict[str, str]:
        start = prefix + "."
        return {k[len(start):]: c for k, c in self.coords.items() if k.startswith(start)}

    def get(self, key: str) -> Any:
        return self.values.get(key)


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


class _Reader:
    def __init__(self, path: Path, values: Workbook, formulas: Workbook):
        self.path = path
        self.values = values
        self.formulas = formulas
        self.problems: list[CellProblem] = []
        #: plan path -> (sheet, cell, the field's name there)
        self.where: dict[Loc, tuple[str, str, str]] = {}
        self.sheets = {s.name: s for s in layout(Members(()))}
        self._plain_seen: set[str] = set()

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
        organisations, index = self._organisations()
        data["organisations"] = organisations
        self._baseline(organisations, index)
        data["assumptions"] = self._assumptions()
        data["schemes"] = self._schemes(index)
        data["capital_available_gbp000"] = self._capital_available()
        data["indicators"] = self._indicators()
        data["governance"] = self._governance()
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
        for r in range(1, min(ws.max_row, 200) + 1):
            key = ws.cell(r, 3).value
            if isinstance(key, str) and key.strip() and key.strip() not in found:
                found[key.strip()] = (self._value(ws.cell(r, 2), wf.cell(r, 2), "Cover"), f"B{r}")
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
            if value is None:
                continue
            if loc[0] == "footprint":
                data.setdefault("footprint", {})[loc[1]] = value
            else:
                data[f.key] = value
        data.setdefault("footprint", {})
        return data

    def _value(self, cell: Any, formula_cell: Any, sheet: str) -> Any:
        value = cell.value
        if value is None and formula_cell.data_type == "f":
            self.problem(sheet, cell.coordinate, "(formula)", "a formula whose result was not saved: open the "
                         "workbook in Excel or LibreOffice and save it, or type the value")
        return value

    def _table(self, name: str) -> list[_Row]:
        """The rows of a data sheet that hold anything, with the input values normalised."""
        spec = self.sheets[name]
        ws, wf = self.values[name], self.formulas[name]
        known = {col.key: col for col in spec.columns}
        columns: dict[str, tuple[int, Column]] = {}
        for c in range(1, ws.max_column + 1):
            key = ws.cell(ROW_KEY, c).value
            if not isinstance(key, str) or not key.strip():
                continue
            key = key.strip()
            coord = f"{get_column_letter(c)}{ROW_KEY}"
            prefix = key.split(".", 1)[0]
            if key in columns:
                self.problem(name, coord, key, f"column {key} appears twice in row {ROW_KEY}")
            elif key in known:
                columns[key] = (c, known[key])
            elif prefix in spec.blocks and key != prefix:
                columns[key] = (c, Column(key, key, spec.blocks[prefix]))
            else:
                self.problem(name, coord, key, f"unknown column {key!r} in row {ROW_KEY}: row {ROW_KEY} names the "
                             "plan field of each column (see docs/excel.md); clear it to add a column of your own")
        for col in spec.inputs:
            if col.key not in columns and col.key.split(".", 1)[0] not in spec.blocks:
                self.problem(name, f"A{ROW_KEY}", col.key, f"column missing: row {ROW_KEY} has no {col.key} column; "
                             "put the template's column back")
        rows = []
        for r, (cells, formula_cells) in enumerate(
            zip(ws.iter_rows(min_row=FIRST_ROW), wf.iter_rows(min_row=FIRST_ROW), strict=False), start=FIRST_ROW
        ):
            values, coords = {}, {}
            for key, (c, col) in columns.items():
                coords[key] = f"{get_column_letter(c)}{r}"
                if col.kind == "calc" or c > len(cells):
                    continue
                value = _normalise(self._value(cells[c - 1], formula_cells[c - 1], name), col.kind)
                if value is not None:
                    values[key] = value
            if values:
                rows.append(_Row(name, r, values, coords))
        return rows

    def _owner_rows(
        self, name: str, index: dict[str, int], key: str, what: str, one_each: bool
    ) -> list[tuple[int, _Row]]:
        """Rows that belong to an organisation (or scheme) named in column ``key``."""
        found, first = [], {}
        unknown: dict[Any, list[_Row]] = {}
        for row in self._table(name):
            code = row.get(key)
            if code is None:
                self.problem(name, row.coord(key), key, f"missing: say which {what} this row is for")
            elif not isinstance(code, str) or code not in index:
                unknown.setdefault(code, []).append(row)
            elif one_each and code in first:
                self.problem(name, row.coord(key), key,
                             f"a second row for {code} (the first is row {first[code]}): give one row per {what}")
            else:
                first.setdefault(code, row.number)
                found.append((index[code], row))
        sheet = "Organisations" if what == "organisation" else "Schemes"
        for code, rows in unknown.items():  # one message for each code, however many rows name it
            others = len(rows) - 1
            more = f" ({others} more row{'s' if others > 1 else ''} of this sheet name it)" if others else ""
            self.problem(name, rows[0].coord(key), key, f"unknown {what} {code!r}: not on the {sheet} sheet{more}")
        return found

    def _fields(self, row: _Row, loc: Loc, keys: Iterable[str], into: dict[str, Any], prefix: str = "") -> None:
        for key in keys:
            name = key[len(prefix):] if prefix else key
            self.mark((*loc, name), row.sheet, row.coord(key), key)
            if key in row.values:
                into[name] = row.values[key]

    def _block(self, row: _Row, loc: Loc, prefix: str, label: str | None = None) -> dict[str, Any]:
        label = label or prefix
        for member, coord in row.block_coords(prefix).items():
            self.mark((*loc, member), row.sheet, coord, f"{label}.{member}")
        return row.block(prefix)

    # -- organisations and their baseline

    def _organisations(self) -> tuple[list[dict[str, Any]], dict[str, int]]:
        organisations, index = [], {}
        self.mark(("organisations",), "Organisations", f"A{FIRST_ROW}", "organisations")
        for i, row in enumerate(self._table("Organisations")):
            loc = ("organisations", i)
            org: dict[str, Any] = {"baseline": {}}
            self.mark(loc, row.sheet, row.coord("code"), "organisation")
            self.mark((*loc, "baseline"), row.sheet, row.coord("code"), "baseline")
            self._fields(row, loc, ("code", "name", "kind", "share_pct"), org)
            if isinstance(org.get("code"), str):
                index.setdefault(org["code"], i)
            organisations.append(org)
        return organisations, index

    def _baseline(self, orgs: list[dict[str, Any]], index: dict[str, int]) -> None:
        def bloc(i: int) -> Loc:
            return ("organisations", i, "baseline")

        for i, row in self._owner_rows("Allocations", index, "organisation", "organisation", True):
            baseline = orgs[i]["baseline"]
            self._fields(row, bloc(i), ("allocation_gbp000",), baseline)
            self.mark((*bloc(i), "allocations_gbp000"), row.sheet, row.coord("organisation"), "allocations_gbp000")
            later = self._block(row, (*bloc(i), "allocations_gbp000"), "allocations_gbp000")
            if later:
                baseline["allocations_gbp000"] = later
        for sheet, name in (("Spend", "spend_gbp000"), ("Income", "income_gbp000")):
            for i, row in self._owner_rows(sheet, index, "organisation", "organisation", False):
                lines = orgs[i]["baseline"].setdefault(name, [])
                loc = (*bloc(i), name, len(lines))
                self.mark((*bloc(i), name), row.sheet, row.coord("organisation"), name)
                self.mark(loc, row.sheet, row.coord("organisation"), sheet.lower())
                line: dict[str, Any] = {}
                keys = [c.key for c in self.sheets[sheet].inputs if c.key != "organisation"]
                self._fields(row, loc, keys, line)
                lines.append(line)
        for sheet, name in (("Expenditure", "expenditure_gbp000"), ("Activity", "activity"),
                            ("STF", "sustainability_fund_gbp000")):
            for i, row in self._owner_rows(sheet, index, "organisation", "organisation", True):
                self.mark((*bloc(i), name), row.sheet, row.coord("organisation"), name)
                values = self._block(row, (*bloc(i), name), name)
                if values:
                    orgs[i]["baseline"][name] = values
        self._capacity(orgs, index)
        self._workforce(orgs, index)

    def _capacity(self, orgs: list[dict[str, Any]], index: dict[str, int]) -> None:
        capacity: dict[int, dict[str, Any]] = {}
        for i, row in self._owner_rows("Beds", index, "organisation", "organisation", True):
            loc = ("organisations", i, "capacity")
            self.mark(loc, row.sheet, row.coord("organisation"), "capacity")
            self.mark((*loc, "beds"), row.sheet, row.coord("organisation"), "beds")
            beds = self._block(row, (*loc, "beds"), "beds")
            if beds:
                capacity.setdefault(i, {})["beds"] = beds
        for i, row in self._owner_rows("Sites", index, "organisation", "organisation", False):
            loc = ("organisations", i, "capacity")
            sites = capacity.setdefault(i, {}).setdefault("sites", [])
            self.mark(loc, row.sheet, row.coord("organisation"), "capacity")
            self.mark((*loc, "sites"), row.sheet, row.coord("organisation"), "sites")
            sloc = (*loc, "sites", len(sites))
            self.mark(sloc, row.sheet, row.coord("code"), "site")
            site: dict[str, Any] = {}
            spec = self.sheets["Sites"]
            self._fields(row, sloc, [c.key for c in spec.inputs if c.key != "organisation" and "." not in c.key], site)
            for prefix in spec.blocks:
                values = self._block(row, (*sloc, prefix), prefix)
                if values:
                    site[prefix] = values
            sites.append(site)
        for i, given in capacity.items():
            orgs[i]["capacity"] = given

    def _workforce(self, orgs: list[dict[str, Any]], index: dict[str, int]) -> None:
        seen: dict[tuple[int, str], int] = {}
        for i, row in self._owner_rows("Workforce", index, "organisation", "organisation", False):
            loc = ("organisations", i, "workforce")
            group = row.get("staff_group")
            given = {k: row.get(k) for k in ("wte", "vacancy_pct", "agency_share_pct") if k in row.values}
            if group is None:
                if given:
                    self.problem(row.sheet, row.coord("staff_group"), "staff_group",
                                 "missing: say which staff group these figures are for")
                continue
            if (i, group) in seen:
                self.problem(row.sheet, row.coord("staff_group"), "staff_group",
                             f"a second row for {group} (the first is row {seen[i, group]}): one row per staff group")
                continue
            seen[i, group] = row.number
            if not given:
                continue
            workforce = orgs[i].setdefault("workforce", {})
            self.mark(loc, row.sheet, row.coord("organisation"), "workforce")
            for name, value in given.items():
                self.mark((*loc, name), row.sheet, row.coord(name), name)
                self.mark((*loc, name, group), row.sheet, row.coord(name), name)
                workforce.setdefault(name, {})[group] = value

    # -- assumptions

    def _assumptions(self) -> dict[str, Any]:
        assumptions: dict[str, Any] = {}
        shape: dict[str, str] = {}
        self.mark(("assumptions",), "Assumptions", f"A{FIRST_ROW}", "assumptions")
        for row in self._table("Assumptions"):
            name, member = row.get("parameter"), row.get("member")
            if name is None:
                self.problem(row.sheet, row.coord("parameter"), "parameter",
                             "missing: name the parameter (`stp parameters` lists them)")
                continue
            kind = "member" if member is not None else "plain"
            if shape.setdefault(name, kind) != kind:
                self.problem(row.sheet, row.coord("member"), "member", f"{name} has rows with and without a member: "
                             "give one row without a member, or one row per member")
                continue
            given = assumptions.setdefault(name, {})
            self.mark(("assumptions", name), row.sheet, row.coord("parameter"), name)
            if member is None:
                if name in self._plain_seen:
                    self.problem(row.sheet, row.coord("parameter"), "parameter", f"a second row for {name}")
                    continue
                self._plain_seen.add(name)
                given.update(self._block(row, ("assumptions", name), "value", name))
            elif member in given:
                self.problem(row.sheet, row.coord("member"), "member", f"a second row for {name} and {member}")
            else:
                self.mark(("assumptions", name, member), row.sheet, row.coord("member"), f"{name}.{member}")
                given[member] = self._block(row, ("assumptions", name, member), "value", f"{name}.{member}")
        return assumptions

    # -- schemes

    def _schemes(self, orgs: dict[str, int]) -> list[dict[str, Any]]:
        schemes: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        self.mark(("schemes",), "Schemes", f"A{FIRST_ROW}", "schemes")
        spec = self.sheets["Schemes"]
        for i, row in enumerate(self._table("Schemes")):
            loc = ("schemes", i)
            scheme: dict[str, Any] = {"acts_on": {}}
            self.mark(loc, row.sheet, row.coord("id"), "scheme")
            self.mark((*loc, "acts_on"), row.sheet, row.coord("acts_on.kind"), "acts_on")
            self._fields(row, loc, [c.key for c in spec.inputs if not c.key.startswith("acts_on.")], scheme)
            self._fields(row, (*loc, "acts_on"), [c.key for c in spec.inputs if c.key.startswith("acts_on.")],
                         scheme["acts_on"], prefix="acts_on.")
            if isinstance(scheme.get("id"), str):
                index.setdefault(scheme["id"], i)
            schemes.append(scheme)
        for i, row in self._owner_rows("Destinations", index, "scheme", "scheme", False):
            to = schemes[i]["acts_on"].setdefault("to", [])
            loc = ("schemes", i, "acts_on", "to")
            self.mark(loc, row.sheet, row.coord("scheme"), "acts_on.to")
            self.mark((*loc, len(to)), row.sheet, row.coord("scheme"), "destination")
            dest: dict[str, Any] = {}
            self._fields(row, (*loc, len(to)), ("provider", "service_line", "share_pct", "units_per_unit"), dest)
            to.append(dest)
        phased = set()
        for i, row in self._owner_rows("Phasing", index, "scheme", "scheme", True):
            loc = ("schemes", i, "phasing_pct")
            self.mark(loc, row.sheet, row.coord("(total)"), "phasing_pct")
            schemes[i]["phasing_pct"] = self._block(row, loc, "phasing_pct")
            phased.add(i)
        for i, scheme in enumerate(schemes):
            if i not in phased:
                sheet, cell, _ = self.where[("schemes", i)]
                self.problem(sheet, cell, "phasing_pct",
                             f"missing: scheme {scheme.get('id', '')} has no row on the Phasing sheet")
                scheme["phasing_pct"] = {}
        for i, row in self._owner_rows("Investment", index, "scheme", "scheme", True):
            loc = ("schemes", i, "revenue_investment_gbp000")
            self.mark(loc, row.sheet, row.coord("scheme"), "revenue_investment_gbp000")
            values = self._block(row, loc, "revenue_investment_gbp000")
            if values:
                schemes[i]["revenue_investment_gbp000"] = values
        for i, row in self._owner_rows("Capital", index, "scheme", "scheme", True):
            loc = ("schemes", i)
            self._fields(row, loc, ("capital_source", "capital_project_type"), schemes[i])
            self.mark((*loc, "capital_gbp000"), row.sheet, row.coord("scheme"), "capital_gbp000")
            values = self._block(row, (*loc, "capital_gbp000"), "capital_gbp000")
            if values:
                schemes[i]["capital_gbp000"] = values
        return schemes

    def _capital_available(self) -> dict[str, Any]:
        available: dict[str, Any] = {}
        self.mark(("capital_available_gbp000",), "Capital available", f"A{FIRST_ROW}", "capital_available_gbp000")
        for row in self._table("Capital available"):
            source = row.get("source")
            if source is None:
                self.problem(row.sheet, row.coord("source"), "source", "missing: say which source this row is for")
                continue
            if source in available:
                self.problem(row.sheet, row.coord("source"), "source", f"a second row for {source}")
                continue
            loc = ("capital_available_gbp000", source)
            self.mark(loc, row.sheet, row.coord("source"), f"capital_available_gbp000.{source}")
            available[source] = self._block(row, loc, "capital_available_gbp000")
        return available

    # -- indicators and governance

    def _list(self, sheet: str, loc: Loc, label: str) -> list[dict[str, Any]]:
        """One entry per row of a sheet whose columns are the entries' fields."""
        entries = []
        spec = self.sheets[sheet]
        self.mark(loc, sheet, f"A{FIRST_ROW}", format_loc(loc))
        for k, row in enumerate(self._table(sheet)):
            entry: dict[str, Any] = {}
            self.mark((*loc, k), sheet, row.coord(spec.inputs[0].key), label)
            self._fields(row, (*loc, k), [c.key for c in spec.inputs if c.key.split(".", 1)[0] not in spec.blocks],
                         entry)
            for prefix in spec.blocks:
                self.mark((*loc, k, prefix), sheet, row.coord(spec.inputs[0].key), prefix)
                values = self._block(row, (*loc, k, prefix), prefix)
                if values:
                    entry[prefix] = values
            entries.append(entry)
        return entries

    def _indicators(self) -> list[dict[str, Any]]:
        return self._list("Indicators", ("indicators",), "indicator")

    def _governance(self) -> dict[str, Any]:
        self.mark(("governance",), "Sign-off", f"A{FIRST_ROW}", "governance")
        return {
            "sign_off": self._list("Sign-off", ("governance", "sign_off"), "sign_off"),
            "stakeholders": self._list("Stakeholders", ("governance", "stakeholders"), "stakeholder"),
            "engagement": self._list("Engagement", ("governance", "engagement"), "event"),
            "decisions": self._list("Decisions", ("governance", "decisions"), "decision"),
        }

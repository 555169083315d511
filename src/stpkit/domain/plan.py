"""The plan file, as typed objects. The JSON Schema of plan files is generated from these."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from stpkit.domain.bounds import (
    Activity,
    Beds,
    Fraction,
    Gbp000,
    IndicatorValue,
    NonNegativeGbp000,
    OpenPercent,
    People,
    Percent,
    PositiveGbp000,
    PositivePercent,
    UnitsPerUnit,
    Wte,
    bounded_int,
)
from stpkit.domain.enums import (
    ActsOnKind,
    BacklogRisk,
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
    OrgKind,
    Position,
    SchemeCategory,
    ServiceLine,
    SignOffStatus,
    SiteKind,
    StaffGroup,
    StakeholderKind,
)
from stpkit.domain.years import FinancialYear, PlanDate

PLAN_SCHEMA_VERSION = 1
#: How big a plan may be. Real footprints have up to about 35 member organisations and tens of
#: schemes; the limits are many times that, and keep the work of laying a plan out (which
#: grows with schemes times the lines their moved activity adds) within seconds and megabytes.
MAX_ORGANISATIONS = 100
MAX_SCHEMES = 500
MAX_INDICATORS = 500
MAX_SITES = 100
MAX_DESTINATIONS = 20

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ByYearGbp000 = dict[FinancialYear, NonNegativeGbp000]


class _Strict(BaseModel):
    # Unknown keys are errors: a misspelt field must not be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class IncomeLine(_Strict):
    """Income from outside the footprint's own commissioners (theirs comes from their spend)."""

    source: IncomeSource
    service_line: ServiceLine | None = Field(
        default=None, description="required for clinical income, absent for other income"
    )
    value_gbp000: NonNegativeGbp000


class SpendLine(_Strict):
    """A commissioner's spend on one service line, with one provider or none."""

    service_line: ServiceLine
    provider: Code | None = Field(
        default=None, description="code of a member provider (a payment inside the footprint)"
    )
    external_provider: Code | None = Field(
        default=None,
        description="name of a provider outside the footprint; give neither for spend that "
        "is not with a provider (e.g. prescribing)",
    )
    value_gbp000: NonNegativeGbp000


class Baseline(_Strict):
    """The organisation's base-year position. Providers fill the first three fields,
    commissioners the last three. Values are for the whole organisation."""

    activity: dict[ServiceLine, Activity] = Field(
        default_factory=dict, description="provider activity in units (spells, attendances, contacts)"
    )
    income_gbp000: list[IncomeLine] = Field(default_factory=list)
    expenditure_gbp000: dict[CostType, NonNegativeGbp000] = Field(default_factory=dict)
    sustainability_fund_gbp000: ByYearGbp000 = Field(
        default_factory=dict, description="provider: Sustainability and Transformation Fund income by year"
    )
    control_total_gbp000: dict[FinancialYear, Gbp000] = Field(
        default_factory=dict,
        description="provider: the control total by year, the position (surplus positive, STF included) it must "
        "reach for its Sustainability and Transformation Fund income to be paid that year; with none given, STF "
        "is paid whatever happens",
    )
    allocation_gbp000: NonNegativeGbp000 | None = Field(
        default=None, description="commissioner: base-year allocation (or funding, for a council)"
    )
    allocations_gbp000: ByYearGbp000 = Field(
        default_factory=dict,
        description="commissioner: published allocations for later years; years not given "
        "grow with the national allocation growth",
    )
    spend_gbp000: list[SpendLine] = Field(default_factory=list)


class Site(_Strict):
    """A hospital or other site of a provider."""

    code: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    kind: SiteKind
    beds: Beds = Field(default=0, description="beds on the site in the base year")
    type1_ae: bool = Field(default=False, description="the site has a major (type 1) A&E department")
    ae_share_pct: Percent | None = Field(
        default=None,
        description="share of the provider's A&E attendances seen at this site; default: shared "
        "equally among its type 1 sites",
    )
    fixed_cost_share_pct: Percent | None = Field(
        default=None,
        description="share of the provider's fixed cost (estate, overheads) tied to this site; "
        "default: in proportion to beds",
    )
    closes: FinancialYear | None = Field(
        default=None, description="the site closes from this year: its fixed cost and beds go"
    )
    disposal_receipt_gbp000: ByYearGbp000 = Field(
        default_factory=dict, description="capital receipts from selling the site, by year"
    )
    repurposing_income_gbp000: ByYearGbp000 = Field(
        default_factory=dict, description="revenue from a repurposed site (rent, other uses), by year"
    )


class Capacity(_Strict):
    """A provider's beds and sites."""

    beds: dict[FinancialYear, Beds] = Field(
        default_factory=dict,
        description="general and acute (or mental health, or community) beds available by year. The "
        "base-year value sets today's occupancy; a later year sets the plan's beds from then on. "
        "Years not given follow the activity at today's occupancy",
    )
    sites: list[Site] = Field(default_factory=list, max_length=MAX_SITES)
    backlog_maintenance_gbp000: dict[BacklogRisk, NonNegativeGbp000] = Field(
        default_factory=dict,
        description="the cost of putting right the estate's backlog maintenance at the start of the plan, "
        "by risk (high, significant, moderate, low; the estates return ERIC): a capital need beside the "
        "plan's schemes",
    )


class Workforce(_Strict):
    """A provider's staff establishment in the base year, by staff group."""

    wte: dict[StaffGroup, Wte] = Field(
        default_factory=dict,
        description="whole-time equivalent establishment (staff in post plus vacancies); default: "
        "from pay cost at national cost per WTE",
    )
    vacancy_pct: dict[StaffGroup, Percent] = Field(
        default_factory=dict, description="vacant posts as a share of establishment; default: national"
    )
    agency_share_pct: dict[StaffGroup, Percent] = Field(
        default_factory=dict, description="share of vacant shifts filled by agency staff; default: national"
    )


class Organisation(_Strict):
    code: Code = Field(description="ODS code, or a local identifier unique within the plan")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    kind: OrgKind
    share_pct: PositivePercent = Field(
        default=100.0,
        description="share of this organisation that belongs to the footprint, for bodies "
        "spanning footprints (ambulance trusts, county councils, specialised commissioning)",
    )
    baseline: Baseline = Field(default_factory=Baseline)
    capacity: Capacity | None = Field(default=None, description="providers: beds and sites")
    workforce: Workforce | None = Field(default=None, description="providers: staff establishment")


class Destination(_Strict):
    """Where activity goes when it moves (a shift of care)."""

    provider: Code = Field(description="code of a member provider")
    service_line: ServiceLine | None = Field(
        default=None,
        description="the line it arrives on; default: the line it leaves",
    )
    share_pct: Percent = Field(description="share of the activity that moves that goes here")
    units_per_unit: UnitsPerUnit = Field(
        default=1.0, description="units of activity here for each unit that leaves (e.g. contacts per admission)"
    )


class AeDestination(_Strict):
    """Where the patients of a type 1 A&E department that closes go."""

    provider: Code = Field(description="code of a member provider")
    service_line: Literal[ServiceLine.AE, ServiceLine.URGENT_CARE] | None = Field(
        default=None,
        description="ae (another type 1 department, the default) or urgent_care",
    )
    share_pct: Percent = Field(description="share of the department's patients who go here")


class _ActsOnBase(_Strict):
    """What a scheme changes; each kind has its own type, with only the fields it takes."""


LeadTimeYears = bounded_int(0, 5)
LEAD_TIME_DESCRIPTION = "years by which the receiving service's cost comes before the activity moves (double running)"


class ActsOnActivity(_ActsOnBase):
    """Fewer units of one service line."""

    model_config = ConfigDict(title="acts_on: activity")
    kind: Literal[ActsOnKind.ACTIVITY]
    service_line: ServiceLine = Field(description="the line whose activity falls")
    providers: list[Code] = Field(
        default_factory=list, description="a commissioner's scheme: limit it to its spend with these member providers"
    )


class ActsOnShift(_ActsOnBase):
    """Activity of one service line moves to other providers or settings."""

    model_config = ConfigDict(title="acts_on: shift")
    kind: Literal[ActsOnKind.SHIFT]
    service_line: ServiceLine = Field(description="the line the activity leaves")
    providers: list[Code] = Field(
        default_factory=list, description="a commissioner's scheme: limit it to its spend with these member providers"
    )
    to: list[Destination] = Field(
        min_length=1, max_length=MAX_DESTINATIONS, description="where the activity goes; shares add up to 100"
    )
    lead_time_years: LeadTimeYears = Field(default=0, description=LEAD_TIME_DESCRIPTION)


class ActsOnAeDowngrade(_ActsOnBase):
    """A type 1 A&E department of the owner closes; its patients go elsewhere."""

    model_config = ConfigDict(title="acts_on: ae_downgrade")
    kind: Literal[ActsOnKind.AE_DOWNGRADE]
    to: list[AeDestination] = Field(
        min_length=1, max_length=MAX_DESTINATIONS, description="where the patients go; shares add up to 100"
    )
    site: Code = Field(description="code of the owner's site whose type 1 A&E closes")
    lead_time_years: LeadTimeYears = Field(default=0, description=LEAD_TIME_DESCRIPTION)
    admissions_per_attendance: Fraction | None = Field(
        default=None,
        description="emergency admissions per attendance that move with the patients; "
        "default: the owner's type 1 rate in the real A&E data",
    )


class ActsOnUnitCost(_ActsOnBase):
    """A provider's cost per unit: all of it, or one line's."""

    model_config = ConfigDict(title="acts_on: unit_cost")
    kind: Literal[ActsOnKind.UNIT_COST]
    service_line: ServiceLine | None = Field(
        default=None, description="limit the scheme to the cost of this line's activity"
    )


class ActsOnCostType(_ActsOnBase):
    """A provider's pay, drugs or other cost."""

    model_config = ConfigDict(title="acts_on: cost_type")
    kind: Literal[ActsOnKind.COST_TYPE]
    cost_type: CostType


class ActsOnIncome(_ActsOnBase):
    """A provider's income from one source."""

    model_config = ConfigDict(title="acts_on: income")
    kind: Literal[ActsOnKind.INCOME]
    income_source: IncomeSource


class ActsOnWorkforce(_ActsOnBase):
    """Vacant shifts of one staff group covered by bank or permanent staff instead of agency;
    the scheme's size is the share of agency-filled shifts replaced."""

    model_config = ConfigDict(title="acts_on: workforce")
    kind: Literal[ActsOnKind.WORKFORCE]
    staff_group: StaffGroup = Field(description="the group whose agency shifts are replaced")


class ActsOnLengthOfStay(_ActsOnBase):
    """Shorter stays in a provider's beds: fewer bed days per spell of one line, the same
    admissions and income; the scheme's size is the share by which bed days per spell fall."""

    model_config = ConfigDict(title="acts_on: length_of_stay")
    kind: Literal[ActsOnKind.LENGTH_OF_STAY]
    service_line: Literal[ServiceLine.ELECTIVE, ServiceLine.NON_ELECTIVE] = Field(
        description="elective or non_elective: the spells whose stays shorten"
    )


#: What a scheme changes: one type per kind, each with only the fields that kind takes.
ActsOn = Annotated[
    ActsOnActivity
    | ActsOnUnitCost
    | ActsOnCostType
    | ActsOnIncome
    | ActsOnShift
    | ActsOnAeDowngrade
    | ActsOnWorkforce
    | ActsOnLengthOfStay,
    Field(discriminator="kind"),
]

#: The type of each kind of ``acts_on``.
ACTS_ON_TYPES: dict[ActsOnKind, type[_ActsOnBase]] = {
    ActsOnKind.ACTIVITY: ActsOnActivity,
    ActsOnKind.UNIT_COST: ActsOnUnitCost,
    ActsOnKind.COST_TYPE: ActsOnCostType,
    ActsOnKind.INCOME: ActsOnIncome,
    ActsOnKind.SHIFT: ActsOnShift,
    ActsOnKind.AE_DOWNGRADE: ActsOnAeDowngrade,
    ActsOnKind.WORKFORCE: ActsOnWorkforce,
    ActsOnKind.LENGTH_OF_STAY: ActsOnLengthOfStay,
}


def acts_on_fields(kind: ActsOnKind) -> list[str]:
    """The fields an ``acts_on`` of this kind takes besides ``kind``, in order."""
    return [name for name in ACTS_ON_TYPES[kind].model_fields if name != "kind"]


class Scheme(_Strict):
    id: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    category: SchemeCategory
    programme: Text = Field(default="", description="e.g. 'Carter: pathology', 'Right Care'")
    owner: Code = Field(description="code of the member organisation that delivers the scheme")
    acts_on: ActsOn = Field(description="what the scheme changes; its kind decides which other fields it takes")
    size_pct: PositivePercent | None = Field(
        default=None,
        description="full effect as a share of what it acts on: a reduction for activity "
        "and costs, an increase for income; for length_of_stay, the fall in bed days per spell",
    )
    size_gbp000: PositiveGbp000 | None = Field(
        default=None,
        description="full effect in £000 at base-year prices; converted to a share of the "
        "base-year value of what it acts on",
    )
    phasing_pct: dict[FinancialYear, Percent] = Field(
        description="share of the full effect first delivered in each year; adds up to 100"
    )
    recurrent: bool = Field(
        default=True,
        description="a recurrent saving carries into later years; a "
        "non-recurrent one counts only in the year it is delivered",
    )
    revenue_investment_gbp000: ByYearGbp000 = Field(
        default_factory=dict, description="running cost of the scheme, borne by the owner"
    )
    capital_gbp000: ByYearGbp000 = Field(default_factory=dict)
    capital_source: CapitalSource = Field(
        default=CapitalSource.NONE, description="where the capital comes from; none means no source is identified"
    )
    capital_project_type: CapitalProjectType = Field(
        default=CapitalProjectType.STANDARD_BUILDINGS,
        description="the kind of capital project, for HM Treasury optimism bias on its cost",
    )
    delivery_pct: OpenPercent | None = Field(
        default=None,
        description="the footprint's own expected delivery, as a share of the planned effect; "
        "overrides the national rate for the scheme's evidence level in risk runs",
    )
    capacity_removed_from: FinancialYear | None = Field(
        default=None,
        description="the year from which the semi-fixed capacity behind the activity this scheme "
        "avoids (clinics, teams, theatre sessions, an A&E department) is removed; until then that "
        "cost is stranded. Beds are removed through the provider's capacity.beds",
    )
    evidence: EvidenceLevel
    description: Text = ""


class SignOff(_Strict):
    """One member organisation's decision on the plan."""

    organisation: Code = Field(description="code of the member organisation")
    status: SignOffStatus = Field(description="signed_off, pending or declined")
    date: PlanDate | None = Field(
        default=None,
        description="when its board or governing body took the decision; required for signed_off and declined",
    )
    body: Text = Field(default="", description="who decided, e.g. 'governing body', 'trust board', 'cabinet'")
    note: Text = Field(default="", description="conditions attached, or why it is pending or declined")


class Stakeholder(_Strict):
    """A body outside the membership whose involvement the centre looks for."""

    kind: StakeholderKind
    name: Name
    involvement: Involvement = Field(description="not_involved, informed, consulted or involved")
    position: Position = Field(default=Position.NOT_STATED, description="its stated view of the plan")
    dates: list[PlanDate] = Field(
        default_factory=list, description="meetings, briefings or reviews with it, year-month-day"
    )
    note: Text = ""


class EngagementEvent(_Strict):
    """A public engagement event or consultation."""

    date: PlanDate = Field(description="when it took place, or when a consultation opened")
    until: PlanDate | None = Field(default=None, description="when a consultation or survey closed")
    kind: EngagementKind
    title: Name
    place: Text = Field(default="", description="where it was held, or how people took part")
    participants: People | None = Field(default=None, description="people who took part or responded")
    covers: list[Code] = Field(
        default_factory=list,
        description="the changes discussed: scheme ids, site codes or provider codes (for their ward closures)",
    )


class Decision(_Strict):
    """A decision the plan depends on, and the level at which it is taken."""

    id: Code
    title: Name
    level: DecisionLevel = Field(description="organisation, place, footprint or above_footprint")
    taken_by: Text = Field(
        default="", description="the body that takes it, e.g. 'the CCGs' joint committee', 'trust board'"
    )
    status: DecisionStatus = Field(default=DecisionStatus.PLANNED, description="planned or taken")
    date: PlanDate | None = Field(default=None, description="when it was taken, or is due")
    schemes: list[Code] = Field(default_factory=list, description="ids of the schemes it decides")
    organisations: list[Code] = Field(
        default_factory=list,
        description="codes of the members bound by it; an organisation-level decision names one",
    )


class Governance(_Strict):
    """Who has signed the plan, who was involved, how the public was engaged and where decisions
    are taken. Every part is optional; the assurance checks report what is missing."""

    sign_off: list[SignOff] = Field(default_factory=list, description="one entry per member organisation")
    stakeholders: list[Stakeholder] = Field(default_factory=list)
    engagement: list[EngagementEvent] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)


class Indicator(_Strict):
    """A health and wellbeing or care and quality indicator: where it is in the base year, the
    target, and the plan's trajectory. For the measures stpkit knows (``Measure``) only what it
    cannot work out itself need be given."""

    id: Code = Field(
        description="a local identifier, or one of ae_within_4_hours_pct, bed_occupancy_pct, "
        "staff_vacancy_pct, elective_within_18_weeks_pct"
    )
    name: Name | None = Field(default=None, description="what it measures; required for a local indicator")
    gap: IndicatorGap | None = Field(
        default=None, description="health_wellbeing or care_quality; required for a local indicator"
    )
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] | None = Field(
        default=None, description="e.g. '% of adults', 'per 100,000 people'; required for a local indicator"
    )
    better: Better | None = Field(default=None, description="higher or lower; required for a local indicator")
    baseline: IndicatorValue | None = Field(default=None, description="the base-year value")
    target: IndicatorValue | None = Field(
        default=None, description="the value aimed for by the horizon; default: the national standard"
    )
    trajectory: dict[FinancialYear, IndicatorValue] = Field(
        default_factory=dict, description="the value the plan expects in each year after the base year"
    )
    source: Text = Field(default="", description="where the baseline comes from")


class FootprintRef(_Strict):
    code: Code = Field(description="ONS STP code, E54000005 to E54000048")
    name: str | None = None


class Plan(_Strict):
    """A footprint's Sustainability and Transformation Plan."""

    schema_version: Literal[1] = PLAN_SCHEMA_VERSION
    footprint: FootprintRef
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    narrative: Text = ""
    illustrative: bool = Field(
        default=False,
        description="true when the baseline is apportioned from national totals, not the "
        "footprint's own accounts; every output that shows it says so",
    )
    base_year: FinancialYear
    horizon: FinancialYear
    organisations: list[Organisation] = Field(
        min_length=1, max_length=MAX_ORGANISATIONS
    )
    assumptions: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="overrides of national parameters: {name: {year: value}} or, for "
        "parameters by service line or cost type, {name: {line: {year: value}}}",
    )
    schemes: list[Scheme] = Field(default_factory=list, max_length=MAX_SCHEMES)
    capital_available_gbp000: dict[CapitalSource, ByYearGbp000] = Field(
        default_factory=dict, description="capital the footprint can draw on, by source and year"
    )
    indicators: list[Indicator] = Field(
        default_factory=list,
        max_length=MAX_INDICATORS,
        description="health and wellbeing and care and quality indicators",
    )
    governance: Governance = Field(
        default_factory=Governance,
        description="sign-off by the members, stakeholders, public engagement and decisions",
    )

    def organisation(self, code: str) -> Organisation:
        for org in self.organisations:
            if org.code == code:
                return org
        raise KeyError(code)

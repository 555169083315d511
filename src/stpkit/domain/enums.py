"""The closed vocabularies of a plan: kinds of organisation, service lines, cost types."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    CCG = "ccg"
    SPECIALISED_COMMISSIONER = "specialised_commissioner"
    LOCAL_AUTHORITY = "local_authority"
    ACUTE_TRUST = "acute_trust"
    COMMUNITY_TRUST = "community_trust"
    MENTAL_HEALTH_TRUST = "mental_health_trust"
    AMBULANCE_TRUST = "ambulance_trust"

    @property
    def is_commissioner(self) -> bool:
        return self in COMMISSIONER_KINDS

    @property
    def is_provider(self) -> bool:
        return not self.is_commissioner


COMMISSIONER_KINDS = frozenset({OrgKind.CCG, OrgKind.SPECIALISED_COMMISSIONER, OrgKind.LOCAL_AUTHORITY})


class ServiceLine(StrEnum):
    """Lines of care. The first seven are delivered by trusts and carry activity."""

    ELECTIVE = "elective"
    NON_ELECTIVE = "non_elective"
    OUTPATIENT = "outpatient"
    AE = "ae"
    COMMUNITY = "community"
    MENTAL_HEALTH = "mental_health"
    SPECIALISED = "specialised"
    AMBULANCE = "ambulance"
    URGENT_CARE = "urgent_care"  # type 3 and 4: urgent care centres, minor injury units, walk-in centres
    PRIMARY_CARE = "primary_care"
    PRESCRIBING = "prescribing"
    CONTINUING_CARE = "continuing_care"
    SOCIAL_CARE = "social_care"
    PUBLIC_HEALTH = "public_health"
    OTHER = "other"


class CostType(StrEnum):
    PAY = "pay"
    DRUGS = "drugs"
    OTHER = "other"


class IncomeSource(StrEnum):
    """Where a provider's income comes from, other than the footprint's own commissioners."""

    OTHER_COMMISSIONERS = "other_commissioners"
    NHS_ENGLAND = "nhs_england"
    EDUCATION_TRAINING = "education_training"
    RESEARCH = "research"
    PRIVATE_PATIENTS = "private_patients"
    OTHER = "other"

    @property
    def is_clinical(self) -> bool:
        return self in (IncomeSource.OTHER_COMMISSIONERS, IncomeSource.NHS_ENGLAND)


class SchemeCategory(StrEnum):
    EFFICIENCY = "efficiency"
    DEMAND_MANAGEMENT = "demand_management"
    PREVENTION = "prevention"
    NEW_CARE_MODELS = "new_care_models"
    SERVICE_RECONFIGURATION = "service_reconfiguration"


class EvidenceLevel(StrEnum):
    STRONG = "strong"
    MODERATE = "moderate"
    WEAK = "weak"
    NONE = "none"


class ActsOnKind(StrEnum):
    ACTIVITY = "activity"
    UNIT_COST = "unit_cost"
    COST_TYPE = "cost_type"
    INCOME = "income"
    SHIFT = "shift"  # activity moves to other providers or settings
    AE_DOWNGRADE = "ae_downgrade"  # a type 1 A&E department closes; its patients go elsewhere
    WORKFORCE = "workforce"  # vacant shifts covered by bank or permanent staff instead of agency
    LENGTH_OF_STAY = "length_of_stay"  # shorter stays: fewer bed days per spell, the same admissions


class SiteKind(StrEnum):
    ACUTE_HOSPITAL = "acute_hospital"
    COMMUNITY_HOSPITAL = "community_hospital"
    MENTAL_HEALTH_UNIT = "mental_health_unit"
    OTHER = "other"


class BacklogRisk(StrEnum):
    """The estates return's grades of backlog maintenance, by the risk of leaving it undone."""

    HIGH = "high"  # must be put right urgently: risk of serious injury, failure or prosecution
    SIGNIFICANT = "significant"  # should be put right in the short term
    MODERATE = "moderate"
    LOW = "low"


class StaffGroup(StrEnum):
    NURSING = "nursing"  # registered nurses, midwives and health visitors
    MEDICAL = "medical"
    OTHER_CLINICAL = "other_clinical"  # scientific, therapeutic, technical; ambulance staff
    SUPPORT = "support"  # support to clinical staff, infrastructure


class CapitalProjectType(StrEnum):
    """HM Treasury Green Book project types, for optimism bias on capital cost."""

    STANDARD_BUILDINGS = "standard_buildings"
    NON_STANDARD_BUILDINGS = "non_standard_buildings"
    EQUIPMENT_DEVELOPMENT = "equipment_development"


class CapitalSource(StrEnum):
    NONE = "none"  # no source identified
    PROVIDER = "provider"  # the owner's own capital resources
    TRANSFORMATION_FUND = "transformation_fund"
    DISPOSAL = "disposal"  # receipts from selling land or buildings
    LOCAL_AUTHORITY = "local_authority"  # a council or housing partner
    NATIONAL = "national"  # a national capital bid (e.g. the STP capital programme)


# ---- governance -------------------------------------------------------------------------------


class SignOffStatus(StrEnum):
    """Where a member organisation's board or governing body stands on the plan."""

    SIGNED_OFF = "signed_off"
    PENDING = "pending"  # not yet taken to the board, or deferred
    DECLINED = "declined"


class StakeholderKind(StrEnum):
    LOCAL_AUTHORITY = "local_authority"  # a council that is not a member of the footprint
    HEALTH_AND_WELLBEING_BOARD = "health_and_wellbeing_board"
    LOCAL_MEDICAL_COMMITTEE = "local_medical_committee"  # the GPs' statutory representatives
    CLINICAL_SENATE = "clinical_senate"  # independent clinical review of service change
    OVERVIEW_AND_SCRUTINY = "overview_and_scrutiny"  # a council's health scrutiny committee
    HEALTHWATCH = "healthwatch"
    VOLUNTARY_SECTOR = "voluntary_sector"
    STAFF = "staff"  # staff side, trade unions
    OTHER = "other"


class Involvement(StrEnum):
    """How far a stakeholder took part, from least to most."""

    NOT_INVOLVED = "not_involved"
    INFORMED = "informed"  # told about the plan
    CONSULTED = "consulted"  # asked for views that were considered
    INVOLVED = "involved"  # helped to write it or took decisions on it

    @property
    def took_part(self) -> bool:
        return self in (Involvement.CONSULTED, Involvement.INVOLVED)


class Position(StrEnum):
    """A stakeholder's stated view of the plan."""

    SUPPORTS = "supports"
    SUPPORTS_WITH_CONDITIONS = "supports_with_conditions"
    CONCERNS = "concerns"
    OPPOSES = "opposes"
    NOT_STATED = "not_stated"


class EngagementKind(StrEnum):
    PUBLIC_MEETING = "public_meeting"
    WORKSHOP = "workshop"
    SURVEY = "survey"
    CITIZENS_PANEL = "citizens_panel"
    FORMAL_CONSULTATION = "formal_consultation"  # a statutory public consultation on a proposal
    OTHER = "other"


class DecisionLevel(StrEnum):
    """The level at which a decision is taken, from the most local."""

    ORGANISATION = "organisation"  # one member's board or governing body
    PLACE = "place"  # a borough or county: the councils, CCGs and providers of one place
    FOOTPRINT = "footprint"  # all members, e.g. CCGs' committees in common or a joint committee
    ABOVE_FOOTPRINT = "above_footprint"  # several footprints, or NHS England and NHS Improvement


class DecisionStatus(StrEnum):
    PLANNED = "planned"
    TAKEN = "taken"


# ---- indicators of the three gaps --------------------------------------------------------------


class IndicatorGap(StrEnum):
    """The gap of the Five Year Forward View an indicator measures (finance is measured by the
    model itself)."""

    HEALTH_WELLBEING = "health_wellbeing"
    CARE_QUALITY = "care_quality"


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Measure(StrEnum):
    """Care and quality measures stpkit knows: their baseline comes from the bundled A&E data or
    the model where it can, and their target from a national standard."""

    AE_WITHIN_4_HOURS_PCT = "ae_within_4_hours_pct"  # A&E attendances seen within four hours, all types
    BED_OCCUPANCY_PCT = "bed_occupancy_pct"  # general and acute bed occupancy, from the capacity model
    STAFF_VACANCY_PCT = "staff_vacancy_pct"  # vacant posts in the providers' establishment, from the model
    ELECTIVE_WITHIN_18_WEEKS_PCT = "elective_within_18_weeks_pct"  # referral to treatment within 18 weeks


# ---- assurance ---------------------------------------------------------------------------------


class Severity(StrEnum):
    """How much an assurance finding matters: an error makes the plan not credible as it stands;
    a warning needs an answer; info is worth knowing."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class RatingComponent(StrEnum):
    """The parts of a footprint's score: the three gaps, governance and credibility."""

    HEALTH_WELLBEING = "health_wellbeing"
    CARE_QUALITY = "care_quality"
    FINANCE = "finance"
    GOVERNANCE = "governance"
    FINDINGS = "findings"  # credibility: the assurance rules that fire
    RISK = "risk"  # credibility: the chance of balancing in the final year


class RatingCategory(StrEnum):
    """NHS England's four categories of July 2017, best first."""

    OUTSTANDING = "outstanding"
    ADVANCED = "advanced"
    MAKING_PROGRESS = "making_progress"
    NEEDS_MOST_IMPROVEMENT = "needs_most_improvement"

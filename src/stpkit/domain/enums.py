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


class SiteKind(StrEnum):
    ACUTE_HOSPITAL = "acute_hospital"
    COMMUNITY_HOSPITAL = "community_hospital"
    MENTAL_HEALTH_UNIT = "mental_health_unit"
    OTHER = "other"


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

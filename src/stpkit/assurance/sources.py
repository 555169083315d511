"""Publications the assurance rules rest on."""

from __future__ import annotations

from stpkit.reference.parameters import Reference

KINGS_FUND_CREDIBLE_PLANS = Reference(
    "Delivering sustainability and transformation plans: from ambitious proposals to credible plans",
    "The King's Fund",
    2017,
    "https://www.kingsfund.org.uk/publications/delivering-sustainability-transformation-plans",
)
KINGS_FUND_STPS_IN_PRACTICE = Reference(
    "Sustainability and transformation plans in the NHS: how are they being developed in practice?",
    "The King's Fund",
    2016,
    "https://www.kingsfund.org.uk/publications/stps-in-the-nhs",
)
HSJ_OCCUPANCY_CEILING = Reference(
    "NHS England has got it right on beds (quoting NHS Improvement's 2017 analysis of occupancy and A&E performance)",
    "HSJ",
    2020,
    "https://hsj.co.uk/policy-and-regulation/nhs-england-has-got-it-right-on-beds/7026869.article",
)
KINGS_FUND_BEDS = Reference(
    "NHS hospital bed numbers: past, present, future",
    "The King's Fund",
    2017,
    "https://www.kingsfund.org.uk/publications/nhs-hospital-bed-numbers",
)
NAO_SUSTAINABILITY_TRANSFORMATION = Reference(
    "Sustainability and transformation in the NHS (HC 719)",
    "National Audit Office",
    2018,
    "https://www.nao.org.uk/reports/sustainability-and-transformation-in-the-nhs/",
)
NAO_EFFICIENCY_SAVINGS = Reference(
    "Progress in making NHS efficiency savings (HC 686)",
    "National Audit Office",
    2012,
    "https://www.nao.org.uk/reports/progress-in-making-nhs-efficiency-savings/",
)
NAO_INTEGRATION = Reference(
    "Health and social care integration (HC 1011)",
    "National Audit Office",
    2017,
    "https://www.nao.org.uk/reports/health-and-social-care-integration/",
)
NAO_SPECIALISED = Reference(
    "The commissioning of specialised services in the NHS",
    "National Audit Office",
    2016,
    "https://www.nao.org.uk/reports/the-commissioning-of-specialised-services-in-the-nhs/",
)
KINGS_FUND_TRANSFORMATION_FUND = Reference(
    "Making change possible: a Transformation Fund for the NHS",
    "The King's Fund and the Health Foundation",
    2015,
    "https://www.kingsfund.org.uk/publications/making-change-possible",
)
NUFFIELD_CRUNCH = Reference(
    "Feeling the crunch: NHS finances to 2020",
    "Nuffield Trust",
    2016,
    "https://www.nuffieldtrust.org.uk/research/feeling-the-crunch-nhs-finances-to-2020",
)
NUFFIELD_SHIFTING_CARE = Reference(
    "Shifting the balance of care: great expectations",
    "Nuffield Trust",
    2017,
    "https://www.nuffieldtrust.org.uk/research/shifting-the-balance-of-care-great-expectations",
)
MONITOR_CLOSER_TO_HOME = Reference(
    "Moving healthcare closer to home: financial impacts",
    "Monitor",
    2015,
    "https://www.gov.uk/guidance/moving-healthcare-closer-to-home",
)
NHSI_PROVIDER_PERFORMANCE = Reference(
    "Performance of the NHS provider sector for the month ended 30 June 2017",
    "NHS Improvement",
    2017,
    "https://improvement.nhs.uk/resources/quarterly-performance-nhs-provider-sector-quarter-1-201718/",
)
STRENGTHENING_FINANCIAL_PERFORMANCE = Reference(
    "Strengthening financial performance and accountability in 2016/17",
    "NHS England and NHS Improvement",
    2016,
    "https://www.england.nhs.uk/publication/strengthening-financial-performance-and-accountability-in-201617/",
)
NHSE_NEXT_STEPS = Reference(
    "Next steps on the NHS Five Year Forward View",
    "NHS England",
    2017,
    "https://www.england.nhs.uk/five-year-forward-view/next-steps-on-the-nhs-five-year-forward-view/",
)
NHSE_PLANNING_GUIDANCE = Reference(
    "Delivering the Forward View: NHS planning guidance 2016/17 to 2020/21",
    "NHS England",
    2015,
    "https://www.england.nhs.uk/wp-content/uploads/2015/12/planning-guid-16-17-20-21.pdf",
)
NHSE_SERVICE_CHANGE = Reference(
    "Planning, assuring and delivering service change for patients",
    "NHS England",
    2018,
    "https://www.england.nhs.uk/publication/planning-assuring-and-delivering-service-change-for-patients/",
)
NHSE_ENGAGING_LOCAL_PEOPLE = Reference(
    "Engaging local people: a guide for local areas developing Sustainability and Transformation Plans",
    "NHS England",
    2016,
    "https://www.england.nhs.uk/publication/engaging-local-people-a-guide-for-local-areas-developing-sustainability-and-transformation-plans/",
)
GREEN_BOOK_OPTIMISM_BIAS = Reference(
    "Supplementary Green Book guidance: optimism bias",
    "HM Treasury",
    2003,
    "https://www.gov.uk/government/publications/green-book-supplementary-guidance-optimism-bias",
)
GREEN_BOOK = Reference(
    "The Green Book: appraisal and evaluation in central government",
    "HM Treasury",
    2018,
    "https://www.gov.uk/government/publications/the-green-book-appraisal-and-evaluation-in-central-governent",
)
CARTER_REVIEW = Reference(
    "Operational productivity and performance in English NHS acute hospitals: unwarranted variations",
    "Department of Health (Lord Carter)",
    2016,
    "https://www.gov.uk/government/publications/productivity-in-nhs-hospitals",
)
NHS_ACT_DUTY_TO_INVOLVE = Reference(
    "National Health Service Act 2006, section 14Z2: public involvement and consultation by CCGs",
    "legislation.gov.uk",
    2012,
    "https://www.legislation.gov.uk/ukpga/2006/41/section/14Z2",
)
HEALTH_FOUNDATION_WORKFORCE = Reference(
    "Election briefing: a sustainable workforce, the lifeblood of the NHS and social care",
    "The Health Foundation",
    2017,
    "https://www.health.org.uk/publications/election-briefing-a-sustainable-workforce",
)
NUFFIELD_AE_ATTENDANCES = Reference(
    "Focus on: A&E attendances",
    "Nuffield Trust and the Health Foundation",
    2014,
    "https://www.nuffieldtrust.org.uk/research/focus-on-a-e-attendances",
)
CLOSED_STUDY = Reference(
    "Closing five Emergency Departments in England between 2009 and 2011: the closED controlled interrupted "
    "time-series analysis",
    "NIHR Journals Library (Health Services and Delivery Research)",
    2018,
    "https://doi.org/10.3310/hsdr06270",
)
NHSE_AE_STATISTICS = Reference(
    "A&E Attendances and Emergency Admissions",
    "NHS England",
    2017,
    "https://www.england.nhs.uk/statistics/statistical-work-areas/ae-waiting-times-and-activity/",
)
NHS_DIGITAL_ERIC = Reference(
    "Estates Returns Information Collection (ERIC), 2016/17",
    "NHS Digital",
    2017,
    "https://digital.nhs.uk/data-and-information/publications/statistical/estates-returns-information-collection",
)
NAYLOR_REVIEW = Reference(
    "NHS property and estates: why the estate matters for patients (the Naylor review)",
    "Department of Health",
    2017,
    "https://www.gov.uk/government/publications/nhs-property-and-estates-naylor-review",
)

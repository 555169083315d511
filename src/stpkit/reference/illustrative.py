"""An ILLUSTRATIVE baseline and plan for each of the 44 footprints, apportioned from published
national totals by resident population (``data/national_totals.yaml``).

The members are real: each footprint's CCGs (with their populations) and acute trusts, and its
regional ambulance trust with the footprint's share of the region's population. Mental health
and community services are each shown as one illustrative provider. The money is not: every
figure is a national total shared out by population, so every output that shows these plans
says they are illustrative. The schemes are a national-average plan (provider cost improvement
and commissioner demand management at the rates the centre asked for), not any footprint's
own choices."""

from __future__ import annotations

import csv
import math
from functools import cache
from importlib.resources import files

from ruamel.yaml import YAML

from stpkit.domain import (
    ActsOnActivity,
    ActsOnKind,
    ActsOnUnitCost,
    Baseline,
    CostType,
    EvidenceLevel,
    FootprintRef,
    IncomeLine,
    IncomeSource,
    Organisation,
    OrgKind,
    Plan,
    Scheme,
    SchemeCategory,
    ServiceLine,
    SpendLine,
    fy_label,
    fy_range,
    fy_start,
)
from stpkit.domain.years import STP_BASE_YEAR, STP_HORIZON
from stpkit.reference.ae import attendances_by_provider
from stpkit.reference.footprints import Footprint, load_footprints
from stpkit.reference.parameters import ParameterSet

BASE_YEAR, HORIZON = STP_BASE_YEAR, STP_HORIZON
ACUTE_LINES = (ServiceLine.ELECTIVE, ServiceLine.NON_ELECTIVE, ServiceLine.OUTPATIENT, ServiceLine.AE)
NO_PROVIDER_LINES = (ServiceLine.PRIMARY_CARE, ServiceLine.PRESCRIBING, ServiceLine.CONTINUING_CARE, ServiceLine.OTHER)
#: A specialist trust with no A&E department is weighted as this share of its footprint's
#: average acute trust.
NO_AE_WEIGHT = 0.25

#: Shown wherever money from an illustrative baseline is shown.
ILLUSTRATIVE_NOTE = (
    "ILLUSTRATIVE: this baseline is apportioned from published national totals by population. "
    "It is not the footprint's own accounts."
)


def _data(name: str):
    return files("stpkit.reference").joinpath("data").joinpath(name)


@cache
def national_totals() -> dict:
    return YAML(typ="safe").load(_data("national_totals.yaml").read_text("utf-8"))


@cache
def ambulance_trusts() -> dict[str, tuple[str, str]]:
    rows = csv.DictReader(_data("ambulance_footprints_2017.csv").read_text("utf-8").splitlines())
    return {r["stp17cd"]: (r["trust_code"], r["trust_name"]) for r in rows}


def _round(value: float) -> float:
    return float(round(value))


def illustrative_plan(code: str, params: ParameterSet) -> Plan:
    """The illustrative plan for footprint ``code`` (base year 2016/17, horizon 2020/21)."""
    footprints = load_footprints()
    footprint = footprints[code]
    totals = national_totals()
    national_population = sum(f.population for f in footprints.values())
    spend_share = totals["shares"]["ccg_spend_by_service_line"]["values"]
    outside = totals["shares"]["ccg_spend_outside_footprint"]["values"]
    allocation = totals["totals"]["ccg_allocation_gbp000"]["value"]
    surplus = totals["totals"]["ccg_surplus_share"]["value"]
    activity = {k: v["value"] for k, v in totals["activity"]["values"].items()}

    acute = _acute_weights(footprint)
    mh_code, com_code = f"{code}-MH", f"{code}-COM"
    amb_code, amb_name = ambulance_trusts()[code]
    amb_share = _ambulance_share(code)
    line_provider = {
        ServiceLine.COMMUNITY: com_code,
        ServiceLine.MENTAL_HEALTH: mh_code,
        ServiceLine.AMBULANCE: amb_code,
    }

    # National average price per unit on each trust-delivered line.
    price = {
        line: allocation * spend_share[line] / activity[line]
        for line in (*ACUTE_LINES, "community", "mental_health", "ambulance")
    }
    price["specialised"] = totals["totals"]["specialised_allocation_gbp000"]["value"] / activity["specialised"]

    orgs: list[Organisation] = []
    received: dict[str, dict[str, float]] = {}  # provider -> line -> income from member CCGs

    for ccg in footprint.ccgs:
        ccg_allocation = allocation * ccg.population / national_population
        spend_total = ccg_allocation * (1 - surplus)
        lines: list[SpendLine] = []
        for line, share in spend_share.items():
            value = spend_total * share
            if line in NO_PROVIDER_LINES:
                lines.append(SpendLine(service_line=line, value_gbp000=_round(value)))
                continue
            away = outside.get(line, 0.0)
            if away:
                lines.append(
                    SpendLine(
                        service_line=line,
                        external_provider="Providers outside the footprint",
                        value_gbp000=_round(value * away),
                    )
                )
            inside = value * (1 - away)
            if line == ServiceLine.AMBULANCE:
                # The ambulance trust is shared: this CCG pays it in full, the footprint holds
                # only its share of the trust, so the rest of the payment leaves the footprint.
                targets = {amb_code: 1.0}
            elif line in line_provider:
                targets = {line_provider[line]: 1.0}
            else:
                targets = acute
            for provider, weight in targets.items():
                amount = _round(inside * weight)
                lines.append(SpendLine(service_line=line, provider=provider, value_gbp000=amount))
                received.setdefault(provider, {}).setdefault(line, 0.0)
                received[provider][line] += amount
        orgs.append(
            Organisation(
                code=ccg.code,
                name=ccg.name,
                kind=OrgKind.CCG,
                baseline=Baseline(allocation_gbp000=_round(ccg_allocation), spend_gbp000=lines),
            )
        )

    population_share = footprint.population / national_population
    specialised = totals["totals"]["specialised_allocation_gbp000"]["value"] * population_share
    to_acute = totals["shares"]["specialised_to_acute"]["value"]
    specialised_income = {t: specialised * to_acute * w for t, w in acute.items()}
    specialised_income[mh_code] = specialised * (1 - to_acute)

    names = {t.code: t.name for t in footprint.acute_trusts}
    names.update(
        {
            mh_code: f"Mental health services, {footprint.name} (illustrative)",
            com_code: f"Community services, {footprint.name} (illustrative)",
            amb_code: amb_name,
        }
    )
    kinds = {mh_code: OrgKind.MENTAL_HEALTH_TRUST, com_code: OrgKind.COMMUNITY_TRUST, amb_code: OrgKind.AMBULANCE_TRUST}
    for provider in [*acute, mh_code, com_code, amb_code]:
        share = amb_share if provider == amb_code else 1.0
        orgs.append(
            _provider(
                provider,
                names[provider],
                kinds.get(provider, OrgKind.ACUTE_TRUST),
                received.get(provider, {}),
                specialised_income.get(provider, 0.0),
                outside,
                price,
                share,
                params,
                totals,
            )
        )

    return Plan(
        footprint=FootprintRef(code=code, name=footprint.name),
        title=f"{footprint.name}: illustrative plan {BASE_YEAR} to {HORIZON}",
        narrative=(
            f"An illustrative baseline for {footprint.name} ({footprint.population:,} residents), "
            "apportioned from national totals by population, with a national-average plan: "
            "provider cost improvement of 2% a year and commissioner demand management of 1% of "
            "allocation a year. It is not the footprint's own plan."
        ),
        illustrative=True,
        base_year=BASE_YEAR,
        horizon=HORIZON,
        organisations=orgs,
        schemes=_national_average_schemes(orgs, totals),
    )


def _acute_weights(footprint: Footprint) -> dict[str, float]:
    """Each acute trust's share of the footprint's acute activity, by 2016/17 A&E attendances."""
    attendances = attendances_by_provider(BASE_YEAR)
    raw = {t.code: attendances.get(t.code, 0.0) for t in footprint.acute_trusts}
    known = [v for v in raw.values() if v > 0]
    fallback = NO_AE_WEIGHT * (sum(known) / len(known) if known else 1.0)
    raw = {k: v if v > 0 else fallback for k, v in raw.items()}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


@cache
def _ambulance_populations() -> dict[str, int]:
    out: dict[str, int] = {}
    for code, footprint in load_footprints().items():
        trust = ambulance_trusts()[code][0]
        out[trust] = out.get(trust, 0) + footprint.population
    return out


def _ambulance_share(code: str) -> float:
    trust = ambulance_trusts()[code][0]
    return load_footprints()[code].population / _ambulance_populations()[trust]


def _provider(code, name, kind, from_members, specialised, outside, price, share, params, totals) -> Organisation:
    """A provider whose whole-organisation accounts are consistent with what this footprint
    pays it. For a shared trust the footprint's payments are grossed up to the whole trust."""
    income_lines: list[IncomeLine] = []
    activity: dict[ServiceLine, float] = {}
    clinical = 0.0
    for line, member_income in from_members.items():
        away = outside.get(line, 0.0)
        whole = member_income / share
        from_others = whole - member_income + member_income * away / (1 - away)
        if from_others > 0.5:
            income_lines.append(
                IncomeLine(source=IncomeSource.OTHER_COMMISSIONERS, service_line=line, value_gbp000=_round(from_others))
            )
        line_income = member_income + from_others
        activity[ServiceLine(line)] = _round(line_income / price[line])
        clinical += line_income
    if specialised > 0:
        income_lines.append(
            IncomeLine(
                source=IncomeSource.NHS_ENGLAND, service_line=ServiceLine.SPECIALISED, value_gbp000=_round(specialised)
            )
        )
        activity[ServiceLine.SPECIALISED] = _round(specialised / price["specialised"])
        clinical += specialised
    shares = totals["shares"]
    other = clinical * shares["provider_other_income_to_clinical"]["value"]
    education = totals["illustrative_schemes"]["values"]["education_training_share_of_other_income"]["value"]
    income_lines.append(IncomeLine(source=IncomeSource.EDUCATION_TRAINING, value_gbp000=_round(other * education)))
    income_lines.append(IncomeLine(source=IncomeSource.OTHER, value_gbp000=_round(other * (1 - education))))
    income = clinical + other
    deficit = shares["provider_deficit_to_income"]["values"]["acute" if kind is OrgKind.ACUTE_TRUST else "other"]
    cost = income * (1 + deficit)
    mix = shares["provider_cost_mix"]["values"]
    national_income = totals["totals"]["provider_income_gbp000"]["value"]
    stf = {year: _round(amount * income / national_income) for year, amount in _provider_fund(params).items()}
    return Organisation(
        code=code,
        name=name,
        kind=kind,
        share_pct=round(100 * share, 4),
        baseline=Baseline(
            activity=activity,
            income_gbp000=income_lines,
            expenditure_gbp000={CostType(k): _round(cost * v) for k, v in mix.items()},
            sustainability_fund_gbp000=stf,
        ),
    )


def _provider_fund(params: ParameterSet) -> dict[str, float]:
    """The national sustainability fund for providers by year. No amount was set beyond
    2018/19 when plans were written, while the Fund as a whole kept growing; the illustrative
    baseline holds the last amount set rather than assume a cliff no plan of the time assumed."""
    fund = params["sustainability_fund_providers_gbp000"]
    out: dict[str, float] = {}
    for year in fy_range(BASE_YEAR, HORIZON):
        value = fund.value(year)
        out[year] = value if not math.isnan(value) else out.get(fy_label(fy_start(year) - 1), 0.0)
    return out


def _national_average_schemes(orgs: list[Organisation], totals: dict) -> list[Scheme]:
    """Cost improvement in every trust; demand management of emergency admissions and of
    outpatient attendances in every CCG; each at the yearly rate in ``national_totals.yaml``,
    phased evenly over the plan's years, so the full effect is the rate times the years."""
    rates = {name: item["value"] for name, item in totals["illustrative_schemes"]["values"].items()}
    years = fy_range(BASE_YEAR, HORIZON)[1:]
    even = {year: 100.0 / len(years) for year in years}

    def scheme(org: Organisation, prefix: str, name: str, category: SchemeCategory, programme: str,
               acts_on: ActsOnUnitCost | ActsOnActivity, rate: str, evidence: EvidenceLevel, what: str) -> Scheme:
        return Scheme(
            id=f"{prefix}-{org.code}",
            name=f"{name}, {org.name}",
            category=category,
            programme=programme,
            owner=org.code,
            acts_on=acts_on,
            size_pct=rates[rate] * len(years),
            phasing_pct=even,
            evidence=evidence,
            description=f"{rates[rate]:g}% {what} a year for {len(years)} years, the national planning rate.",
        )

    schemes = []
    for org in orgs:
        if org.kind.is_provider:
            schemes.append(scheme(
                org, "CIP", "Cost improvement programme", SchemeCategory.EFFICIENCY, "Cost improvement (Carter)",
                ActsOnUnitCost(kind=ActsOnKind.UNIT_COST), "provider_cost_improvement_pct_a_year",
                EvidenceLevel.MODERATE, "of cost",
            ))
        elif org.kind is OrgKind.CCG:
            schemes.append(scheme(
                org, "UEC", "Urgent care out of hospital", SchemeCategory.DEMAND_MANAGEMENT,
                "Urgent and emergency care",
                ActsOnActivity(kind=ActsOnKind.ACTIVITY, service_line=ServiceLine.NON_ELECTIVE),
                "emergency_admissions_avoided_pct_a_year", EvidenceLevel.WEAK,
                "fewer emergency admissions than the do-nothing",
            ))
            schemes.append(scheme(
                org, "RC", "Right Care: planned care and referrals", SchemeCategory.DEMAND_MANAGEMENT, "Right Care",
                ActsOnActivity(kind=ActsOnKind.ACTIVITY, service_line=ServiceLine.OUTPATIENT),
                "outpatient_attendances_avoided_pct_a_year", EvidenceLevel.WEAK,
                "fewer outpatient attendances than the do-nothing",
            ))
    return schemes


def all_illustrative_plans(params: ParameterSet) -> list[Plan]:
    return [illustrative_plan(code, params) for code in load_footprints()]

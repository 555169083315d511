"""Consistency checks that the types alone cannot express: references between parts of a plan,
years inside the plan's range, phasing that adds up, schemes acting on lines that exist.

Which fields each kind of scheme takes (``acts_on``) is a matter for the types: each kind has
its own (domain/plan.py), so a plan that reaches these checks is well formed, kind by kind."""

from __future__ import annotations

from collections import Counter

from stpkit.domain.enums import CostType, DecisionLevel, Measure, OrgKind, ServiceLine, SignOffStatus
from stpkit.domain.plan import (
    ActsOnActivity,
    ActsOnAeDowngrade,
    ActsOnCostType,
    ActsOnIncome,
    ActsOnLengthOfStay,
    ActsOnShift,
    ActsOnUnitCost,
    ActsOnWorkforce,
    Indicator,
    Organisation,
    Plan,
    Scheme,
)
from stpkit.domain.problems import Loc, Problem
from stpkit.domain.years import fy_label, fy_range, fy_start

#: Service lines on which trusts deliver counted activity and are paid for it.
PROVIDER_LINES = frozenset(
    {
        ServiceLine.ELECTIVE,
        ServiceLine.NON_ELECTIVE,
        ServiceLine.OUTPATIENT,
        ServiceLine.AE,
        ServiceLine.COMMUNITY,
        ServiceLine.MENTAL_HEALTH,
        ServiceLine.SPECIALISED,
        ServiceLine.AMBULANCE,
        ServiceLine.URGENT_CARE,
    }
)

MAX_PLAN_YEARS = 15
PHASING_TOLERANCE_PCT = 0.01


def plan_years(plan: Plan) -> list[str] | None:
    """The plan's years, base year first; None when its horizon is not from one to
    ``MAX_PLAN_YEARS`` years after its base year (``check_plan`` says which)."""
    base, horizon = fy_start(plan.base_year), fy_start(plan.horizon)
    if not 0 < horizon - base <= MAX_PLAN_YEARS:
        return None
    return fy_range(plan.base_year, plan.horizon)


class _Members(dict[str, Organisation]):
    """The member organisations by code, without the codes used more than once: a reference
    to one of those is ambiguous, so the checks that need the organisation it names are
    skipped for it (they run once the codes are fixed) while every other check runs."""

    def __init__(self, organisations: list[Organisation]):
        codes = Counter(org.code for org in organisations)
        super().__init__((org.code, org) for org in organisations if codes[org.code] == 1)
        self.ambiguous = frozenset(code for code, n in codes.items() if n > 1)

    def known(self, code: str) -> bool:
        return code in self or code in self.ambiguous


def check_plan(plan: Plan) -> list[Problem]:
    """Every consistency problem in ``plan`` (empty when the plan is sound)."""
    problems: list[Problem] = []
    add = problems.append

    known = plan_years(plan)
    if known is None:
        if fy_start(plan.horizon) <= fy_start(plan.base_year):
            add(Problem(("horizon",), f"horizon {plan.horizon} must be after the base year {plan.base_year}"))
        else:
            add(Problem(("horizon",), f"a plan covers at most {MAX_PLAN_YEARS} years after its base year"))
    # Without the plan's years no year can be checked against them (``_years_within`` checks
    # nothing then): those checks run once the horizon is right; every other check runs now.
    years = known or []

    orgs = _Members(plan.organisations)
    for i, org in enumerate(plan.organisations):
        if org.code in orgs.ambiguous:
            add(Problem(("organisations", i, "code"), f"organisation code {org.code!r} is used more than once"))
        problems += _check_organisation(org, ("organisations", i), orgs, years)

    paid = clinical_lines(plan)
    problems += _check_activity_covers_income(plan, paid, orgs)
    for source, by_year in plan.capital_available_gbp000.items():
        problems += _years_within(by_year, ("capital_available_gbp000", source.value), years, "years")

    ids = Counter(s.id for s in plan.schemes)
    for i, scheme in enumerate(plan.schemes):
        loc: Loc = ("schemes", i)
        if ids[scheme.id] > 1:
            add(Problem((*loc, "id"), f"scheme id {scheme.id!r} is used more than once"))
        problems += _check_scheme(scheme, loc, orgs, paid, years)
    problems += _check_indicators(plan.indicators, years)
    problems += _check_governance(plan, orgs)
    return problems


def _years_within(values: dict[str, object], loc: Loc, allowed: list[str], what: str) -> list[Problem]:
    """Years of ``values`` outside ``allowed``; none when the plan's years are not known."""
    if not allowed:
        return []
    return [
        Problem((*loc, year), f"{year} is outside the plan's {what} ({allowed[0]} to {allowed[-1]})")
        for year in values
        if year not in allowed
    ]


def _check_organisation(org: Organisation, loc: Loc, orgs: _Members, years: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    b = org.baseline
    bloc = (*loc, "baseline")
    provider_fields = {
        "activity": b.activity,
        "income_gbp000": b.income_gbp000,
        "expenditure_gbp000": b.expenditure_gbp000,
        "sustainability_fund_gbp000": b.sustainability_fund_gbp000,
    }
    commissioner_fields = {
        "allocation_gbp000": b.allocation_gbp000,
        "allocations_gbp000": b.allocations_gbp000,
        "spend_gbp000": b.spend_gbp000,
    }
    if org.kind.is_commissioner:
        for name, value in provider_fields.items():
            if value:
                problems.append(Problem((*bloc, name), f"{name} is for providers; {org.code} is {_a(org.kind)}"))
        if b.allocation_gbp000 is None:
            problems.append(Problem((*bloc, "allocation_gbp000"), f"{_a(org.kind)} needs its base-year allocation"))
        problems += _years_within(b.allocations_gbp000, (*bloc, "allocations_gbp000"), years[1:], "projection years")
        for j, line in enumerate(b.spend_gbp000):
            lloc = (*bloc, "spend_gbp000", j)
            if line.provider is not None and line.external_provider is not None:
                problems.append(Problem(lloc, "give provider (a member) or external_provider, not both"))
            if line.provider is None or line.provider in orgs.ambiguous:
                continue
            target = orgs.get(line.provider)
            if target is None:
                problems.append(
                    Problem(
                        (*lloc, "provider"),
                        f"unknown organisation {line.provider!r}: not a member of this plan "
                        "(use external_provider for providers outside the footprint)",
                    )
                )
            elif not target.kind.is_provider:
                problems.append(Problem((*lloc, "provider"), f"{line.provider} is {_a(target.kind)}, not a provider"))
            elif line.service_line not in PROVIDER_LINES:
                problems.append(
                    Problem(
                        (*lloc, "service_line"),
                        _not_trust_line(line.service_line),
                    )
                )
    else:
        for name, value in commissioner_fields.items():
            if value:
                problems.append(Problem((*bloc, name), f"{name} is for commissioners; {org.code} is {_a(org.kind)}"))
        if not b.expenditure_gbp000 or sum(b.expenditure_gbp000.values()) <= 0:
            problems.append(
                Problem((*bloc, "expenditure_gbp000"), f"{_a(org.kind)} needs its base-year expenditure by cost type")
            )
        for line_name in b.activity:
            if line_name not in PROVIDER_LINES:
                problems.append(
                    Problem(
                        (*bloc, "activity", line_name.value),
                        f"{line_name.value} is not delivered by trusts; expected one of {_names(PROVIDER_LINES)}",
                    )
                )
        for j, inc in enumerate(b.income_gbp000):
            iloc = (*bloc, "income_gbp000", j)
            if inc.source.is_clinical and inc.service_line is None:
                problems.append(
                    Problem((*iloc, "service_line"), f"clinical income from {inc.source.value} needs a service_line")
                )
            elif not inc.source.is_clinical and inc.service_line is not None:
                problems.append(
                    Problem(
                        (*iloc, "service_line"),
                        f"income from {inc.source.value} is not clinical: leave out service_line",
                    )
                )
            elif inc.service_line is not None and inc.service_line not in PROVIDER_LINES:
                problems.append(
                    Problem(
                        (*iloc, "service_line"),
                        _not_trust_line(inc.service_line),
                    )
                )
        problems += _years_within(b.sustainability_fund_gbp000, (*bloc, "sustainability_fund_gbp000"), years, "years")
        problems += _years_within(b.control_total_gbp000, (*bloc, "control_total_gbp000"), years, "years")
    if org.capacity is not None:
        problems += _check_capacity(org, (*loc, "capacity"), years)
    if org.kind.is_commissioner:
        for name in ("capacity", "workforce"):
            if getattr(org, name) is not None:
                problems.append(Problem((*loc, name), f"{name} is for providers; {org.code} is {_a(org.kind)}"))
    return problems


def _check_capacity(org: Organisation, loc: Loc, years: list[str]) -> list[Problem]:
    problems = _years_within(org.capacity.beds, (*loc, "beds"), years, "years")
    codes = Counter(site.code for site in org.capacity.sites)
    ae_share = 0.0
    for k, site in enumerate(org.capacity.sites):
        sloc = (*loc, "sites", k)
        if codes[site.code] > 1:
            problems.append(Problem((*sloc, "code"), f"site code {site.code!r} is used more than once"))
        if site.closes is not None:
            problems += _years_within({site.closes: None}, (*sloc, "closes"), years[1:], "projection years")
        problems += _years_within(site.disposal_receipt_gbp000, (*sloc, "disposal_receipt_gbp000"), years, "years")
        # A site closes in a projection year at the earliest, so it earns nothing repurposed in
        # the base year (which is the actual position in any case).
        problems += _years_within(
            site.repurposing_income_gbp000, (*sloc, "repurposing_income_gbp000"), years[1:], "projection years"
        )
        if site.ae_share_pct is not None and not site.type1_ae:
            problems.append(
                Problem((*sloc, "ae_share_pct"), "ae_share_pct is for sites with a type 1 A&E (type1_ae: true)")
            )
        ae_share += site.ae_share_pct or 0.0
    if ae_share > 100 + PHASING_TOLERANCE_PCT:
        problems.append(Problem((*loc, "sites"), f"the sites' ae_share_pct add up to {ae_share:g}%, more than 100%"))
    fixed = sum(site.fixed_cost_share_pct or 0.0 for site in org.capacity.sites)
    if fixed > 100 + PHASING_TOLERANCE_PCT:
        problems.append(
            Problem((*loc, "sites"), f"the sites' fixed_cost_share_pct add up to {fixed:g}%, more than 100%")
        )
    return problems


def clinical_lines(plan: Plan) -> dict[str, set[ServiceLine]]:
    """For each provider, the service lines it is paid for (by members or from outside)."""
    lines: dict[str, set[ServiceLine]] = {o.code: set() for o in plan.organisations if o.kind.is_provider}
    for org in plan.organisations:
        for spend in org.baseline.spend_gbp000:
            if spend.provider in lines and spend.value_gbp000 > 0:
                lines[spend.provider].add(spend.service_line)
        if org.kind.is_provider:
            for inc in org.baseline.income_gbp000:
                if inc.service_line is not None and inc.value_gbp000 > 0:
                    lines[org.code].add(inc.service_line)
    return lines


def _check_activity_covers_income(plan: Plan, paid: dict[str, set[ServiceLine]], orgs: _Members) -> list[Problem]:
    problems = []
    for i, org in enumerate(plan.organisations):
        if org.code in orgs.ambiguous:
            continue  # what is paid to this code may be paid to the other organisation using it
        for line in sorted(paid.get(org.code, ()), key=list(ServiceLine).index):
            if org.baseline.activity.get(line, 0) <= 0:
                problems.append(
                    Problem(
                        ("organisations", i, "baseline", "activity"),
                        f"{org.code} is paid for {line.value} but has no {line.value} activity",
                    )
                )
    return problems


def _check_scheme(
    scheme: Scheme,
    loc: Loc,
    orgs: _Members,
    paid: dict[str, set[ServiceLine]],
    years: list[str],
) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.append
    if scheme.size_pct is not None and scheme.size_gbp000 is not None:
        add(Problem((*loc, "size_gbp000"), "give size_pct or size_gbp000, not both"))
    elif scheme.size_pct is None and scheme.size_gbp000 is None:
        add(Problem(loc, "missing: give the scheme's size as size_pct or size_gbp000"))
    elif isinstance(scheme.acts_on, ActsOnLengthOfStay) and scheme.size_gbp000 is not None:
        message = "a length_of_stay scheme's size is size_pct, the fall in bed days per spell"
        add(Problem((*loc, "size_gbp000"), message))
    delivery_years = years[1:]
    problems += _years_within(scheme.phasing_pct, (*loc, "phasing_pct"), delivery_years, "delivery years")
    total = sum(scheme.phasing_pct.values())
    if abs(total - 100) > PHASING_TOLERANCE_PCT:
        add(Problem((*loc, "phasing_pct"), f"phasing adds up to {total:g}%, expected 100%"))
    problems += _years_within(
        scheme.revenue_investment_gbp000, (*loc, "revenue_investment_gbp000"), delivery_years, "delivery years"
    )
    problems += _years_within(scheme.capital_gbp000, (*loc, "capital_gbp000"), years, "years")

    act = scheme.acts_on
    aloc = (*loc, "acts_on")
    if isinstance(act, ActsOnShift | ActsOnAeDowngrade):
        problems += _check_destinations(act, aloc, orgs)
        problems += _check_lead_time(scheme, act.lead_time_years, (*aloc, "lead_time_years"), years)
    if scheme.capacity_removed_from is not None:
        problems += _years_within(
            {scheme.capacity_removed_from: None}, (*loc, "capacity_removed_from"), delivery_years, "delivery years"
        )

    # The rest is checked against what the owner has: not for an owner that is unknown or
    # whose code is used twice.
    owner = orgs.get(scheme.owner)
    if owner is None:
        if scheme.owner not in orgs.ambiguous:
            add(Problem((*loc, "owner"), f"unknown organisation {scheme.owner!r}: not a member of this plan"))
        return problems
    if isinstance(act, ActsOnActivity | ActsOnShift):
        return problems + _check_moved_line(act, owner, aloc, orgs, paid)
    if owner.kind.is_commissioner:
        message = f"a scheme acting on {act.kind.value} must be owned by a provider; {owner.code} is {_a(owner.kind)}"
        return [*problems, Problem((*loc, "owner"), message)]
    b = owner.baseline
    if isinstance(act, ActsOnUnitCost | ActsOnLengthOfStay):
        if act.service_line is not None and act.service_line not in paid[owner.code]:
            add(
                Problem(
                    (*aloc, "service_line"),
                    f"{owner.code} has no {act.service_line.value} activity for this scheme to act on",
                )
            )
    elif isinstance(act, ActsOnCostType):
        if b.expenditure_gbp000.get(act.cost_type, 0) <= 0:
            add(
                Problem(
                    (*aloc, "cost_type"),
                    f"{owner.code} has no {act.cost_type.value} expenditure for this scheme to act on",
                )
            )
    elif isinstance(act, ActsOnIncome):
        if not any(i.source == act.income_source and i.value_gbp000 > 0 for i in b.income_gbp000):
            add(
                Problem(
                    (*aloc, "income_source"),
                    f"{owner.code} has no income from {act.income_source.value} for this scheme to act on",
                )
            )
    elif isinstance(act, ActsOnAeDowngrade):
        sites = {site.code: site for site in (owner.capacity.sites if owner.capacity else [])}
        site = sites.get(act.site)
        if site is None:
            add(Problem((*aloc, "site"), f"{owner.code} has no site {act.site!r} (list it under capacity.sites)"))
        elif not site.type1_ae:
            add(Problem((*aloc, "site"), f"{site.name} has no type 1 A&E department (type1_ae is not set)"))
        if ServiceLine.AE not in paid[owner.code]:
            add(Problem((*loc, "owner"), f"{owner.code} has no A&E activity for this scheme to move"))
    elif isinstance(act, ActsOnWorkforce) and b.expenditure_gbp000.get(CostType.PAY, 0) <= 0:
        add(Problem((*loc, "owner"), f"{owner.code} has no pay expenditure for this scheme to act on"))
    return problems


def _check_moved_line(
    act: ActsOnActivity | ActsOnShift,
    owner: Organisation,
    aloc: Loc,
    orgs: _Members,
    paid: dict[str, set[ServiceLine]],
) -> list[Problem]:
    """An activity or shift scheme acts on a line its owner buys (from the providers it names)
    or is paid for."""
    problems: list[Problem] = []
    add = problems.append
    line = act.service_line
    if owner.kind.is_commissioner:
        spend = [s for s in owner.baseline.spend_gbp000 if s.service_line == line and s.value_gbp000 > 0]
        if not spend:
            add(Problem((*aloc, "service_line"), f"{owner.code} has no {line.value} spend for this scheme to act on"))
        for k, code in enumerate(act.providers):
            if not orgs.known(code):
                add(Problem((*aloc, "providers", k), f"unknown organisation {code!r}: not a member of this plan"))
            elif code not in orgs.ambiguous and not any(s.provider == code for s in spend):
                add(Problem((*aloc, "providers", k), f"{owner.code} buys no {line.value} from {code}"))
        return problems
    if act.providers:
        message = "providers limits a commissioner's scheme; this scheme is owned by a provider"
        add(Problem((*aloc, "providers"), message))
    if line not in paid[owner.code]:
        add(Problem((*aloc, "service_line"), f"{owner.code} has no {line.value} activity for this scheme to act on"))
    return problems


def _check_lead_time(scheme: Scheme, lead: int, loc: Loc, years: list[str]) -> list[Problem]:
    """The receiving service's cost starts ``lead`` years before the activity first moves: it
    must not start in the base year, the actual position, or before it."""
    moves = [t for t, year in enumerate(years) if t > 0 and scheme.phasing_pct.get(year, 0) > 0]
    if not lead or not moves or moves[0] > lead:
        return []
    first = moves[0]
    base = fy_start(years[0])
    starts = fy_label(base + first - lead)
    when = f"{starts}, the base year" if first == lead else f"{starts}, before the base year {years[0]}"
    early = "a year" if lead == 1 else f"{lead} years"
    most = first - 1
    shorter = "give no lead time" if most == 0 else f"give a lead time of at most {most} year{'s' if most > 1 else ''}"
    return [
        Problem(
            loc,
            f"with a lead time of {lead} year{'s' if lead > 1 else ''} the receiving service's cost starts in "
            f"{when}, {early} before the activity first moves ({years[first]}); the base year is the actual "
            f"position and cannot change: phase the scheme from {fy_label(base + lead + 1)} or {shorter}",
        )
    ]


def _check_destinations(
    act: ActsOnShift | ActsOnAeDowngrade, aloc: Loc, orgs: _Members
) -> list[Problem]:
    problems = []
    total = sum(d.share_pct for d in act.to)
    if abs(total - 100) > PHASING_TOLERANCE_PCT:
        problems.append(Problem((*aloc, "to"), f"destination shares add up to {total:g}%, expected 100%"))
    for k, dest in enumerate(act.to):
        target = orgs.get(dest.provider)
        dloc = (*aloc, "to", k)
        if not orgs.known(dest.provider):
            problems.append(
                Problem((*dloc, "provider"), f"unknown organisation {dest.provider!r}: not a member of this plan")
            )
        elif target is not None and not target.kind.is_provider:
            problems.append(Problem((*dloc, "provider"), f"{dest.provider} is {_a(target.kind)}, not a provider"))
        if dest.service_line is not None and dest.service_line not in PROVIDER_LINES:
            problems.append(Problem((*dloc, "service_line"), _not_trust_line(dest.service_line)))
    return problems


def _a(kind: OrgKind) -> str:
    """``ccg`` -> ``a ccg``, ``acute_trust`` -> ``an acute_trust``."""
    return f"{'an' if kind.value[0] in 'aeiou' else 'a'} {kind.value}"


def _not_trust_line(line: ServiceLine) -> str:
    return f"{line.value} is not delivered by trusts; expected one of {_names(PROVIDER_LINES)}"


def _names(lines: frozenset[ServiceLine]) -> str:
    return ", ".join(sorted(line.value for line in lines))


#: Measures whose baseline and trajectory stpkit works out from the plan's beds, activity and staff.
MODELLED_MEASURES = frozenset({Measure.BED_OCCUPANCY_PCT, Measure.STAFF_VACANCY_PCT})
_LOCAL_FIELDS = ("name", "gap", "unit", "better", "baseline", "target")


def _check_indicators(indicators: list[Indicator], years: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.append
    ids = Counter(i.id for i in indicators)
    known = {m.value for m in Measure}
    for k, indicator in enumerate(indicators):
        loc: Loc = ("indicators", k)
        if ids[indicator.id] > 1:
            add(Problem((*loc, "id"), f"indicator id {indicator.id!r} is used more than once"))
        problems += _years_within(indicator.trajectory, (*loc, "trajectory"), years[1:], "projection years")
        if indicator.id not in known:
            for name in _LOCAL_FIELDS:
                if getattr(indicator, name) is None:
                    add(Problem((*loc, name), f"missing: a local indicator needs its {name}"))
            continue
        measure = Measure(indicator.id)
        for name in ("name", "gap", "unit", "better"):
            if getattr(indicator, name) is not None:
                add(Problem((*loc, name), f"{name} of {measure.value} is set by stpkit: leave it out"))
        if measure in MODELLED_MEASURES:
            source = "beds and activity" if measure is Measure.BED_OCCUPANCY_PCT else "staff establishment"
            if indicator.baseline is not None:
                add(Problem((*loc, "baseline"), f"worked out from the plan's {source}: leave it out"))
            if indicator.trajectory:
                add(Problem((*loc, "trajectory"), f"worked out from the plan's {source}: leave it out"))
        if measure is Measure.ELECTIVE_WITHIN_18_WEEKS_PCT and indicator.baseline is None:
            add(Problem((*loc, "baseline"), "missing: give the base-year share of patients waiting under 18 weeks"))
        values = {"baseline": indicator.baseline, "target": indicator.target}
        values.update({f"trajectory.{y}": v for y, v in indicator.trajectory.items()})
        for name, value in values.items():
            if value is not None and not 0 <= value <= 100:
                message = f"{measure.value} is a percentage: expected 0 to 100 (got {value:g})"
                add(Problem((*loc, *name.split(".", 1)), message))
    return problems


def _check_governance(plan: Plan, orgs: _Members) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.append
    governance = plan.governance
    unknown = "unknown organisation {!r}: not a member of this plan"

    signed = Counter(s.organisation for s in governance.sign_off)
    for k, entry in enumerate(governance.sign_off):
        loc: Loc = ("governance", "sign_off", k)
        if not orgs.known(entry.organisation):
            add(Problem((*loc, "organisation"), unknown.format(entry.organisation)))
        elif signed[entry.organisation] > 1:
            add(Problem((*loc, "organisation"), f"{entry.organisation}'s sign-off is given more than once"))
        if entry.status is not SignOffStatus.PENDING and entry.date is None:
            add(Problem((*loc, "date"), f"missing: say when the decision ({entry.status.value}) was taken"))

    scheme_ids = {s.id for s in plan.schemes}
    sites = {site.code for o in plan.organisations if o.capacity for site in o.capacity.sites}
    providers = {o.code for o in plan.organisations if o.kind.is_provider}
    for k, event in enumerate(governance.engagement):
        loc = ("governance", "engagement", k)
        if event.until is not None and event.until < event.date:
            add(Problem((*loc, "until"), f"closes on {event.until} before it opens on {event.date}"))
        for j, code in enumerate(event.covers):
            if code not in scheme_ids | sites | providers:
                add(
                    Problem(
                        (*loc, "covers", j),
                        f"unknown change {code!r}: expected a scheme id, a site code or a provider code of this plan",
                    )
                )

    decision_ids = Counter(d.id for d in governance.decisions)
    for k, decision in enumerate(governance.decisions):
        loc = ("governance", "decisions", k)
        if decision_ids[decision.id] > 1:
            add(Problem((*loc, "id"), f"decision id {decision.id!r} is used more than once"))
        for j, code in enumerate(decision.schemes):
            if code not in scheme_ids:
                add(Problem((*loc, "schemes", j), f"unknown scheme {code!r}: not a scheme of this plan"))
        for j, code in enumerate(decision.organisations):
            if not orgs.known(code):
                add(Problem((*loc, "organisations", j), unknown.format(code)))
        if decision.level is DecisionLevel.ORGANISATION and len(decision.organisations) != 1:
            add(
                Problem(
                    (*loc, "organisations"),
                    "an organisation-level decision names the one member that takes it "
                    f"(found {len(decision.organisations)})",
                )
            )
    return problems

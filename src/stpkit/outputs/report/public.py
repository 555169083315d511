"""What the plan means for you: a plain-English summary for the public, by place and by site.

It says what changes (A&E, beds, community hospitals, care moving between places, new
services), from when, how sure the footprint is, and how to have a say. Every sentence is made
from the plan's data and its results: organisations and sites by name, care in words with its
numbers and units, dates written out. The modellers' own notes (the narrative, the schemes'
descriptions) are written for analysts and are not shown. A change is the plan's own change,
with the plan against without it: growth that would happen anyway is not the plan's."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

import pandas as pd

from stpkit.domain import (
    ActsOnKind,
    CapitalSource,
    DecisionLevel,
    DecisionStatus,
    EngagementKind,
    EvidenceLevel,
    Involvement,
    OrgKind,
    Plan,
    Position,
    SchemeCategory,
    ServiceLine,
    SiteKind,
    StakeholderKind,
)
from stpkit.domain.formatting import money, money_m
from stpkit.domain.plan import ActsOnAeDowngrade, Decision, EngagementEvent, Organisation, Scheme, Site
from stpkit.domain.years import fy_first_day, fy_start
from stpkit.engine.model import PlanResult
from stpkit.outputs.report.html import page, paragraph, section, table
from stpkit.outputs.results import ILLUSTRATIVE_NOTE, activity_table, beds_table, footprint_name, moves_table

#: Each service line as people count it (a plural noun for numbers) and as an amount of care.
LINE_UNITS: dict[ServiceLine, str] = {
    ServiceLine.ELECTIVE: "planned operations and treatments in hospital",
    ServiceLine.NON_ELECTIVE: "emergency admissions",
    ServiceLine.OUTPATIENT: "outpatient appointments",
    ServiceLine.AE: "A&E attendances",
    ServiceLine.URGENT_CARE: "urgent care centre visits",
    ServiceLine.COMMUNITY: "visits and contacts with community health staff",
    ServiceLine.MENTAL_HEALTH: "mental health contacts",
    ServiceLine.SPECIALISED: "specialist hospital treatments",
    ServiceLine.AMBULANCE: "ambulance call-outs",
    ServiceLine.PRIMARY_CARE: "GP services",
    ServiceLine.PRESCRIBING: "prescribing",
    ServiceLine.CONTINUING_CARE: "continuing healthcare",
    ServiceLine.SOCIAL_CARE: "social care",
    ServiceLine.PUBLIC_HEALTH: "public health services",
    ServiceLine.OTHER: "other services",
}

ORG_KIND_WORDS: dict[OrgKind, tuple[str, str]] = {
    OrgKind.CCG: ("clinical commissioning group", "clinical commissioning groups"),
    OrgKind.SPECIALISED_COMMISSIONER: ("specialised commissioner", "specialised commissioners"),
    OrgKind.LOCAL_AUTHORITY: ("council", "councils"),
    OrgKind.ACUTE_TRUST: ("hospital trust", "hospital trusts"),
    OrgKind.COMMUNITY_TRUST: ("community health services provider", "community health services providers"),
    OrgKind.MENTAL_HEALTH_TRUST: ("mental health services provider", "mental health services providers"),
    OrgKind.AMBULANCE_TRUST: ("ambulance trust", "ambulance trusts"),
}

SITE_KIND_WORDS = {
    SiteKind.ACUTE_HOSPITAL: "hospital",
    SiteKind.COMMUNITY_HOSPITAL: "community hospital",
    SiteKind.MENTAL_HEALTH_UNIT: "mental health unit",
    SiteKind.OTHER: "site",
}

EVIDENCE_WORDS = {
    EvidenceLevel.STRONG: "strong",
    EvidenceLevel.MODERATE: "moderate",
    EvidenceLevel.WEAK: "weak",
    EvidenceLevel.NONE: "none",
}

CAPITAL_SOURCE_WORDS = {
    CapitalSource.NONE: "for which no source has been found yet",
    CapitalSource.PROVIDER: "from the organisation's own capital",
    CapitalSource.TRANSFORMATION_FUND: "from the national transformation fund",
    CapitalSource.DISPOSAL: "from selling land or buildings",
    CapitalSource.LOCAL_AUTHORITY: "from a council or housing partner",
    CapitalSource.NATIONAL: "bid for from national capital funds",
}

ENGAGEMENT_WORDS = {
    EngagementKind.PUBLIC_MEETING: "public meeting",
    EngagementKind.WORKSHOP: "workshop",
    EngagementKind.SURVEY: "survey",
    EngagementKind.CITIZENS_PANEL: "citizens' panel",
    EngagementKind.FORMAL_CONSULTATION: "formal public consultation",
    EngagementKind.OTHER: "public engagement",
}

#: The bodies the plan names that speak for local people, and what each is.
PUBLIC_VOICES = {
    StakeholderKind.HEALTHWATCH: "local Healthwatch",
    StakeholderKind.OVERVIEW_AND_SCRUTINY: "council health scrutiny committee",
    StakeholderKind.HEALTH_AND_WELLBEING_BOARD: "health and wellbeing board",
    StakeholderKind.VOLUNTARY_SECTOR: "voluntary and community sector",
}

INVOLVEMENT_WORDS = {
    Involvement.NOT_INVOLVED: "not involved",
    Involvement.INFORMED: "told about the plan",
    Involvement.CONSULTED: "asked for its views",
    Involvement.INVOLVED: "helped to write the plan or decide on it",
}

POSITION_WORDS = {
    Position.SUPPORTS: "supports the plan",
    Position.SUPPORTS_WITH_CONDITIONS: "supports it with conditions",
    Position.CONCERNS: "has concerns",
    Position.OPPOSES: "opposes it",
    Position.NOT_STATED: "has not stated a view",
}

#: Who takes a decision whose body the plan does not name, by its level, before its members' names.
LEVEL_WORDS = {
    DecisionLevel.ORGANISATION: "The board of",
    DecisionLevel.PLACE: "The organisations of one area together:",
    DecisionLevel.FOOTPRINT: "All the plan's organisations together:",
    DecisionLevel.ABOVE_FOOTPRINT: "Bodies beyond this plan's area, with",
}

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

#: Smallest changes the page reports: beds, and care as units and as a share of what it would be.
MIN_BEDS = 5
MIN_UNITS = 100
MIN_SHARE_PCT = 1.0


def date_words(day: date) -> str:
    """``2016-10-21`` -> ``21 October 2016``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _dates(start: date, until: date | None) -> str:
    return f"from {date_words(start)} to {date_words(until)}" if until else f"on {date_words(start)}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _listed(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _a(number: str) -> str:
    """The article before a number as it is said: "an 8% reduction", "an 11% reduction", "a 1.5% reduction"."""
    return "an" if number.startswith("8") or re.match(r"1[18](?!\d)", number) else "a"


def _line(line: ServiceLine | None) -> str:
    return LINE_UNITS[line] if line is not None else "care"


@dataclass
class Change:
    place: str  # the site or organisation it happens at, by name
    year: str  # the year it starts
    what: str  # one sentence, for the timeline
    more: list[str] = field(default_factory=list)  # further sentences, all from the plan and its results


class _Plan:
    """The plan's names and links, for writing about it."""

    def __init__(self, plan: Plan, result: PlanResult):
        self.plan, self.result = plan, result
        self.names = {o.code: o.name for o in plan.organisations}
        self.sites: dict[str, tuple[Site, Organisation]] = {
            s.code: (s, o) for o in plan.organisations if o.capacity for s in o.capacity.sites}
        self.scheme_ids = {s.id for s in plan.schemes}
        self.horizon = result.years[-1]

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def events(self, *codes: str) -> list[EngagementEvent]:
        return [e for e in self.plan.governance.engagement if set(codes) & set(e.covers)]

    def schemes_with(self, code: str) -> set[str]:
        """Schemes discussed with a site or provider at the same public events."""
        return {c for e in self.events(code) for c in e.covers if c in self.scheme_ids}

    def decisions(self, scheme_ids: Iterable[str]) -> list[Decision]:
        wanted = set(scheme_ids)
        return [d for d in self.plan.governance.decisions if wanted & set(d.schemes)]

    def involvement(self, *codes: str, schemes: Iterable[str] = ()) -> list[str]:
        """The public events that discussed ``codes`` (schemes, sites or providers), and the
        decisions on ``schemes``, in sentences."""
        out = []
        events = self.events(*codes)
        if events:
            out.append("Discussed with the public: " + "; ".join(
                f"{e.title} ({ENGAGEMENT_WORDS[e.kind]}{', ' + e.place if e.place else ''}, "
                f"{_dates(e.date, e.until).removeprefix('on ')})" for e in sorted(events, key=lambda e: e.date)) + ".")
        for d in self.decisions(schemes):
            out.append(decision_sentence(d, self.plan, self.names))
        return out

    def delivery_words(self, scheme: Scheme) -> str:
        text = ("How sure the plan is: no evidence yet that this works" if scheme.evidence is EvidenceLevel.NONE
                else f"How sure the plan is: {EVIDENCE_WORDS[scheme.evidence]} evidence that this works")
        if scheme.delivery_pct is not None:
            text += f"; it expects about {scheme.delivery_pct:.0f}% of what it plans to be delivered"
        return text + "."

    def delivery_note(self) -> str:
        """What each level of evidence the plan uses means for delivery, on the national assumptions."""
        levels = [e for e in EvidenceLevel if any(s.evidence is e and _shown(s) for s in self.plan.schemes)]
        if not levels:
            return ""
        means = [f"{EVIDENCE_WORDS[e]} evidence about {self.delivery_mean(e):.0f}%" for e in levels]
        return ("The plan rates the evidence that each change works as strong, moderate, weak or none. On the "
                f"national assumptions used here, changes deliver this much of what is planned: {_listed(means)}.")

    def delivery_mean(self, level: EvidenceLevel) -> float:
        return float(self.result.assumptions.series("delivery_mean_pct", level.value)[0])

    def capital_words(self, scheme: Scheme) -> str:
        total = sum(scheme.capital_gbp000.values())
        if total <= 0:
            return ""
        return (f"It needs {money_m(total)} of capital for buildings and equipment, "
                f"{CAPITAL_SOURCE_WORDS[scheme.capital_source]}.")


def decision_sentence(d: Decision, plan: Plan, names: dict[str, str]) -> str:
    """A decision as taken or still to be taken: its status says which (``planned`` unless the
    plan records it as ``taken``)."""
    who = _decider(d, names)
    who = who[0].lower() + who[1:] if who.startswith("The ") else who
    if d.status is DecisionStatus.TAKEN:
        return f"Decided{' on ' + date_words(d.date) if d.date else ''} by {who}: {d.title}."
    due = f"due {_due(d, plan)}" if d.date else "with no date set"
    return f"Still to be decided by {who}, {due}: {d.title}."


def _decider(d: Decision, names: dict[str, str]) -> str:
    if d.taken_by:
        return d.taken_by
    members = _listed([names.get(c, c) for c in d.organisations])
    return f"{LEVEL_WORDS[d.level]} {members}" if members else "a body the plan does not name"


def _due(d: Decision, plan: Plan) -> str:
    """When a decision still to be taken is due; a date before the plan's first year is said to be."""
    if d.date is None:
        return "no date set"
    if d.date < fy_first_day(plan.base_year):
        return f"{date_words(d.date)}, before the plan began (not recorded as taken)"
    return date_words(d.date)


def _first_year(phasing: dict[str, float]) -> str:
    return min((y for y, v in phasing.items() if v > 0), default="")


def _shown(scheme: Scheme) -> bool:
    """A change people would notice: care that moves or falls, a service reshaped or new. Back
    office savings, cost and income changes and agency staff are not shown."""
    kind = scheme.acts_on.kind
    return kind in (ActsOnKind.ACTIVITY, ActsOnKind.SHIFT, ActsOnKind.AE_DOWNGRADE) or scheme.category in (
        SchemeCategory.NEW_CARE_MODELS, SchemeCategory.PREVENTION, SchemeCategory.SERVICE_RECONFIGURATION)


def _scheme_changes(p: _Plan, moves: pd.DataFrame) -> list[Change]:
    out = []
    for scheme in p.plan.schemes:
        if not _shown(scheme):
            continue
        act = scheme.acts_on
        start = _first_year(scheme.phasing_pct)
        owner = p.name(scheme.owner)
        mine = moves[(moves["scheme"] == scheme.id) & (moves["year"] == p.horizon)] if not moves.empty else moves
        place, more = owner, []
        if act.kind is ActsOnKind.AE_DOWNGRADE:
            place, what, more = _ae_change(p, scheme, act, mine)
        elif act.kind is ActsOnKind.SHIFT:
            what = f"{scheme.name}: care moves from {_listed([p.name(c) for c in act.providers]) or owner} " \
                   f"to {_listed(list(dict.fromkeys(p.name(d.provider) for d in act.to)))}, from {start}."
            more = _moved_words(p, scheme, mine)
        elif act.kind is ActsOnKind.ACTIVITY:
            at = f" at {_listed([p.name(c) for c in act.providers])}" if act.providers else ""
            one_off = "" if scheme.recurrent else "one-off "
            if scheme.size_pct is not None:
                size = f"{scheme.size_pct:g}%"
                aim = f"{'a' if one_off else _a(size)} {one_off}{size} reduction in {_line(act.service_line)}{at}"
            else:
                aim = (f"a {one_off}reduction in {_line(act.service_line)}{at} worth "
                       f"{money(scheme.size_gbp000 or 0)}{'' if one_off else ' a year'} at {p.plan.base_year} prices")
            if scheme.recurrent:
                what = f"{scheme.name}: {owner} aims for {aim} by {p.horizon}, starting in {start}."
            else:
                landing = _listed([y for y, v in scheme.phasing_pct.items() if v > 0])
                what = f"{scheme.name}: {owner} aims for {aim}, in {landing} only."
        else:
            what = f"{scheme.name}: a new or changed service from {owner}, starting in {start}."
        more.append(p.delivery_words(scheme))
        capital = p.capital_words(scheme)
        if capital:
            more.append(capital)
        codes = [scheme.id] + ([act.site] if act.kind is ActsOnKind.AE_DOWNGRADE else [])
        more += p.involvement(*codes, schemes=[scheme.id])
        out.append(Change(place, start, what, more))
    return out


def _ae_destination(p: _Plan, scheme: Scheme, act: ActsOnAeDowngrade, provider: str,
                    line: ServiceLine | None) -> str:
    if line is ServiceLine.URGENT_CARE:
        return f"an urgent care centre run by {p.name(provider)}"
    departments = [s for s, o in p.sites.values() if o.code == provider and s.type1_ae and s.code != act.site]
    if len(departments) == 1:
        return f"the A&E department at {departments[0].name}"
    if provider == scheme.owner:
        return f"another A&E department of {p.name(provider)}"
    return f"an A&E department run by {p.name(provider)}"


def _ae_change(p: _Plan, scheme: Scheme, act: ActsOnAeDowngrade, mine: pd.DataFrame) -> tuple[str, str, list[str]]:
    site, org = p.sites.get(act.site, (None, None))
    site_name = site.name if site else p.name(scheme.owner)
    start = _first_year(scheme.phasing_pct)
    what = f"The major A&E department at {site_name} closes, from {start}."
    seen = mine[mine["from_service_line"] == ServiceLine.AE.value]
    units = {(r.to, r.to_service_line): float(r.units) for r in seen.itertuples()}
    total = sum(units.values())
    parts = []
    for d in act.to:
        line = d.service_line or ServiceLine.AE
        count = units.get((d.provider, line.value), 0.0)
        parts.append(f"{_ae_destination(p, scheme, act, d.provider, line)} ({d.share_pct:.0f}%, {count:,.0f} a year)")
    more = [f"By {p.horizon}, the {total:,.0f} A&E attendances a year it would otherwise see go to: "
            + "; ".join(parts) + "."]
    admitted = float(mine.loc[mine["from_service_line"] == ServiceLine.NON_ELECTIVE.value, "units"].sum())
    if admitted >= 1:
        more.append(f"About {admitted:,.0f} emergency admissions a year that follow these patients are admitted "
                    "at the hospitals they go to instead.")
    if act.lead_time_years and start:
        ready = fy_start(start) - act.lead_time_years
        before = "a year" if act.lead_time_years == 1 else f"{act.lead_time_years} years"
        more.append(f"The services taking these patients are to be ready from {ready}/{(ready + 1) % 100:02d}, "
                    f"{before} before.")
    place = _site_place(site, org) if site and org else site_name
    return place, what, more


def _moved_words(p: _Plan, scheme: Scheme, mine: pd.DataFrame) -> list[str]:
    """How much care a shift moves each year by the final year: what leaves, and what arrives
    where (a unit that leaves may arrive as several, e.g. home visits for an admission)."""
    if mine.empty or scheme.acts_on.kind is not ActsOnKind.SHIFT:
        return []
    per_unit = {(d.provider, (d.service_line or scheme.acts_on.service_line).value): d.units_per_unit
                for d in scheme.acts_on.to}
    parts = []
    for (origin, from_line, to, to_line), units in mine.groupby(
            ["from", "from_service_line", "to", "to_service_line"], sort=False)["units"].sum().items():
        leaving = units / per_unit.get((to, to_line), 1.0)
        if to_line == from_line and abs(leaving - units) < 0.5:
            parts.append(f"{units:,.0f} {LINE_UNITS[ServiceLine(from_line)]} move from {p.name(origin)} to "
                         f"{p.name(to)}")
        else:
            parts.append(f"{leaving:,.0f} {LINE_UNITS[ServiceLine(from_line)]} at {p.name(origin)} are replaced by "
                         f"{units:,.0f} {LINE_UNITS[ServiceLine(to_line)]} at {p.name(to)}")
    return [f"By {p.horizon}, each year: " + "; ".join(parts) + "."]


def _site_place(site: Site, org: Organisation) -> str:
    return f"{site.name} – {org.name}"


def _site_changes(p: _Plan) -> list[Change]:
    out = []
    for site, org in p.sites.values():
        if site.closes is None:
            continue
        what = (f"{site.name}, a {SITE_KIND_WORDS[site.kind]} with {_count(site.beds, 'bed', 'beds')}, closes from "
                f"{site.closes}.")
        more = []
        if site.disposal_receipt_gbp000:
            more.append(f"The site is to be sold, for {money(sum(site.disposal_receipt_gbp000.values()))}.")
        if site.repurposing_income_gbp000:
            yearly = max(site.repurposing_income_gbp000.values())
            more.append(f"The site is to be put to other use, bringing in up to {money(yearly)} a year.")
        more += p.involvement(site.code, schemes=sorted(p.schemes_with(site.code)))
        out.append(Change(_site_place(site, org), site.closes, what, more))
    return out


def _bed_changes(p: _Plan, result: PlanResult) -> list[Change]:
    beds = beds_table(result)
    out = []
    if beds.empty:
        return out
    for code, rows in beds.groupby("organisation", sort=False):
        rows = rows.set_index("year")
        differ = [y for y in result.years
                  if abs(round(rows.loc[y, "beds_with_plan"]) - round(rows.loc[y, "beds_do_nothing"])) >= MIN_BEDS]
        if not differ:
            continue
        last = rows.loc[p.horizon]
        with_plan, without = round(last["beds_with_plan"]), round(last["beds_do_nothing"])
        change = with_plan - without
        if abs(change) < MIN_BEDS:
            continue
        what = (f"{abs(change):,} {'fewer' if change < 0 else 'more'} beds in {p.horizon} than there would be "
                f"without the plan ({with_plan:,} with it, {without:,} without).")
        wards = round(last["wards_removed"])
        if wards > 0:
            what += f" {_count(wards, 'ward closes', 'wards close')}."
        more = []
        if last["occupancy_with_plan_pct"] > last["occupancy_target_pct"] + 0.5:
            more.append(f"On the plan's own figures these beds would be {last['occupancy_with_plan_pct']:.0f}% full, "
                        f"above the {last['occupancy_target_pct']:.0f}% that hospitals aim for.")
        more += p.involvement(code)
        out.append(Change(p.name(code), differ[0], what, more))
    return out


def _care_changes(p: _Plan, result: PlanResult) -> list[Change]:
    """How much care each place gives with the plan against without it, in the final year."""
    activity = activity_table(result)
    out = []
    if activity.empty:
        return out
    activity = activity.assign(change=activity["with_plan"] - activity["do_nothing"])
    for code, rows in activity.groupby("organisation", sort=False):
        parts, first = [], p.horizon
        for line, by_year in rows.groupby("service_line", sort=False):
            by_year = by_year.set_index("year")
            final = by_year.loc[p.horizon]
            change, without = round(final["change"]), final["do_nothing"]
            share = 100 * abs(change) / without if without > 0 else 100.0
            if abs(change) < MIN_UNITS or share < MIN_SHARE_PCT:
                continue
            text = f"{abs(change):,} {'fewer' if change < 0 else 'more'} {LINE_UNITS[ServiceLine(line)]}"
            if without > 0:
                text += f" ({share:.0f}% {'fewer' if change < 0 else 'more'})"
            parts.append(text)
            started = [y for y in result.years if abs(by_year.loc[y, "change"]) >= MIN_UNITS]
            first = min(first, started[0]) if started else first
        if parts:
            out.append(Change(p.name(code), first, f"With the plan, in {p.horizon}: " + "; ".join(parts)
                              + ", against what there would be without it."))
    return out


def changes(plan: Plan, result: PlanResult) -> list[Change]:
    """Every change a member of the public would notice, with where and when."""
    p = _Plan(plan, result)
    moves = moves_table(result)
    found = _scheme_changes(p, moves) + _site_changes(p) + _bed_changes(p, result) + _care_changes(p, result)
    return sorted(found, key=lambda c: (c.place, c.year))


def _organisations_words(plan: Plan) -> str:
    counts: dict[OrgKind, int] = defaultdict(int)
    for org in plan.organisations:
        counts[org.kind] += 1
    return _listed([_count(counts[k], *ORG_KIND_WORDS[k]) for k in OrgKind if counts[k]])


def _money_words(plan: Plan, result: PlanResult, probability_of_balance: float | None) -> str:
    final = result.years[-1]
    dn, wp = float(result.do_nothing[0, -1]), float(result.with_plan[0, -1])
    who = "the organisations in this plan"
    if dn < 0:
        text = f"If nothing changed, {who} would together spend {money_m(-dn)} more than their income in {final}."
    else:
        text = f"If nothing changed, {who} would together have {money_m(dn)} more income than spending in {final}."
    change = wp - dn
    text += (f" The plan's changes would improve that by {money_m(change)}" if change >= 0
             else f" The plan's changes would make that worse by {money_m(-change)}")
    text += f", leaving a gap of {money_m(-wp)}." if wp < 0 else f", leaving {money_m(wp)} to spare."
    if probability_of_balance is not None:
        text += (f" Allowing for how such changes usually go, there is a {100 * probability_of_balance:.0f}% chance "
                 f"that income covers spending in {final}.")
    return text


def _contacts(plan: Plan) -> list[str]:
    """Whom to ask about a plan that names no route: the commissioners that plan and pay for
    its care (its clinical commissioning groups first), else its first organisation."""
    for kinds in ({OrgKind.CCG}, {OrgKind.CCG, OrgKind.SPECIALISED_COMMISSIONER, OrgKind.LOCAL_AUTHORITY}):
        found = [o.name for o in plan.organisations if o.kind in kinds]
        if found:
            return found
    return [plan.organisations[0].name]


def _have_your_say(plan: Plan, names: dict[str, str]) -> str:
    governance = plan.governance
    events = sorted(governance.engagement, key=lambda e: e.date)
    parts = []
    routes = [e for e in events if e.kind is EngagementKind.FORMAL_CONSULTATION] or [e for e in events if e.until]
    if routes:
        parts.append(paragraph("The plan's way to respond to its proposals: " + "; ".join(
            f"{e.title}, a {ENGAGEMENT_WORDS[e.kind]} {_dates(e.date, e.until)}{': ' + e.place if e.place else ''}"
            for e in routes) + "."))
    if events:
        parts.append(table(
            ("When", "What", "Kind", "Where or how", "People taking part"),
            [(_dates(e.date, e.until).removeprefix("on ").removeprefix("from "), e.title, ENGAGEMENT_WORDS[e.kind],
              e.place or "not stated", f"{e.participants:,}" if e.participants is not None else "not stated")
             for e in events],
            caption="Public meetings, surveys and consultations the plan lists",
        ))
    else:
        contacts = _contacts(plan)
        who = (f"The organisation that plans and pays for care here is {contacts[0]}: it is the one to ask"
               if len(contacts) == 1 else
               f"The organisations that plan and pay for care here are {_listed(contacts)}: they are the ones to ask")
        parts.append(paragraph(f"The plan does not say how people can respond to it or whom to contact. {who} "
                               "about it."))
    voices = [s for s in governance.stakeholders if s.kind in PUBLIC_VOICES]
    if voices:
        parts.append(table(
            ("Body", "What it is", "Its part in the plan", "Its view"),
            [(s.name, PUBLIC_VOICES[s.kind], INVOLVEMENT_WORDS[s.involvement], POSITION_WORDS[s.position])
             for s in voices],
            caption="Bodies that speak for local people, as the plan lists them: you can give them your views too",
        ))
    taken = sorted((d for d in governance.decisions if d.status is DecisionStatus.TAKEN),
                   key=lambda d: d.date or date.max)
    still = sorted((d for d in governance.decisions if d.status is not DecisionStatus.TAKEN),
                   key=lambda d: d.date or date.max)
    if taken:
        parts.append(table(("Date", "Decision", "Taken by"),
                           [(date_words(d.date) if d.date else "not stated", d.title, _decider(d, names))
                            for d in taken],
                           caption="Decisions already taken"))
    if still:
        parts.append(table(("Due", "Decision", "To be taken by"),
                           [(_due(d, plan), d.title, _decider(d, names)) for d in still],
                           caption="Decisions still to be taken"))
    if not governance.decisions:
        parts.append(paragraph("The plan does not list the decisions it depends on."))
    return section("How to have your say", *parts)


def _where_care_moves(p: _Plan, result: PlanResult) -> str:
    moves = moves_table(result)
    if moves.empty:
        return ""
    final = moves[moves["year"] == p.horizon].groupby(
        ["scheme", "from", "to", "from_service_line", "to_service_line"], sort=False)["units"].sum()
    schemes = {s.id: s for s in p.plan.schemes}
    rows = []
    for (scheme_id, origin, to, from_line, to_line), units in final.items():
        if units < 0.5:
            continue
        care = f"{units:,.0f} {LINE_UNITS[ServiceLine(to_line)]}"
        if to_line != from_line:
            care += f", instead of {LINE_UNITS[ServiceLine(from_line)]}"
        rows.append((*_ends(p, schemes[scheme_id], origin, to, ServiceLine(to_line)), care))
    if not rows:
        return ""
    return section("Where care moves", table(
        ("From", "To", f"Each year by {p.horizon}"), rows,
        caption=f"Care that moves between places each year by {p.horizon}, as the plan expects"))


def _ends(p: _Plan, scheme: Scheme, origin: str, to: str, to_line: ServiceLine) -> tuple[str, str]:
    """Where care moves from and to, by site where the plan says: an A&E department that closes
    is its site, and patients going to its trust's one other major A&E go to that site."""
    act = scheme.acts_on
    if act.kind is not ActsOnKind.AE_DOWNGRADE or act.site not in p.sites:
        return p.name(origin), p.name(to)
    site, org = p.sites[act.site]
    others = [s for s, o in p.sites.values() if o.code == to and s.type1_ae and s.code != act.site]
    arrives = (_site_place(others[0], p.plan.organisation(to))
               if to_line is ServiceLine.AE and len(others) == 1 else p.name(to))
    return _site_place(site, org), arrives


def public_parts(plan: Plan, result: PlanResult, probability_of_balance: float | None = None) -> dict[str, str]:
    """Each section of the public summary under its own heading, by key: about, near_you, when,
    moves and have_your_say (a part with nothing to show is left out). The page joins them; the
    web service's publication shows them inside its own pages."""
    name = footprint_name(result)
    years = result.years
    p = _Plan(plan, result)
    found = changes(plan, result)
    moved = _where_care_moves(p, result)
    horizon = fy_start(years[-1])
    parts = {"about": section(
        "About this plan",
        paragraph(f"{len(plan.organisations)} organisations in {name} have written a plan for health and care from "
                  f"{years[0]} to {years[-1]}: {_organisations_words(plan)}."),
        paragraph(f"Years run from April to March: {years[-1]} is April {horizon} to March {horizon + 1}."),
        paragraph(_money_words(plan, result, probability_of_balance)),
        paragraph(f"Below: the {_count(len(found), 'change', 'changes')} people would notice, place by place; "
                  f"when each starts; {'where care moves; ' if moved else ''}and how to have your say." if found else
                  "The plan makes no change to local services that people would notice. Below: how to have "
                  "your say."),
    )}
    by_place: dict[str, list[Change]] = defaultdict(list)
    for change in found:
        by_place[change.place].append(change)
    places = []
    for place, items in by_place.items():
        entries = "".join(
            f"<li><strong>From {escape(c.year)}:</strong> {escape(c.what)}"
            + (f"<ul>{''.join(f'<li>{escape(m)}</li>' for m in c.more)}</ul>" if c.more else "") + "</li>"
            for c in items)
        places.append(f"<h3>{escape(place)}</h3><ul>{entries}</ul>")
    note = p.delivery_note()
    parts["near_you"] = section("What changes near you", *([paragraph(note)] if note and places else []), *(places or [
        paragraph("The plan does not change any local services people would notice.")]))
    if found:
        parts["when"] = section("When", table(
            ("Year", "Where", "What changes"),
            [(c.year, c.place, c.what) for c in sorted(found, key=lambda c: (c.year, c.place))],
            caption="Every change, by the year it starts"))
    if moved:
        parts["moves"] = moved
    parts["have_your_say"] = _have_your_say(plan, p.names)
    return parts


def public_summary(plan: Plan, result: PlanResult, probability_of_balance: float | None = None) -> str:
    """The public summary as one self-contained page: its parts (``public_parts``) joined."""
    name = footprint_name(result)
    years = result.years
    banner = ILLUSTRATIVE_NOTE if plan.illustrative else None
    footer = ("Produced by stpkit from the plan's own figures. Contains public sector information licensed under "
              "the Open Government Licence v3.0.")
    return page(f"What the {name} plan means for you", f"Health and care, {years[0]} to {years[-1]}",
                public_parts(plan, result, probability_of_balance).values(), banner=banner, footer=footer)

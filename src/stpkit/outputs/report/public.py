"""What the plan means for you: a plain-English summary for the public, by place and by site.

It says what changes (beds, A&E, community hospitals, care moving out of hospital, new
services), when, why, how sure the footprint is, and how to have a say. Money is kept to one
paragraph; the figures are the same as the footprint report's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

from stpkit.domain import ActsOnKind, Plan, SchemeCategory, ServiceLine
from stpkit.domain.formatting import money_m
from stpkit.engine.model import PlanResult
from stpkit.outputs.report.html import page, paragraph, section, table
from stpkit.outputs.results import ILLUSTRATIVE_NOTE, beds_table, footprint_name, moves_table

EVIDENCE_WORDS = {
    "strong": "strong evidence: it has worked here or in well-run trials elsewhere",
    "moderate": "some evidence: it has worked in similar places",
    "weak": "little evidence so far: it is a reasonable idea that has not yet been shown to work",
    "none": "no evidence yet: it is new and untested",
}

LINE_WORDS = {
    ServiceLine.ELECTIVE: "planned operations",
    ServiceLine.NON_ELECTIVE: "emergency hospital stays",
    ServiceLine.OUTPATIENT: "outpatient appointments",
    ServiceLine.AE: "A&E visits",
    ServiceLine.URGENT_CARE: "urgent care visits",
    ServiceLine.COMMUNITY: "community health visits",
    ServiceLine.MENTAL_HEALTH: "mental health care",
    ServiceLine.SPECIALISED: "specialist hospital care",
}


@dataclass(frozen=True)
class Change:
    place: str  # the organisation or site it happens at
    year: str  # when it starts
    what: str  # in plain English
    why: str
    evidence: str


def _first_year(phasing: dict[str, float]) -> str:
    return min((y for y, v in phasing.items() if v > 0), default="")


def _line_words(line: ServiceLine | None) -> str:
    return LINE_WORDS.get(line, line.value.replace("_", " ")) if line is not None else "services"


def changes(plan: Plan, result: PlanResult) -> list[Change]:
    """Every change a member of the public would notice, with where and when."""
    names = {o.code: o.name for o in plan.organisations}
    sites = {s.code: (s, o) for o in plan.organisations if o.capacity for s in o.capacity.sites}
    out: list[Change] = []
    for scheme in plan.schemes:
        act = scheme.acts_on
        start = _first_year(scheme.phasing_pct)
        why = scheme.description or scheme.name
        evidence = EVIDENCE_WORDS[scheme.evidence.value]
        if act.kind is ActsOnKind.AE_DOWNGRADE:
            site, org = sites.get(act.site, (None, None))
            place = site.name if site else names.get(scheme.owner, scheme.owner)
            going = ", ".join(f"{names.get(d.provider, d.provider)} ({d.share_pct:.0f}%)" for d in act.to)
            out.append(Change(place, start, f"The A&E department at {place} stops taking the most serious "
                              f"emergencies; it becomes an urgent care service. Patients who need a full A&E "
                              f"will go to {going or 'other hospitals'}.", why, evidence))
        elif act.kind is ActsOnKind.SHIFT:
            going = ", ".join(f"{names.get(d.provider, d.provider)}" for d in act.to)
            origin = ", ".join(names.get(p, p) for p in act.providers) or names.get(scheme.owner, scheme.owner)
            out.append(Change(origin, start, f"Some {_line_words(act.service_line)} move out of hospital to "
                              f"{going or 'community services'}: about {scheme.size_pct or 0:.0f}% of them by "
                              f"{plan.horizon}.", why, evidence))
        elif scheme.category in (SchemeCategory.NEW_CARE_MODELS, SchemeCategory.PREVENTION) or (
            scheme.revenue_investment_gbp000 and scheme.category is not SchemeCategory.EFFICIENCY
        ):
            out.append(Change(names.get(scheme.owner, scheme.owner), start, f"New or changed service: {scheme.name}.",
                              why, evidence))
        elif act.kind is ActsOnKind.ACTIVITY and scheme.category is SchemeCategory.DEMAND_MANAGEMENT:
            out.append(Change(names.get(scheme.owner, scheme.owner), start,
                              f"Fewer {_line_words(act.service_line)} should be needed: {scheme.name}.", why,
                              evidence))
    for site, org in sites.values():
        if site.closes is not None:
            reuse = " The site will be used for other purposes." if site.repurposing_income_gbp000 else ""
            out.append(Change(site.name, site.closes, f"{site.name} ({site.kind.value.replace('_', ' ')}, "
                              f"{site.beds} beds) closes.{reuse}", f"Part of {org.name}'s plans.", ""))
    beds = beds_table(result)
    if not beds.empty:
        first, last = result.years[0], result.years[-1]
        for code, rows in beds.groupby("organisation", sort=False):
            start = float(rows.loc[rows["year"] == first, "beds_do_nothing"].iloc[0])
            end = float(rows.loc[rows["year"] == last, "beds_with_plan"].iloc[0])
            if abs(end - start) >= 5:
                direction = "fewer" if end < start else "more"
                over = rows.loc[rows["year"] == last, "occupancy_with_plan_pct"].iloc[0]
                target = rows.loc[rows["year"] == last, "occupancy_target_pct"].iloc[0]
                warning = (f" With the plan's own figures those beds would be {over:.0f}% full, above the "
                           f"{target:.0f}% that hospitals aim for." if over > target + 0.5 else "")
                out.append(Change(names[code], last, f"About {abs(end - start):,.0f} {direction} beds by {last} "
                                  f"({start:,.0f} now, {end:,.0f} then).{warning}",
                                  "Beds follow the care people need in hospital.", ""))
    return sorted(out, key=lambda c: (c.place, c.year))


def _money_words(result: PlanResult, probability_of_balance: float | None) -> str:
    final = result.years[-1]
    text = (
        f"Money: if nothing changed, the local NHS would be {money_m(-result.do_nothing[0, -1])} short in {final}. "
        f"The plan aims to close {money_m(result.with_plan[0, -1] - result.do_nothing[0, -1])} of that."
    )
    if probability_of_balance is not None:
        text += (
            f" On realistic assumptions about how such plans go, there is a {100 * probability_of_balance:.0f}% "
            "chance that it balances the books."
        )
    return text


def public_summary(plan: Plan, result: PlanResult, probability_of_balance: float | None = None) -> str:
    name = footprint_name(result)
    years = result.years
    banner = ILLUSTRATIVE_NOTE if plan.illustrative else None
    found = changes(plan, result)
    intro = section(
        "About this plan",
        paragraph(f"The NHS organisations and councils in {name} have written a plan for health and care from "
                  f"{years[0]} to {years[-1]}. This page explains what would change, where and when, why, how "
                  "sure they are that it will work, and how you can have your say."),
        paragraph(plan.narrative) if plan.narrative else "",
        paragraph(_money_words(result, probability_of_balance)),
    )
    by_place: dict[str, list[Change]] = defaultdict(list)
    for change in found:
        by_place[change.place].append(change)
    places = []
    for place, items in by_place.items():
        rows = [(c.year or "–", c.what, c.why, c.evidence or "–") for c in items]
        places.append(f"<h3>{escape(place)}</h3>" + table(("From", "What changes", "Why", "How sure they are"), rows))
    near_you = section("What changes near you", *(places or [paragraph("The plan does not change any local "
                                                                       "services people would notice.")]),
                       banner=banner)
    timeline = section("When", table(("Year", "Where", "What changes"),
                                     [(c.year or "–", c.place, c.what) for c in sorted(found, key=lambda c: c.year)]))
    moves = moves_table(result)
    moved = ""
    if not moves.empty:
        final = moves[moves["year"] == years[-1]].groupby(["from", "to", "to_service_line"], sort=False)["units"].sum()
        moved = table(("From", "To", "Care", f"Each year by {years[-1]}"),
                      [(f, t, line.replace("_", " "), f"{units:,.0f}") for (f, t, line), units in final.items()])
    care = section("Where care moves", paragraph("Care that moves from hospitals to other places, as the plan "
                                                 "expects it:"), moved) if moved else ""
    engagement = plan.governance.engagement
    say = [paragraph("You can tell the NHS what you think. Local Healthwatch, your GP practice's patient group "
                     "and your local council's health scrutiny committee can also help you have your say.")]
    if engagement:
        say.append(table(("When", "Until", "What", "Where or how"),
                         [(str(e.date), str(e.until) if e.until else "–", e.title, e.place or "–")
                          for e in sorted(engagement, key=lambda e: e.date)],
                         caption="Public meetings, surveys and consultations"))
    decisions = [d for d in plan.governance.decisions if d.date is not None]
    if decisions:
        say.append(table(("When", "Decision", "Who decides"),
                         [(str(d.date), d.title, d.taken_by or d.level.value.replace("_", " ")) for d in decisions],
                         caption="Decisions still to be taken, and who takes them"))
    have_your_say = section("How to have your say", *say)
    footer = ("Produced by stpkit from the plan's own figures. Contains public sector information licensed under "
              "the Open Government Licence v3.0.")
    return page(f"What the {name} plan means for you", f"Health and care, {years[0]} to {years[-1]}",
                [intro, near_you, timeline, care, have_your_say], banner=banner, footer=footer)

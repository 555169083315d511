"""Rules on who agreed the plan and who was asked: sign-off by the members, local government,
GPs and the clinical senate, the public, and the level at which decisions are taken."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stpkit.assurance import sources as src
from stpkit.assurance.core import Context, Finding, Rule, listed, rule
from stpkit.domain import (
    ActsOnKind,
    DecisionLevel,
    OrgKind,
    Severity,
    SignOffStatus,
    StakeholderKind,
    fy_first_day,
)


@dataclass(frozen=True)
class MajorChange:
    """A change the public notices: an A&E department downgraded, a site closed, wards closed."""

    label: str  # e.g. "the downgrade of Ealing Hospital's A&E department (NWL-EAL-AE)"
    subject: str  # the scheme id, site code or provider code
    year: str  # the first year it takes effect
    codes: frozenset[str]  # codes an engagement event may name in ``covers`` to discuss it


def major_changes(ctx: Context) -> list[MajorChange]:
    plan, beds = ctx.plan, ctx.result.beds
    ward = ctx.result.assumptions.series("ward_size_beds")
    changes = []
    for scheme in plan.schemes:
        if scheme.acts_on.kind is not ActsOnKind.AE_DOWNGRADE:
            continue
        start = ctx.first_year(scheme.phasing_pct)
        owner = plan.organisation(scheme.owner)
        site = (
            next((s for s in owner.capacity.sites if s.code == scheme.acts_on.site), None) if owner.capacity else None
        )
        name = site.name if site else scheme.acts_on.site
        changes.append(
            MajorChange(
                f"the downgrade of {name}'s A&E department ({scheme.id})",
                scheme.id,
                ctx.years[start if start is not None else 1],
                frozenset({scheme.id, scheme.acts_on.site}),
            )
        )
    for o, org in enumerate(plan.organisations):
        for site in org.capacity.sites if org.capacity else []:
            if site.closes is not None:
                changes.append(
                    MajorChange(
                        f"the closure of {site.name} ({org.code})", site.code, site.closes, frozenset({site.code})
                    )
                )
        # The wards the plan closes are those its beds give up, whether or not the activity
        # still needs them (the engine's wards_removed counts only beds really freed).
        wards = np.floor(np.maximum(beds.beds_do_nothing[0, :, o] - beds.beds_with_plan[0, :, o], 0.0) / ward + 1e-9)
        if wards[-1] > 0:
            first = next(t for t in range(len(ctx.years)) if wards[t] > 0)
            changes.append(
                MajorChange(
                    f"closing {wards[-1]:,.0f} ward{'s' if wards[-1] > 1 else ''} at {ctx.org_label(o)}",
                    org.code,
                    ctx.years[first],
                    frozenset({org.code}),
                )
            )
    return changes


@rule(
    "A21",
    "A major service change with no public engagement before it",
    Severity.ERROR,
    why="""Commissioners have a legal duty to involve the public in changes to services, and
    strong public and patient engagement is the first of the tests NHS England applies to any
    reconfiguration. Downgrading an A&E department, closing a hospital or closing wards without
    first engaging the people who use them invites challenge, delay and judicial review.""",
    references=(src.NHSE_SERVICE_CHANGE, src.NHS_ACT_DUTY_TO_INVOLVE, src.NHSE_ENGAGING_LOCAL_PEOPLE),
    reports=("engagement_events", "events_before_change"),
)
def major_change_without_engagement(ctx: Context, me: Rule) -> list[Finding]:
    findings = []
    events = ctx.plan.governance.engagement
    for change in major_changes(ctx):
        covering = [e for e in events if change.codes & set(e.covers)]
        before = [e for e in covering if e.date < fy_first_day(change.year)]
        if before:
            continue
        if covering:
            first = min(e.date for e in covering)
            what = f"is put to the public only from {first.isoformat()}, after it takes effect"
        else:
            what = "has no public engagement recorded (no event covers it)"
        findings.append(
            me.finding(
                f"{change.label[0].upper()}{change.label[1:]}, from {change.year}, {what}.",
                {"engagement_events": len(covering), "events_before_change": 0},
                subject=change.subject,
                year=change.year,
            )
        )
    return findings


@rule(
    "A22",
    "A major service change with no clinical senate review",
    Severity.WARNING,
    why="""A clear clinical evidence base is one of NHS England's tests for service change, and
    the clinical senates give the independent clinical review of proposals for major change.
    A plan that downgrades or closes services without that review has not shown the change is
    safe for patients.""",
    references=(src.NHSE_SERVICE_CHANGE,),
    reports=("major_changes",),
)
def major_change_without_senate(ctx: Context, me: Rule) -> list[Finding]:
    changes = major_changes(ctx)
    reviewed = any(
        s.kind is StakeholderKind.CLINICAL_SENATE and s.involvement.took_part for s in ctx.plan.governance.stakeholders
    )
    if not changes or reviewed:
        return []
    return [
        me.finding(
            f"No clinical senate has reviewed {listed([c.label for c in changes])}.",
            {"major_changes": len(changes)},
            year=min(c.year for c in changes),
        )
    ]


def _partner_counts(ctx: Context) -> dict[str, int]:
    """Local authorities (members, or stakeholders that took part), and health and wellbeing
    boards and local medical committees that took part."""
    stakeholders = ctx.plan.governance.stakeholders

    def took_part(kind: StakeholderKind) -> int:
        return sum(s.kind is kind and s.involvement.took_part for s in stakeholders)

    return {
        "local_authorities": took_part(StakeholderKind.LOCAL_AUTHORITY)
        + sum(o.kind is OrgKind.LOCAL_AUTHORITY for o in ctx.plan.organisations),
        "health_and_wellbeing_boards": took_part(StakeholderKind.HEALTH_AND_WELLBEING_BOARD),
        "local_medical_committees": took_part(StakeholderKind.LOCAL_MEDICAL_COMMITTEE),
    }


def _sign_off(ctx: Context) -> tuple[dict[str, SignOffStatus], dict[str, int]]:
    status = {s.organisation: s.status for s in ctx.plan.governance.sign_off}
    members = [o.code for o in ctx.plan.organisations]
    counts = {
        "members": len(members),
        "signed_off": sum(status.get(code) is SignOffStatus.SIGNED_OFF for code in members),
        "declined": sum(status.get(code) is SignOffStatus.DECLINED for code in members),
    }
    return status, counts


@rule(
    "A23",
    "A member organisation has declined to sign up to the plan",
    Severity.ERROR,
    why="""A footprint has no statutory powers: its plan is delivered only by its members'
    boards, governing bodies and councils. A member that has declined to sign up will not deliver
    its part, and any scheme it owns or pays for is in doubt.""",
    references=(src.KINGS_FUND_STPS_IN_PRACTICE, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("members", "signed_off", "declined"),
    on_records=True,
)
def member_declined(ctx: Context, me: Rule) -> list[Finding]:
    status, counts = _sign_off(ctx)
    findings = []
    for o, org in enumerate(ctx.plan.organisations):
        if status.get(org.code) is not SignOffStatus.DECLINED:
            continue
        entry = next(s for s in ctx.plan.governance.sign_off if s.organisation == org.code)
        when = f" on {entry.date.isoformat()}" if entry.date else ""
        owned = [s.id for s in ctx.plan.schemes if s.owner == org.code]
        schemes = f"; it owns {listed(owned)}" if owned else ""
        findings.append(
            me.finding(
                f"{ctx.org_label(o)} declined to sign up to the plan{when}{schemes}.",
                counts,
                subject=org.code,
            )
        )
    return findings


@rule(
    "A24",
    "A member organisation has not yet signed up to the plan",
    Severity.WARNING,
    why="""Sign-off by each member's board or governing body is what turns a footprint's plan
    into commitments. Where a member's decision is pending or not recorded, the centre cannot
    tell whether the schemes it owns or pays for will happen.""",
    references=(src.KINGS_FUND_STPS_IN_PRACTICE,),
    reports=("members", "signed_off", "declined", "not_signed"),
    on_records=True,
)
def member_not_signed(ctx: Context, me: Rule) -> list[Finding]:
    status, counts = _sign_off(ctx)
    findings = []
    for wanted, what in ((SignOffStatus.PENDING, "its decision is pending"), (None, "no decision is recorded")):
        codes = [o.code for o in ctx.plan.organisations if status.get(o.code) is wanted]
        if not codes:
            continue
        if len(codes) == 1:
            who = ctx.org_label(ctx.org_index[codes[0]])
            message = f"{who} has not signed up to the plan: {what}."
        else:
            what = "their decisions are pending" if wanted is SignOffStatus.PENDING else "no decision is recorded"
            message = (
                f"{len(codes)} of the {counts['members']} members have not signed up ({', '.join(codes)}): {what}."
            )
        findings.append(me.finding(message, {**counts, "not_signed": len(codes)}, subject=", ".join(codes)))
    return findings


@rule(
    "A25",
    "Local government or GPs left out",
    Severity.WARNING,
    why="""Plans were to cover social care and public health and reflect the local health and
    wellbeing strategies, agreed through the health and wellbeing boards; in 2016 many
    councils said they had been involved late or not at all. GPs, through their local medical
    committees, deliver much of the care that is meant to move out of hospital.""",
    references=(src.KINGS_FUND_STPS_IN_PRACTICE, src.NHSE_PLANNING_GUIDANCE),
    reports=("local_authorities", "health_and_wellbeing_boards", "local_medical_committees"),
    on_records=True,
)
def partners_left_out(ctx: Context, me: Rule) -> list[Finding]:
    counts = _partner_counts(ctx)
    labels = {
        "local_authorities": "no local authority is a member or was consulted",
        "health_and_wellbeing_boards": "no health and wellbeing board was consulted",
        "local_medical_committees": "no local medical committee was consulted",
    }
    missing = listed([labels[k] for k, v in counts.items() if v == 0])
    if not missing:
        return []
    return [me.finding(f"{missing[0].upper()}{missing[1:]} on the plan.", counts)]


@rule(
    "A26",
    "The public left out",
    Severity.WARNING,
    why="""NHS England asked every footprint to involve patients and the public in shaping its
    plan, and the statutory members have duties to involve them. Plans drawn up behind closed
    doors lost public trust in 2016; a plan with no public engagement before it starts has not
    heard from the people it changes services for.""",
    references=(src.NHSE_ENGAGING_LOCAL_PEOPLE, src.NHS_ACT_DUTY_TO_INVOLVE),
    reports=("engagement_events", "events_before_plan"),
    on_records=True,
)
def public_left_out(ctx: Context, me: Rule) -> list[Finding]:
    events = ctx.plan.governance.engagement
    start = fy_first_day(ctx.years[1])
    if any(e.date < start for e in events):
        return []
    if events:
        message = (
            f"The plan's {len(events)} public engagement event{'s' if len(events) > 1 else ''} all take place after "
            f"it starts in {ctx.years[1]}."
        )
    else:
        message = "The plan records no public engagement at all."
    return [me.finding(message, {"engagement_events": len(events), "events_before_plan": 0})]


#: Levels at which a change that moves care between organisations can be decided jointly.
JOINT_LEVELS = frozenset({DecisionLevel.PLACE, DecisionLevel.FOOTPRINT, DecisionLevel.ABOVE_FOOTPRINT})


@rule(
    "A27",
    "Care moves between organisations with no joint decision recorded",
    Severity.WARNING,
    why="""A footprint's members remain separately accountable, so a change that moves patients
    from one organisation to others cannot be decided by any one of them: it needs a decision
    at place or footprint level, such as CCGs' committees in common or a joint committee. Plans
    that did not say where such decisions would be taken left them to no one.""",
    references=(src.KINGS_FUND_STPS_IN_PRACTICE, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("organisations",),
    on_records=True,
)
def cross_organisation_without_decision(ctx: Context, me: Rule) -> list[Finding]:
    decisions = ctx.plan.governance.decisions
    findings = []
    for scheme in ctx.plan.schemes:
        act = scheme.acts_on
        if act.kind not in (ActsOnKind.SHIFT, ActsOnKind.AE_DOWNGRADE):
            continue
        others = sorted({d.provider for d in act.to} - {scheme.owner})
        if not others:
            continue
        if any(scheme.id in d.schemes and d.level in JOINT_LEVELS for d in decisions):
            continue
        findings.append(
            me.finding(
                f"{scheme.id} ({scheme.name}) moves care from {scheme.owner} to {listed(others)}, but no decision at "
                "place or footprint level is recorded for it.",
                {"organisations": len(others) + 1},
                subject=scheme.id,
            )
        )
    return findings


def governance_parts(ctx: Context) -> dict[str, float]:
    """The four parts of the governance score, each 0 to 1: members signed off; local
    government, health and wellbeing boards and local medical committees that took part;
    major changes engaged on before they happen (or, with none, any engagement before the plan
    starts); changes between organisations with a joint decision (1 with none)."""
    plan = ctx.plan
    governance = plan.governance
    _, counts = _sign_off(ctx)
    took_part = sum(v > 0 for v in _partner_counts(ctx).values())
    changes = major_changes(ctx)
    if changes:
        engaged = sum(
            any(c.codes & set(e.covers) and e.date < fy_first_day(c.year) for e in governance.engagement)
            for c in changes
        )
        public = engaged / len(changes)
    else:
        public = 1.0 if any(e.date < fy_first_day(ctx.years[1]) for e in governance.engagement) else 0.0
    moving = [
        s
        for s in plan.schemes
        if s.acts_on.kind in (ActsOnKind.SHIFT, ActsOnKind.AE_DOWNGRADE)
        and {d.provider for d in s.acts_on.to} - {s.owner}
    ]
    decided = sum(any(s.id in d.schemes and d.level in JOINT_LEVELS for d in governance.decisions) for s in moving)
    return {
        "signed_off": counts["signed_off"] / counts["members"],
        "partners": took_part / 3,
        "public": public,
        "decisions": decided / len(moving) if moving else 1.0,
    }

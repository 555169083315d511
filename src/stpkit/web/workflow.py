"""The assurance cycle: ``act`` is the one way a plan changes state. It looks the move up in the
transition table (``transitions.MOVES``), checks the user's role through the access path, and
makes the move as a compare-and-swap on the plan's state and step, so that of two people acting
on the same page at once exactly one wins and the other is told what happened meanwhile. Every
move writes one ``Transition`` and one audit row, and emails the people it concerns."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from stpkit.domain.enums import SignOffStatus
from stpkit.web import audit, notify, transitions
from stpkit.web.access import may
from stpkit.web.models import Plan, Publication, Review, Revision, Round, Transition
from stpkit.web.revisions import revision_plan


class NotAllowed(PermissionDenied):
    """The user's roles do not allow the action on this plan, or the table has no such move."""


class NotReady(Exception):
    """The move is allowed but something it needs is missing (a sign-off, a reason)."""


class Conflict(Exception):
    """Someone else moved the plan after the page the user acted on was shown: nothing was done."""

    def __init__(self, plan: Plan, seen_step: int):
        meanwhile = list(Transition.objects.filter(plan=plan, step__gt=seen_step).select_related("actor"))
        if meanwhile:
            told = "; ".join(
                f"{t.actor.get_username()} {transitions.DONE.get(t.action, t.action)} it at "
                f"{timezone.localtime(t.when):%H:%M on %d %B %Y}"
                for t in meanwhile
            )
            text = f"this plan changed while you were looking: {told}. It is now {_state_label(plan)}"
        else:
            text = f"this plan is now {_state_label(plan)}"
        super().__init__(f"Nothing was done: {text}.")
        self.meanwhile = meanwhile


def _state_label(plan: Plan) -> str:
    current = Plan.objects.get(pk=plan.pk)
    return current.get_state_display().lower()


def sign_off_missing(revision: Revision) -> list[str]:
    """The members of the plan whose board has not signed it off (none: the section is complete)."""
    plan = revision_plan(revision)
    status = {entry.organisation: entry.status for entry in plan.governance.sign_off}
    return [
        f"{org.name} ({org.code}): {status[org.code].value.replace('_', ' ') if org.code in status else 'not recorded'}"
        for org in plan.organisations
        if status.get(org.code) is not SignOffStatus.SIGNED_OFF
    ]


def current_round(today: date | None = None) -> Round | None:
    """The round a submission made ``today`` belongs to: the open round due soonest, else the
    latest round that has opened (a late submission), else none."""
    today = today or timezone.localdate()
    opened = Round.objects.filter(opens__lte=today)
    return opened.filter(due__gte=today).order_by("due", "pk").first() or opened.order_by("-due", "-pk").first()


def latest_revision(plan: Plan) -> Revision | None:
    return plan.revisions.filter(number=plan.version).first()


def open_review(plan: Plan) -> Review | None:
    """The plan's latest review (the one a return, an agreement or a reopening acts on)."""
    return plan.reviews.order_by("-opened", "-pk").first()


def submitted_revision(plan: Plan) -> tuple[Revision | None, Round | None]:
    """The revision of the plan's latest submission and its round."""
    last = plan.transitions.filter(action=transitions.SUBMIT).order_by("-step").first()
    return (last.revision, last.round) if last else (None, None)


def act(user, plan: Plan, action: str, seen_step: int, reason: str = "") -> Transition:
    """Do ``action`` to ``plan`` for ``user``, if the plan is still at ``seen_step`` (the step the
    user's page showed). Raises NotAllowed, NotReady or Conflict, and then nothing is done."""
    plan = Plan.objects.select_related("footprint").get(pk=plan.pk)
    if plan.step != seen_step:
        raise Conflict(plan, seen_step)
    if action not in transitions.ACTIONS:
        raise NotAllowed(f"there is no such action: {action!r}")
    move = transitions.move(plan.state, action)
    if move is None:
        raise NotAllowed(
            f"{transitions.LABELS[action]}: not possible while the plan is {plan.get_state_display().lower()}"
        )
    if not may(user, plan, action):
        # The check reads the plan's state as it is now: if someone moved it meanwhile, that is
        # what the user must be told, not that their role does not allow the move.
        if Plan.objects.filter(pk=plan.pk).values_list("step", flat=True).get() != seen_step:
            raise Conflict(plan, seen_step)
        raise NotAllowed(f"your role does not allow you to {move.label.lower()}")
    reason = reason.strip()
    if move.needs_reason and not reason:
        raise NotReady(f"say why ({move.label.lower()})")
    revision, round_, review = _concerns(plan, action)
    publication = _publication(user, plan, revision) if action == transitions.PUBLISH else None
    with transaction.atomic():
        moved = Plan.objects.filter(pk=plan.pk, state=plan.state, step=seen_step).update(
            state=move.to_state, step=seen_step + 1
        )
        if not moved:
            raise Conflict(plan, seen_step)
        if action == transitions.OPEN_REVIEW:
            review = _open_review(user, plan, revision, round_)
        done = Transition.objects.create(
            plan=plan, step=seen_step + 1, action=action, from_state=move.from_state, to_state=move.to_state,
            actor=user, reason=reason[:4000], revision=revision, round=round_, review=review,
        )
        detail = {"plan": plan.pk, "step": done.step, "from": move.from_state.value, "to": move.to_state.value,
                  "revision": revision.number if revision else None, "reason": reason[:500]}
        if publication is not None:
            publication.save()
            detail["publication"] = publication.number
        audit.record(user, f"plan_{action}", plan, **detail)
        notify.on_commit(notify.transition, done)
    return done


def _concerns(plan: Plan, action: str) -> tuple[Revision | None, Round | None, Review | None]:
    """The revision, round and review an action concerns; NotReady when a precondition fails."""
    if action == transitions.SUBMIT:
        revision = latest_revision(plan)
        if revision is None:
            raise NotReady("there is no revision to submit: upload the plan first")
        missing = sign_off_missing(revision)
        if missing:
            raise NotReady(
                f"revision {revision.number}'s sign-off section is not complete: every member's board must "
                f"have signed it off before the lead submits it. Not signed off: {'; '.join(missing)}"
            )
        return revision, current_round(), None
    if action in (transitions.RETURN, transitions.AGREE, transitions.REOPEN_REVIEW, transitions.PUBLISH):
        review = open_review(plan)
        return (review.revision, review.round, review) if review else (latest_revision(plan), None, None)
    if action == transitions.OPEN_REVIEW:
        revision, round_ = submitted_revision(plan)
        return revision or latest_revision(plan), round_, None
    return latest_revision(plan), None, None


def _open_review(user, plan: Plan, revision: Revision, round_: Round | None) -> Review:
    """A review of ``revision``, its checklist seeded from ``stp check`` on that revision."""
    from stpkit.web import results
    from stpkit.web.models import ReviewItem

    review = Review.objects.create(plan=plan, revision=revision, round=round_, opened_by=user)
    findings = results.central(revision).assessment["findings"]
    ReviewItem.objects.bulk_create(
        ReviewItem(
            review=review, position=k, rule=f["rule"], severity=f["severity"], title=f["title"][:300],
            message=f["message"], subject=(f.get("subject") or "")[:100], year=f.get("year") or "",
            numbers=f.get("numbers") or {},
        )
        for k, f in enumerate(findings, start=1)
    )
    return review


def _publication(user, plan: Plan, revision: Revision) -> Publication:
    """The publication of the agreed ``revision``, its content frozen now (not yet saved)."""
    from stpkit.web.publication import frozen_content

    latest = Publication.objects.filter(footprint=plan.footprint).order_by("-number").first()
    return Publication(
        footprint=plan.footprint, number=(latest.number + 1) if latest else 1, plan=plan, revision=revision,
        published_by=user, **frozen_content(revision),
    )

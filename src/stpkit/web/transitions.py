"""The assurance cycle as data: every move a plan can make, from which state, by which action,
by whom, to which state. ``workflow.act`` does the moves and nothing else changes a plan's state;
the access path (``access.plan_scope``) reads the same table to say who may do what.

    draft --submit--> submitted --open review--> in review --agree--> agreed --publish--> published
                                                           --return--> draft (the review stays)
    agreed --reopen review--> in review;  submitted or in review --withdraw--> withdrawn
    withdrawn, agreed or published --redraft--> draft (a publication stays as it was)
"""

from __future__ import annotations

from dataclasses import dataclass

from stpkit.web.models import FOOTPRINT_ROLES, PlanState, Role

SUBMIT = "submit"
WITHDRAW = "withdraw"
REDRAFT = "redraft"
OPEN_REVIEW = "open_review"
RETURN = "return"
AGREE = "agree"
REOPEN_REVIEW = "reopen_review"
PUBLISH = "publish"

#: The roles that review: each reaches the plans of its region, or of all England.
REVIEWERS = (Role.REGIONAL_REVIEWER, Role.NATIONAL_REVIEWER)
LEAD = (Role.LEAD,)


@dataclass(frozen=True)
class Move:
    from_state: PlanState
    action: str
    roles: tuple[Role, ...]
    to_state: PlanState
    #: What the action is called on a button and in the audit trail.
    label: str
    #: Whether the person acting must say why (a return, a withdrawal).
    needs_reason: bool = False


MOVES: tuple[Move, ...] = (
    Move(PlanState.DRAFT, SUBMIT, LEAD, PlanState.SUBMITTED, "Submit to NHS England"),
    Move(PlanState.SUBMITTED, WITHDRAW, LEAD, PlanState.WITHDRAWN, "Withdraw the submission", True),
    Move(PlanState.IN_REVIEW, WITHDRAW, LEAD, PlanState.WITHDRAWN, "Withdraw the submission", True),
    Move(PlanState.SUBMITTED, OPEN_REVIEW, REVIEWERS, PlanState.IN_REVIEW, "Open the review"),
    Move(PlanState.IN_REVIEW, RETURN, REVIEWERS, PlanState.DRAFT, "Return to the footprint", True),
    Move(PlanState.IN_REVIEW, AGREE, REVIEWERS, PlanState.AGREED, "Agree the plan"),
    Move(PlanState.AGREED, REOPEN_REVIEW, REVIEWERS, PlanState.IN_REVIEW, "Reopen the review", True),
    Move(PlanState.AGREED, PUBLISH, LEAD, PlanState.PUBLISHED, "Publish the plan"),
    Move(PlanState.WITHDRAWN, REDRAFT, LEAD, PlanState.DRAFT, "Start a new draft"),
    Move(PlanState.AGREED, REDRAFT, LEAD, PlanState.DRAFT, "Start a new draft"),
    Move(PlanState.PUBLISHED, REDRAFT, LEAD, PlanState.DRAFT, "Start a new draft"),
)
ACTIONS = tuple(dict.fromkeys(move.action for move in MOVES))
#: Each action's name on a button (the same from every state it leaves).
LABELS = {action: next(m.label for m in MOVES if m.action == action) for action in ACTIONS}
#: What each action did, in the past tense, for the audit trail and the emails.
DONE = {
    SUBMIT: "submitted",
    WITHDRAW: "withdrew",
    REDRAFT: "started a new draft of",
    OPEN_REVIEW: "opened the review of",
    RETURN: "returned",
    AGREE: "agreed",
    REOPEN_REVIEW: "reopened the review of",
    PUBLISH: "published",
}
#: Drafts are the only plans anyone may change: a submitted revision is frozen until it comes back.
EDITABLE = PlanState.DRAFT
EDITORS = FOOTPRINT_ROLES


def move(state: str, action: str) -> Move | None:
    """The move ``action`` makes from ``state``, or None where the table has none."""
    return next((m for m in MOVES if m.from_state == state and m.action == action), None)


def moves_from(state: str) -> list[Move]:
    return [m for m in MOVES if m.from_state == state]

"""What the service keeps. Footprints and organisations come from the bundled reference data;
revisions, stored results and the audit log are append-only: the models refuse to change or
delete them and database triggers (``append_only``) refuse it to any other client too."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Footprint(models.Model):
    code = models.CharField(max_length=9, primary_key=True)  # ONS code, E54000005 .. E54000048
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Organisation(models.Model):
    """A member of a footprint; a body spanning several footprints has a row in each, with the
    share of it counted there."""

    code = models.CharField(max_length=10)  # ODS code
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)  # stpkit.domain.enums.OrgKind
    footprint = models.ForeignKey(Footprint, on_delete=models.CASCADE, related_name="organisations")
    share = models.FloatField()  # 0 to 1

    class Meta:
        ordering = ["footprint", "code"]
        constraints = [models.UniqueConstraint(fields=["code", "footprint"], name="one_row_per_member")]


class Role(models.TextChoices):
    EDITOR = "editor", "Footprint editor"
    LEAD = "lead", "Footprint lead"
    REGIONAL_REVIEWER = "regional_reviewer", "Regional reviewer"
    NATIONAL_REVIEWER = "national_reviewer", "National reviewer"
    ADMINISTRATOR = "administrator", "Administrator"


#: Roles held for one footprint; the others are held for a region or for all of England.
FOOTPRINT_ROLES = (Role.EDITOR, Role.LEAD)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    footprint = models.ForeignKey(Footprint, null=True, blank=True, on_delete=models.CASCADE)
    region = models.CharField(max_length=100, blank=True)  # regional reviewers only

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=FOOTPRINT_ROLES, footprint__isnull=False)
                | ~models.Q(role__in=FOOTPRINT_ROLES) & models.Q(footprint__isnull=True),
                name="footprint_roles_name_a_footprint",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.REGIONAL_REVIEWER) | ~models.Q(region=""),
                name="regional_reviewers_name_a_region",
            ),
            models.UniqueConstraint(fields=["user", "role", "footprint", "region"], name="one_membership_each"),
        ]

    def __str__(self) -> str:
        """The role and where it is held, as the pages show it: "Footprint editor: Devon"."""
        place = self.footprint.name if self.footprint_id else self.region
        return f"{self.get_role_display()}: {place}" if place else self.get_role_display()


class PlanState(models.TextChoices):
    """Where a plan is in the assurance cycle; ``stpkit.web.transitions`` says how it moves."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    AGREED = "agreed", "Agreed"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Plan(models.Model):
    footprint = models.ForeignKey(Footprint, on_delete=models.PROTECT, related_name="plans")
    title = models.CharField(max_length=300)
    state = models.CharField(max_length=20, choices=PlanState.choices, default=PlanState.DRAFT)
    #: The number of the latest revision (0 before the first). A save names the version it
    #: started from and succeeds only if it is still the latest (``revisions.new_revision``).
    version = models.PositiveIntegerField(default=0)
    #: How many times the state has changed. A move names the step it was asked from and happens
    #: only if it is still the current one (``workflow.act``), so that of two reviewers acting on
    #: the same page one wins, even if the plan has left and come back to that state meanwhile.
    step = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["footprint", "title"]

    def __str__(self) -> str:
        return self.title


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are never changed")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are never deleted")


class AppendOnlyError(Exception):
    """An attempt to change or delete a row that is kept for ever."""


class AppendOnly(models.Model):
    """A row written once and then only read."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are never changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are never deleted")


class Revision(AppendOnly):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    document = models.JSONField()  # the validated plan, as a JSON plan file holds it
    sha256 = models.CharField(max_length=64)  # of the document's canonical JSON: the API's ETag
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_revision_per_number")]


class StoredResult(AppendOnly):
    """The results of one revision under one set of national parameters, runs and seed: worked
    out once and then read (runs 0 is the central case alone)."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="results")
    parameter_version = models.CharField(max_length=64)
    runs = models.PositiveIntegerField()
    seed = models.PositiveIntegerField()
    results = models.JSONField()  # the documented stpkit-results structure
    assessment = models.JSONField()  # headline figures, rating and findings
    created = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField()  # how long the engine took

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "parameter_version", "runs", "seed"], name="one_result_per_key")
        ]


class Job(models.Model):
    """Work done outside the request: a revision's risk runs, or the national total of the
    centre's dashboard. Queued by the service, done by the worker (``stp serve`` starts one;
    ``python -m django stpkit_worker`` runs one on its own)."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Kind(models.TextChoices):
        RISK = "risk"  # one revision's risk runs (``revision``)
        NATIONAL = "national"  # all 44 footprints (``revisions``, ``key``)

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RISK)
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revisions = models.JSONField(default=list, blank=True)  # national: the revisions' ids
    key = models.CharField(max_length=64, blank=True)  # national: ``NationalResult.key`` of its revisions
    parameter_version = models.CharField(max_length=64)
    runs = models.PositiveIntegerField()
    seed = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.FloatField(default=0.0)  # 0 to 1
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "id"]


class NationalResult(AppendOnly):
    """All 44 footprints added up with national uncertainty shared, as ``stp national --runs``:
    the given revisions where a footprint has one, the illustrative plan elsewhere. Kept once per
    (revisions and their contents, national parameters, runs, seed)."""

    #: sha256 of the sorted list of [revision id, revision sha256] the run used.
    key = models.CharField(max_length=64)
    revisions = models.JSONField()  # that list
    parameter_version = models.CharField(max_length=64)
    runs = models.PositiveIntegerField()
    seed = models.PositiveIntegerField()
    document = models.JSONField()  # the stpkit-national structure (``NationalRun.document``)
    challenge_gbp000 = models.FloatField(null=True, blank=True)  # the national efficiency challenge
    map_svg = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "parameter_version", "runs", "seed"], name="one_national_per_key")
        ]


class AuditEvent(AppendOnly):
    """Who did what, when: every change and every sign-in, sign-out and failed sign-in."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)  # as typed, for failed sign-ins
    when = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["when", "id"]


class Round(models.Model):
    """A submission round set by the centre, e.g. "June 2016 submission", due 30 June 2016. A
    submission belongs to the round open when it is made (``workflow.current_round``)."""

    name = models.CharField(max_length=200, unique=True)
    opens = models.DateField()
    due = models.DateField()

    class Meta:
        ordering = ["opens", "due", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(due__gte=models.F("opens")), name="due_after_opening")]

    def __str__(self) -> str:
        return self.name


class Review(AppendOnly):
    """The centre's review of one submitted revision. What the reviewer does in it (marks,
    comments, a proposed rating) and the footprint's answers are rows of their own, so that
    nothing in a review is ever changed or deleted; reopening it is a transition."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="reviews")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "opened", "pk"]


class Transition(AppendOnly):
    """One move of a plan from state to state: who, when, why, and the revision it concerns."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="transitions")
    step = models.PositiveIntegerField()  # the plan's step after this move: 1, 2, 3 ...
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=20, choices=PlanState.choices)
    to_state = models.CharField(max_length=20, choices=PlanState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    when = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        ordering = ["plan", "step"]
        constraints = [models.UniqueConstraint(fields=["plan", "step"], name="one_transition_per_step")]


class ReviewItem(AppendOnly):
    """One finding of ``stp check`` on the reviewed revision, as the review's checklist holds it."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    rule = models.CharField(max_length=10)
    severity = models.CharField(max_length=10)
    title = models.CharField(max_length=300)
    message = models.TextField()
    subject = models.CharField(max_length=100, blank=True)  # the organisation, scheme or site it is about
    year = models.CharField(max_length=7, blank=True)  # 2020/21
    numbers = models.JSONField(default=dict)

    class Meta:
        ordering = ["review", "position"]
        constraints = [models.UniqueConstraint(fields=["review", "position"], name="one_item_per_position")]


class Mark(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    CHALLENGED = "challenged", "Challenged"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ReviewMark(AppendOnly):
    """A reviewer's mark on a checklist item; the latest mark of an item is the one that stands."""

    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="marks")
    mark = models.CharField(max_length=20, choices=Mark.choices)
    question = models.TextField(blank=True)  # to the footprint, for a challenge
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    when = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "when", "pk"]


class Anchor(models.TextChoices):
    PLAN = "plan", "The plan as a whole"
    SCHEME = "scheme", "A scheme"
    ORGANISATION = "organisation", "An organisation"
    YEAR = "year", "A year"


class ReviewComment(AppendOnly):
    """A reviewer's comment, anchored to a scheme, an organisation or a year of the plan."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="comments")
    anchor = models.CharField(max_length=20, choices=Anchor.choices, default=Anchor.PLAN)
    anchor_code = models.CharField(max_length=40, blank=True)  # scheme id, ODS code or 2017/18
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    when = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review", "when", "pk"]


class RatingProposal(AppendOnly):
    """The rating a reviewer proposes for the reviewed revision (the latest stands)."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="ratings")
    category = models.CharField(max_length=30)  # stpkit.domain.enums.RatingCategory
    reason = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    when = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review", "when", "pk"]


class ChallengeAnswer(AppendOnly):
    """The footprint's answer to a challenge, given with the revision that answers it."""

    challenge = models.ForeignKey(ReviewMark, on_delete=models.PROTECT, related_name="answers")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    when = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["challenge", "when", "pk"]


class Publication(AppendOnly):
    """An agreed revision made public, frozen as it was shown: its public summary, results, open
    data and report are kept here, so that nothing later (a new revision, new national
    parameters) changes what a publication showed. ``number`` counts a footprint's publications:
    /footprints/<code>/plan/v<number>."""

    footprint = models.ForeignKey(Footprint, on_delete=models.PROTECT, related_name="publications")
    number = models.PositiveIntegerField()
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="publications")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="publications")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    when = models.DateTimeField(default=timezone.now)
    parameter_version = models.CharField(max_length=64)
    summary_html = models.TextField()  # the sections of ``stp public``'s page, joined (``public_parts``)
    plan_yaml = models.TextField()
    results = models.JSONField()
    open_data = models.JSONField()  # the results tables as CSV text, by file name
    report_pdf = models.BinaryField()

    class Meta:
        ordering = ["footprint", "number"]
        constraints = [models.UniqueConstraint(fields=["footprint", "number"], name="one_publication_per_number")]

"""Deny by default: every URL declares its permission, and each role sees and changes exactly
the plans its memberships grant (role x own / same-region / other-region footprint x URL)."""

from __future__ import annotations

import inspect
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from stpkit.web import access, results
from stpkit.web.models import (
    Mark,
    NationalResult,
    PlanState,
    Publication,
    Review,
    ReviewItem,
    ReviewMark,
    Revision,
    Role,
)
from stpkit.web.revisions import content_sha256, plan_document, read_upload
from web_support import AWAY, HOME, NEIGHBOUR, SMALL_PLAN, make_user, plan_without_revisions


def _views() -> list[tuple[str, list[str] | None, object]]:
    """(route, methods, view) for every URL of the URLconf; a django-ninja route gives one entry
    per operation (method) it holds. django-ninja lists a route once per operation's name:
    each is kept once."""
    unique = {(route, tuple(methods or ())): (route, methods, view) for route, methods, view in _walk()}
    return list(unique.values())


def _walk(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        assert isinstance(pattern, URLPattern)
        route, callback = prefix + str(pattern.pattern), pattern.callback
        closure = inspect.getclosurevars(callback).nonlocals if inspect.isfunction(callback) else {}
        path_view = closure.get("self")
        operations = getattr(path_view, "operations", None)
        if operations is not None:  # django-ninja: one URL, an operation per method
            for operation in operations:
                yield route, operation.methods, operation.view_func
        else:
            yield route, None, callback


def test_every_url_declares_its_permission():
    views = _views()
    undeclared = [(route, methods) for route, methods, view in views if not hasattr(view, "stpkit_permission")]
    assert undeclared == []
    assert all(view.stpkit_permission in access.PERMISSIONS for _, _, view in views)
    # The walk reaches the API's operations, not only its URLs.
    assert ("api/plans/<plan_id>/revisions", ["POST"]) in [(r, m) for r, m, _ in views]


def test_a_view_without_a_declaration_is_caught(monkeypatch):
    """The walk above would see a new URL whose view declares nothing."""
    from django.urls import path

    resolver = get_resolver()
    monkeypatch.setattr(resolver, "url_patterns", [*resolver.url_patterns, path("new/", lambda request: None)])
    assert [route for route, _, view in _views() if not hasattr(view, "stpkit_permission")] == ["new/"]


ROLES = {
    "editor": (Role.EDITOR, HOME, ""),
    "lead": (Role.LEAD, HOME, ""),
    "regional": (Role.REGIONAL_REVIEWER, None, "South West"),
    "national": (Role.NATIONAL_REVIEWER, None, ""),
    "administrator": (Role.ADMINISTRATOR, None, ""),
    "no_role": (None, None, ""),
}
#: Which of the three plans (own footprint, a neighbour in the same region, another region)
#: each role may read and may edit.
READS = {
    "editor": {HOME},
    "lead": {HOME},
    "regional": {HOME, NEIGHBOUR},
    "national": {HOME, NEIGHBOUR, AWAY},
    "administrator": set(),
    "no_role": set(),
}
EDITS = {"editor": {HOME}, "lead": {HOME}}
REVIEWERS = {"regional", "national"}
#: The plans in review (the others are drafts): only there does a reviewer's mark, comment or
#: rating go through; on HOME, a draft returned with revision 2 saved since, the footprint answers.
IN_REVIEW = {NEIGHBOUR, AWAY}


@pytest.fixture
def plans(web_db):
    author = make_user("author")
    # A real plan in each (the pages work out its sections); the pages do not check its footprint.
    document = plan_document(read_upload(SMALL_PLAN))
    made = {}
    for code in (HOME, NEIGHBOUR, AWAY):
        plan = plan_without_revisions(code, f"Plan of {code}")
        numbers = (1, 2) if code == HOME else (1,)
        for number in numbers:
            Revision.objects.create(
                plan=plan, number=number, document=document, sha256=content_sha256(document), author=author
            )
        plan.version = numbers[-1]
        plan.state = PlanState.IN_REVIEW if code in IN_REVIEW else PlanState.DRAFT
        plan.save()
        review = Review.objects.create(plan=plan, revision=plan.revisions.get(number=1), opened_by=author)
        item = ReviewItem.objects.create(review=review, position=1, rule="A01", severity="error", title="Balance",
                                         message="The plan does not balance.")
        ReviewMark.objects.create(item=item, mark=Mark.CHALLENGED, question="How?", author=author)
        made[code] = plan
    return made


def _url(route: str, plan_id: int, user_id: int = 0, footprint: str = HOME) -> str:
    """``route`` with ``plan_id``, ``user_id``, revision 1 and the plan file download filled in
    (a comparison of revision 1 with itself); a public page with ``footprint``, its version 1 and
    plan file."""
    route = re.sub(r"<[^>]*plan_id>", str(plan_id), route).replace("<str:kind>", "yaml")
    route = route.replace("<str:code>", footprint).replace("<str:name>", "plan.yaml")
    if "<int:review_id>" in route:
        review = Review.objects.get(plan_id=plan_id)
        item = review.items.get()
        route = (route.replace("<int:review_id>", str(review.pk)).replace("<int:item_id>", str(item.pk))
                 .replace("<int:mark_id>", str(item.marks.order_by("pk").first().pk)))
    route = route.replace("<int:user_id>", str(user_id))
    if "<int:result_id>" in route:  # a stored national total
        found = NationalResult.objects.first()
        route = route.replace("<int:result_id>", str(found.pk if found else 1))
    url = "/" + re.sub(r"<[^>]*number>", "1", route)
    return url + "?from=1&to=1" if url.endswith(("/compare", "/compare/")) else url


#: Results and assessment documents with nothing in them, standing in for the engine's.
EMPTY_RESULTS = {
    "years": [],
    "bridge": {"to_do_nothing": {"steps": []}, "to_with_plan": {"steps": []}},
    "consolidated": {"do_nothing_gbp000": [], "with_plan_gbp000": []},
}
EMPTY_ASSESSMENT = {"findings": [], "rating": {"category": "none", "score": None}}


def _request(client: Client, route: str, methods, plan_id: int):
    url = _url(route, plan_id)
    if methods == ["POST"]:
        # A stale If-Match: access is checked first, so 412 means the user got through.
        return client.post(url, {"document": SMALL_PLAN}, content_type="application/json", HTTP_IF_MATCH='"stale"')
    if route.endswith("/risk/"):  # the page's button that queues risk runs: a form's POST
        return client.post(url)
    if route.endswith("/act/"):  # a lead's submission of a plan whose members have not signed it off
        return client.post(url, {"action": "submit", "step": 0})
    review_forms = {
        "/mark/": {"mark": "accepted"},
        "/comments/": {"about": "plan:", "text": "A comment"},
        "/ratings/": {"category": "advanced"},
        "/answer/": {"text": "An answer"},
    }
    for ending, form in review_forms.items():
        if route.endswith(ending):
            return client.post(url, form)
    return client.get(url)


@pytest.mark.parametrize("who", sorted(ROLES))
def test_permission_matrix(who, plans, monkeypatch):
    monkeypatch.setattr(results, "_compute", lambda revision, runs, seed, **_: (EMPTY_RESULTS, EMPTY_ASSESSMENT))
    role, footprint, region = ROLES[who]
    user = make_user(who, role, footprint, region)
    client = Client()
    client.force_login(user)
    assert {p.footprint_id for p in access.plans_for(user)} == READS[who]
    checked = 0
    for route, methods, view in _views():
        permission = view.stpkit_permission
        if permission not in (*access.PLAN_ACTIONS, access.PLAN_ACT):
            continue
        for code, plan in plans.items():
            status = _request(client, route, methods, plan.pk).status_code
            may_read, may_edit = code in READS[who], code in EDITS.get(who, set())
            page = not route.startswith("api/")  # a page answers 200, or 302 after a form's POST
            if permission == access.PLAN_READ:
                expected = ({200, 302} if page else {200}) if may_read else {404}
            elif permission == access.PLAN_ACT:  # only the lead gets as far as the missing sign-off
                expected = ({422} if who == "lead" and code == HOME else {403}) if may_read else {404}
            elif permission == access.PLAN_REVIEW:  # a reviewer's form goes through on a plan in review
                reviewer = {302} if code in IN_REVIEW else {422}
                expected = (reviewer if who in REVIEWERS else {403}) if may_read else {404}
            else:  # a page, or a form's POST, of the plan's editors; the API refuses the stale ETag
                expected = ({200, 302} if page else {412}) if may_edit else {403} if may_read else {404}
            assert status in expected, (who, route, methods, code, status)
            checked += 1
    # Six plan operations in the API and seventeen plan pages (the plan, a revision of it, its
    # history, a download, queueing risk runs, the new-revision form, the editing form, the
    # comparison, a move of the assurance cycle, the list of reviews, a review, and its forms: a
    # mark, a comment, a rating and an answer; the audit trail and its CSV), for three plans.
    assert checked == (6 + 17) * 3


@pytest.mark.parametrize("who", sorted(ROLES))
def test_only_administrators_manage_users(who, web_db):
    role, footprint, region = ROLES[who]
    user = make_user(who, role, footprint, region)
    target = make_user("target", Role.EDITOR, HOME)
    client = Client()
    client.force_login(user)
    routes = [route for route, _, view in _views() if view.stpkit_permission == access.USERS_MANAGE]
    assert routes == ["users/", "users/new/", "users/<int:user_id>/"]
    for route in routes:
        url = _url(route, 0, target.pk)
        get, post = client.get(url).status_code, client.post(url, {}).status_code
        if who == "administrator":  # the page; a form's POST with nothing in it is refused, saving nothing
            assert (get, post) == (200, 405 if route == "users/" else 422 if route == "users/new/" else 400), route
        else:
            assert (get, post) == (403, 403), (who, route)
        anonymous = Client()
        for response in (anonymous.get(url), anonymous.post(url, {})):
            assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), route


#: The centre's pages that are a national reviewer's alone (the national total covers all England).
NATIONAL_ONLY = ("centre/national/", "centre/national/<int:result_id>/map.svg")


@pytest.mark.parametrize("who", sorted(ROLES))
def test_the_centre_is_the_reviewers(who, plans):
    """Reviewers see the centre's pages; a regional reviewer not the national total (nor makes
    rounds, see test_web_centre.py); everyone else is refused."""
    NationalResult.objects.create(key="0" * 64, revisions=[], parameter_version=results.parameter_version(), runs=0,
                                  seed=0, document={}, map_svg="<svg xmlns='http://www.w3.org/2000/svg'/>",
                                  seconds=0)
    role, footprint, region = ROLES[who]
    client = Client()
    client.force_login(make_user(who, role, footprint, region))
    checked = []
    for route, _, view in _views():
        if view.stpkit_permission != access.CENTRE_VIEW:
            continue
        url = _url(route, plans[HOME].pk)
        response = client.post(url) if route == "centre/national/" else client.get(url)
        if who == "national":
            expected = 302 if route == "centre/national/" else 200
        elif who == "regional":
            expected = 403 if route in NATIONAL_ONLY else 200
        else:
            expected = 403
        assert response.status_code == expected, (who, route, response.status_code)
        checked.append(route)
    # The dashboard, its two exports, the rounds, queueing the national total and its map.
    assert sorted(checked) == sorted(["centre/", "centre/export.csv", "centre/export.xlsx", "centre/rounds/",
                                      "centre/national/", "centre/national/<int:result_id>/map.svg"])


def _stand_in_publication(plan) -> Publication:
    """Version 1 of ``plan``'s footprint, published with stand-in content (the public pages
    serve what a publication holds; they work nothing out)."""
    revision = plan.revisions.get(number=1)
    return Publication.objects.create(
        footprint=plan.footprint, number=1, plan=plan, revision=revision, published_by=revision.author,
        parameter_version="stand-in", summary_html="<section><h2>About this plan</h2></section>",
        plan_yaml=SMALL_PLAN, results=EMPTY_RESULTS, open_data={"positions.csv": "year\n2016/17\n"},
        report_pdf=b"%PDF-1.7 stand-in",
    )


def test_signed_out_visitors_see_only_public_pages(plans):
    _stand_in_publication(plans[HOME])
    client = Client()
    someone = make_user("someone", Role.EDITOR, HOME)
    published = []
    for route, methods, view in _views():
        url = _url(route, plans[HOME].pk, someone.pk)
        response = client.post(url, {}) if methods == ["POST"] else client.get(url)
        if view.stpkit_permission == access.PUBLIC:  # the API's root says "not found" to everyone
            assert response.status_code == (404 if route == "api/" else 200), route
            if "<str:code>" in route:
                published.append(route)
        elif route.startswith("api/"):
            assert response.status_code == 401, route
        else:
            assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), route
    # A published plan's pages and files: not found for a footprint never published, or for a
    # version the footprint does not have.
    assert published == ["footprints/<str:code>/plan", "footprints/<str:code>/plan/v<int:number>",
                         "footprints/<str:code>/plan/v<int:number>/<str:name>"]
    for route in published:
        assert client.get(_url(route, plans[HOME].pk, footprint=NEIGHBOUR)).status_code == 404, route
        if "<int:number>" in route:
            assert client.get(_url(route, plans[HOME].pk).replace("/v1", "/v2")).status_code == 404, route


def test_a_submitted_plan_is_no_longer_editable(plans):
    editor = make_user("editor", Role.EDITOR, HOME)
    plan = plans[HOME]
    assert access.plan_for(editor, plan.pk, access.PLAN_EDIT) == plan
    plan.state = "submitted"
    plan.save()
    with pytest.raises(access.PermissionDenied):
        access.plan_for(editor, plan.pk, access.PLAN_EDIT)
    assert access.plan_for(editor, plan.pk, access.PLAN_READ) == plan


def test_only_a_lead_submits(plans):
    editor = make_user("editor", Role.EDITOR, HOME)
    lead = make_user("lead", Role.LEAD, HOME)
    with pytest.raises(access.PermissionDenied):
        access.plan_for(editor, plans[HOME].pk, "submit")
    assert access.plan_for(lead, plans[HOME].pk, "submit") == plans[HOME]


def test_reviewers_open_reviews_only_in_their_reach(plans):
    regional = make_user("regional", Role.REGIONAL_REVIEWER, region="South West")
    for plan in plans.values():
        plan.state = "submitted"
        plan.save()
    assert {p.footprint_id for p in access.plans_for(regional, "open_review")} == {HOME, NEIGHBOUR}
    # Nobody opens a review of a draft: the transition table has no such move.
    plans[HOME].state = "draft"
    plans[HOME].save()
    assert {p.footprint_id for p in access.plans_for(regional, "open_review")} == {NEIGHBOUR}


def test_an_inactive_user_sees_nothing(plans):
    user = make_user("national", Role.NATIONAL_REVIEWER)
    user.is_active = False
    user.save()
    assert list(access.plans_for(user)) == []

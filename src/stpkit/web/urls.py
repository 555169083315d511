from __future__ import annotations

from django.urls import URLPattern, path

from stpkit.web.access import PUBLIC, requires
from stpkit.web.json_api import api
from stpkit.web.views import accounts, dashboard, plans, public, reviews


def _api_urls():
    """The API's URLs, its root page (a pointer to the docs, made by django-ninja) declared public."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name == "api-root":
            pattern.callback = requires(PUBLIC)(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("", plans.my_footprint, name="my-footprint"),
    path("sign-in/", plans.sign_in, name="sign-in"),
    path("sign-out/", plans.sign_out, name="sign-out"),
    path("plans/<int:plan_id>/", plans.plan_page, name="plan"),
    path("plans/<int:plan_id>/revisions/", plans.history, name="history"),
    path("plans/<int:plan_id>/act/", plans.plan_act, name="plan-act"),
    path("plans/<int:plan_id>/reviews/", reviews.reviews, name="reviews"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/", reviews.review_page, name="review"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/items/<int:item_id>/mark/", reviews.review_mark,
         name="review-mark"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/comments/", reviews.review_comment, name="review-comment"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/ratings/", reviews.review_rating, name="review-rating"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/challenges/<int:mark_id>/answer/", reviews.review_answer,
         name="review-answer"),
    path("plans/<int:plan_id>/compare/", plans.compare_page, name="compare"),
    path("plans/<int:plan_id>/revisions/new/", plans.new_revision_page, name="new-revision"),
    path("plans/<int:plan_id>/revisions/edit/", plans.edit_revision_page, name="edit-revision"),
    path("plans/<int:plan_id>/revisions/<int:number>/", plans.plan_page, name="plan-revision"),
    path("plans/<int:plan_id>/revisions/<int:number>/risk/", plans.plan_risk, name="plan-risk"),
    path("plans/<int:plan_id>/revisions/<int:number>/download/<str:kind>/", plans.download, name="download"),
    path("users/", accounts.users_page, name="users"),
    path("users/new/", accounts.new_user_page, name="new-user"),
    path("users/<int:user_id>/", accounts.user_page, name="user"),
    path("centre/", dashboard.centre_page, name="centre"),
    path("centre/export.csv", dashboard.centre_export, {"kind": "csv"}, name="centre-csv"),
    path("centre/export.xlsx", dashboard.centre_export, {"kind": "xlsx"}, name="centre-xlsx"),
    path("centre/rounds/", dashboard.rounds_page, name="rounds"),
    path("centre/national/", dashboard.centre_national, name="centre-national"),
    path("centre/national/<int:result_id>/map.svg", dashboard.national_map, name="national-map"),
    path("plans/<int:plan_id>/audit/", plans.audit_page, name="audit"),
    path("plans/<int:plan_id>/audit.csv", plans.audit_csv, name="audit-csv"),
    path("footprints/", public.published_plans, name="published-plans"),
    path("footprints/<str:code>/plan", public.published_plan, name="published-plan"),
    path("footprints/<str:code>/plan/v<int:number>", public.published_plan, name="published-version"),
    path("footprints/<str:code>/plan/v<int:number>/<str:name>", public.published_file, name="published-file"),
    path("api/", _api_urls()),
]

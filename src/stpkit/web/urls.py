from __future__ import annotations

from django.urls import URLPattern, path

from stpkit.web import views
from stpkit.web.access import PUBLIC, requires
from stpkit.web.json_api import api


def _api_urls():
    """The API's URLs, its root page (a pointer to the docs, made by django-ninja) declared public."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name == "api-root":
            pattern.callback = requires(PUBLIC)(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("", views.my_footprint, name="my-footprint"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("plans/<int:plan_id>/", views.plan_page, name="plan"),
    path("plans/<int:plan_id>/revisions/", views.history, name="history"),
    path("plans/<int:plan_id>/act/", views.plan_act, name="plan-act"),
    path("plans/<int:plan_id>/reviews/", views.reviews, name="reviews"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/", views.review_page, name="review"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/items/<int:item_id>/mark/", views.review_mark,
         name="review-mark"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/comments/", views.review_comment, name="review-comment"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/ratings/", views.review_rating, name="review-rating"),
    path("plans/<int:plan_id>/reviews/<int:review_id>/challenges/<int:mark_id>/answer/", views.review_answer,
         name="review-answer"),
    path("plans/<int:plan_id>/compare/", views.compare_page, name="compare"),
    path("plans/<int:plan_id>/revisions/new/", views.new_revision_page, name="new-revision"),
    path("plans/<int:plan_id>/revisions/edit/", views.edit_revision_page, name="edit-revision"),
    path("plans/<int:plan_id>/revisions/<int:number>/", views.plan_page, name="plan-revision"),
    path("plans/<int:plan_id>/revisions/<int:number>/risk/", views.plan_risk, name="plan-risk"),
    path("plans/<int:plan_id>/revisions/<int:number>/download/<str:kind>/", views.download, name="download"),
    path("users/", views.users_page, name="users"),
    path("users/new/", views.new_user_page, name="new-user"),
    path("users/<int:user_id>/", views.user_page, name="user"),
    path("centre/", views.centre_page, name="centre"),
    path("centre/export.csv", views.centre_export, {"kind": "csv"}, name="centre-csv"),
    path("centre/export.xlsx", views.centre_export, {"kind": "xlsx"}, name="centre-xlsx"),
    path("centre/rounds/", views.rounds_page, name="rounds"),
    path("centre/national/", views.centre_national, name="centre-national"),
    path("centre/national/<int:result_id>/map.svg", views.national_map, name="national-map"),
    path("plans/<int:plan_id>/audit/", views.audit_page, name="audit"),
    path("plans/<int:plan_id>/audit.csv", views.audit_csv, name="audit-csv"),
    path("footprints/", views.published_plans, name="published-plans"),
    path("footprints/<str:code>/plan", views.published_plan, name="published-plan"),
    path("footprints/<str:code>/plan/v<int:number>", views.published_plan, name="published-version"),
    path("footprints/<str:code>/plan/v<int:number>/<str:name>", views.published_file, name="published-file"),
    path("api/", _api_urls()),
]

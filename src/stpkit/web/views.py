"""The pages of the foundation: sign in, sign out and "my footprint" (the plans you may read).
Plain HTML for now; the NHS.UK design system and the plan pages come next."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from stpkit.domain.formatting import money
from stpkit.web import results
from stpkit.web.access import PUBLIC, SIGNED_IN, plans_for, requires
from stpkit.web.models import Revision

sign_in = requires(PUBLIC)(auth_views.LoginView.as_view(template_name="stpkit/sign_in.html"))
sign_out = requires(SIGNED_IN)(auth_views.LogoutView.as_view())


@requires(SIGNED_IN)
def my_footprint(request):
    """Every plan the user may read, with its latest revision's stored central figures."""
    rows = []
    for plan in plans_for(request.user):
        latest = Revision.objects.filter(plan=plan, number=plan.version).first()
        stored = results.stored(latest, results.CENTRAL_RUNS, results.CENTRAL_SEED) if latest else None
        row = {"plan": plan, "revision": latest}
        if stored is not None:
            consolidated = stored.results["consolidated"]
            row |= {
                "do_nothing": money(consolidated["do_nothing_gbp000"][-1]),
                "with_plan": money(consolidated["with_plan_gbp000"][-1]),
                "rating": stored.assessment["rating"]["category"].replace("_", " "),
                "errors": stored.assessment["summary"]["errors"],
            }
        rows.append(row)
    memberships = request.user.memberships.select_related("footprint")
    return render(request, "stpkit/my_footprint.html", {"rows": rows, "memberships": memberships})

"""`stp serve --demo`: the example plans, an illustrative plan for every other footprint and one
account per role; signed in, each role sees exactly the plans it may."""

from __future__ import annotations

import re

from django.test import Client

from stpkit.api import PlanRun
from stpkit.examples import example_paths
from stpkit.web import results
from stpkit.web.demo import demo_users, load_demo_plans
from stpkit.web.models import Footprint, Plan, StoredResult

FOOTPRINTS = 44


def test_every_footprint_has_a_plan_and_the_examples_keep_theirs(web_db):
    loaded = load_demo_plans()
    examples = [PlanRun.load(path).plan for path in example_paths().values()]
    with_example = {plan.footprint.code for plan in examples}
    assert len(with_example) == 3  # North West London, Cornwall, Lincolnshire (two examples)
    assert Footprint.objects.count() == FOOTPRINTS
    assert set(Plan.objects.values_list("footprint", flat=True)) == set(Footprint.objects.values_list("pk", flat=True))
    assert Plan.objects.count() == len(loaded) == FOOTPRINTS - len(with_example) + len(examples)
    for code in with_example:  # the example, not an illustrative plan as well
        titles = set(Plan.objects.filter(footprint=code).values_list("title", flat=True))
        assert titles == {plan.title for plan in examples if plan.footprint.code == code}
    illustrative = Plan.objects.exclude(footprint__in=with_example)
    assert all("illustrative plan" in plan.title for plan in illustrative)
    # The examples' central cases are worked out at load; the others on first view, once.
    assert StoredResult.objects.count() == len(examples)
    assert load_demo_plans() == []  # loading again adds nothing
    first = illustrative.first().revisions.get()
    assert results.central(first).results["plan"]["illustrative"] is True
    assert StoredResult.objects.count() == len(examples) + 1


def test_demo_accounts_see_what_their_roles_allow(web_db):
    load_demo_plans()
    passwords = demo_users()
    london = set(Footprint.objects.filter(region="London").values_list("name", flat=True))
    assert "North West London" in london and len(london) == 5
    visible = {
        "demo-editor": {"North West London"},
        "demo-lead": {"North West London"},
        "demo-regional-reviewer": london,
        "demo-national-reviewer": set(Footprint.objects.values_list("name", flat=True)),
        "demo-administrator": set(),
    }
    assert set(passwords) == set(visible)
    names = set(Footprint.objects.values_list("name", flat=True))
    for username, expected in visible.items():
        client = Client()
        assert client.post("/sign-in/", {"username": username, "password": passwords[username]}).status_code == 302
        page = client.get("/").content.decode()
        assert f"Signed in as {username}" in page and 'href="/sign-out/"' in page
        shown = {name for name in names if re.search(f"<td[^>]*>{re.escape(name)}</td>", page)}
        assert shown == expected, username
        if expected:
            # North West London's central case: a deficit in £m
            assert re.search(r"<td[^>]*>-£[\d.]+m</td>", page), page
    fresh = demo_users()
    assert all(fresh[u] != passwords[u] for u in passwords)  # new passwords every time

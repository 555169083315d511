"""`stp serve --demo`: the example plans and one account per role; signed in, each role sees
exactly the plans it may."""

from __future__ import annotations

import re

from django.test import Client

from stpkit.examples import example_paths
from stpkit.web.demo import demo_users, load_examples
from stpkit.web.models import Plan, StoredResult


def test_demo_accounts_see_what_their_roles_allow(web_db):
    loaded = load_examples()
    assert len(loaded) == len(example_paths()) == Plan.objects.count()
    assert StoredResult.objects.count() == len(loaded)  # the central case of each, worked out once
    assert load_examples() == []  # loading again adds nothing
    passwords = demo_users()
    footprints = {plan.footprint.name: plan.footprint.region for plan in loaded}
    # North West London is the demo footprint; London has no other example.
    visible = {
        "demo-editor": {"North West London"},
        "demo-lead": {"North West London"},
        "demo-regional-reviewer": {"North West London"},
        "demo-national-reviewer": set(footprints),
        "demo-administrator": set(),
    }
    assert set(passwords) == set(visible)
    for username, names in visible.items():
        client = Client()
        assert client.post("/sign-in/", {"username": username, "password": passwords[username]}).status_code == 302
        page = client.get("/").content.decode()
        assert f"Signed in as {username}" in page and 'href="/sign-out/"' in page
        shown = {name for name in footprints if re.search(f"<td[^>]*>{re.escape(name)}</td>", page)}
        assert shown == names, username
        if names:
            assert re.search(r"<td[^>]*>-£[\d.]+m</td>", page), page  # the central case: a deficit in £m
    fresh = demo_users()
    assert all(fresh[u] != passwords[u] for u in passwords)  # new passwords every time

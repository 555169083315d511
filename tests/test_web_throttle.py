"""Sign-in throttling: five failed sign-ins for one user name, or from one address, within 15
minutes, and further attempts are refused for 15 minutes, counted from the audit log."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from stpkit.web import throttle
from stpkit.web.models import AuditEvent
from web_support import make_user

PASSWORD = "editor-Pa55word!"  # make_user's


@pytest.fixture
def editor(web_db):
    return make_user("editor")


@pytest.fixture
def clock(monkeypatch):
    """Django's clock (which stamps the audit rows too), moved on by hand: ``clock.later(minutes)``."""

    class Clock:
        offset = timedelta()

        def later(self, minutes: float) -> None:
            self.offset += timedelta(minutes=minutes)

    found, now = Clock(), timezone.now
    monkeypatch.setattr(timezone, "now", lambda: now() + found.offset)
    return found


def _sign_in(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(times: int, username: str = "editor", address: str = "127.0.0.1") -> None:
    for _ in range(times):
        response = _sign_in(Client(), username, "wrong password", address)
        assert response.status_code == 200 and SESSION_KEY not in response.client.session


def _refused(response) -> bool:
    """The sign-in page shows the throttle's message (in its error summary, as the page shows
    every error of the form)."""
    page = html.unescape(response.content.decode())
    return "Too many failed sign-ins" in page and "15 minutes" in page


def test_four_failures_do_not_lock_the_account(editor, clock):
    _fail(4)
    response = _sign_in(Client(), "editor", PASSWORD)
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=throttle.REFUSED).exists()


def test_the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(editor, clock):
    _fail(5)
    client = Client()
    response = _sign_in(client, "editor", PASSWORD)
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert _refused(response)
    refused = AuditEvent.objects.get(action=throttle.REFUSED)
    assert (refused.actor_name, refused.detail["address"]) == ("editor", "127.0.0.1")
    # Refused attempts are not failures: they do not make the wait longer.
    assert AuditEvent.objects.filter(action="sign_in_failed").count() == 5
    clock.later(14)
    assert _refused(_sign_in(Client(), "editor", PASSWORD))
    clock.later(1.1)  # 15 minutes after the fifth failure
    assert _sign_in(Client(), "editor", PASSWORD).status_code == 302


def test_failures_further_apart_than_15_minutes_do_not_add_up(editor, clock):
    _fail(4)
    clock.later(16)
    _fail(4)
    assert _sign_in(Client(), "editor", PASSWORD).status_code == 302


def test_five_failures_from_one_address_lock_that_address(editor, clock):
    for name in ("a", "b", "c", "d", "e"):
        _fail(1, username=name, address="192.0.2.7")
    assert _refused(_sign_in(Client(), "editor", PASSWORD, address="192.0.2.7"))
    # The account itself is not locked: from elsewhere it signs in.
    assert _sign_in(Client(), "editor", PASSWORD, address="198.51.100.1").status_code == 302


def test_a_user_name_locked_from_one_address_is_locked_from_every_address(editor, clock):
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"):
        _fail(1, address=address)
    assert _refused(_sign_in(Client(), "editor", PASSWORD, address="198.51.100.1"))

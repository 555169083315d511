"""Sign-in throttling, counted from the audit log: after ``FAILURES`` failed sign-ins for one user
name, or from one client address, within ``WINDOW``, further attempts are refused until
``LOCKOUT`` after the last of them, even with the right password.

``ThrottledModelBackend`` is Django's own backend with the check in front. A refused attempt
raises ``SignInThrottled``, a ValidationError, which the sign-in form shows as its error; it is
recorded as ``sign_in_refused``, not as a failure, so that waiting is enough to get back in."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from stpkit.web import audit
from stpkit.web.models import AuditEvent

FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
REFUSED = "sign_in_refused"


class SignInThrottled(ValidationError):
    def __init__(self, until: datetime):
        minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
        super().__init__(
            f"Too many failed sign-ins for this user name or from this address: sign-ins are refused for "
            f"{LOCKOUT.seconds // 60} minutes after the {FAILURES}th failure. Try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}.",
            code="throttled",
        )
        self.until = until


def locked_until(username: str, address: str) -> datetime | None:
    """When sign-ins for ``username`` or from ``address`` are next allowed, or None if they are now."""
    now = timezone.now()
    latest = None
    for who in (Q(actor_name=username) if username else None, Q(detail__address=address) if address else None):
        if who is None:
            continue
        failures = list(
            AuditEvent.objects.filter(who, action=audit.SIGN_IN_FAILED, when__gt=now - WINDOW - LOCKOUT)
            .order_by("-when")
            .values_list("when", flat=True)[:FAILURES]
        )
        if len(failures) == FAILURES and failures[0] - failures[-1] <= WINDOW and now < failures[0] + LOCKOUT:
            latest = max(latest or failures[0], failures[0])
    return latest + LOCKOUT if latest else None


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        name, address = str(name or "")[:150], audit.client_address(request)
        until = locked_until(name, address)
        if until is not None:
            audit.record(None, REFUSED, username=name, address=address)
            raise SignInThrottled(until)
        return super().authenticate(request, username=username, password=password, **kwargs)

"""The audit log: ``record`` writes one event; sign-in, sign-out and failed sign-in are recorded
from Django's auth signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed

from stpkit.web.models import AuditEvent

SIGN_IN_FAILED = "sign_in_failed"  # counted by the sign-in throttle (``throttle``)


def record(actor, action: str, obj=None, **detail: Any) -> AuditEvent:
    """One event: ``actor`` (a user, or None) did ``action`` to ``obj`` (a model instance)."""
    signed_in = actor is not None and actor.is_authenticated
    return AuditEvent.objects.create(
        actor=actor if signed_in else None,
        actor_name=actor.get_username() if signed_in else detail.pop("username", ""),
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _signed_in(sender, request, user, **kwargs) -> None:
    record(user, "sign_in", address=client_address(request))


def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(user, "sign_out", address=client_address(request))


def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # The password is never kept; Django has already masked it in ``credentials``.
    record(None, SIGN_IN_FAILED, username=str(credentials.get("username", ""))[:150], address=client_address(request))


def connect_signals() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="stpkit.audit.sign_in")
    user_logged_out.connect(_signed_out, dispatch_uid="stpkit.audit.sign_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="stpkit.audit.sign_in_failed")

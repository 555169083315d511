"""The service's settings and security basics: the database as configured (SQLite with WAL,
foreign keys and a busy timeout), Argon2, cookie flags, security headers, upload limits,
sign-ins in the audit log, and `stp --help` without Django."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.db import connection
from django.test import Client

from stpkit.inputs.submission.read import MAX_WORKBOOK_BYTES
from stpkit.inputs.yaml_safe import MAX_FILE_BYTES
from stpkit.web.models import AuditEvent, Role
from stpkit.web.settings import database_from_url
from web_support import HOME, make_user


def test_the_database_is_the_one_configured(web_db):
    expected = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    assert connection.vendor == expected


SQLITE_ONLY = "SQLite only: this run is on PostgreSQL"


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason=SQLITE_ONLY)
def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(web_db):
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert cursor.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert cursor.execute("PRAGMA busy_timeout").fetchone() == (20_000,)


def test_database_url_names_postgresql(tmp_path):
    db = database_from_url("postgres://stp:p%40ss@db.example:6543/plans", tmp_path)
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql", "plans", "stp", "p@ss", "db.example", "6543",
    )
    assert database_from_url(None, tmp_path)["NAME"] == str(tmp_path / "stpkit.sqlite3")
    with pytest.raises(ValueError, match="postgres://"):
        database_from_url("mysql://x@y/z", tmp_path)


def test_a_secret_key_is_made_once_and_kept_private(tmp_path):
    """Without STPKIT_SECRET_KEY the settings make a key in the data folder, readable by its
    owner only, and read the same key the next time."""
    code = "from stpkit.web import settings; print(settings.SECRET_KEY)"
    env = {k: v for k, v in os.environ.items() if k != "STPKIT_SECRET_KEY"} | {"STPKIT_DATA": str(tmp_path)}
    keys = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert keys[0] == keys[1] and len(keys[0].strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_passwords_are_hashed_with_argon2(web_db):
    user = make_user("someone")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_pages_carry_the_security_headers(web_db):
    response = Client().get("/sign-in/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    # No inline script: every script is a file of the site's own (and the page works without it).
    assert re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>", response.content) == []
    assert b'<script type="module" src="/static/stpkit/init.js">' in response.content


def test_cookies_are_httponly_samesite_and_secure_outside_development():
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert not settings.DEBUG
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE


def test_debug_only_when_asked(tmp_path):
    code = "from stpkit.web import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    env = os.environ | {"STPKIT_DATA": str(tmp_path)}
    for value, shown in (("1", "True False"), ("true", "False True"), ("", "False True")):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env | {"STPKIT_DEBUG": value}, capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == shown, value


def test_upload_limits_follow_the_plan_readers():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == MAX_FILE_BYTES + 64_000
    assert settings.MAX_UPLOAD_BYTES == MAX_WORKBOOK_BYTES


def test_a_request_larger_than_a_plan_is_refused(web_db):
    user = make_user("editor", Role.EDITOR, HOME)
    client = Client()
    client.force_login(user)
    body = '{"document": "' + "x" * (MAX_FILE_BYTES + 100_000) + '"}'
    response = client.post("/api/plans/1/revisions", body, content_type="application/json", HTTP_IF_MATCH='"x"')
    assert response.status_code == 400
    # The same request, small, reaches the view (and there is no plan 1).
    small = client.post("/api/plans/1/revisions", '{"document": "x"}', content_type="application/json")
    assert small.status_code == 404


def test_sign_in_sign_out_and_failures_are_audited(web_db):
    make_user("alice", Role.EDITOR, HOME)
    client = Client()
    assert client.post("/sign-in/", {"username": "alice", "password": "wrong"}).status_code == 200
    signed_in = client.post("/sign-in/", {"username": "alice", "password": "alice-Pa55word!"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/sign-out/").status_code == 302
    events = list(AuditEvent.objects.values_list("action", "actor_name"))
    assert events == [("sign_in_failed", "alice"), ("sign_in", "alice"), ("sign_out", "alice")]
    assert "wrong" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_stp_help_does_not_load_django():
    code = (
        "import sys\nfrom stpkit.cli import app\nfrom typer.main import get_command\n"
        "get_command(app).main(['--help'], standalone_mode=False)\n"
        "print('django' in sys.modules, 'stpkit.web' in sys.modules)"
    )
    root = Path(__file__).parent.parent
    env = os.environ | {"PYTHONPATH": str(root / "src")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "serve" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False False"


def test_a_forwarded_https_header_is_trusted_only_behind_a_proxy(tmp_path):
    """Served directly, a client could claim HTTPS with X-Forwarded-Proto; only a proxy that
    sets the header itself (STPKIT_BEHIND_PROXY=1) may be believed."""
    code = "from stpkit.web import settings; print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    env = os.environ | {"STPKIT_DATA": str(tmp_path)}
    for value, shown in (("", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env | {"STPKIT_BEHIND_PROXY": value}, capture_output=True, text=True,
            check=True,
        )
        assert done.stdout.strip() == shown, value


def test_the_committed_migrations_match_the_models(db):
    from django.core.management import call_command

    call_command("makemigrations", "web", "--check", "--dry-run", verbosity=0)  # SystemExit(1) if not

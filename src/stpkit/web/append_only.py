"""Database triggers that refuse UPDATE and DELETE on the append-only tables, on SQLite and
PostgreSQL alike, so that no client (not only this service's models) can rewrite history.

Only the owner of the database can drop them: tests that must empty the tables between runs do
so (``drop_triggers``), as an administrator would have to."""

from __future__ import annotations

APPEND_ONLY_TABLES = (
    "web_revision",
    "web_storedresult",
    "web_auditevent",
    "web_transition",
    "web_review",
    "web_reviewitem",
    "web_reviewmark",
    "web_reviewcomment",
    "web_ratingproposal",
    "web_challengeanswer",
    "web_publication",
    "web_nationalresult",
)
_FUNCTION = "stpkit_refuse_change"


def create_sql(vendor: str, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> list[str]:
    """The statements that make ``tables`` append-only (a migration names the tables it made)."""
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are never changed or deleted'); END"
            for table in tables
            for verb in ("UPDATE", "DELETE")
        ]
    if vendor == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '% rows are never changed or deleted', TG_TABLE_NAME; END $$",
            *(
                f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()"
                for table in tables
            ),
            *(
                f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
                for table in tables
            ),
        ]
    raise NotImplementedError(f"append-only triggers for {vendor}: only SQLite and PostgreSQL are supported")


def drop_sql(vendor: str, tables: tuple[str, ...] = APPEND_ONLY_TABLES, function: bool = True) -> list[str]:
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}"
            for table in tables
            for verb in ("UPDATE", "DELETE")
        ]
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"
            for table in tables
            for name in ("append_only", "no_truncate")
        ] + ([f"DROP FUNCTION IF EXISTS {_FUNCTION}()"] if function else [])
    raise NotImplementedError(vendor)


def create_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for statement in create_sql(connection.vendor):
            cursor.execute(statement)


def drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for statement in drop_sql(connection.vendor):
            cursor.execute(statement)

"""Which database a test process uses.

Under pytest-xdist each worker is its own process with its own app, and each empties its
database after every test, so two workers must never share one: on PostgreSQL each worker
gets a database of its own, named after TEST_DATABASE_URL's with the worker's id appended
(`portal_test_gw0`), created on first use (the test role has CREATEDB). On SQLite each
worker's file is in its own temporary folder already.
"""

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url


def on_postgresql() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def test_database_url(folder: Path) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if not configured:
        return f"sqlite:///{folder / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not on_postgresql():
        return configured
    base = make_url(configured)
    own = base.set(database=f"{base.database}_{worker}")
    _create_if_missing(base, own.database or "")
    return own.render_as_string(hide_password=False)


def skip_durability(engine: Engine) -> None:
    """Commits of the test database stop waiting for the disk: a test database need not
    survive a power cut, and on SQLite each commit's fsync was ~25 ms, most of a typical
    test's time (issue 17). Locking and isolation are unchanged. Every connection the
    engine opens from now on gets it, so existing ones are closed first."""

    @event.listens_for(engine, "connect")
    def _no_wait(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous = OFF")
        else:
            cursor.execute("SET synchronous_commit = off")
        cursor.close()

    engine.dispose()


def _create_if_missing(base_url, name: str) -> None:
    # CREATE DATABASE cannot run inside a transaction, hence AUTOCOMMIT; the name is ours
    # (the configured name plus gwN), quoted all the same.
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                owner = base_url.username
                connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    finally:
        engine.dispose()

"""Write locks that hold on SQLite as well as on PostgreSQL.

A service that counts and then writes (an inspector's visits on a day, the seats in a
pickup slot, the year's last certificate number) must count under a lock the next writer
waits for. On PostgreSQL that is a row lock (SELECT ... FOR UPDATE) on a row standing for
what is counted. SQLite ignores FOR UPDATE,
and Python's sqlite3 module, in its default ("legacy") transaction mode, begins a
transaction only at the first INSERT, UPDATE or DELETE: the count ran outside any lock, so
six writers could all see the same free place. ``begin_write`` takes SQLite's one write
lock before the count instead.

The engine-wide alternative in SQLAlchemy's SQLite notes (emit BEGIN for every
transaction) would make every page's reads hold a shared lock until its commit, and a
reader that then writes cannot wait for a writer (SQLite reports "database is locked" at
once instead): only the paths that count and then write take the lock early.
"""

import hashlib
import sqlite3

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal.extensions import db


def begin_write() -> None:
    """On SQLite, start the session's transaction with BEGIN IMMEDIATE, which takes the
    database's write lock now: a concurrent writer waits (up to the busy timeout the
    engine sets) until this transaction ends, then sees what it wrote. Call it before
    the first statement that must see the others' writes (the count).

    Nothing is done when the transaction is already open: sqlite3 opens one only at a
    write, and the write took the lock. On PostgreSQL nothing is done: the caller's
    row lock (SELECT ... FOR UPDATE) is the lock there."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver_connection = connection.connection.dbapi_connection
    if driver_connection is not None and not driver_connection.in_transaction:
        driver_connection.execute("BEGIN IMMEDIATE")


def lock_until_commit(name: str) -> None:
    """Make the writers of one named thing (with no row of its own to lock, such as a
    stored file's bytes) take turns until their transaction ends: on PostgreSQL a
    transaction-level advisory lock keyed on the name (a 64-bit number from its SHA-256),
    on SQLite the database's write lock (begin_write, so call it as early)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        begin_write()
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def is_lock_timeout(error: BaseException) -> bool:
    """True for SQLite's "database is locked": a writer waited out the busy timeout."""
    return (
        isinstance(error, OperationalError)
        and isinstance(error.orig, sqlite3.OperationalError)
        and "locked" in str(error.orig)
    )

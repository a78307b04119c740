"""SQLite writers wait for each other instead of failing, and a writer that still gives up
gets a page that says so, not a 500."""

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.permits import services
from tests.factories import make_user, sign_in_as
from tests.support.pages import check_page


def test_a_sqlite_writer_waits_30_seconds_for_the_write_lock(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the busy timeout is SQLite's")
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 30_000


def test_a_writer_that_waited_out_the_lock_gets_a_busy_page(client, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("UPDATE ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(services, "claim_permit", locked)
    sign_in_as(client, make_user())
    response = client.post(
        "/permits/claim", data={"permit_number": "BP-1", "access_code": "ABCD-EFGH"}
    )
    assert response.status_code == 503
    check_page(response.data)
    assert b"Nothing was changed" in response.data


def test_other_database_errors_are_not_called_busy(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(services, "claim_permit", broken)
    sign_in_as(client, make_user())
    with pytest.raises(OperationalError, match="disk I/O error"):
        client.post("/permits/claim", data={"permit_number": "BP-1", "access_code": "ABCD-EFGH"})

"""The suite runs on the database it was given, and each test starts from an empty one."""

import os

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from portal.extensions import db
from portal.permits.models import Permit
from tests.factories import make_permit


def test_the_suite_runs_on_the_database_it_was_given(app):
    wanted = os.environ.get("TEST_DATABASE_URL")
    url = db.engine.url
    if wanted:
        expected = make_url(wanted)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker and expected.get_backend_name() == "postgresql":
            # Each worker empties its database after every test: never a shared one.
            expected = expected.set(database=f"{expected.database}_{worker}")
        assert (url.get_backend_name(), url.host, url.port, url.database) == (
            expected.get_backend_name(),
            expected.host,
            expected.port,
            expected.database,
        )
    else:
        # Never the developer's instance/ database, which the clean-up would empty.
        assert url.get_backend_name() == "sqlite"
        assert "instance" not in (url.database or "")


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_starts_with_empty_tables_and_fresh_ids(attempt):
    assert db.session.scalar(select(func.count()).select_from(Permit)) == 0
    assert make_permit().id == 1


@pytest.mark.postgres_only
def test_postgresql_is_version_15_or_later():
    assert int(db.session.scalar(text("SHOW server_version_num"))) >= 150000

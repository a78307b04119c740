"""The Alembic revisions build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os
import uuid
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal import create_app, search_index
from portal.extensions import db
from portal.search_index import include_name
from tests.support.databases import skip_durability


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"portal_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migration_app(empty_database_url):
    """An app on the empty database whose commits do not wait for the disk, as the suite's
    own database does not (issue 17): every revision up and down is a commit or more, and
    on SQLite each commit's fsync left the test waiting, ~1-2 s per test here."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with app.app_context():
        skip_durability(db.engine)
    return app


def test_migrations_match_the_models_and_downgrade_cleanly(migration_app):
    with migration_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            # The text search's FTS5 tables (with their shadow tables) and GIN trigram indexes
            # are made by the revision and by create_all's hook, not declared as models
            # (SQLAlchemy cannot describe a virtual table, a trigger or an operator class
            # index for both backends), so the comparison leaves them out by name; the test
            # below checks that the revision makes them and that they work.
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": include_name}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def _filler(column):
    """A value for a NOT NULL column the revision gives no default."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = str
    values = {
        int: 1,
        bool: False,
        str: "x",
        date: date(2026, 1, 5),
        datetime: datetime(2026, 1, 5, tzinfo=UTC),
        dict: {},
        list: [],
    }
    return values.get(kind, "x")


def _insert_row(connection, table_name: str, **given) -> None:
    table = Table(table_name, MetaData(), autoload_with=connection)
    row = {
        column.name: _filler(column)
        for column in table.columns
        if not column.nullable and column.server_default is None
    }
    row.update(given)
    connection.execute(table.insert().values(**row))


def test_existing_certificates_become_final_certificates(migration_app):
    """Every certificate issued before the revision finaled its permit: it becomes final."""
    with migration_app.app_context():
        upgrade(revision="a42c260da1e9")
        with db.engine.begin() as connection:
            _insert_row(connection, "users", id=1, email="o@example.com")
            _insert_row(connection, "permits", id=1, permit_num="BP-1")
            _insert_row(connection, "stored_files", id=1, sha256="a" * 64)
            _insert_row(connection, "cofo_applications", id=1, permit_id=1, created_by_id=1)
            _insert_row(
                connection,
                "certificates",
                id=1,
                number="CO-2026-000001",
                permit_id=1,
                application_id=1,
                issued_by_id=1,
            )
            _insert_row(
                connection,
                "certificate_versions",
                id=1,
                certificate_id=1,
                status="current",
                certificate_type="full",
                stored_file_id=1,
                created_by_id=1,
            )
        upgrade()
        with db.engine.connect() as connection:
            kind = connection.execute(text("SELECT kind FROM certificates")).scalar_one()
            matters = connection.execute(
                text("SELECT outstanding_matters FROM certificate_versions")
            ).scalar_one()
        assert kind == "final"
        assert matters == ""
        downgrade(revision="base")
        db.engine.dispose()


def test_existing_documents_become_version_one_of_the_first_submission(migration_app):
    """A submitted application counts one submission; its documents are current version 1."""
    with migration_app.app_context():
        upgrade(revision="c3d1e2f4a5b6")
        with db.engine.begin() as connection:
            _insert_row(connection, "users", id=1, email="o@example.com")
            _insert_row(connection, "permits", id=1, permit_num="BP-1")
            _insert_row(connection, "permits", id=2, permit_num="BP-2")
            _insert_row(connection, "stored_files", id=1, sha256="a" * 64)
            _insert_row(
                connection,
                "cofo_applications",
                id=1,
                permit_id=1,
                created_by_id=1,
                status="submitted",
                submitted_at=datetime(2026, 11, 2, tzinfo=UTC),
            )
            _insert_row(connection, "cofo_applications", id=2, permit_id=2, created_by_id=1)
            for number, application_id in ((1, 1), (2, 2)):
                _insert_row(
                    connection,
                    "application_documents",
                    id=number,
                    application_id=application_id,
                    document_type="floor_plan",
                    stored_file_id=1,
                    filename=f"plan-{number}.pdf",
                    uploaded_by_id=1,
                )
        upgrade()
        with db.engine.connect() as connection:
            counts = connection.execute(
                text("SELECT id, submission_count FROM cofo_applications ORDER BY id")
            ).all()
            documents = connection.execute(
                text(
                    "SELECT id, added_in, removed_in, replaces_id FROM application_documents"
                    " ORDER BY id"
                )
            ).all()
        assert [tuple(row) for row in counts] == [(1, 1), (2, 0)]
        assert [tuple(row) for row in documents] == [(1, 1, None, None), (2, 1, None, None)]
        downgrade(revision="base")
        db.engine.dispose()


def test_existing_permits_and_people_are_found_by_the_text_search(migration_app):
    """The revision fills the new search words and the search structures from existing rows,
    and the triggers (SQLite) or indexes (PostgreSQL) it makes serve the next writes."""
    with migration_app.app_context():
        upgrade(revision="d4e5f6a7b8c9")
        with db.engine.begin() as connection:
            _insert_row(
                connection, "users", id=1, email="jane.smith@example.com", name_key="jane smith"
            )
            _insert_row(
                connection,
                "permits",
                id=1,
                permit_num="BP-2026-100002",
                original_address1="2210 South Halsted Street",
                original_address2="Unit B",
                original_city="Chicago",
                original_state="IL",
                original_zip="60608",
            )
        upgrade()
        with db.engine.connect() as connection:
            words = connection.execute(text("SELECT search_text FROM permits")).scalar_one()
            assert words == " 2210 s halsted st b chicago il 60608 "
            if db.engine.dialect.name == "sqlite":
                found = connection.execute(
                    text("SELECT rowid FROM permit_words WHERE permit_words MATCH :q"),
                    {"q": '"halsted" AND "606"*'},
                ).scalars()
                assert list(found) == [1]
                numbers = connection.execute(
                    text("SELECT rowid FROM permit_numbers WHERE permit_numbers MATCH :q"),
                    {"q": '"100002"*'},
                ).scalars()
                assert list(numbers) == [1]
                people = connection.execute(
                    text("SELECT rowid FROM person_search WHERE person_search MATCH 'smith'")
                ).scalars()
                assert list(people) == [1]
            else:
                indexes = connection.execute(
                    text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")
                ).scalars()
                assert sorted(indexes) == sorted(search_index.PG_TRIGRAM_INDEXES)
        with db.engine.begin() as connection:
            _insert_row(
                connection, "permits", id=2, permit_num="BP-2026-100003", search_text=" 5 e elm st "
            )
        with db.engine.connect() as connection:
            if db.engine.dialect.name == "sqlite":
                found = connection.execute(
                    text("SELECT rowid FROM permit_words WHERE permit_words MATCH 'elm'")
                ).scalars()
            else:
                found = connection.execute(
                    text("SELECT id FROM permits WHERE search_text LIKE '% elm %'")
                ).scalars()
            assert list(found) == [2]
        downgrade(revision="base")
        db.engine.dispose()


def test_the_permit_token_tables_replace_the_trigram_table_and_back(migration_app):
    """SQLite: revision b8c9d0e1f2a3 moves existing permits from permit_search to
    permit_words and permit_numbers, and its downgrade moves them back."""
    with migration_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL keeps its trigram indexes: the revision changes nothing")
        upgrade(revision="a7b8c9d0e1f2")
        with db.engine.begin() as connection:
            _insert_row(
                connection,
                "permits",
                id=7,
                permit_num="BLD000200001",
                search_text=" 734 w irving park rd chicago il 60637 ",
            )
        upgrade(revision="b8c9d0e1f2a3")

        def tables(connection) -> set[str]:
            return set(
                connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'table'")
                ).scalars()
            )

        with db.engine.connect() as connection:
            assert "permit_search" not in tables(connection)
            words = connection.execute(
                text("SELECT rowid FROM permit_words WHERE permit_words MATCH :q"),
                {"q": '"734" AND "irv"*'},
            ).scalars()
            numbers = connection.execute(
                text("SELECT rowid FROM permit_numbers WHERE permit_numbers MATCH :q"),
                {"q": '"200001"*'},
            ).scalars()
            assert (list(words), list(numbers)) == ([7], [7])
        downgrade(revision="a7b8c9d0e1f2")
        with db.engine.connect() as connection:
            assert not {"permit_words", "permit_numbers"} & tables(connection)
            found = connection.execute(
                text("SELECT rowid FROM permit_search WHERE permit_search MATCH :q"),
                {"q": 'number : "200001" AND words : " irving "'},
            ).scalars()
            assert list(found) == [7]
        downgrade(revision="base")
        db.engine.dispose()

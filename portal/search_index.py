"""The databases' own text-search structures behind the staff search (portal/search.py).

PostgreSQL: the pg_trgm extension and GIN trigram indexes, which answer LIKE/ILIKE '%text%'
without reading every row. SQLite: FTS5 tables with the trigram tokenizer (SQLite 3.34 or
later), one row per permit and per account under the same rowid, kept in step by triggers,
so every write (ORM, Core bulk insert, the importer's UPDATE, a DELETE) updates them. A
later revision that rebuilds permits or users on SQLite (batch_alter_table's copy and
rename) drops their triggers with the old table and must create them again.

Neither kind is a model: SQLAlchemy cannot describe a virtual table, a trigger or an operator
class index on both backends. They are made here when the schema is made with create_all
(tests, the bench) and by the Alembic revision that introduced them (which keeps its own
copy of the statements, as revisions are frozen); the models-versus-migrations comparison and
autogenerate leave them out through is_search_index().
"""

import sqlite3

from sqlalchemy import DDL, event
from sqlalchemy.exc import DBAPIError

from portal.models import Base

PG_TRIGRAM_INDEXES = {
    "ix_permits_search_text_trgm": ("permits", "search_text"),
    "ix_permits_permit_num_trgm": ("permits", "permit_num"),
    "ix_users_name_key_trgm": ("users", "name_key"),
    "ix_users_email_trgm": ("users", "email"),
}
PERMIT_FTS = "permit_search"
PERSON_FTS = "person_search"
SQLITE_FTS_TABLES = (PERMIT_FTS, PERSON_FTS)
MIN_SQLITE = (3, 34, 0)

# The FTS5 tables, filled from the rows already there, and the triggers that keep them in step.
SQLITE_STATEMENTS = (
    "CREATE VIRTUAL TABLE permit_search USING fts5(number, words, tokenize='trigram')",
    "INSERT INTO permit_search (rowid, number, words) SELECT id, permit_num, search_text "
    "FROM permits",
    "CREATE TRIGGER permit_search_insert AFTER INSERT ON permits BEGIN "
    "INSERT INTO permit_search (rowid, number, words) "
    "VALUES (new.id, new.permit_num, new.search_text); END",
    "CREATE TRIGGER permit_search_update AFTER UPDATE OF permit_num, search_text ON permits "
    "BEGIN UPDATE permit_search SET number = new.permit_num, words = new.search_text "
    "WHERE rowid = new.id; END",
    "CREATE TRIGGER permit_search_delete AFTER DELETE ON permits BEGIN "
    "DELETE FROM permit_search WHERE rowid = old.id; END",
    "CREATE VIRTUAL TABLE person_search USING fts5(name, email, tokenize='trigram')",
    "INSERT INTO person_search (rowid, name, email) SELECT id, name_key, email FROM users",
    "CREATE TRIGGER person_search_insert AFTER INSERT ON users BEGIN "
    "INSERT INTO person_search (rowid, name, email) VALUES (new.id, new.name_key, new.email); "
    "END",
    "CREATE TRIGGER person_search_update AFTER UPDATE OF name_key, email ON users BEGIN "
    "UPDATE person_search SET name = new.name_key, email = new.email WHERE rowid = new.id; END",
    "CREATE TRIGGER person_search_delete AFTER DELETE ON users BEGIN "
    "DELETE FROM person_search WHERE rowid = old.id; END",
)


def postgresql_statements() -> list[str]:
    return [
        f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)"
        for name, (table, column) in PG_TRIGRAM_INDEXES.items()
    ]


def check_sqlite() -> None:
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise RuntimeError(
            f"The staff search needs SQLite 3.34 or later (FTS5 with the trigram tokenizer); "
            f"this Python has SQLite {sqlite3.sqlite_version}."
        )


PG_EXTENSION_HELP = (
    "The staff search needs PostgreSQL's pg_trgm extension, and this database role cannot "
    "create it. Ask a superuser to run CREATE EXTENSION pg_trgm in this database (it is a "
    "trusted extension from PostgreSQL 13, so the database's owner can too), then upgrade again."
)


def is_search_index(name: str | None, type_: str) -> bool:
    """Whether a reflected table or index is one of these structures (or an FTS5 shadow
    table such as permit_search_data), for the comparison with the models."""
    if type_ == "index":
        return name in PG_TRIGRAM_INDEXES
    if type_ == "table" and name:
        return any(name == fts or name.startswith(f"{fts}_") for fts in SQLITE_FTS_TABLES)
    return False


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's include_name hook: compare and autogenerate everything but these."""
    return not is_search_index(name, type_)


def create(connection) -> None:
    """Make the search structures, filled from the rows already there."""
    if connection.dialect.name == "sqlite":
        check_sqlite()
        statements = list(SQLITE_STATEMENTS)
    elif connection.dialect.name == "postgresql":
        try:
            with connection.begin_nested():
                connection.execute(DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except DBAPIError as error:
            raise RuntimeError(PG_EXTENSION_HELP) from error
        statements = postgresql_statements()
    else:
        return
    for statement in statements:
        connection.execute(DDL(statement))


def drop(connection) -> None:
    """Remove the search structures (the bench drops them for its bulk load, then calls
    create(), which is faster than keeping them up to date row by row)."""
    if connection.dialect.name == "sqlite":
        for fts in SQLITE_FTS_TABLES:
            for event_name in ("insert", "update", "delete"):
                connection.execute(DDL(f"DROP TRIGGER IF EXISTS {fts}_{event_name}"))
            connection.execute(DDL(f"DROP TABLE IF EXISTS {fts}"))
    elif connection.dialect.name == "postgresql":
        for name in PG_TRIGRAM_INDEXES:
            connection.execute(DDL(f"DROP INDEX IF EXISTS {name}"))


event.listen(Base.metadata, "after_create", lambda _target, connection, **_kw: create(connection))
event.listen(Base.metadata, "before_drop", lambda _target, connection, **_kw: drop(connection))

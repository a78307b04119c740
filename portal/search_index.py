"""The databases' own text-search structures behind the staff search (portal/search.py).

PostgreSQL: the pg_trgm extension and GIN trigram indexes, which answer LIKE/ILIKE '%text%'
without reading every row. SQLite (3.34 or later): FTS5 tables, one row per permit or account
under the same rowid: permit_words (the address's words as tokens), permit_numbers (the
number's suffixes as tokens; revision b8c9d0e1f2a3 put these two in place of the permits'
trigram table) and person_search (names and emails, trigram tokenizer), kept in step by triggers,
so every write (ORM, Core bulk insert, the importer's UPDATE, a DELETE) updates them. A
later revision that rebuilds permits or users on SQLite (batch_alter_table's copy and
rename) drops their triggers with the old table and must create them again.

Neither kind is a model: SQLAlchemy cannot describe a virtual table, a trigger or an operator
class index on both backends. They are made here when the schema is made with create_all
(tests, the bench) and by the Alembic revisions that introduced them (e7a1c2b3d4f5,
b8c9d0e1f2a3; each keeps its own copy of the statements, as revisions are frozen); the
models-versus-migrations comparison and autogenerate leave them out through is_search_index().
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
PERMIT_WORDS = "permit_words"
PERMIT_NUMBERS = "permit_numbers"
PERSON_FTS = "person_search"
SQLITE_FTS_TABLES = (PERMIT_WORDS, PERMIT_NUMBERS, PERSON_FTS)
MIN_SQLITE = (3, 34, 0)

# permit_words: the address's words as whole tokens (permits.search_text is space-delimited
# and holds only a-z, 0-9 and the four characters below), so " 734 " is the token 734 and
# " irv" the tokens starting with irv. Prefix indexes for every length a typed word has up
# to WORD_PREFIX_MAX: without one, a prefix query gathers the rows of every word it starts
# (all of Chicago for "chic") before the first row comes out. Rows only, no positions
# (detail=none): the search asks which rows hold a word, never where.
WORD_PREFIX_MAX = 12
WORD_TOKENIZER = "unicode61 tokenchars '#/&-'"
# permit_numbers: every suffix of the permit number as a token, so a piece of a number is
# the start of a token (a prefix query, flat however many numbers there are), where the
# trigram search intersected the rows of trigrams that every number shares ("000").
# Suffixes from each of the first NUMBER_LENGTH characters (permits.permit_num's length).
# Contentless: the suffixes are never read back (a number is checked on permits itself), so
# the triggers remove a row by giving FTS5 the suffixes it indexed ('delete').
NUMBER_LENGTH = 40
NUMBER_PREFIX_MIN, NUMBER_PREFIX_MAX = 3, 12
NUMBER_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '#&+-./_'"


def number_suffixes_sql(column: str) -> str:
    """SQL for the suffixes of a number, space-separated (a trigger has no loops)."""
    return " || ' ' || ".join(f"substr({column}, {start})" for start in range(1, NUMBER_LENGTH + 1))


def _prefixes(low: int, high: int) -> str:
    return " ".join(str(length) for length in range(low, high + 1))


# The FTS5 tables, filled from the rows already there, and the triggers that keep them in step.
SQLITE_STATEMENTS = (
    f"CREATE VIRTUAL TABLE {PERMIT_WORDS} USING fts5(words, "
    f"tokenize=\"{WORD_TOKENIZER}\", prefix='{_prefixes(2, WORD_PREFIX_MAX)}', detail=none)",
    f"INSERT INTO {PERMIT_WORDS} (rowid, words) SELECT id, search_text FROM permits",
    f"CREATE VIRTUAL TABLE {PERMIT_NUMBERS} USING fts5(suffixes, content='', "
    f'tokenize="{NUMBER_TOKENIZER}", '
    f"prefix='{_prefixes(NUMBER_PREFIX_MIN, NUMBER_PREFIX_MAX)}', detail=none)",
    f"INSERT INTO {PERMIT_NUMBERS} (rowid, suffixes) "
    f"SELECT id, {number_suffixes_sql('permit_num')} FROM permits",
    f"CREATE TRIGGER {PERMIT_WORDS}_insert AFTER INSERT ON permits BEGIN "
    f"INSERT INTO {PERMIT_WORDS} (rowid, words) VALUES (new.id, new.search_text); "
    f"INSERT INTO {PERMIT_NUMBERS} (rowid, suffixes) "
    f"VALUES (new.id, {number_suffixes_sql('new.permit_num')}); END",
    f"CREATE TRIGGER {PERMIT_WORDS}_update AFTER UPDATE OF search_text ON permits BEGIN "
    f"UPDATE {PERMIT_WORDS} SET words = new.search_text WHERE rowid = new.id; END",
    f"CREATE TRIGGER {PERMIT_NUMBERS}_update AFTER UPDATE OF permit_num ON permits BEGIN "
    f"INSERT INTO {PERMIT_NUMBERS} ({PERMIT_NUMBERS}, rowid, suffixes) "
    f"VALUES ('delete', old.id, {number_suffixes_sql('old.permit_num')}); "
    f"INSERT INTO {PERMIT_NUMBERS} (rowid, suffixes) "
    f"VALUES (new.id, {number_suffixes_sql('new.permit_num')}); END",
    f"CREATE TRIGGER {PERMIT_WORDS}_delete AFTER DELETE ON permits BEGIN "
    f"DELETE FROM {PERMIT_WORDS} WHERE rowid = old.id; "
    f"INSERT INTO {PERMIT_NUMBERS} ({PERMIT_NUMBERS}, rowid, suffixes) "
    f"VALUES ('delete', old.id, {number_suffixes_sql('old.permit_num')}); END",
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

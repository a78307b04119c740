"""Staff search finds what people type (issue 16 item 6)

permits.search_text: the printed address (first and second line, city, state, ZIP) as search
words, directions and suffixes in one spelling, with a space at each end; existing permits
are filled here with the function the model's default uses (portal.search_keys), as the
search-key revision 9853210159b3 did.

The text search itself is the database's own:
- PostgreSQL: the pg_trgm extension (trusted from PostgreSQL 13, so the database's owner may
  create it; a role that cannot gets a message saying what to ask for) and GIN trigram
  indexes on permits.search_text, permits.permit_num, users.name_key and users.email;
- SQLite (3.34 or later): FTS5 tables with the trigram tokenizer, permit_search and
  person_search, filled from the existing rows and kept in step by triggers.
The statements are copied from portal/search_index.py as it was at this revision; the
models-versus-migrations comparison leaves these structures out (search_index.is_search_index).

Revision ID: e7a1c2b3d4f5
Revises: d4e5f6a7b8c9
Create Date: 2026-12-06 07:20:00.000000

"""

import sqlite3

import sqlalchemy as sa
from alembic import op

from portal.search_keys import permit_search_text

BATCH = 5000

# revision identifiers, used by Alembic.
revision = "e7a1c2b3d4f5"
down_revision = "d4e5f6a7b8c9"
branch_labels = None
depends_on = None

PG_TRIGRAM_INDEXES = {
    "ix_permits_search_text_trgm": ("permits", "search_text"),
    "ix_permits_permit_num_trgm": ("permits", "permit_num"),
    "ix_users_name_key_trgm": ("users", "name_key"),
    "ix_users_email_trgm": ("users", "email"),
}
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
SQLITE_TRIGGERS = [
    f"{fts}_{event}"
    for fts in ("permit_search", "person_search")
    for event in ("insert", "update", "delete")
]


def _fill_search_text() -> None:
    """Every existing permit's search words, a batch of rows at a time."""
    permits = sa.table(
        "permits",
        sa.column("id"),
        sa.column("search_text"),
        sa.column("original_address1"),
        sa.column("original_address2"),
        sa.column("original_city"),
        sa.column("original_state"),
        sa.column("original_zip"),
    )
    bind = op.get_bind()
    last_id = 0
    while True:
        batch = bind.execute(
            sa.select(
                permits.c.id,
                permits.c.original_address1,
                permits.c.original_address2,
                permits.c.original_city,
                permits.c.original_state,
                permits.c.original_zip,
            )
            .where(permits.c.id > last_id)
            .order_by(permits.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        bind.execute(
            permits.update()
            .where(permits.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("words")),
            [{"row_id": row[0], "words": permit_search_text(*row[1:])} for row in batch],
        )
        last_id = batch[-1][0]


def _create_pg_trgm() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION pg_trgm"))
    except sa.exc.DBAPIError as error:
        raise RuntimeError(
            "The staff search needs PostgreSQL's pg_trgm extension, and this database role "
            "cannot create it. Ask a superuser to run CREATE EXTENSION pg_trgm in this "
            "database (it is a trusted extension from PostgreSQL 13, so the database's owner "
            f"can too), then upgrade again. PostgreSQL said: {error.orig}"
        ) from error


def upgrade():
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_text", sa.String(length=500), server_default="", nullable=False)
        )
    _fill_search_text()
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _create_pg_trgm()
        for name, (table, column) in PG_TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
    elif dialect == "sqlite":
        if sqlite3.sqlite_version_info < (3, 34, 0):
            raise RuntimeError(
                "The staff search needs SQLite 3.34 or later (FTS5 with the trigram "
                f"tokenizer); this Python has SQLite {sqlite3.sqlite_version}."
            )
        for statement in SQLITE_STATEMENTS:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name in PG_TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX {name}")
        # The extension stays: other databases' objects or a later revision may use it.
    elif dialect == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE person_search")
        op.execute("DROP TABLE permit_search")
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.drop_column("search_text")

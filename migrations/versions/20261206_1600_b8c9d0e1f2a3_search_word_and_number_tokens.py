"""The staff search's permit lookups stay flat with the data on SQLite (issue 17)

SQLite only: the FTS5 trigram table permit_search (the permit number and the address's
words) is replaced by two FTS5 tables, filled from the existing permits and kept in step by
triggers:
- permit_words: the address's words (permits.search_text) as whole tokens, with prefix
  indexes for 2 to 12 characters and no positions (detail=none);
- permit_numbers: every suffix of the permit number as a token, with prefix indexes for 3 to
  12 characters; contentless (the triggers delete a row by giving the suffixes it indexed).
A trigram lookup intersected the rows of trigrams most rows share ("000" in every bench
number, "chicago" in every address) and grew with the data; a token or a token's start is
one list read up to the rows the page shows. person_search is unchanged. PostgreSQL's
trigram indexes are unchanged: nothing to do there.

The statements are copied from portal/search_index.py as it was at this revision; the
models-versus-migrations comparison leaves these structures out (search_index.is_search_index).

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-06 16:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b8c9d0e1f2a3"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None


def _suffixes(column: str) -> str:
    return " || ' ' || ".join(f"substr({column}, {start})" for start in range(1, 41))


NEW_STATEMENTS = (
    "CREATE VIRTUAL TABLE permit_words USING fts5(words, "
    "tokenize=\"unicode61 tokenchars '#/&-'\", prefix='2 3 4 5 6 7 8 9 10 11 12', "
    "detail=none)",
    "INSERT INTO permit_words (rowid, words) SELECT id, search_text FROM permits",
    "CREATE VIRTUAL TABLE permit_numbers USING fts5(suffixes, content='', "
    "tokenize=\"unicode61 remove_diacritics 0 tokenchars '#&+-./_'\", "
    "prefix='3 4 5 6 7 8 9 10 11 12', "
    "detail=none)",
    "INSERT INTO permit_numbers (rowid, suffixes) "
    f"SELECT id, {_suffixes('permit_num')} FROM permits",
    "CREATE TRIGGER permit_words_insert AFTER INSERT ON permits BEGIN "
    "INSERT INTO permit_words (rowid, words) VALUES (new.id, new.search_text); "
    "INSERT INTO permit_numbers (rowid, suffixes) "
    f"VALUES (new.id, {_suffixes('new.permit_num')}); END",
    "CREATE TRIGGER permit_words_update AFTER UPDATE OF search_text ON permits BEGIN "
    "UPDATE permit_words SET words = new.search_text WHERE rowid = new.id; END",
    "CREATE TRIGGER permit_numbers_update AFTER UPDATE OF permit_num ON permits BEGIN "
    "INSERT INTO permit_numbers (permit_numbers, rowid, suffixes) "
    f"VALUES ('delete', old.id, {_suffixes('old.permit_num')}); "
    "INSERT INTO permit_numbers (rowid, suffixes) "
    f"VALUES (new.id, {_suffixes('new.permit_num')}); END",
    "CREATE TRIGGER permit_words_delete AFTER DELETE ON permits BEGIN "
    "DELETE FROM permit_words WHERE rowid = old.id; "
    "INSERT INTO permit_numbers (permit_numbers, rowid, suffixes) "
    f"VALUES ('delete', old.id, {_suffixes('old.permit_num')}); END",
)
NEW_TRIGGERS = (
    "permit_words_insert",
    "permit_words_update",
    "permit_numbers_update",
    "permit_words_delete",
)
OLD_STATEMENTS = (
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
)
OLD_TRIGGERS = ("permit_search_insert", "permit_search_update", "permit_search_delete")


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in OLD_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS permit_search")
    for statement in NEW_STATEMENTS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in NEW_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS permit_numbers")
    op.execute("DROP TABLE IF EXISTS permit_words")
    for statement in OLD_STATEMENTS:
        op.execute(statement)

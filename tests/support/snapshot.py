"""What "nothing changed" means: every row of every table and the document store's files,
before and after a request, and the difference between the two."""

from functools import cache

from sqlalchemy import Table, select

from portal.documents.store import stored_keys
from portal.extensions import db


def snapshot() -> dict:
    """Every row of every table, and the files in the document store. The rows are read
    as the database driver gives them, past the ORM: comparing them needs no Python types,
    and the route-walking tests take two snapshots for each of hundreds of posts (the ORM's
    ~40 queries per snapshot were most of their time; issue 17)."""
    db.session.rollback()
    cursor = db.session.connection().connection.cursor()
    tables = {}
    try:
        for table in db.metadata.sorted_tables:
            cursor.execute(_every_row(table, db.engine.dialect.name))
            tables[table.name] = [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()
    tables["<document store>"] = stored_keys()
    return tables


@cache
def _every_row(table: Table, dialect_name: str) -> str:
    query = select(table).order_by(*table.primary_key.columns)
    return str(query.compile(dialect=db.engine.dialect))


def changes(before: dict, after: dict) -> dict:
    """Per table, the rows that appeared and the rows that disappeared."""
    diff = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            diff[name] = {
                "added": [row for row in new if row not in old],
                "removed": [row for row in old if row not in new],
            }
    return diff

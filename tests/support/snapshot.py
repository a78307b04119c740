"""What "nothing changed" means: every row of every table and the document store's files,
before and after a request, and the difference between the two."""

from sqlalchemy import select

from portal.documents.store import stored_keys
from portal.extensions import db


def snapshot() -> dict:
    """Every row of every table, and the files in the document store."""
    db.session.rollback()
    tables = {
        table.name: [
            tuple(row)
            for row in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in db.metadata.sorted_tables
    }
    tables["<document store>"] = stored_keys()
    return tables


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

"""A starting state built once per test process and put back for each test that asks for it
(issue 17): every row of every table, the document store's files those rows name and the
jobs the building queued, saved after the first build and restored into the empty database
of a later test, so that test starts exactly where a new build would have left it (the
same rows, ids and files), without the services' work of building it again.

Restoring goes through the session like any write, so the shared cache's table versions
move (portal/shared_cache.py), and on PostgreSQL each table's id sequence continues after
the restored rows, as after a build.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table, exists, literal, or_, select, text

from portal.documents.backends import key_for
from portal.documents.models import StoredFile
from portal.documents.store import backend, read_bytes
from portal.extensions import db
from portal.jobs import local as local_jobs


@dataclass(frozen=True)
class SavedRows:
    tables: list[tuple[Table, list[dict]]]
    # key -> (bytes, content type) of every stored file a row names.
    files: dict[str, tuple[bytes, str]]
    jobs: list[tuple[str, str, tuple]]


def database_is_empty() -> bool:
    """No table holds a row: the state a test's database starts in."""
    any_row = or_(*(exists(select(table)) for table in db.metadata.sorted_tables))
    return not db.session.scalar(select(literal(1)).where(any_row))


def save_rows() -> SavedRows:
    """Everything the database and the queue hold now (commit first)."""
    tables = []
    for table in db.metadata.sorted_tables:
        columns: Sequence = list(table.columns)
        query = select(table).order_by(*table.primary_key.columns)
        rows = [
            {column.key: value for column, value in zip(columns, row, strict=True)}
            for row in db.session.execute(query)
        ]
        tables.append((table, rows))
    files = {
        key_for(stored.sha256): (read_bytes(stored), stored.content_type)
        for stored in db.session.scalars(select(StoredFile))
    }
    jobs = [(job.id, job.name, job.args) for job in local_jobs.QUEUE.jobs()]
    return SavedRows(tables, files, jobs)


def restore_rows(saved: SavedRows) -> None:
    """Put the saved rows, files and jobs back into an empty database and queue."""
    for table, rows in saved.tables:
        if rows:
            db.session.execute(table.insert(), rows)
    if db.engine.dialect.name == "postgresql":
        _continue_sequences(saved.tables)
    db.session.commit()
    store = backend()
    for key, (data, content_type) in saved.files.items():
        # A test since may have removed a file no row named any more (the store's cleanup).
        if not store.exists(key):
            store.put(key, data, content_type)
    for job_id, name, args in saved.jobs:
        local_jobs.QUEUE.add(job_id, name, args)


def _continue_sequences(tables: list[tuple[Table, list[dict]]]) -> None:
    # The rows came with their ids: the next id the database hands out follows them.
    for table, rows in tables:
        column = table.autoincrement_column
        if column is None or not rows:
            continue
        highest = max(row[column.key] for row in rows)
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
            {"table": table.name, "column": column.name, "value": highest},
        )

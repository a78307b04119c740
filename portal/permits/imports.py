"""The admin's permit import as a background job (issue 15 item 3).

The upload gets the quick checks in the request (a CSV text file whose header names the
required columns; the request's size limit), is stored in the document store, and a
`PermitImport` records it, with its audit entry, in one commit; the `permits.import_file`
job is queued after that commit. The job copies the file from the store, validates every
row and, if the file is clean, writes the permits in batches as `flask permits import`
does (importer.write), then records the outcome in the same commit as the permits.

Why a run killed mid-way writes nothing twice: the permits and the outcome are one
transaction, so a run that dies before its commit leaves nothing of its writes, and the
importer writes by permit number (a number the portal knows updates that permit, never a
second row), so even a run repeated after a commit could not duplicate a permit. A run
claims the import by raising its `attempt` in its own commit; the outcome's conditional
UPDATE names that attempt, so of a run killed (or only slow) and the run that took over,
only the newer can commit: the older's UPDATE matches nothing and it rolls back. A done
or rejected import is over: running its job again does nothing.

A run that fails (the store away, a database fault) records why and goes back to queued
for the queue's retry, or to failed after the last one; `permits.import_sweep` queues
again what waits too long (a job lost with Redis or a restarted `make run`, a worker
killed mid-run).
"""

import io
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import IO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import events, jobs, languages
from portal.documents.store import StoreUnavailable, copy_stored, save_bytes
from portal.errors import DomainError
from portal.extensions import db
from portal.jobs.claimed import ClaimedRuns
from portal.jobs.registry import DEFAULT_RETRY_INTERVALS
from portal.models import utcnow
from portal.permits import importer
from portal.permits.models import IMPORT_TRANSITIONS, ImportStatus, PermitImport
from portal.workflow import rows_changed

log = logging.getLogger(__name__)

TASK = "permits.import_file"
# The longest a run may take (the job's timeout): 20,000 rows took 44 s on a loaded
# machine, and the request's limit allows about twenty times as many.
RUN_SECONDS = 3600
# Runs before an import is failed for good (the first and the queue's retries).
MOST_ATTEMPTS = 1 + len(DEFAULT_RETRY_INTERVALS)
# The page lists this many errors, as the upload page did.
ERRORS_KEPT = 1000
# A file larger than this is copied from the store to a temporary file on disk.
IN_MEMORY_BYTES = 8 * 1024 * 1024
# Queued this long without a run: its job may be lost, the sweep queues it again.
QUEUED_GRACE = timedelta(minutes=2)
RECENT = 20

# How a run claims the import, says it failed, and how the sweep finds one whose job was lost.
RUNS = ClaimedRuns(
    model=PermitImport,
    transitions=IMPORT_TRANSITIONS,
    queued=ImportStatus.QUEUED,
    running=ImportStatus.RUNNING,
    failed=ImportStatus.FAILED,
    most_attempts=MOST_ATTEMPTS,
    run_seconds=RUN_SECONDS,
    queued_grace=QUEUED_GRACE,
)

# Why a run could not finish, as the admin reads it (the record keeps the key).
STORE, CONFLICT, FAULT = "store_unavailable", "conflict", "fault"
FAILURES = {
    STORE: _l("The document store could not be reached."),
    CONFLICT: _l("Another import wrote some of these permits at the same time."),
    FAULT: _l("An unexpected error stopped it (the Background jobs page has the details)."),
}


class ImportRefused(DomainError):
    pass


def start(source: IO[bytes], *, filename: str, actor) -> PermitImport:
    """Store the upload and queue its import, after the quick checks. Commits.

    ImportRefused names what is wrong with the file; StoreUnavailable when the store
    cannot take it. Either way nothing is recorded."""
    data = source.read()
    problem = importer.check_header(io.BytesIO(data))
    if problem is not None:
        raise ImportRefused(problem.message)
    try:
        stored = save_bytes(data, "text/csv")
        record = PermitImport(
            filename=filename,
            stored_file_id=stored.id,
            sha256=stored.sha256,
            size=stored.size,
            uploaded_by_id=actor.id,
        )
        db.session.add(record)
        events.happened(
            "permits.import_queued",
            record,
            actor=actor,
            filename=filename,
            sha256=stored.sha256,
            size=stored.size,
        )
        jobs.after_commit(TASK, record.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return record


def recent(limit: int = RECENT) -> list[PermitImport]:
    return list(
        db.session.scalars(
            # The list shows who uploaded each: loaded with it, not a query per row.
            select(PermitImport)
            .options(joinedload(PermitImport.uploaded_by))
            .order_by(PermitImport.id.desc())
            .limit(limit)
        )
    )


def _reload(import_id: int) -> PermitImport | None:
    return db.session.scalar(
        select(PermitImport)
        .where(PermitImport.id == import_id)
        .execution_options(populate_existing=True)
    )


def run(import_id: int) -> PermitImport | None:
    """The job: claim the import, validate and write the file, record the outcome. A
    failure is recorded on the import, then raised for the queue to retry."""
    record = _reload(import_id)
    if record is None or record.is_over:
        return record
    attempt = RUNS.claim(record)
    if attempt is None:
        # Another run claimed it between the read and the claim: that run goes on.
        return _reload(import_id)
    record = _reload(import_id)
    assert record is not None
    try:
        return _import(record, attempt)
    except Exception as error:
        db.session.rollback()
        _record_failure(import_id, attempt, error)
        raise


@contextmanager
def _spooled(record: PermitImport) -> Iterator[IO[bytes]]:
    """The stored file as a seekable stream (read twice by the importer)."""
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES) as copy:
        copy_stored(record.stored_file, copy)
        copy.seek(0)
        yield copy


def _import(record: PermitImport, attempt: int) -> PermitImport | None:
    """Validate, write (a clean file only) and record the outcome, in one commit."""
    actor = record.uploaded_by
    # The errors are kept as text, in the language of the admin who uploaded the file.
    with languages.rendering_in(actor.locale), _spooled(record) as source:
        report = importer.validate(source, max_reported_errors=ERRORS_KEPT)
        if report.ok:
            importer.write(source, report, actor=actor)
        errors = [
            {"row": error.row, "column": error.column, "message": error.message}
            for error in report.errors
        ]
    target = ImportStatus.DONE if report.ok else ImportStatus.REJECTED
    IMPORT_TRANSITIONS.check(ImportStatus.RUNNING, target)
    recorded = rows_changed(
        update(PermitImport)
        .where(
            PermitImport.id == record.id,
            PermitImport.status == ImportStatus.RUNNING,
            PermitImport.attempt == attempt,
        )
        .values(
            status=target,
            finished_at=utcnow(),
            rows=report.rows,
            created_permits=report.created,
            updated_permits=report.updated,
            error_count=report.error_count,
            errors=errors,
        )
        .execution_options(synchronize_session=False)
    )
    if recorded != 1:
        # A newer run took the import over: its outcome stands, this run's writes go.
        db.session.rollback()
        return _reload(record.id)
    if report.ok:
        # The same entry `flask permits import` writes, naming the import.
        events.happened(
            "permits.imported",
            record,
            actor=actor,
            filename=record.filename,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
        )
    else:
        events.happened(
            "permits.import_rejected",
            record,
            actor=actor,
            filename=record.filename,
            rows=report.rows,
            errors=report.error_count,
        )
    db.session.commit()
    return _reload(record.id)


def _failure_kind(error: Exception) -> str:
    if isinstance(error, StoreUnavailable):
        return STORE
    if isinstance(error, IntegrityError):
        return CONFLICT
    return FAULT


def _record_failure(import_id: int, attempt: int, error: Exception) -> None:
    """Say on the import why the run stopped (jobs/claimed.py), audited when it failed for good."""

    def audit_failed(import_id: int) -> None:
        record = _reload(import_id)
        assert record is not None
        events.happened(
            "permits.import_failed",
            record,
            actor=record.uploaded_by,
            filename=record.filename,
            attempts=attempt,
            failure=_failure_kind(error),
        )

    RUNS.record_failure(import_id, attempt, _failure_kind(error), audit_failed)


def due_ids(limit: int) -> list[int]:
    """Imports whose job may be lost (the sweep queues them again)."""
    return RUNS.lost_ids(limit)

"""The staff's open-data exports as a background job (issue 15 item 3).

The request checks the form (and that the filters match something, for the permits), and
in one commit writes a `DataExport` (what, the filters as given, who, when) and its audit
entry; the `exports.write_csv` job is queued after that commit and the staff member is
sent to the export's page. The job writes the CSV with the feature's row generator
(constant memory: the rows are fetched in batches and written to a temporary file as they
come), stores the file in the document store (content-addressed, as every file the portal
keeps: the same download, backup and verification serve it) and records the file, the
row count and the size in one commit.

Safe when run twice or killed mid-way, as the permit import: a run claims the export by
raising its `attempt` in its own commit, and the outcome's conditional UPDATE names that
attempt, so a run killed before its commit records nothing, a run overtaken by a newer
one matches no row (it checks before storing its file, too), and a done export is left
alone. A run that fails records why and goes back to queued for the queue's retry, or to
failed after its last one; the sweep (`exports.sweep`, every five minutes) queues again the
exports left waiting and removes the files of exports older than EXPORT_KEPT_DAYS.

The kinds of export are registered here by the feature that owns the rows: permits
registers its own, inspections (a higher feature) registers its in its contributions.
"""

import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import events, jobs
from portal.calendar import local_today
from portal.csv_export import BOM
from portal.documents.store import StoreUnavailable, delete_unused, save_file
from portal.errors import DomainError
from portal.extensions import db
from portal.jobs.claimed import ClaimedRuns
from portal.jobs.registry import DEFAULT_RETRY_INTERVALS
from portal.models import utcnow
from portal.permits import export
from portal.permits.models import EXPORT_TRANSITIONS, DataExport, ExportStatus, PermitStatus
from portal.template_helpers import long_date
from portal.workflow import rows_changed

log = logging.getLogger(__name__)

TASK = "exports.write_csv"
# The longest a run may take (the job's timeout): a million permits took 22 s on an idle
# machine and minutes on a busy one.
RUN_SECONDS = 3600
MOST_ATTEMPTS = 1 + len(DEFAULT_RETRY_INTERVALS)
# Queued this long without a run: its job may be lost, the sweep queues it again.
QUEUED_GRACE = timedelta(minutes=2)
# A written file is kept this long, then removed by the sweep: a copy of the register
# made for the open data portal or a spreadsheet, not a record the department must keep
# (the database is); a new export gives today's data.
EXPORT_KEPT_DAYS = 30
RECENT = 20

# How a run claims the export, says it failed, and how the sweep finds one whose job was lost.
RUNS = ClaimedRuns(
    model=DataExport,
    transitions=EXPORT_TRANSITIONS,
    queued=ExportStatus.QUEUED,
    running=ExportStatus.RUNNING,
    failed=ExportStatus.FAILED,
    most_attempts=MOST_ATTEMPTS,
    run_seconds=RUN_SECONDS,
    queued_grace=QUEUED_GRACE,
)

STORE, FAULT = "store_unavailable", "fault"
FAILURES = {
    STORE: _l("The document store could not be reached."),
    FAULT: _l("An unexpected error stopped it (the Background jobs page has the details)."),
}


class NothingToExport(DomainError):
    """The filters match no record: said on the form rather than a file of one header."""


@dataclass(frozen=True)
class ExportKind:
    key: str
    # What the export holds, as staff read it (a lazy translation).
    label: Any
    # The CSV's lines (header first) for the filters as stored.
    rows: Callable[[dict], Iterator[str]]
    # The filters in words, in the reader's language.
    describe: Callable[[dict], list[str]]


KINDS: dict[str, ExportKind] = {}


def kind(key: str, *, label, rows, describe) -> ExportKind:
    """Register an export kind (permits here; inspections from its contributions)."""
    KINDS[key] = ExportKind(key, label, rows, describe)
    return KINDS[key]


# ---- the permits' export -----------------------------------------------------------------


def permit_filters(
    issued_from: date | None, issued_to: date | None, status: PermitStatus | None
) -> dict:
    return {
        "issued_from": issued_from.isoformat() if issued_from else None,
        "issued_to": issued_to.isoformat() if issued_to else None,
        "status": status.value if status else None,
    }


def permit_filter(filters: dict) -> export.PermitFilter:
    def day(name: str) -> date | None:
        value = filters.get(name)
        return date.fromisoformat(value) if value else None

    status = filters.get("status")
    return export.PermitFilter(
        issued_from=day("issued_from"),
        issued_to=day("issued_to"),
        status=PermitStatus(status) if status else None,
    )


def _describe_permits(filters: dict) -> list[str]:
    chosen = permit_filter(filters)
    words = []
    if chosen.issued_from and chosen.issued_to:
        words.append(
            _(
                "Issued between %(start)s and %(end)s",
                start=long_date(chosen.issued_from),
                end=long_date(chosen.issued_to),
            )
        )
    elif chosen.issued_from:
        words.append(_("Issued on or after %(start)s", start=long_date(chosen.issued_from)))
    elif chosen.issued_to:
        words.append(_("Issued on or before %(end)s", end=long_date(chosen.issued_to)))
    if chosen.status:
        words.append(_("Status: %(status)s", status=chosen.status.label))
    return words or [_("Every permit")]


PERMITS = kind(
    "permits",
    label=_l("Permits"),
    rows=lambda filters: export.blds_rows(permit_filter(filters)),
    describe=_describe_permits,
)


# ---- the request ------------------------------------------------------------------------


def start(key: str, filters: dict, *, for_excel: bool, actor) -> DataExport:
    """Record the export and queue its job. Commits. NothingToExport when the permits'
    filters match no permit (one indexed probe, so the form can say so)."""
    if key == PERMITS.key and not export.any_permit(permit_filter(filters)):
        raise NothingToExport()
    name = f"{key}-{local_today().isoformat()}{'-excel' if for_excel else ''}.csv"
    try:
        record = DataExport(
            kind=key,
            filters=filters,
            for_excel=for_excel,
            requested_by_id=actor.id,
            filename=name,
        )
        db.session.add(record)
        db.session.flush()
        events.happened(
            "exports.queued", record, actor=actor, kind=key, filters=filters, for_excel=for_excel
        )
        jobs.after_commit(TASK, record.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return record


def recent_for(user_id: int, limit: int = RECENT) -> list[DataExport]:
    return list(
        db.session.scalars(
            select(DataExport)
            .where(DataExport.requested_by_id == user_id)
            .order_by(DataExport.id.desc())
            .limit(limit)
        )
    )


def kept_until(record: DataExport):
    """When the sweep removes the written file."""
    if record.finished_at is None:
        return None
    return record.finished_at + timedelta(days=EXPORT_KEPT_DAYS)


def is_due_to_go(record: DataExport) -> bool:
    """Whether the sweep removes (or is removing) the export's file: past its days."""
    until = kept_until(record)
    return until is not None and until <= utcnow()


def requeue(record: DataExport) -> None:
    """Queue a waiting export's job again (deduplicated by the job's id): with the embedded
    queue there is no sweep, so a job lost with a restarted `make run` is redone when
    someone looks at the export's page. Redis away is logged, not raised: the page still
    says the export is waiting, and the sweep queues it again."""
    if record.status != ExportStatus.QUEUED:
        return
    try:
        jobs.enqueue(TASK, record.id)
    except Exception:  # noqa: BLE001 - the page answers anyway; the sweep queues it
        log.exception("could not queue export %s again", record.id)


# ---- the job ----------------------------------------------------------------------------


def _reload(export_id: int) -> DataExport | None:
    return db.session.scalar(
        select(DataExport)
        .options(joinedload(DataExport.requested_by))
        .where(DataExport.id == export_id)
        .execution_options(populate_existing=True)
    )


def run(export_id: int) -> DataExport | None:
    """The job: claim the export, write and store the CSV, record the outcome. A failure
    is recorded on the export, then raised for the queue to retry."""
    record = _reload(export_id)
    if record is None or record.is_over:
        return record
    attempt = RUNS.claim(record)
    if attempt is None:
        # Another run claimed it between the read and the claim: that run goes on.
        return _reload(export_id)
    record = _reload(export_id)
    assert record is not None
    try:
        return _write(record, attempt)
    except Exception as error:
        db.session.rollback()
        _record_failure(export_id, attempt, error)
        raise


def _still_ours(export_id: int, attempt: int) -> bool:
    query = select(DataExport.id).where(
        DataExport.id == export_id,
        DataExport.status == ExportStatus.RUNNING,
        DataExport.attempt == attempt,
    )
    return db.session.execute(query).first() is not None


def _write(record: DataExport, attempt: int) -> DataExport | None:
    """Write the CSV to a temporary file line by line (its SHA-256 and size counted on the
    way), store it and record the outcome in one commit."""
    digest, size, lines = hashlib.sha256(), 0, 0
    start = [BOM] if record.for_excel else []
    with tempfile.NamedTemporaryFile(prefix="export-", suffix=".csv") as handle:
        for line in chain(start, KINDS[record.kind].rows(record.filters)):
            data = line.encode("utf-8")
            handle.write(data)
            digest.update(data)
            size += len(data)
            lines += 1
        handle.flush()
        db.session.rollback()  # ends the read transaction of the rows
        if not _still_ours(record.id, attempt):
            # A newer run took the export over: its file stands, this one is not stored.
            return _reload(record.id)
        stored = save_file(Path(handle.name), "text/csv", digest.hexdigest(), size)
    rows = lines - 1 - len(start)
    EXPORT_TRANSITIONS.check(ExportStatus.RUNNING, ExportStatus.DONE)
    recorded = rows_changed(
        update(DataExport)
        .where(
            DataExport.id == record.id,
            DataExport.status == ExportStatus.RUNNING,
            DataExport.attempt == attempt,
        )
        .values(
            status=ExportStatus.DONE,
            finished_at=utcnow(),
            rows=rows,
            size=size,
            stored_file_id=stored.id,
        )
        .execution_options(synchronize_session=False)
    )
    if recorded != 1:
        db.session.rollback()
        return _reload(record.id)
    events.happened(
        "exports.done",
        record,
        actor=record.requested_by,
        kind=record.kind,
        rows=rows,
        size=size,
        sha256=stored.sha256,
    )
    db.session.commit()
    return _reload(record.id)


def _failure_kind(error: Exception) -> str:
    return STORE if isinstance(error, StoreUnavailable) else FAULT


def _record_failure(export_id: int, attempt: int, error: Exception) -> None:
    """Say on the export why the run stopped (jobs/claimed.py), audited when it failed for good."""

    def audit_failed(export_id: int) -> None:
        record = _reload(export_id)
        assert record is not None
        events.happened(
            "exports.failed",
            record,
            actor=record.requested_by,
            kind=record.kind,
            attempts=attempt,
            failure=_failure_kind(error),
        )

    RUNS.record_failure(export_id, attempt, _failure_kind(error), audit_failed)


# ---- the sweep --------------------------------------------------------------------------


def due_ids(limit: int) -> list[int]:
    """Exports whose job may be lost (the sweep queues them again)."""
    return RUNS.lost_ids(limit)


def remove_old_files(limit: int) -> int:
    """Remove the files of the exports written more than EXPORT_KEPT_DAYS ago (done ->
    expired, audited); a file another record also names (the same bytes, uploaded as an
    import) stays in the store. Commits each. Returns how many were removed.

    Each is moved by a conditional UPDATE (still done): of two sweeps at once, the one
    whose UPDATE comes second changes no row, and writes no audit entry and deletes
    nothing."""
    old = db.session.scalars(
        select(DataExport)
        .where(
            DataExport.status == ExportStatus.DONE,
            DataExport.finished_at < utcnow() - timedelta(days=EXPORT_KEPT_DAYS),
        )
        .order_by(DataExport.id)
        .limit(limit)
    ).all()
    EXPORT_TRANSITIONS.check(ExportStatus.DONE, ExportStatus.EXPIRED)
    removed = 0
    for record in old:
        stored = record.stored_file
        moved = rows_changed(
            update(DataExport)
            .where(DataExport.id == record.id, DataExport.status == ExportStatus.DONE)
            .values(status=ExportStatus.EXPIRED, stored_file_id=None)
            .execution_options(synchronize_session=False)
        )
        if moved != 1:
            db.session.rollback()  # another sweep expired it
            continue
        removed += 1
        events.happened(
            "exports.expired", record, actor=None, kind=record.kind, days=EXPORT_KEPT_DAYS
        )
        if stored is None:
            db.session.commit()
        else:
            delete_unused(stored)  # commits
    return removed

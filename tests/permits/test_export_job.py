"""The staff's open-data exports as a background job (issue 15 item 3): the request records
the export and queues its job, writing no file; the `exports.write_csv` job writes the CSV
once, whatever is run twice, killed or overtaken; the export's page tells staff how it went
and downloads the file; the sweep re-queues exports left waiting and removes old files."""

import hashlib
import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal import tasks
from portal.auth.models import Role
from portal.documents.backends import key_for
from portal.documents.models import StoredFile
from portal.documents.store import StoreUnavailable, backend, read_bytes
from portal.extensions import db
from portal.inspections import export as inspections_export
from portal.jobs import local, queueing
from portal.models import utcnow
from portal.permits import export, exports
from portal.permits.models import DataExport, ExportStatus, PermitStatus
from tests.factories import make_permit, make_user, sign_in_as
from tests.factories.permits import permit_import
from tests.support.audit import audit_entries
from tests.support.exports import ask_for_export, rows_of
from tests.support.jobs import fail_for_good, queued_jobs, run_jobs
from tests.support.pages import check_page
from tests.support.stored import BUCKET, closed_port_url, store_settings


class Killed(BaseException):
    """The worker's process dying: nothing after it runs, not even the failure's record."""


def _job(export_id: int = 1) -> str:
    return queueing.job_id(exports.TASK, (export_id,))


def _the_export() -> DataExport:
    db.session.expire_all()
    return db.session.scalars(select(DataExport)).one()


def _stored_count() -> int:
    return db.session.scalar(select(func.count(StoredFile.id)))


@pytest.fixture
def staff():
    return make_user(role=Role.STAFF, name="Pat Staff")


@pytest.fixture
def staff_client(client, staff):
    sign_in_as(client, staff)
    return client


def test_asking_records_the_export_and_queues_its_job_without_writing_a_file(staff_client, staff):
    make_permit(permit_num="BP-EXP-1", issued_date=date(2026, 3, 2))
    make_permit(permit_num="BP-EXP-2", issued_date=date(2026, 5, 2))

    response = ask_for_export(staff_client, issued_from="2026-03-01", status="Issued")

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/exports/1"
    record = _the_export()
    assert (record.kind, record.status, record.requested_by_id) == (
        "permits",
        ExportStatus.QUEUED,
        staff.id,
    )
    assert record.filters == {"issued_from": "2026-03-01", "issued_to": None, "status": "Issued"}
    assert record.stored_file_id is None
    assert _stored_count() == 0
    assert queued_jobs() == [_job()]
    [entry] = audit_entries("exports.queued")
    assert entry.details["kind"] == "permits"
    assert "2026-03-01" in entry.details["filters"]

    page = staff_client.get("/staff/exports/1")
    check_page(page.data)
    assert "Export: Permits" in page.text
    assert "The export is waiting to be written" in page.text
    assert "Issued on or after 1 March 2026; Status: Issued" in page.text
    assert 'href="/staff/exports/1">Refresh this page' in page.text
    assert "/staff/exports/1/download" not in page.text
    # Before the file is written the download leads back to the page.
    assert staff_client.get("/staff/exports/1/download").headers["Location"] == "/staff/exports/1"

    run_jobs()
    page = staff_client.get("/staff/exports/1")
    check_page(page.data)
    assert "The file is ready" in page.text
    assert "2 rows, written" in page.text
    assert "Refresh this page" not in page.text
    record = _the_export()
    assert (record.status, record.rows, record.attempt) == (ExportStatus.DONE, 2, 1)
    download = staff_client.get("/staff/exports/1/download")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["Content-Disposition"] == f"attachment; filename={record.filename}"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert len(download.data) == record.size
    assert hashlib.sha256(download.data).hexdigest() == record.stored_file.sha256
    assert [row["PermitNum"] for row in rows_of(download)] == ["BP-EXP-1", "BP-EXP-2"]
    listing = staff_client.get("/staff/exports")
    check_page(listing.data)
    assert "Your recent exports" in listing.text
    assert f'href="/staff/exports/1">Permits: {record.filename}' in listing.text
    assert "Ready to download" in listing.text


def test_the_file_is_what_the_streamed_export_gave(app, staff_client):
    make_permit(permit_num="BP-SAME-1", issued_date=date(2026, 1, 10))
    make_permit(permit_num="BP-SAME-2", issued_date=date(2026, 2, 10), description="=1+1")
    make_permit(
        permit_num="BP-SAME-3",
        issued_date=date(2026, 3, 10),
        status_current=PermitStatus.EXPIRED,
    )
    ask_for_export(staff_client, issued_to="2026-02-28")
    ask_for_export(staff_client, "inspections")
    run_jobs()

    permits, inspections = db.session.scalars(select(DataExport).order_by(DataExport.id)).all()
    streamed = "".join(export.blds_rows(export.PermitFilter(issued_to=date(2026, 2, 28))))
    assert read_bytes(permits.stored_file).decode() == streamed
    assert streamed.splitlines()[0].split(",") == list(export.COLUMNS)
    assert "BP-SAME-3" not in streamed
    assert "'=1+1" in streamed
    assert read_bytes(inspections.stored_file).decode() == "".join(inspections_export.blds_rows())
    assert (permits.rows, inspections.rows) == (2, 0)


def test_the_job_writes_the_file_once_even_when_run_twice(staff_client):
    make_permit()
    ask_for_export(staff_client)
    run_jobs()
    record = _the_export()
    finished, file_id = record.finished_at, record.stored_file_id

    exports.run(1)
    assert queueing.enqueue(exports.TASK, 1)
    run_jobs()

    record = _the_export()
    assert (record.attempt, record.finished_at, record.stored_file_id) == (1, finished, file_id)
    assert len(audit_entries("exports.done")) == 1


def test_a_run_killed_mid_way_records_nothing_and_the_sweep_has_it_done_once(
    staff_client, monkeypatch
):
    make_permit()
    ask_for_export(staff_client)

    def dies(filters):
        yield "PermitNum\r\n"
        raise Killed()

    monkeypatch.setitem(exports.KINDS, "permits", replace(exports.PERMITS, rows=dies))
    with pytest.raises(Killed):
        exports.run(1)
    db.session.rollback()
    record = _the_export()
    assert (record.status, record.attempt, record.stored_file_id) == (
        ExportStatus.RUNNING,
        1,
        None,
    )
    assert _stored_count() == 0
    monkeypatch.undo()

    # Not yet: the run might still be alive.
    assert exports.due_ids(10) == []
    db.session.execute(
        update(DataExport).values(started_at=utcnow() - timedelta(seconds=exports.RUN_SECONDS + 1))
    )
    db.session.commit()
    local.QUEUE.clear()
    assert tasks.sweep_exports() == 1
    run_jobs()

    record = _the_export()
    assert (record.status, record.attempt, record.rows) == (ExportStatus.DONE, 2, 1)
    assert len(audit_entries("exports.done")) == 1


def test_an_export_left_queued_is_queued_again_by_the_sweep(staff_client):
    make_permit()
    ask_for_export(staff_client)
    local.QUEUE.clear()  # its job lost (Redis restarted, `make run` stopped)
    assert tasks.sweep_exports() == 0  # not yet: queued a moment ago
    db.session.execute(
        update(DataExport).values(updated_at=utcnow() - exports.QUEUED_GRACE - timedelta(1))
    )
    db.session.commit()
    assert tasks.sweep_exports() == 1
    run_jobs()
    assert _the_export().status == ExportStatus.DONE
    assert any(entry.task == "exports.sweep" for entry in tasks.SCHEDULE)


def test_a_run_overtaken_by_a_newer_one_records_and_stores_nothing(staff_client):
    make_permit(permit_num="BP-SLOW-1")
    ask_for_export(staff_client)
    # The first run claimed the export, then stalled (its worker looked dead).
    db.session.execute(
        update(DataExport).values(status=ExportStatus.RUNNING, attempt=1, started_at=utcnow())
    )
    db.session.commit()
    run_jobs()  # the newer run takes over and finishes
    record = _the_export()
    assert (record.status, record.attempt) == (ExportStatus.DONE, 2)
    file_id, stored = record.stored_file_id, _stored_count()
    make_permit(permit_num="BP-SLOW-2")  # so the stalled run's file would differ

    exports._write(record, 1)

    record = _the_export()
    assert (record.attempt, record.stored_file_id, record.rows) == (2, file_id, 1)
    assert _stored_count() == stored
    assert len(audit_entries("exports.done")) == 1


def test_a_failing_run_is_retried_then_failed_for_good(staff_client, monkeypatch):
    make_permit()
    ask_for_export(staff_client)

    def store_away(*args, **kwargs):
        raise StoreUnavailable()

    monkeypatch.setattr(exports, "save_file", store_away)
    run_jobs()
    record = _the_export()
    assert (record.status, record.failure, record.attempt) == (
        ExportStatus.QUEUED,
        "store_unavailable",
        1,
    )
    page = staff_client.get("/staff/exports/1")
    check_page(page.data)
    assert "The last try could not finish: The document store could not be reached." in page.text

    fail_for_good(_job())
    record = _the_export()
    assert (record.status, record.attempt) == (ExportStatus.FAILED, exports.MOST_ATTEMPTS)
    assert len(audit_entries("exports.failed")) == 1
    page = staff_client.get("/staff/exports/1")
    check_page(page.data)
    assert "The export could not be finished" in page.text
    assert "retry it on the Background jobs page" in page.text
    assert staff_client.get("/staff/exports/1/download").status_code == 302

    # Retried from the Background jobs page, with the store back: written.
    monkeypatch.undo()
    assert queueing.retry(_job(), None)
    run_jobs()
    assert _the_export().status == ExportStatus.DONE


def test_every_staff_member_may_see_and_download_an_export_and_no_one_else(
    app, staff_client, client
):
    make_permit()
    ask_for_export(staff_client)
    run_jobs()
    colleague = app.test_client()
    sign_in_as(colleague, make_user(role=Role.STAFF))
    assert colleague.get("/staff/exports/1").status_code == 200
    assert colleague.get("/staff/exports/1/download").status_code == 200
    # Their own list shows only their own exports.
    assert "You have not exported anything yet." in colleague.get("/staff/exports").text
    applicant = app.test_client()
    sign_in_as(applicant, make_user())
    assert applicant.get("/staff/exports/1").status_code == 404
    assert applicant.get("/staff/exports/1/download").status_code == 404
    assert ask_for_export(applicant).status_code == 404
    assert app.test_client().get("/staff/exports/1/download").status_code == 302
    assert staff_client.get("/staff/exports/2").status_code == 404


def test_the_file_is_removed_after_its_days_unless_another_record_names_it(staff_client, staff):
    make_permit()
    ask_for_export(staff_client)
    ask_for_export(staff_client)
    run_jobs()
    first, second = db.session.scalars(select(DataExport).order_by(DataExport.id)).all()
    # The same rows make the same bytes: one stored file, named by both.
    assert first.stored_file_id == second.stored_file_id
    sha256 = first.stored_file.sha256
    old = utcnow() - timedelta(days=exports.EXPORT_KEPT_DAYS, hours=1)
    db.session.execute(update(DataExport).where(DataExport.id == 1).values(finished_at=old))
    db.session.commit()

    tasks.sweep_exports()
    db.session.expire_all()
    first, second = db.session.get(DataExport, 1), db.session.get(DataExport, 2)
    assert (first.status, first.stored_file_id) == (ExportStatus.EXPIRED, None)
    assert second.stored_file is not None
    assert read_bytes(second.stored_file)  # still there for the newer export
    page = staff_client.get("/staff/exports/1")
    check_page(page.data)
    assert "The file was removed" in page.text
    assert staff_client.get("/staff/exports/1/download").status_code == 302

    db.session.execute(update(DataExport).where(DataExport.id == 2).values(finished_at=old))
    db.session.commit()
    tasks.sweep_exports()
    assert _stored_count() == 0
    assert len(audit_entries("exports.expired")) == 2
    with pytest.raises(FileNotFoundError):
        backend().read(key_for(sha256))

    # A file an import names too (the same bytes, uploaded) stays.
    ask_for_export(staff_client)
    run_jobs()
    third = db.session.get(DataExport, 3)
    shared = read_bytes(third.stored_file)
    permit_import(staff, shared)
    db.session.commit()
    db.session.execute(update(DataExport).where(DataExport.id == 3).values(finished_at=old))
    db.session.commit()
    tasks.sweep_exports()
    assert _the_export_with(3).status == ExportStatus.EXPIRED
    assert _stored_count() == 1


def _the_export_with(export_id: int) -> DataExport:
    db.session.expire_all()
    record = db.session.get(DataExport, export_id)
    assert record is not None
    return record


def test_an_excel_export_starts_with_the_mark_and_counts_its_rows(staff_client):
    make_permit()
    make_permit()
    ask_for_export(staff_client, excel=True)
    run_jobs()
    record = _the_export()
    assert record.filename.endswith("-excel.csv")
    assert record.rows == 2
    assert read_bytes(record.stored_file).startswith(b"\xef\xbb\xbfPermitNum,")


def test_the_file_goes_to_the_bucket_and_downloads_from_there(staff_client, s3_store):
    make_permit(permit_num="BP-S3-EXPORT")
    ask_for_export(staff_client)
    run_jobs()
    record = _the_export()
    key = f"documents/{record.stored_file.sha256[:2]}/{record.stored_file.sha256}"
    held = s3_store.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert held.startswith(b"PermitNum,")
    download = staff_client.get("/staff/exports/1/download")
    assert download.data == held
    assert "BP-S3-EXPORT" in download.text


def test_the_store_down_at_the_download_answers_try_again(staff_client, app):
    make_permit()
    ask_for_export(staff_client)
    run_jobs()
    with store_settings(app, f"s3://{BUCKET}/documents", closed_port_url()):
        response = staff_client.get("/staff/exports/1/download")
    assert response.status_code == 503
    assert "Retry-After" in response.headers


def _expire_soon(export_id: int) -> None:
    """Make an export's file older than its days, for the sweep to remove."""
    old = utcnow() - timedelta(days=exports.EXPORT_KEPT_DAYS, hours=1)
    db.session.execute(update(DataExport).where(DataExport.id == export_id).values(finished_at=old))
    db.session.commit()


def test_a_new_export_of_the_same_bytes_keeps_its_file_while_the_sweep_removes_them(
    app, staff_client, monkeypatch
):
    # The sweep removes the first export's file as a second export, of the same rows and so
    # the same bytes, stores its own. Before the fix the row's delete was committed first:
    # the second run found no row, saw the bytes there, skipped the upload and recorded
    # them, then the sweep deleted them under it.
    make_permit()
    ask_for_export(staff_client)
    run_jobs()
    _expire_soon(1)
    ask_for_export(staff_client)
    store = backend()
    delete_bytes = store.delete
    saved = threading.Event()

    def second_run() -> None:
        with app.app_context():
            try:
                exports.run(2)
            finally:
                db.session.remove()
                saved.set()

    def delete_meeting_a_save(key: str) -> None:
        threading.Thread(target=second_run).start()
        # Without the lock the second run finishes in this gap; with it, it waits for the
        # sweep's commit.
        saved.wait(timeout=3)
        delete_bytes(key)

    monkeypatch.setattr(store, "delete", delete_meeting_a_save)
    exports.remove_old_files(10)
    assert saved.wait(timeout=60)

    second = _the_export_with(2)
    assert (_the_export_with(1).status, second.status) == (ExportStatus.EXPIRED, ExportStatus.DONE)
    assert read_bytes(second.stored_file).startswith(b"PermitNum,")


def test_a_waiting_exports_page_answers_with_redis_away(app, staff_client, monkeypatch):
    # The page queues the job again; before the fix Redis's connection error was a 500.
    make_permit()
    ask_for_export(staff_client)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://{closed_port_url()[7:]}/0")
    # The RQ queue is made on first use, on this Redis; gone after the test.
    monkeypatch.setitem(app.extensions, "portal_jobs_queue", None)
    page = staff_client.get("/staff/exports/1")
    assert page.status_code == 200
    assert "The export is waiting to be written" in page.text
    check_page(page.data)


class _Rows(list):
    """Rows already read, answering `.all()` as the session's scalars do."""

    def all(self) -> list:
        return list(self)


def test_two_sweeps_at_once_expire_an_export_once(app, staff_client, monkeypatch):
    # The other sweep expires the export between this one's read and its write: before the
    # fix this one moved its loaded (still done) record again, a second audit entry and a
    # delete of a file row already gone.
    make_permit()
    ask_for_export(staff_client)
    run_jobs()
    _expire_soon(1)
    read = db.session.scalars
    met = []

    def other_sweep() -> None:
        with app.app_context():
            try:
                exports.remove_old_files(10)
            finally:
                db.session.remove()

    def read_then_meet_the_other_sweep(*args, **kwargs):
        rows = read(*args, **kwargs).all()
        if not met:
            met.append(True)
            other = threading.Thread(target=other_sweep)
            other.start()
            other.join(timeout=60)
        return _Rows(rows)

    monkeypatch.setattr(db.session, "scalars", read_then_meet_the_other_sweep)
    exports.remove_old_files(10)
    monkeypatch.undo()

    record = _the_export_with(1)
    assert (record.status, record.stored_file_id) == (ExportStatus.EXPIRED, None)
    assert len(audit_entries("exports.expired")) == 1
    assert _stored_count() == 0


def test_a_run_overtaken_after_its_last_check_records_nothing(staff_client, monkeypatch):
    # The newer run claims the export while this one stores its file (after _still_ours):
    # the outcome's UPDATE names this run's attempt and matches no row.
    make_permit()
    ask_for_export(staff_client)
    save = exports.save_file

    def save_then_lose_the_export(*args, **kwargs):
        stored = save(*args, **kwargs)
        db.session.execute(update(DataExport).values(attempt=DataExport.attempt + 1))
        db.session.commit()
        return stored

    monkeypatch.setattr(exports, "save_file", save_then_lose_the_export)
    exports.run(1)

    record = _the_export()
    assert (record.status, record.attempt) == (ExportStatus.RUNNING, 2)
    assert (record.stored_file_id, record.rows, record.size) == (None, None, None)
    assert audit_entries("exports.done") == []


def test_a_download_racing_the_sweep_goes_to_the_export_page(app, staff_client, monkeypatch):
    # The sweep removes the file between the view's read and the store's answer: before
    # the fix, the page saying the file is missing and to contact the department.
    make_permit()
    ask_for_export(staff_client)
    run_jobs()
    _expire_soon(1)
    store = backend()
    open_bytes = store.open

    def sweep() -> None:
        with app.app_context():
            try:
                exports.remove_old_files(10)
            finally:
                db.session.remove()

    def open_as_the_sweep_runs(key: str):
        other = threading.Thread(target=sweep)
        other.start()
        other.join(timeout=60)
        return open_bytes(key)

    monkeypatch.setattr(store, "open", open_as_the_sweep_runs)
    response = staff_client.get("/staff/exports/1/download")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/exports/1"
    monkeypatch.undo()
    assert "The file was removed" in staff_client.get("/staff/exports/1").text


def test_a_file_lost_from_the_store_still_says_so(app, staff_client):
    make_permit()
    ask_for_export(staff_client)
    run_jobs()
    backend().delete(key_for(_the_export().stored_file.sha256))
    response = staff_client.get("/staff/exports/1/download")
    assert response.status_code == 404


def test_nothing_to_export_names_the_status_in_the_readers_language(staff, staff_client):
    make_permit()  # issued
    staff.locale = "es"
    db.session.commit()
    response = ask_for_export(staff_client, status=PermitStatus.EXPIRED.value)
    assert response.status_code == 200
    assert "“Vencido”" in response.text
    assert "“Expired”" not in response.text

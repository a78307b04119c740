"""The admin's permit import as a background job (issue 15 item 3): the upload is stored
and queued in the request, the `permits.import_file` job validates and writes it once,
whatever is run twice or killed mid-way, and the import's page tells the admin how it
went."""

import hashlib
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal import tasks
from portal.auth.models import Role
from portal.documents.store import StoreUnavailable, read_bytes
from portal.extensions import db
from portal.jobs import local, queueing
from portal.models import utcnow
from portal.permits import importer, imports
from portal.permits.models import ImportStatus, Permit, PermitImport
from tests.factories import make_user, sign_in_as
from tests.support.audit import audit_entries
from tests.support.jobs import fail_for_good, queued_jobs, run_jobs
from tests.support.pages import check_page
from tests.support.permit_csv import csv_bytes, permit_row
from tests.support.queries import counted_queries
from tests.support.stored import BUCKET


class Killed(BaseException):
    """The worker's process dying: nothing after it runs, not even the failure's record."""


def _job(import_id: int = 1) -> str:
    return queueing.job_id(imports.TASK, (import_id,))


def _upload(client, data: bytes, filename: str = "permits.csv"):
    return client.post(
        "/permits/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _the_import() -> PermitImport:
    db.session.expire_all()
    return db.session.scalars(select(PermitImport)).one()


def _permit_count() -> int:
    return db.session.scalar(select(func.count(Permit.id)))


@pytest.fixture
def admin_client(client):
    sign_in_as(client, make_user(role=Role.ADMIN))
    return client


def test_the_upload_is_stored_and_queued_and_writes_no_permit(admin_client):
    data = csv_bytes([permit_row(PermitNum="BP-JOB-1"), permit_row(PermitNum="BP-JOB-2")])
    response = _upload(admin_client, data, "march.csv")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/permits/imports/1")
    assert _permit_count() == 0
    record = _the_import()
    assert record.status == ImportStatus.QUEUED
    assert (record.filename, record.size) == ("march.csv", len(data))
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert read_bytes(record.stored_file) == data
    [entry] = audit_entries("permits.import_queued")
    assert entry.details["sha256"] == record.sha256
    assert queued_jobs() == [_job()]

    page = admin_client.get("/permits/imports/1")
    check_page(page.data)
    assert "Permit import: march.csv" in page.text
    assert "Waiting" in page.text
    assert "The file is waiting to be imported" in page.text
    assert 'href="/permits/imports/1">Refresh this page' in page.text

    run_jobs()
    page = admin_client.get("/permits/imports/1")
    check_page(page.data)
    assert "The file was imported" in page.text
    assert "2 rows: 2 new permits, 0 permits updated." in page.text
    assert "Refresh this page" not in page.text
    assert _permit_count() == 2
    listing = admin_client.get("/permits/import")
    check_page(listing.data)
    assert "Recent imports" in listing.text
    assert 'href="/permits/imports/1">march.csv' in listing.text
    assert "Imported" in listing.text


def test_a_file_refused_at_the_upload_is_neither_stored_nor_queued(admin_client):
    response = _upload(admin_client, b"Nothing,Useful\n1,2\n")
    assert response.status_code == 200
    check_page(response.data)
    assert "The file is missing required columns" in response.text
    assert db.session.scalar(select(PermitImport.id)) is None
    assert queued_jobs() == []


def test_the_job_writes_the_permits_once_even_when_run_twice(app, admin_client):
    _upload(admin_client, csv_bytes([permit_row(PermitNum="BP-TWICE-1")]))
    run_jobs()
    permit = db.session.scalars(select(Permit)).one()
    version, updated_at = permit.version, permit.updated_at

    imports.run(1)
    assert queueing.enqueue(imports.TASK, 1)
    run_jobs()

    db.session.expire_all()
    permit = db.session.scalars(select(Permit)).one()
    assert (permit.version, permit.updated_at) == (version, updated_at)
    assert len(audit_entries("permits.imported")) == 1
    record = _the_import()
    assert (record.status, record.attempt, record.created_permits) == (ImportStatus.DONE, 1, 1)


def test_a_run_killed_mid_way_writes_nothing_and_the_sweep_has_it_done_once(
    app, admin_client, monkeypatch
):
    rows = [permit_row(PermitNum=f"BP-KILL-{n}") for n in range(5)]
    _upload(admin_client, csv_bytes(rows))
    # Batches of two: the kill comes after the first batch was written.
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    real_batch = importer._write_batch
    batches = []

    def dies_on_the_second_batch(*args, **kwargs):
        batches.append(1)
        if len(batches) == 2:
            raise Killed()
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(importer, "_write_batch", dies_on_the_second_batch)
    with pytest.raises(Killed):
        imports.run(1)
    # What the dead worker's connection leaves: its transaction rolled back.
    db.session.rollback()
    assert _permit_count() == 0
    record = _the_import()
    assert (record.status, record.attempt) == (ImportStatus.RUNNING, 1)
    monkeypatch.setattr(importer, "_write_batch", real_batch)

    # Not yet: the run might still be alive.
    assert imports.due_ids(10) == []
    db.session.execute(
        update(PermitImport).values(
            started_at=utcnow() - timedelta(seconds=imports.RUN_SECONDS + 1)
        )
    )
    db.session.commit()
    local.QUEUE.clear()
    assert tasks.sweep_permit_imports() == 1
    run_jobs()

    record = _the_import()
    assert (record.status, record.attempt, record.created_permits) == (ImportStatus.DONE, 2, 5)
    assert _permit_count() == 5
    assert len(audit_entries("permits.imported")) == 1


def test_a_run_overtaken_by_a_newer_one_cannot_commit_its_writes(app, admin_client):
    _upload(admin_client, csv_bytes([permit_row(PermitNum="BP-SLOW-1")]))
    record = _the_import()
    # The first run claimed the import, then stalled (its worker looked dead).
    db.session.execute(
        update(PermitImport).values(status=ImportStatus.RUNNING, attempt=1, started_at=utcnow())
    )
    db.session.commit()
    run_jobs()  # the newer run takes over and finishes
    record = _the_import()
    assert (record.status, record.attempt) == (ImportStatus.DONE, 2)
    permit = db.session.scalars(select(Permit)).one()
    version = permit.version

    # The stalled run wakes up and writes the file again: its outcome matches no row, so
    # its writes are rolled back with it.
    imports._import(record, 1)
    db.session.expire_all()
    assert db.session.scalars(select(Permit)).one().version == version
    assert len(audit_entries("permits.imported")) == 1


def test_a_rejected_file_keeps_its_report(admin_client):
    rows = [permit_row(PermitNum="BP-BAD-1"), permit_row(OriginalZip="ABCDE")]
    _upload(admin_client, csv_bytes(rows), "bad.csv")
    run_jobs()
    record = _the_import()
    assert (record.status, record.error_count) == (ImportStatus.REJECTED, 1)
    assert record.errors == [
        {"row": 3, "column": "OriginalZip", "message": record.errors[0]["message"]}
    ]
    assert _permit_count() == 0
    [entry] = audit_entries("permits.import_rejected")
    assert entry.details["errors"] == 1

    page = admin_client.get("/permits/imports/1")
    check_page(page.data)
    assert "Nothing was imported" in page.text
    assert "The file has 1 error. Correct it and upload the whole file again." in page.text
    assert "Errors in the file" in page.text
    assert "OriginalZip" in page.text
    assert "is not a 5- or 9-digit ZIP code" in page.text
    assert "Not imported: errors in the file" in admin_client.get("/permits/import").text


def test_only_admins_see_an_import(app, client, admin_client):
    _upload(admin_client, csv_bytes([permit_row()]))
    staff = app.test_client()
    sign_in_as(staff, make_user(role=Role.STAFF))
    assert staff.get("/permits/imports/1").status_code == 404
    assert app.test_client().get("/permits/imports/1").status_code in (302, 404)
    assert admin_client.get("/permits/imports/2").status_code == 404


def test_a_failing_run_is_retried_then_failed_for_good(app, admin_client, monkeypatch):
    _upload(admin_client, csv_bytes([permit_row()]))

    def store_away(stored, target):
        raise StoreUnavailable()

    monkeypatch.setattr(imports, "copy_stored", store_away)
    run_jobs()
    record = _the_import()
    assert (record.status, record.failure, record.attempt) == (
        ImportStatus.QUEUED,
        "store_unavailable",
        1,
    )
    page = admin_client.get("/permits/imports/1")
    check_page(page.data)
    assert "The last try could not finish: The document store could not be reached." in page.text

    fail_for_good(_job())
    record = _the_import()
    assert record.status == ImportStatus.FAILED
    assert record.attempt == imports.MOST_ATTEMPTS
    assert len(audit_entries("permits.import_failed")) == 1
    page = admin_client.get("/permits/imports/1")
    check_page(page.data)
    assert "The import could not be finished" in page.text
    assert _permit_count() == 0

    # Retried from the Background jobs page, with the store back: imported.
    monkeypatch.undo()
    assert queueing.retry(_job(), None)
    run_jobs()
    assert _the_import().status == ImportStatus.DONE
    assert _permit_count() == 1


def test_the_file_goes_to_the_bucket_and_the_job_reads_it_from_there(admin_client, s3_store):
    data = csv_bytes([permit_row(PermitNum="BP-S3-1")])
    _upload(admin_client, data)
    digest = hashlib.sha256(data).hexdigest()
    stored = s3_store.get_object(Bucket=BUCKET, Key=f"documents/{digest[:2]}/{digest}")
    assert stored["Body"].read() == data
    run_jobs()
    assert _the_import().status == ImportStatus.DONE
    assert _permit_count() == 1


def test_the_list_of_imports_reads_its_uploaders_with_it(admin_client):
    """Who uploaded each import is loaded with the list, not by a query per row."""
    data = csv_bytes([permit_row(PermitNum="BP-LIST-1")])

    def page_statements() -> int:
        with counted_queries() as statements:
            assert admin_client.get("/permits/import").status_code == 200
        return len(statements)

    _upload(admin_client, data, "one.csv")
    one = page_statements()
    for number in range(3):
        other = make_user(role=Role.ADMIN, email=f"admin{number}@example.com")
        imports.start(io.BytesIO(data), filename=f"more-{number}.csv", actor=other)
    assert page_statements() == one

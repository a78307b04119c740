"""Uploads checked by content and size, downloads as attachments, and who may reach them."""

import pytest
from sqlalchemy import func, select

from portal.applications.models import ApplicationDocument, DocumentType
from portal.documents.models import StoredFile
from portal.extensions import db
from portal.permits.models import PartyRole
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.factories.applications import complete_application
from tests.support.files import JPEG, PDF, PNG, upload
from tests.support.pages import check_page
from tests.support.stored import closed_port_url, store_settings


@pytest.fixture
def docs_url(owner_client, permit):
    owner_client.post(f"/permits/{permit.id}/application/start", data={})
    return f"/permits/{permit.id}/application/documents"


def documents():
    db.session.expire_all()
    return db.session.scalars(select(ApplicationDocument).order_by(ApplicationDocument.id)).all()


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (PDF, "plans.pdf", "application/pdf"),
        (PNG, "floor.png", "image/png"),
        (JPEG, "photo.jpeg", "image/jpeg"),
    ],
)
def test_good_upload_is_stored_listed_and_downloadable(
    owner_client, docs_url, data, filename, content_type
):
    response = owner_client.post(
        docs_url,
        data={"document_type": "stamped_plans", "file": upload(data, filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [document] = documents()
    assert document.filename == filename
    assert document.document_type == DocumentType.STAMPED_PLANS
    assert document.stored_file.content_type == content_type
    assert document.stored_file.size == len(data)

    page = owner_client.get(docs_url)
    check_page(page.data)
    assert filename.encode() in page.data

    download = owner_client.get(f"{docs_url}/{document.id}")
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == content_type
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    events = db.session.scalars(select(TimelineEntry.event)).all()
    assert "document.uploaded" in events


def test_html_renamed_pdf_is_refused(owner_client, docs_url):
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    response = owner_client.post(
        docs_url,
        data={"document_type": "other", "file": upload(html, "plans.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"The selected file must be a PDF, PNG or JPEG." in response.data
    assert b'<option selected value="other">' in response.data
    assert documents() == []
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_empty_file_is_refused(owner_client, docs_url):
    response = owner_client.post(
        docs_url,
        data={"document_type": "other", "file": upload(b"", "empty.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Select a file to upload" in response.data or b"The selected file is empty." in (
        response.data
    )
    assert documents() == []


def test_no_type_or_no_file_is_an_error(owner_client, docs_url):
    response = owner_client.post(
        docs_url, data={"document_type": ""}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Select the document type" in response.data
    assert b"Select a file to upload" in response.data


def test_file_over_the_upload_limit_is_refused(app, owner_client, docs_url):
    saved = app.config["MAX_UPLOAD_BYTES"]
    app.config["MAX_UPLOAD_BYTES"] = 2 * 1024 * 1024
    try:
        big = PDF + b"0" * (2 * 1024 * 1024)
        response = owner_client.post(
            docs_url,
            data={"document_type": "other", "file": upload(big, "big.pdf")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_UPLOAD_BYTES"] = saved
    assert response.status_code == 200
    check_page(response.data)
    assert b"must be smaller than 2 MB" in response.data
    assert documents() == []


def test_request_over_the_content_limit_gets_a_clear_page(app, owner_client, docs_url):
    saved = app.config["MAX_UPLOAD_BYTES"], app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_UPLOAD_BYTES"] = 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024 + 1024
    try:
        big = PDF + b"0" * (2 * 1024 * 1024)
        response = owner_client.post(
            docs_url,
            data={"document_type": "other", "file": upload(big, "huge.pdf")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_UPLOAD_BYTES"], app.config["MAX_CONTENT_LENGTH"] = saved
    assert response.status_code == 413
    check_page(response.data)
    assert b"The files you chose add up to more than 1 MB" in response.data
    # The fields posted beside the files are kept (issue 16: never lose what was typed).
    assert b'<option selected value="other">' in response.data
    assert documents() == []


def test_remove_a_document(owner_client, docs_url):
    owner_client.post(
        docs_url,
        data={"document_type": "other", "file": upload(PDF, "a.pdf")},
        content_type="multipart/form-data",
    )
    [document] = documents()
    response = owner_client.post(f"{docs_url}/{document.id}/remove", data={})
    assert response.status_code == 302
    assert documents() == []
    events = db.session.scalars(select(TimelineEntry.event)).all()
    assert "document.removed" in events


def test_another_permits_document_is_a_404(owner_client, docs_url, permit):
    stranger = make_user()
    other_permit = make_permit()
    add_party(other_permit, stranger)
    other = complete_application(other_permit, stranger)
    other_id = other.documents[0].id
    assert owner_client.get(f"{docs_url}/{other_id}").status_code == 404
    assert owner_client.post(f"{docs_url}/{other_id}/remove", data={}).status_code == 404
    assert (
        owner_client.get(f"/permits/{other_permit.id}/application/documents/{other_id}").status_code
        == 404
    )
    assert owner_client.get(f"{docs_url}/999999").status_code == 404


def test_staff_and_contractor_can_download(app, permit, owner, staff_client):
    application = complete_application(permit, owner)
    path = f"/permits/{permit.id}/application/documents/{application.documents[0].id}"
    contractor = make_user()
    add_party(permit, contractor, PartyRole.CONTRACTOR)
    client = app.test_client()
    sign_in_as(client, contractor)
    for viewer in (client, staff_client):
        response = viewer.get(path)
        assert response.status_code == 200
        assert response.data == PDF


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("pla\x00ns.pdf", "plans.pdf"),
        ("plans\x7f\t(final).pdf", "plans(final).pdf"),
        ("../drawings/plans\x1b[31m.pdf", "plans[31m.pdf"),
        ("invoice\u202efdp.pdf", "invoicefdp.pdf"),
        ("\x00\x01", "document"),
    ],
)
def test_control_characters_are_dropped_from_an_uploaded_file_s_name(
    owner_client, docs_url, typed, kept
):
    response = owner_client.post(
        docs_url,
        data={"document_type": "stamped_plans", "file": upload(PDF, typed)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [document] = documents()
    assert document.filename == kept
    download = owner_client.get(f"{docs_url}/{document.id}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert not any(ord(c) < 32 or c in "\x7f\u202e" for c in disposition), disposition


def test_a_name_stored_before_with_a_control_character_downloads_without_it(owner_client, docs_url):
    owner_client.post(
        docs_url,
        data={"document_type": "stamped_plans", "file": upload(PDF, "plans.pdf")},
        content_type="multipart/form-data",
    )
    [document] = documents()
    document.filename = "pla\x07ns.pdf"
    db.session.commit()
    download = owner_client.get(f"{docs_url}/{document.id}")
    assert download.headers["Content-Disposition"] == "attachment; filename=plans.pdf"


def test_an_upload_the_store_cannot_take_keeps_the_form_and_saves_nothing(
    owner_client, docs_url, store_down
):
    response = owner_client.post(
        docs_url,
        data={"document_type": "other", "file": upload(PDF, "plans.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"The document store cannot be reached just now, so nothing was saved." in (
        response.data
    )
    assert b'<option selected value="other">' in response.data
    assert documents() == []
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_on_a_bucket_an_upload_is_an_object_named_by_its_hash_streamed_back(
    owner_client, docs_url, s3_store
):
    response = owner_client.post(
        docs_url,
        data={"document_type": "stamped_plans", "file": upload(PDF, "plans.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [document] = documents()
    sha256 = document.stored_file.sha256
    held = s3_store.get_object(Bucket="portal-test", Key=f"documents/{sha256[:2]}/{sha256}")
    assert held["Body"].read() == PDF
    assert held["ContentType"] == "application/pdf"

    download = owner_client.get(f"{docs_url}/{document.id}")
    assert download.status_code == 200
    assert download.is_streamed
    assert download.data == PDF
    assert download.headers["Content-Length"] == str(len(PDF))
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=plans.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "private, no-store"


def test_a_download_while_the_store_is_down_is_a_clear_503(app, owner_client, docs_url, s3_store):
    owner_client.post(
        docs_url,
        data={"document_type": "other", "file": upload(PDF, "plans.pdf")},
        content_type="multipart/form-data",
    )
    [document] = documents()
    with store_settings(app, "s3://portal-test/documents", closed_port_url()):
        response = owner_client.get(f"{docs_url}/{document.id}")
    assert response.status_code == 503
    check_page(response.data)
    assert b"The file cannot be fetched from the document store just now." in response.data

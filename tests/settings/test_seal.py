"""The certificate's seal: admins upload the department's own (checked like every upload,
and opened as an image) or go back to the placeholder; every change is audited."""

import html

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.documents.models import StoredFile
from portal.errors import DomainError
from portal.extensions import db
from portal.settings import seal
from portal.settings.models import ContactDetails
from tests.factories import sign_in_as
from tests.support.audit import audit_entries
from tests.support.files import JPEG, PDF, PNG, real_png, upload
from tests.support.pages import check_page, input_value

URL = "/staff/settings/seal"


def _stored_files() -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_the_page_shows_the_placeholder_until_an_admin_uploads(admin_client):
    assert b'href="/staff/settings/seal"' in admin_client.get("/staff/settings").data
    page = admin_client.get(URL)
    check_page(page.data)
    assert b"The placeholder seal the portal ships with" in page.data
    assert b"Use the placeholder seal" not in page.data  # nothing to go back from
    image = admin_client.get(f"{URL}/image")
    assert (image.status_code, image.mimetype) == (200, "image/svg+xml")
    assert b"<title>Placeholder seal</title>" in image.data


def test_an_upload_replaces_the_seal_and_is_audited(admin_client, admin):
    data = real_png()
    response = admin_client.post(
        URL, data={"version": "0", "seal": upload(data, "seal.png")}, content_type=None
    )
    assert response.status_code == 302
    saved = db.session.get(ContactDetails, 1)
    assert saved.seal_file.content_type == "image/png"
    [entry] = audit_entries("contact_details.seal_changed")
    assert (entry.actor_id, entry.details["sha256"]) == (admin.id, saved.seal_file.sha256)
    assert seal.current().data == data

    page = admin_client.get(URL)
    check_page(page.data)
    assert b"The seal an administrator uploaded." in page.data
    image = admin_client.get(f"{URL}/image")
    assert (image.mimetype, image.data) == ("image/png", data)
    assert image.headers["X-Content-Type-Options"] == "nosniff"

    # And back to the placeholder.
    response = admin_client.post(f"{URL}/placeholder", data={"version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ContactDetails, 1).seal_file is None
    assert seal.current() is None
    assert [e.details["sha256"] for e in audit_entries("contact_details.seal_changed")][1] is None


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (PDF, "seal.pdf", "The seal must be a PNG or JPEG image."),
        (b"GIF89a" + b"\x00" * 40, "seal.gif", "The seal must be a PNG or JPEG image."),
        (PNG, "broken.png", "The file could not be read as an image."),
        (JPEG, "broken.jpg", "The file could not be read as an image."),
        (real_png(16), "tiny.png", "The seal must be from 64 to 4000 pixels wide and high."),
        (b"", "empty.png", "The selected file is empty."),
    ],
)
def test_a_file_that_is_not_a_usable_image_is_refused_and_the_form_kept(
    admin_client, data, name, message
):
    files_before = _stored_files()
    page = admin_client.post(
        URL, data={"version": "0", "seal": upload(data, name)}, content_type=None
    )
    assert page.status_code == 200
    check_page(page.data)
    text = html.unescape(page.get_data(as_text=True))
    assert message in text
    assert 'class="usa-error-message"' in text or "usa-form-group--error" in text
    # The same form, ready for another try: its version and the upload field.
    assert input_value(text, "version") == "0"
    assert 'name="seal"' in text
    assert db.session.get(ContactDetails, 1) is None
    assert _stored_files() == files_before
    assert audit_entries("contact_details.seal_changed") == []


def test_no_file_chosen_says_so(admin_client):
    page = admin_client.post(URL, data={"version": "0"})
    assert page.status_code == 200
    check_page(page.data)
    assert b"Choose the image of the seal to upload" in page.data


def test_only_an_admin_may_change_the_seal(app, staff_member):
    client = app.test_client()
    sign_in_as(client, staff_member)
    sent = {"version": "0", "seal": upload(real_png(), "seal.png")}
    assert client.post(URL, data=sent, content_type=None).status_code == 404
    with pytest.raises(DomainError):
        seal.replace(FileStorage(upload(real_png(), "s.png")[0], "s.png"), staff_member, "0")
    assert db.session.get(ContactDetails, 1) is None

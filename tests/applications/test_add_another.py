"""Contacts and documents (issue 16 item 1): the primary button saves what is on the form,
an empty form just moves on, a half-filled one keeps what was typed; "Add me as a contact"."""

import io

import pillow_heif
from PIL import Image
from sqlalchemy import select

from portal.applications.models import ApplicationDocument, CofOApplication, ContactRole
from portal.extensions import db
from tests.support.files import PDF, PNG, upload
from tests.support.pages import check_page


def url(permit, tail=""):
    return f"/permits/{permit.id}/application{tail}"


def the_application(permit) -> CofOApplication:
    db.session.expire_all()
    return db.session.scalar(select(CofOApplication).where(CofOApplication.permit_id == permit.id))


def started(client, permit):
    client.post(url(permit, "/start"), data={})
    return url(permit, "/contacts"), url(permit, "/documents")


def test_save_and_continue_keeps_the_typed_contact(owner_client, permit):
    contacts, documents = started(owner_client, permit)
    response = owner_client.post(
        contacts,
        data={
            "role": "owner",
            "name": "Olivia Owner",
            "email": "o@example.com",
            "save": "continue",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(documents)
    [contact] = the_application(permit).contacts
    assert (contact.role, contact.name, contact.email) == (
        ContactRole.OWNER,
        "Olivia Owner",
        "o@example.com",
    )


def test_an_empty_form_just_continues_or_comes_back_later(owner_client, permit):
    contacts, documents = started(owner_client, permit)
    onward = owner_client.post(contacts, data={"role": "", "name": "", "save": "continue"})
    assert onward.headers["Location"].endswith(documents)
    later = owner_client.post(contacts, data={"save": "later"})
    assert later.headers["Location"].endswith(url(permit))
    assert the_application(permit).contacts == []


def test_a_half_filled_contact_shows_its_errors_and_keeps_the_input(owner_client, permit):
    contacts, _documents = started(owner_client, permit)
    response = owner_client.post(
        contacts, data={"role": "architect", "name": "Ari Arch", "save": "continue"}
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Enter the license number" in response.data
    assert b'value="Ari Arch"' in response.data
    assert b'<option selected value="architect">' in response.data
    assert the_application(permit).contacts == []


def test_a_stale_form_is_never_taken_for_an_empty_one(owner_client, permit):
    contacts, _documents = started(owner_client, permit)
    response = owner_client.post(contacts, data={"save": "continue", "csrf_token": "stale"})
    assert response.status_code == 200
    assert b"Your answers are still here" in response.data


def test_add_me_as_a_contact_in_one_click(owner_client, owner, permit):
    contacts, _documents = started(owner_client, permit)
    page = owner_client.get(contacts)
    assert b"Add me as a contact" in page.data
    response = owner_client.post(url(permit, "/contacts/add-me"), data={})
    assert response.status_code == 302
    [contact] = the_application(permit).contacts
    assert (contact.role, contact.name, contact.email) == (
        ContactRole.OWNER,
        owner.name,
        owner.email,
    )
    # Once added, the button is gone and a second post adds nobody.
    assert b"Add me as a contact" not in owner_client.get(contacts).data
    owner_client.post(url(permit, "/contacts/add-me"), data={})
    assert len(the_application(permit).contacts) == 1


def documents_on(permit) -> list[ApplicationDocument]:
    return the_application(permit).documents


def test_save_and_continue_uploads_the_chosen_files(owner_client, permit):
    _contacts, documents = started(owner_client, permit)
    response = owner_client.post(
        documents,
        data={
            "document_type": "floor_plan",
            "file": [upload(PDF, "floor-1.pdf"), upload(PNG, "floor-2.png")],
            "save": "continue",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(permit, "/attestations"))
    assert sorted(d.filename for d in documents_on(permit)) == ["floor-1.pdf", "floor-2.png"]


def test_documents_empty_form_continues_and_a_type_without_a_file_says_so(owner_client, permit):
    _contacts, documents = started(owner_client, permit)
    onward = owner_client.post(
        documents,
        data={"document_type": "", "save": "continue"},
        content_type="multipart/form-data",
    )
    assert onward.headers["Location"].endswith(url(permit, "/attestations"))
    half = owner_client.post(
        documents,
        data={"document_type": "floor_plan", "save": "continue"},
        content_type="multipart/form-data",
    )
    assert half.status_code == 200
    check_page(half.data)
    assert b"Select a file to upload" in half.data
    assert b'<option selected value="floor_plan">' in half.data


def test_a_refused_file_is_named_and_the_good_ones_are_kept(owner_client, permit):
    _contacts, documents = started(owner_client, permit)
    response = owner_client.post(
        documents,
        data={
            "document_type": "other",
            "file": [upload(PDF, "good.pdf"), upload(b"MZ not a document", "virus.exe")],
            "save": "continue",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"virus.exe: The selected file must be a PDF, PNG or JPEG." in response.data
    assert [d.filename for d in documents_on(permit)] == ["good.pdf"]


def test_a_heic_photo_is_stored_as_a_jpeg(owner_client, permit):
    _contacts, documents = started(owner_client, permit)
    heif = pillow_heif.from_pillow(Image.new("RGB", (64, 48), (180, 40, 40)))
    data = io.BytesIO()
    heif.save(data, quality=60)
    response = owner_client.post(
        documents,
        data={"document_type": "other", "file": upload(data.getvalue(), "IMG_0042.HEIC")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [document] = documents_on(permit)
    assert document.filename == "IMG_0042.jpg"
    assert document.stored_file.content_type == "image/jpeg"
    page = owner_client.get(documents)
    assert b'accept=".pdf,.png,.jpg,.jpeg,.heic' in page.data
    assert b" multiple " in page.data


def test_follow_up_questions_are_marked_to_follow_their_answer(owner_client, permit):
    """Issue 16: previous use, partial portion and temporary reason follow the answer they
    depend on; without JavaScript they are on the page (tests/browser/test_phone_forms.py
    checks the reveal)."""
    started(owner_client, permit)
    page = owner_client.get(url(permit, "/building"))
    check_page(page.data)
    html = page.data.decode()
    for block, question, value in [
        ("conditional-previous-use", "change_of_occupancy", "yes"),
        ("conditional-partial-portion", "certificate_type", "partial"),
        ("conditional-temporary-reason", "certificate_type", "temporary"),
    ]:
        assert (
            f'id="{block}" data-portal-reveal="{question}" data-portal-reveal-values="{value}"'
            in html
        )
    assert "VA: wood frame, protected (fire-rated)" in html
    assert "S-2 Storage, low hazard: parking garages" in html

"""The department's contact details: admins keep them under Settings, and the help page, the
pickup page and the pickup emails show what they saved."""

import html

import pytest

from portal.errors import DomainError
from portal.extensions import db
from portal.settings import contact
from portal.settings.models import CONTACT_DEFAULTS, ContactDetails
from tests.factories import sign_in_as
from tests.support.audit import audit_entries
from tests.support.pages import check_page, input_value

URL = "/staff/settings/contact"


def form(**overrides) -> dict:
    data = {
        "version": "0",
        "phone": "312-555-0100",
        "email": "help@buildings.example.gov",
        "counter_address": "City Hall, Room 905\n121 N LaSalle St",
        "opening_hours": "Monday to Thursday, 8:30 a.m. to 3:30 p.m.",
        "processing_times": "We review an application within 7 business days.",
    }
    data.update(overrides)
    return data


def test_the_page_shows_the_defaults_until_an_admin_saves(admin_client):
    page = admin_client.get(URL)
    check_page(page.data)
    assert input_value(page.get_data(as_text=True), "phone") == CONTACT_DEFAULTS["phone"]
    assert db.session.get(ContactDetails, 1) is None
    assert b'href="/staff/settings/contact"' in admin_client.get("/staff/settings").data
    # Phones bring up the right keyboard.
    assert page.data.count(b'type="tel"') == 1
    assert page.data.count(b'type="email"') == 1


def test_saving_changes_the_help_page_and_is_audited(admin_client, client, admin):
    response = admin_client.post(URL, data=form())
    assert response.status_code == 302
    saved = db.session.get(ContactDetails, 1)
    assert (saved.phone, saved.version) == ("312-555-0100", 1)
    [entry] = audit_entries("contact_details.changed")
    assert entry.actor_id == admin.id
    assert entry.details["phone"] == "312-555-0100"

    help_page = client.get("/help")
    check_page(help_page.data)
    text = help_page.get_data(as_text=True)
    for shown in (
        "312-555-0100",
        "help@buildings.example.gov",
        "City Hall, Room 905<br>121 N LaSalle St",
        "Monday to Thursday, 8:30 a.m. to 3:30 p.m.",
        "We review an application within 7 business days.",
    ):
        assert shown in text, shown
    assert CONTACT_DEFAULTS["phone"] not in text


def test_mistakes_are_shown_and_what_was_typed_is_kept(admin_client):
    page = admin_client.post(URL, data=form(email="not an email", phone="", processing_times=""))
    assert page.status_code == 200
    check_page(page.data)
    text = html.unescape(page.get_data(as_text=True))
    assert "Enter the department's phone number" in text
    assert "Enter an email address like name@example.gov" in text
    assert "Enter the processing times" in text
    assert input_value(text, "email") == "not an email"
    assert db.session.get(ContactDetails, 1) is None


def test_a_stale_form_does_not_overwrite_another_admins_save(admin_client):
    admin_client.post(URL, data=form())
    response = admin_client.post(URL, data=form(phone="312-555-0111"), follow_redirects=True)
    assert b"Another administrator changed the contact details" in response.data
    assert db.session.get(ContactDetails, 1).phone == "312-555-0100"


def test_only_an_admin_may_save(app, staff_member):
    client = app.test_client()
    sign_in_as(client, staff_member)
    assert client.post(URL, data=form()).status_code in (403, 404)
    with pytest.raises(DomainError):
        contact.save(form(), staff_member, "0")
    assert db.session.get(ContactDetails, 1) is None

"""The public's help pages, the footer and banner that lead to them, and the messages that
tell people to contact the department."""

import html
from datetime import date

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.inspections import catalogue
from portal.payments.models import FeeKind, FeeSchedule, FeeScheduleEntry
from portal.permits.models import PartyRole, PermitStatus
from portal.settings.models import CONTACT_DEFAULTS
from tests.factories import PASSWORD, add_party, make_permit, make_user, sign_in_as
from tests.support.pages import check_page

FOOTER_LINKS = ("/status", "/verify", "/help", "/accessibility", "/privacy")


@pytest.mark.parametrize("path", ["/", "/help", "/accessibility", "/privacy", "/status"])
def test_every_public_page_has_the_banner_and_the_footer_links(client, path):
    page = client.get(path)
    assert page.status_code == 200
    check_page(page.data)
    text = page.get_data(as_text=True)
    assert "An official website of the City of Chicago" in text
    footer = text[text.index("<footer") :]
    for link in FOOTER_LINKS:
        assert f'href="{link}"' in footer, link


def test_the_home_page_leads_to_the_lookups_without_an_account(client):
    text = client.get("/").get_data(as_text=True)
    assert "Check a permit's status" in html.unescape(text)
    main = text[text.index("<main") : text.index("</main>")]
    assert 'href="/status"' in main
    assert 'href="/verify"' in main


def test_the_help_page_gives_the_contacts_times_and_fees_in_force(client):
    schedule = FeeSchedule(name="2026 fees", effective_from=date(2026, 1, 1))
    schedule.entries.append(
        FeeScheduleEntry(kind=FeeKind.REINSPECTION, amount_cents=17500, authority="14A-5-501.4")
    )
    db.session.add(schedule)
    bureau = catalogue.seed_agencies()["fpb"]
    bureau.phone, bureau.email = "312-555-0173", "bureau@example.gov"
    db.session.commit()
    text = client.get("/help").get_data(as_text=True)
    assert CONTACT_DEFAULTS["phone"] in text
    # The Fire Prevention Bureau books its own inspections: its contacts, as admins keep them
    # with the agency (the same ones the permit's inspections page gives).
    assert bureau.name in text
    assert 'href="tel:312-555-0173"' in text
    assert "bureau@example.gov" in text
    assert 'id="no-letter"' in text
    assert "$175.00" in text
    assert "14A-5-501.4" in text


def test_accessibility_and_privacy_take_the_contact_details_from_the_settings(client):
    for path in ("/accessibility", "/privacy"):
        text = client.get(path).get_data(as_text=True)
        assert 'href="/help' in text
    assert CONTACT_DEFAULTS["email"] in client.get("/accessibility").get_data(as_text=True)


def test_contact_the_department_messages_link_to_the_help_page(app, client):
    # The verification miss, the claim page and the profile say so on the page.
    assert b'href="/help#contact"' in client.get("/verify/CO-2026-999999").data
    user = make_user()
    signed_in = app.test_client()
    sign_in_as(signed_in, user)
    for path in ("/permits/claim", "/account/profile"):
        page = signed_in.get(path)
        check_page(page.data)
        assert b'href="/help#contact"' in page.data, path


def test_a_deactivated_account_is_sent_to_the_contact_details(client):
    user = make_user(email="gone@example.com")
    db.session.get(User, user.id).active = False
    db.session.commit()
    page = client.post("/account/sign-in", data={"email": "gone@example.com", "password": PASSWORD})
    text = page.get_data(as_text=True)
    assert "This account has been deactivated." in text
    assert 'href="/help#contact"' in text


def test_a_closed_permit_on_the_home_sends_its_owner_to_the_contact_details(app):
    owner = make_user()
    permit = make_permit(status_current=PermitStatus.EXPIRED)
    add_party(permit, owner, PartyRole.OWNER)
    client = app.test_client()
    sign_in_as(client, owner)
    page = client.get("/permits/")
    check_page(page.data)
    assert b'href="/help#contact"' in page.data

"""The owner's journey in Spanish, in a real browser: the header's switcher (a form, no
JavaScript needed), signing in, the permit, the application with a form error, paying a fee
and the receipt, every page in Spanish with <html lang="es"> and axe clean; then back to
English."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.inspections import catalogue
from portal.payments import services as payment_services
from portal.payments.models import FeeKind
from portal.permits.models import PartyRole
from tests.browser.helpers import check_axe, expect_error_summary, visit
from tests.factories import PASSWORD, add_party, make_permit, make_user
from tests.support import catalogs
from tests.support.mail import newest_email_to

pytestmark = pytest.mark.browser


def es(msgid: str) -> str:
    return catalogs.spanish()[msgid].string


def _in_spanish(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "es")
    check_axe(page)


def _owner_with_a_fee(app):
    catalogue.seed_types()
    owner = make_user(name="Ana Propietaria", email="ana@example.com")
    permit = make_permit(scope=["refrigeration"], description="Walk-in coolers")
    add_party(permit, owner, PartyRole.OWNER)
    catalogue.derive_required({permit.id: permit.scope})
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        payment_services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    return owner, permit


def test_an_owner_walks_the_portal_in_spanish(app, page: Page):
    owner, permit = _owner_with_a_fee(app)

    visit(page, "/")
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        es("Get your Certificate of Occupancy online")
    )
    _in_spanish(page)

    page.get_by_role("link", name=es("Sign in"), exact=True).first.click()
    _in_spanish(page)
    page.get_by_label(es("Email address")).fill(owner.email)
    page.get_by_label(es("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=es("Sign in"), exact=True).click()
    expect(page.get_by_role("button", name=es("Sign out"), exact=True)).to_be_visible()
    _in_spanish(page)
    # The choice made before signing in is now the account's (for its emails and PDFs).
    db.session.expire_all()
    assert db.session.scalar(select(User.locale).where(User.id == owner.id)) == "es"

    page.get_by_role("link", name=permit.permit_num).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(permit.permit_num)
    _in_spanish(page)

    # The application: a form error comes back in Spanish.
    page.get_by_role("link", name=es("Start your C of O application")).click()
    _in_spanish(page)
    page.get_by_role("button", name=es("Start the application")).click()
    _in_spanish(page)
    section = es("Building and occupancy")
    page.get_by_role("link", name=section, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(section)
    _in_spanish(page)
    page.get_by_role("button", name=es("Save and continue")).click()
    summary = expect_error_summary(page)
    expect(summary).to_contain_text(es("Select at least one occupancy group"))
    _in_spanish(page)

    # Fees: dollars as Chicago writes them, and the payment in Spanish. The longer Spanish
    # words and the switcher still fit a 320 px screen without sideways scrolling.
    page.set_viewport_size({"width": 320, "height": 800})
    visit(page, f"/permits/{permit.id}/fees")
    _in_spanish(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})
    amount = "$150.00"
    outstanding = es("%(amount)s outstanding") % {"amount": amount}
    expect(page.get_by_role("heading", name=outstanding)).to_be_visible()
    page.get_by_role("button", name=es("Pay the selected fees")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(es("Test payment"))
    _in_spanish(page)
    page.get_by_role("button", name=es("Pay %(amount)s") % {"amount": amount}).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(es("Payment received"))
    expect(page.get_by_text(re.compile(r"\d{1,2} de \w+ de \d{4}")).first).to_be_visible()
    _in_spanish(page)
    with page.expect_download():
        page.get_by_role("link", name=es("Download the receipt (PDF)")).click()
    assert newest_email_to(owner.email).subject.startswith(es("Receipt %(number)s")[:6])

    # And back to English, from the same header.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment received")
    check_axe(page)

"""The certificate in a real browser: staff issue it; the owner's permit page says its PDF
is being prepared until the job has made it, then the owner downloads it; its
verification URL says valid; staff correct it and the old URL says superseded; the owner
books a pickup and staff hand it over at the counter; staff revoke one, confirming it, and
the owner learns their pickup was cancelled. axe checks every page."""

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.auth.models import Role
from portal.certificates import pickup
from portal.certificates.models import Certificate, PickupAppointment, PickupStatus
from portal.extensions import db
from tests.browser.helpers import check_axe, choose, expect_error_summary, sign_in, visit
from tests.factories import certificates as factories
from tests.factories import make_user
from tests.factories.certificates import every_weekday, ready_application
from tests.support.jobs import run_jobs
from tests.support.mail import newest_email_to

pytestmark = pytest.mark.browser


def _status(page: Page):
    return page.get_by_role("status").first


def _current_certificate() -> Certificate:
    db.session.expire_all()
    return db.session.scalar(select(Certificate))


def test_issue_download_verify_correct_and_pick_up(page: Page, new_context):
    owner = make_user(name="Olivia Owner")
    application = ready_application(owner)
    permit = application.permit
    staff = make_user(role=Role.STAFF, name="Sam Staff")
    every_weekday(capacity=1)

    # Staff issue the certificate from the certificates list.
    staff_page = new_context().new_page()
    sign_in(staff_page, staff)
    visit(staff_page, "/staff/certificates")
    check_axe(staff_page)
    staff_page.get_by_role("link", name=application.confirmation_number).click()
    expect(staff_page.get_by_role("heading", level=1)).to_contain_text("Certificate decision")
    check_axe(staff_page)
    staff_page.get_by_label("Occupancy load (people)").fill("42")
    staff_page.get_by_label("Portion of building").fill("Floors 1 to 4")
    for statement in (
        "The owner was involved in the project",
        "The licensed professionals are verified",
        "All related records are finaled",
    ):
        choose(staff_page, statement)
    staff_page.get_by_role("button", name="Issue the certificate").click()
    expect(_status(staff_page)).to_contain_text("Its PDF is being prepared")
    # Issued, its PDF still to make: the version says so, with no download yet.
    expect(staff_page.get_by_text("Being prepared", exact=True)).to_be_visible()
    check_axe(staff_page)
    certificate = _current_certificate()
    assert not certificate.current_version.pdf_ready

    # The owner's permit page says the certificate is issued and its PDF being prepared,
    # with a link to refresh and no download until the job has made it.
    sign_in(page, owner)
    page.get_by_role("link", name=permit.permit_num).click()
    lead = page.locator(".portal-outcome")
    expect(lead).to_contain_text("Certificate of Occupancy issued")
    expect(lead).to_contain_text("Its PDF is being prepared")
    expect(lead.get_by_role("link", name="Download the certificate (PDF)")).to_have_count(0)
    check_axe(page)
    run_jobs()
    lead.get_by_role("link", name="Refresh this page").click()
    expect(lead.get_by_role("link", name="Download the certificate (PDF)")).to_be_visible()
    expect(lead).not_to_contain_text("being prepared")
    certificate = _current_certificate()
    first = certificate.current_version
    assert certificate.number in newest_email_to(owner.email).subject

    # The owner downloads it from the certificate page; the bytes are the recorded ones.
    page.get_by_role(
        "link", name="Download the certificates, book a pickup or request occupancy"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificates of Occupancy")
    check_axe(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download certificate {certificate.number} (PDF)").click()
    data = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == first.sha256
    assert download.value.suggested_filename == f"{certificate.number}-v1.pdf"

    # The verification URL the certificate prints says valid.
    url = page.locator("a[href*='/verify/']").inner_text()
    assert url.endswith(f"/verify/{certificate.number}-V1")
    first_path = urlsplit(url).path
    visit(page, first_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Valid certificate")

    # Staff correct the certificate; the old URL now says superseded.
    staff_page.get_by_label("Occupancy load (people)").fill("48")
    staff_page.get_by_label("What was corrected").fill("Occupancy load recounted")
    staff_page.get_by_role("button", name="Regenerate the certificate").click()
    expect(_status(staff_page)).to_contain_text("Version 2 issued")
    run_jobs()
    expect(staff_page.get_by_text("Superseded", exact=True)).to_be_visible()
    check_axe(staff_page)
    visit(page, first_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Superseded certificate")
    expect(page.get_by_text("The current version is version 2")).to_be_visible()

    # The owner books a pickup.
    visit(page, f"/permits/{permit.id}/certificate")
    expect(page.get_by_text("48", exact=True)).to_be_visible()
    page.get_by_role("link", name="Book a pickup").click()
    check_axe(page)
    # A day first, then its times.
    page.locator(".portal-day-list a").first.click()
    check_axe(page)
    page.locator("label[for='opening-0']").click()
    page.get_by_role("button", name="Book this time").click()
    expect(_status(page)).to_contain_text("Pickup booked")
    check_axe(page)
    db.session.expire_all()
    appointment = db.session.scalar(select(PickupAppointment))
    assert appointment.status == PickupStatus.BOOKED

    # Staff hand it over at the counter, recording the identity check.
    visit(staff_page, f"/staff/pickups?day={appointment.day.isoformat()}")
    staff_page.get_by_label("Collected by").fill("Olivia Owner")
    choose(staff_page, "I checked their photo identification")
    staff_page.get_by_role("button", name="Mark picked up").click()
    expect(_status(staff_page)).to_have_text("Marked as picked up.")
    check_axe(staff_page)
    db.session.expire_all()
    appointment = db.session.get(PickupAppointment, appointment.id)
    assert appointment.status == PickupStatus.PICKED_UP
    assert appointment.identity_checked


def test_revoking_asks_to_confirm_and_tells_the_owner_their_pickup_is_cancelled(
    app, page: Page, new_context
):
    owner = make_user(name="Olivia Owner")
    application = factories.ready_application(owner)
    staff = make_user(role=Role.STAFF, name="Sam Staff")
    slots = factories.every_weekday(capacity=1)
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        certificate = factories.issue(application, staff)
        day = factories.free_day(3)
        pickup.book_pickup(application.permit, owner, factories.choice(day, slots))
    number = certificate.number

    # Staff see that the owner's pickup goes too; one click is not enough to revoke.
    staff_page = new_context().new_page()
    sign_in(staff_page, staff)
    visit(staff_page, f"/staff/certificates/{certificate.id}")
    expect(staff_page.get_by_text("Revoking the certificate cancels it")).to_be_visible()
    staff_page.get_by_label("Reason for revoking").fill("Issued in error")
    staff_page.get_by_role("button", name="Revoke the certificate").click()
    expect_error_summary(staff_page)
    expect(staff_page.get_by_label("Reason for revoking")).to_have_value("Issued in error")
    assert not _current_certificate().is_revoked
    choose(staff_page, "I understand this withdraws the certificate")
    staff_page.get_by_role("button", name="Revoke the certificate").click()
    expect(_status(staff_page)).to_contain_text(f"Certificate {number} revoked")
    check_axe(staff_page)
    assert _current_certificate().is_revoked

    # The owner's page and email say their pickup was cancelled, and why.
    sign_in(page, owner)
    visit(page, f"/permits/{application.permit_id}/certificate")
    expect(page.get_by_text("was cancelled because the certificate was revoked")).to_be_visible()
    check_axe(page)
    assert "nothing to collect" in newest_email_to(owner.email).body_text

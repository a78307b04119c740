"""Occupancy in phases and in time, in a real browser: the owner requests temporary
occupancy; staff review the request and issue the temporary certificate; the owner downloads
its PDF and verifies it; after its expiry day verification says it expired; the owner asks
for more time and staff extend it; the final certificate supersedes it. axe checks every
page."""

import hashlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal import calendar
from portal.auth.models import Role
from portal.certificates.models import Certificate, CertificateKind
from portal.extensions import db
from tests.browser.helpers import check_axe, choose, expect_error_summary, sign_in, visit
from tests.factories import make_user
from tests.factories.certificates import ready_application
from tests.support.files import PDF
from tests.support.jobs import run_jobs

pytestmark = pytest.mark.browser

CONFIRMATIONS = (
    "The owner was involved in the project",
    "The licensed professionals are verified",
    "All related records are finaled",
)


def _status(page: Page):
    return page.get_by_role("status").first


def _certificate(kind: CertificateKind) -> Certificate:
    db.session.expire_all()
    return db.session.scalar(select(Certificate).where(Certificate.kind == kind))


def test_request_review_issue_verify_expire_extend_and_final_supersedes(
    page: Page, new_context, monkeypatch, tmp_path
):
    owner = make_user(name="Olivia Owner")
    application = ready_application(owner)
    permit = application.permit
    staff = make_user(role=Role.STAFF, name="Sam Staff")
    today = calendar.local_today()

    # The owner asks for temporary occupancy of three floors, with a floor plan.
    sign_in(page, owner)
    page.get_by_role("link", name=permit.permit_num).click()
    check_axe(page)
    page.get_by_role("link", name="Request partial or temporary occupancy").click()
    check_axe(page)
    page.get_by_role("link", name="Request partial or temporary occupancy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Request partial or temporary occupancy"
    )
    check_axe(page)
    page.get_by_role("button", name="Send the request").click()
    expect_error_summary(page)
    choose(
        page,
        "The building or a part before everything is finished, for a time (temporary)",
        group="What do you want to occupy?",
    )
    page.get_by_label("Which part of the building").fill("Floors 1-3, units 101-312")
    page.get_by_label("From when").fill(today.isoformat())
    page.get_by_label("Why you need to occupy it now").fill("Tenants move in on the first")
    plan = tmp_path / "floor-plan.pdf"
    plan.write_bytes(PDF)
    page.locator("input#documents").set_input_files(str(plan))
    page.get_by_role("button", name="Send the request").click()
    expect(_status(page)).to_contain_text("Request sent")
    check_axe(page)

    # Staff review it from the queue and issue the temporary certificate.
    staff_page = new_context().new_page()
    sign_in(staff_page, staff)
    visit(staff_page, "/staff/occupancy-requests")
    staff_page.get_by_role("link", name="Temporary occupancy").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Request: Temporary occupancy")
    check_axe(staff_page)
    expect(staff_page.get_by_role("link", name="floor-plan.pdf")).to_be_visible()
    staff_page.get_by_role("link", name="Issue the temporary occupancy certificate").click()
    expect(staff_page.get_by_role("heading", level=2).first).to_contain_text(
        "Issue a temporary certificate"
    )
    check_axe(staff_page)
    expires = today + timedelta(days=30)
    staff_page.get_by_label("Occupancy load (people)").fill("120")
    staff_page.get_by_label("Expiry date (temporary certificates)").fill(expires.isoformat())
    for statement in CONFIRMATIONS:
        choose(staff_page, statement)
    staff_page.get_by_role("button", name="Issue the certificate").click()
    expect_error_summary(staff_page)  # a temporary certificate lists its outstanding matters
    staff_page.get_by_label("Outstanding matters to finish").fill("Roof deck railings")
    for statement in CONFIRMATIONS:
        if not staff_page.get_by_label(statement, exact=True).is_checked():
            choose(staff_page, statement)
    staff_page.get_by_role("button", name="Issue the certificate").click()
    expect(_status(staff_page)).to_contain_text("Its PDF is being prepared")
    check_axe(staff_page)
    run_jobs()
    temporary = _certificate(CertificateKind.TEMPORARY)
    assert temporary.current_version.expires_on == expires

    # The owner downloads its PDF and the verification URL says valid.
    visit(page, f"/permits/{permit.id}/certificate")
    expect(page.get_by_text(f"Temporary certificate {temporary.number}")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download certificate {temporary.number} (PDF)").click()
    data = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == temporary.current_version.sha256
    verify_path = urlsplit(page.locator("a[href*='/verify/']").first.inner_text()).path
    visit(page, verify_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Valid certificate")

    # The day after its expiry day, verification says it expired and is not valid.
    monkeypatch.setattr(calendar, "local_today", lambda: expires + timedelta(days=1))
    visit(page, verify_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Expired certificate")
    expect(page.get_by_text("not valid")).to_be_visible()
    expect(page.get_by_text("valid and current")).to_have_count(0)

    # The owner asks for more time; staff extend it (a new version, valid again).
    visit(page, f"/permits/{permit.id}/certificate")
    expect(page.get_by_text("Expired on")).to_be_visible()
    page.get_by_role("link", name="Ask for more time").click()
    check_axe(page)
    new_date = expires + timedelta(days=60)
    page.get_by_label("Extend it to").fill(new_date.isoformat())
    page.get_by_label("Why you need more time").fill("Railings delayed by the weather")
    page.get_by_role("button", name="Ask for the extension").click()
    expect(_status(page)).to_contain_text("Extension requested")
    check_axe(page)
    visit(staff_page, "/staff/occupancy-requests")
    staff_page.get_by_role("link", name="Extension of a temporary certificate").click()
    check_axe(staff_page)
    expect(staff_page.get_by_label("New expiry date")).to_have_value(new_date.isoformat())
    staff_page.get_by_role("button", name="Extend the certificate").click()
    expect(_status(staff_page)).to_contain_text("Extended to")
    check_axe(staff_page)
    visit(page, f"/verify/{temporary.number}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Valid certificate")

    # The final certificate supersedes the temporary one.
    visit(staff_page, f"/staff/applications/{application.id}/certificate")
    for statement in CONFIRMATIONS:
        choose(staff_page, statement)
    staff_page.get_by_role("button", name="Issue the certificate").click()
    expect(_status(staff_page)).to_contain_text("Its PDF is being prepared")
    check_axe(staff_page)
    final = _certificate(CertificateKind.FINAL)
    visit(page, f"/verify/{temporary.number}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Superseded certificate")
    expect(page.get_by_text(f"Superseded by {final.number}.")).to_be_visible()
    visit(page, f"/verify/{final.number}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Valid certificate")

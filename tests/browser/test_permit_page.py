"""The owner's permit page leads with its outcome, and the long pages are short on a phone
(issue 16 items 3 and 4): the summary under the h1 and its jump links, My permits as cards,
pickup times by day, staff list filters behind a disclosure, the dashboard's charts readable
on a phone, the staff record's latest audit entries. Every page is checked with axe and for
sideways scrolling at 320 and 640 px.

With PORTAL_SCREENSHOTS=<folder> the tests save the coordinator's screenshots there
(`PORTAL_SCREENSHOTS=docs/screenshots pytest tests/browser/test_permit_page.py`); with
PORTAL_MEASURE=1 one test prints the pages' heights at 375 px."""

import os
from datetime import time
from pathlib import Path

import pytest
from flask import current_app
from playwright.sync_api import Page, expect

from portal.applications.models import APPLICATION_TRANSITIONS, ApplicationStatus
from portal.audit import record as audit_record
from portal.auth.models import Role
from portal.certificates.models import PickupAppointment, PickupSlot
from portal.extensions import db
from portal.permits.models import PartyRole
from tests.browser.helpers import let_in, visit
from tests.factories import make_permit, make_user
from tests.factories.applications import complete_application
from tests.factories.certificates import issued_certificate, ready_application
from tests.factories.permits import add_party

pytestmark = pytest.mark.browser

EVERY_TRADE = (
    "new_construction",
    "electrical",
    "plumbing",
    "ventilation",
    "boiler",
    "iron",
    "refrigeration",
)
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def _issued(owner):
    """A permit of every trade (16 required inspections) with its final certificate issued,
    and a long audit history."""
    application = ready_application(owner, scope=EVERY_TRADE)
    staff = make_user(role=Role.STAFF, name="Sam Staff")
    issued_certificate(application, staff, 1)
    APPLICATION_TRANSITIONS.move(application, ApplicationStatus.INSPECTIONS_COMPLETE)
    APPLICATION_TRANSITIONS.move(application, ApplicationStatus.COFO_ISSUED)
    for n in range(60):
        audit_record("permit.noted_for_test", application.permit, actor=staff, n=n)
    db.session.commit()
    return application.permit, staff


def _three_more(owner) -> None:
    """Three more permits of the owner's, in other states (four with the issued one)."""
    for status in (
        ApplicationStatus.DRAFT,
        ApplicationStatus.INFORMATION_REQUESTED,
        ApplicationStatus.SUBMITTED,
    ):
        permit = make_permit()
        add_party(permit, owner, PartyRole.OWNER)
        complete_application(
            permit, owner, status=status, staff_message="Please upload the stamped plans."
        )


def _slots() -> None:
    """Three pickup times every weekday."""
    for weekday in range(5):
        for hour in (9, 11, 14):
            db.session.add(
                PickupSlot(weekday=weekday, start=time(hour), end=time(hour + 1), capacity=2)
            )
    db.session.commit()


def _no_sideways_scrolling(page: Page) -> None:
    """Neither at 320 px nor at 640 px (1280 px at 200% zoom) does the page scroll sideways."""
    size = page.viewport_size
    for width in (320, 640):
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"
    if size:
        page.set_viewport_size(size)


def _screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def _first_after_h1(page: Page):
    return page.locator("h1 + *")


def test_the_permit_page_leads_with_the_certificate_and_its_jump_links_move_focus(page: Page):
    owner = make_user(name="Olivia Owner")
    permit, _staff = _issued(owner)
    page.set_viewport_size({"width": 1280, "height": 900})
    let_in(page, owner)
    visit(page, f"/permits/{permit.id}")

    lead = _first_after_h1(page)
    expect(lead).to_contain_text("Certificate of Occupancy issued")
    expect(lead.get_by_role("link", name="Download the certificate (PDF)")).to_be_visible()
    expect(
        lead.get_by_role("link", name="Book a pickup of the printed certificate")
    ).to_be_visible()
    _screenshot(page, "permit-page.png")

    jump_links = page.get_by_role("navigation", name="On this page")
    for name, anchor in (
        ("Inspections", "inspections"),
        ("Fees", "fees"),
        ("Certificates of Occupancy", "certificate"),
        ("Timeline", "timeline"),
    ):
        jump_links.get_by_role("link", name=name, exact=True).click()
        expect(page.locator(f"#{anchor}")).to_be_focused()
    _no_sideways_scrolling(page)

    # Download is the certificate's PDF.
    with page.expect_download() as download:
        lead.get_by_role("link", name="Download the certificate (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_the_next_step_comes_first_and_a_request_for_information_is_an_alert(page: Page):
    owner = make_user(name="Olivia Owner")
    draft = make_permit()
    add_party(draft, owner, PartyRole.OWNER)
    complete_application(draft, owner)
    asked = make_permit()
    add_party(asked, owner, PartyRole.OWNER)
    complete_application(
        asked,
        owner,
        status=ApplicationStatus.INFORMATION_REQUESTED,
        staff_message="Please upload the fire alarm certificate.",
    )
    page.set_viewport_size({"width": 375, "height": 800})
    let_in(page, owner)

    visit(page, f"/permits/{draft.id}")
    step = _first_after_h1(page)
    expect(step).to_contain_text("Next step")
    expect(step.get_by_role("link", name="Continue your draft application")).to_be_visible()
    _no_sideways_scrolling(page)

    visit(page, f"/permits/{asked.id}")
    alert = _first_after_h1(page).locator(".usa-alert")
    expect(alert).to_contain_text("The department asked for more information")
    expect(alert).to_contain_text("Please upload the fire alarm certificate.")
    alert.get_by_role("link", name="Respond to the department's request").click()
    expect(page).to_have_url(f"{page.url.split('/permits/')[0]}/permits/{asked.id}/application")


def test_my_permits_are_cards_on_a_phone_and_a_table_on_a_desktop(page: Page):
    owner = make_user(name="Olivia Owner")
    _issued(owner)
    _three_more(owner)
    let_in(page, owner)

    page.set_viewport_size({"width": 375, "height": 800})
    visit(page, "/permits")
    cards = page.locator(".portal-permit-card")
    expect(cards).to_have_count(4)
    expect(page.get_by_role("table")).to_be_hidden()
    expect(page.get_by_role("link", name="Respond to the department's request")).to_be_visible()
    _screenshot(page, "my-permits-phone.png")
    _no_sideways_scrolling(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(4)
    expect(cards.first).to_be_hidden()


def test_pickup_is_booked_a_day_first_then_a_time(page: Page):
    owner = make_user(name="Olivia Owner")
    permit, _staff = _issued(owner)
    _slots()
    page.set_viewport_size({"width": 375, "height": 800})
    let_in(page, owner)

    visit(page, f"/permits/{permit.id}/certificate/pickup")
    expect(page.get_by_role("radio")).to_have_count(0)
    _no_sideways_scrolling(page)
    days = page.locator(".portal-day-list a")
    first_day = days.first.inner_text()
    days.first.click()
    legend = page.locator("legend")
    expect(legend).to_have_text(f"Times on {first_day}")
    visit(page, page.url)
    _no_sideways_scrolling(page)
    # Nothing chosen: the error keeps the day and its times.
    page.get_by_role("button", name="Book this time").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(legend).to_have_text(f"Times on {first_day}")
    page.locator("label[for='opening-0']").click()
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("status").first).to_contain_text("Pickup booked")
    db.session.expire_all()
    assert db.session.scalar(db.select(PickupAppointment)) is not None


def test_the_staff_record_shows_the_latest_audit_entries_and_links_to_the_rest(
    page: Page,
):
    owner = make_user(name="Olivia Owner")
    permit, staff = _issued(owner)
    page.set_viewport_size({"width": 375, "height": 800})
    let_in(page, staff)

    visit(page, f"/staff/permits/{permit.id}")
    audit = page.locator("#audit + table tbody tr")
    expect(audit).to_have_count(5)
    page.get_by_role("link", name="See every audit entry for this permit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Audit entries for permit {permit.permit_num}"
    )
    visit(page, page.url)
    per_page = current_app.config["PAGE_SIZE"]
    expect(page.locator("tbody tr")).to_have_count(per_page)
    _no_sideways_scrolling(page)
    page.locator(".usa-pagination a[href*='before=']").click()
    expect(page.locator("tbody tr").first).to_be_visible()
    expect(page.locator(".usa-pagination a[href*='after=']")).to_be_visible()


def test_staff_list_filters_sit_behind_a_disclosure_on_a_phone(page: Page):
    staff = make_user(role=Role.STAFF, name="Sam Staff")
    let_in(page, staff)
    page.set_viewport_size({"width": 375, "height": 800})
    visit(page, "/staff/applications")
    search = page.locator("#q")
    expect(search).to_be_hidden()
    page.get_by_text("Filter", exact=True).click()
    expect(search).to_be_visible()
    _no_sideways_scrolling(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    visit(page, "/staff/applications")
    expect(search).to_be_visible()


def test_the_dashboard_charts_are_readable_on_a_phone(page: Page):
    staff = make_user(role=Role.STAFF, name="Sam Staff")
    let_in(page, staff)
    page.set_viewport_size({"width": 375, "height": 800})
    visit(page, "/staff")
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('svg.portal-chart text')].map(text => {
            return text.getBoundingClientRect().height && text.getScreenCTM().a *
                parseFloat(getComputedStyle(text).fontSize);
        })"""
    )
    assert sizes
    assert min(size for size in sizes if size) >= 14
    _no_sideways_scrolling(page)


@pytest.mark.skipif(not os.environ.get("PORTAL_MEASURE"), reason="only when measuring")
def test_measure_page_heights_at_375(page: Page, new_context):
    owner = make_user(name="Olivia Owner")
    permit, staff = _issued(owner)
    _three_more(owner)
    _slots()
    page.set_viewport_size({"width": 375, "height": 800})
    let_in(page, owner)
    paths = {
        "permit page (issued certificate)": f"/permits/{permit.id}",
        "my permits (four)": "/permits",
        "pickup booking": f"/permits/{permit.id}/certificate/pickup",
    }
    heights = {}
    for name, path in paths.items():
        visit(page, path)
        heights[name] = page.evaluate("document.documentElement.scrollHeight")
    staff_page = new_context().new_page()
    staff_page.set_viewport_size({"width": 375, "height": 800})
    let_in(staff_page, staff)
    visit(staff_page, f"/staff/permits/{permit.id}")
    heights["staff record"] = staff_page.evaluate("document.documentElement.scrollHeight")
    for name, height in heights.items():
        print(f"HEIGHT {name}: {height}")

"""Someone without an account, in a real browser: from the home page to a permit's status
by its number and by its address, then to its certificate's verification; on a phone-sized
screen too. axe checks every page, and the permit page shows nobody's personal details."""

import pytest
from playwright.sync_api import Page, expect

from portal.applications.models import ApplicationStatus
from tests.browser.helpers import check_axe, visit
from tests.factories.world import build_world

pytestmark = pytest.mark.browser


def _search(page: Page, typed: str) -> None:
    page.get_by_label("Permit number or address").fill(typed)
    page.get_by_role("button", name="Search").click()


def test_home_to_status_by_number_and_address_to_verification(page: Page):
    world = build_world(ApplicationStatus.UNDER_REVIEW)
    world.schedule_open_request()
    permit = world.permit
    number, street = permit.original_address1.split(" ", 1)
    street_name = street.split()[1]  # "N State St" is typed as "State"

    visit(page, "/")
    page.get_by_role("main").get_by_role("link", name="Check a permit's status").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a permit's status")
    check_axe(page)

    # By number: straight to the permit.
    _search(page, permit.permit_num.lower())
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Permit {permit.permit_num}")
    check_axe(page)
    body = page.locator("body").inner_text()
    assert "Status: Under review" in body
    assert "Next visit on" in body
    for personal in (world.owner.name, world.owner.email, world.agent.name, permit.access_code):
        assert personal not in body

    # By address, without the direction and suffix: a list that leads to the permit.
    page.get_by_role("link", name="Check another permit").click()
    _search(page, f"{number} {street_name}")
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    check_axe(page)
    page.get_by_role("link", name=permit.permit_num).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Permit {permit.permit_num}")

    # The certificate's verification, from the permit's page.
    page.get_by_role("link", name=f"Verify certificate {world.certificate.number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Valid certificate")
    check_axe(page)

    # A miss says what was searched and where to get help.
    visit(page, "/status?q=9999+Nowhere", status=404)
    expect(page.get_by_text("We found no permit numbered or at “9999 Nowhere”.")).to_be_visible()
    page.get_by_role("link", name="How to contact the department").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Help and contact")
    check_axe(page)


def test_the_public_pages_fit_a_phone_and_the_banner_explains_itself(page: Page):
    world = build_world()
    page.set_viewport_size({"width": 320, "height": 700})
    for path in (
        "/",
        "/status",
        f"/status/{world.permit.permit_num}",
        "/help",
        "/accessibility",
        "/privacy",
    ):
        visit(page, path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    page.get_by_role("button", name="Here’s how you know").click()
    expect(page.get_by_text("Secure websites use HTTPS")).to_be_visible()
    check_axe(page)

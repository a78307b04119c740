"""In a real browser, a staff member's day: the dashboard counts the work waiting, the
review queue filters to one application, the review accepts it, the dashboard's count
falls, and the global search leads to the permit's record with everything that happened."""

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from tests.browser.helpers import check_axe, choose, open_menu_item, sign_in
from tests.factories import make_permit, make_user
from tests.factories.applications import build_application
from tests.factories.permits import owner_with_permit

pytestmark = pytest.mark.browser


def _card(page: Page, title: str):
    return page.locator(".usa-card").filter(has=page.get_by_role("heading", name=title))


def test_staff_work_a_queue_from_the_dashboard_and_find_the_record(page: Page):
    owner, permit = owner_with_permit(original_address1="4410 W Fulton St")
    application = build_application(permit, owner, complete=True, submit=True)
    # A second waiting application, which the queue's search must leave out.
    other = make_permit(original_address1="18 E Oak St")
    build_application(other, owner, complete=True, submit=True)
    staff = make_user(role=Role.STAFF, name="Sam Staff")

    sign_in(page, staff)
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff home")
    expect(_card(page, "Applications to review").locator(".portal-queue-card__count")).to_have_text(
        "2"
    )
    check_axe(page)

    _card(page, "Applications to review").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    rows = page.get_by_role("table", name="Applications").locator("tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_role("textbox", name="Search (optional)").fill("4410 w fulton")
    page.get_by_role("button", name="Show applications").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(application.confirmation_number)
    check_axe(page)

    rows.first.get_by_role("link", name=application.confirmation_number).click()
    check_axe(page)
    choose(page, "Accept the application", group="Your decision")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status").first).to_have_text("Application accepted.")

    open_menu_item(page, "Work queues", "Staff home")
    expect(_card(page, "Applications to review").locator(".portal-queue-card__count")).to_have_text(
        "1"
    )

    # The header's search box, from any staff page.
    page.get_by_label("Search permits, applications, certificates and people").fill("4410 W")
    page.get_by_label("Search permits, applications, certificates and people").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “4410 W”")
    check_axe(page)
    page.get_by_role("table", name="Permits that match").get_by_role(
        "link", name=permit.permit_num
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Permit {permit.permit_num}")
    application_section = page.locator("section").filter(
        has=page.get_by_role("heading", name="Application", exact=True)
    )
    expect(application_section).to_contain_text(application.confirmation_number)
    expect(application_section.locator(".usa-tag")).to_have_text("Accepted")
    expect(page.get_by_role("table", name="People who may act on this permit")).to_contain_text(
        owner.name
    )
    check_axe(page)

"""In a real browser, the staff search finds an address typed without its direction
(issue 16 item 6), through the search page's own box (the header's markup is another
change's), with axe clean and no sideways scrolling on a phone."""

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from tests.browser.helpers import check_axe, sign_in, visit
from tests.factories import make_permit, make_user

pytestmark = pytest.mark.browser


def test_the_staff_search_finds_an_address_without_its_direction(page: Page):
    permit = make_permit(permit_num="BP-2026-100001", original_address1="1456 N Milwaukee Ave")
    make_permit(permit_num="BP-2026-100009", original_address1="1456 W Fullerton Ave")
    sign_in(page, make_user(role=Role.STAFF, name="Sam Staff"))

    visit(page, "/staff/search")
    form = page.get_by_role("search", name="Search form")
    form.get_by_role("textbox", name="Search").fill("1456 Milwaukee")
    form.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “1456 Milwaukee”")
    permits = page.get_by_role("table", name="Permits that match")
    expect(permits.locator("tbody tr")).to_have_count(1)
    expect(permits).to_contain_text("1456 N Milwaukee Ave")
    check_axe(page)
    for width in (1280, 375, 320):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The applicant home hides its table for cards below 64em; these results have none.
        expect(permits.get_by_role("link", name=permit.permit_num)).to_be_visible()

    # Stacked (below 640 px) the table is no longer a table to assistive technology.
    page.set_viewport_size({"width": 1280, "height": 800})
    permits.get_by_role("link", name=permit.permit_num).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Permit {permit.permit_num}")

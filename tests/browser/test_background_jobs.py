"""In a real browser: an admin opens Background jobs from the staff menu, sees a receipt job
that failed for good with its error, and retries it; the page passes axe and fits 320 px."""

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from tests.browser.helpers import check_axe, let_in, open_menu_item, visit
from tests.factories import make_user
from tests.support.jobs import a_failed_job, queued_jobs

pytestmark = pytest.mark.browser


def _fits(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_admin_retries_a_failed_job(page: Page):
    job_id = a_failed_job()
    let_in(page, make_user(role=Role.ADMIN, name="Ada Admin", email="ada@example.com"))
    visit(page, "/staff/")
    # The staff menu, Background jobs among the admins' items, must not run past 1280 px.
    _fits(page, 1280)
    open_menu_item(page, "Admin", "Background jobs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Background jobs")
    check_axe(page)
    failed = page.get_by_role("table", name="Failed jobs")
    expect(failed).to_contain_text("Make a receipt")
    expect(failed).to_contain_text("StaleRecord")
    _fits(page, 320)
    check_axe(page)

    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status").first).to_contain_text("The job is queued again.")
    expect(page.get_by_text("No job has failed.")).to_be_visible()
    expect(
        page.get_by_role("table", name="Queued jobs, including those waiting to be tried again")
    ).to_contain_text("Make a receipt")
    check_axe(page)
    _fits(page, 320)
    assert queued_jobs() == [job_id]

"""The live server and the test share one database, emptied between tests, on SQLite
and PostgreSQL alike: the server sees what the test wrote, the test sees what the
server wrote, and nothing survives into the next test."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.browser import sample_form
from tests.browser.helpers import link_in_email, newest_email_to, visit
from tests.factories import make_permit

pytestmark = pytest.mark.browser
PAGE = sample_form.PREFIX + sample_form.PATH


@pytest.mark.parametrize("attempt", [1, 2])
def test_server_and_test_share_a_database_that_starts_empty(page: Page, attempt):
    make_permit()
    visit(page, PAGE)
    expect(page.locator("#permit-count")).to_have_text("1")

    page.get_by_label("Building name").fill(f"Tower {attempt}")
    page.get_by_label("Floor area in square feet").fill("7200")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("status")).to_have_text("Saved")

    email = newest_email_to(sample_form.SAVED_EMAIL_TO)
    assert f'"Tower {attempt}"' in email.body_text
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    visit(page, link_in_email(email, containing=sample_form.PATH))
    expect(page.get_by_role("heading", level=1)).to_have_text("Building details")

"""The live server and the test share one database, emptied between tests, on SQLite
and PostgreSQL alike: the server sees what the test wrote, the test sees what the
server wrote, and nothing survives into the next test."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.browser.helpers import visit
from tests.factories import make_user
from tests.support.mail import link_in_email, newest_email_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("attempt", [1, 2])
def test_server_and_test_share_a_database_that_starts_empty(page: Page, attempt):
    # The reset form emails only an address that has an account: an email queued by the
    # server shows that it saw the account this test made.
    user = make_user(email="shared@example.com", name=f"Attempt {attempt}")
    visit(page, "/account/password/forgot")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    email = newest_email_to(user.email)
    assert f"Attempt {attempt}" in email.body_text
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    visit(page, link_in_email(email, containing="/account/password/reset/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")

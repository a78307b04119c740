"""The owner's home with the demo data (`flask seed-demo`), in a desktop-sized window.

With PORTAL_SCREENSHOT=path the test also saves the page there (for example
`PORTAL_SCREENSHOT=/tmp/home.png pytest -k demo_home`).
"""

import os
import re

import pytest
from flask import current_app
from playwright.sync_api import Page, expect

from portal.auth.models import User
from portal.demo import seed
from portal.extensions import db
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_owner_home_lists_the_demo_permits_with_the_next_step(page: Page):
    with current_app.test_request_context():
        seed()
    owner = db.session.scalar(db.select(User).where(User.email == "owner@example.com"))
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, owner, password=current_app.config["DEMO_PASSWORD"])
    expect(page.get_by_role("heading", level=1)).to_have_text("My permits")
    permits = page.get_by_role("table").first.locator("tbody tr")
    # Five application stories, and three permits with partial or temporary certificates
    # (their applications accepted).
    expect(permits).to_have_count(8)
    for status in ("Draft", "Submitted", "Information requested", "Resubmitted"):
        # Exact text: "Submitted" alone would also match "Resubmitted".
        cells = permits.locator('td[data-label="C of O application"]')
        expect(cells.filter(has_text=re.compile(f"^{status}$"))).to_have_count(1)
    expect(permits.filter(has_text="Accepted")).to_have_count(4)
    expect(page.get_by_role("link", name="Respond to the department's request")).to_be_visible()

    if path := os.environ.get("PORTAL_SCREENSHOT"):
        page.screenshot(path=path)

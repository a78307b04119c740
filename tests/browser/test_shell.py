"""The layout every page shares, in a real browser: landing page, health check, keyboard use."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import visit

pytestmark = pytest.mark.browser


def test_landing_page_has_no_serious_accessibility_problems(page: Page):
    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Get your Certificate of Occupancy online"
    )
    expect(page).to_have_title("Get your Certificate of Occupancy online – Occupancy Portal")


def test_landing_page_loads_its_styles_and_scripts_under_the_csp(page: Page):
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text) if msg.type == "error" else None)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert failed == []
    assert blocked == []
    # uswds-init hides the page until uswds.js reports in; a missing script would hide it for 8 s.
    assert page.evaluate("window.uswdsPresent") is True
    expect(page.locator("html")).not_to_have_class(re.compile("usa-js-loading"))
    # The USWDS stylesheet applied: the skip link sits off screen until it takes focus.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.usa-skipnav')).position")
        == "absolute"
    )


def test_health_check_answers_json_with_the_database_state(page: Page):
    response = page.goto("/healthz")
    assert response is not None
    assert response.status == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_first_tab_reaches_the_skip_link_and_enter_moves_focus_to_main(page: Page):
    visit(page, "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    expect(page.locator("main#main-content")).to_be_focused()
    # The next Tab continues from main, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main-content').contains(document.activeElement)")

"""In a real browser: every staff page and every page of a permit fits 320 and 640 px
without scrolling sideways (WCAG 1.4.10; `visit` checks both widths), and the staff header's
menus fit one row at 1280 px, open with the keyboard and work without USWDS's script."""

import hashlib
import os
import re

import pytest
from flask import current_app
from playwright.sync_api import Browser, Page, expect

from portal import audit
from portal.access import ACCESS_ATTR
from portal.extensions import db
from tests.browser.helpers import check_axe, let_in, visit
from tests.factories.world import build_world
from tests.support.routes import build_url, routes

pytestmark = pytest.mark.browser

# Downloads (files, PDFs, calendar files, exports) are not pages.
NOT_PAGES = ("download", "document", "photo", "calendar", "export_csv", "receipt")


def _page_urls(world, wanted) -> list[str]:
    urls = []
    for rule in routes(current_app, "GET"):
        if wanted(rule) and not any(word in rule.endpoint for word in NOT_PAGES):
            urls.append(build_url(rule, world))
    return urls


def _shot(page: Page, name: str) -> None:
    """A screenshot for a person to look at, when SCREENSHOTS names a folder."""
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], name), full_page=True)


def test_every_staff_page_reflows_at_320_and_640_px(page: Page):
    world = build_world()
    # The audit log's longest values: a SHA-256 digest and an event code.
    audit.record(
        "application.document_uploaded",
        world.document,
        actor=world.owner,
        sha256=hashlib.sha256(b"plan.pdf").hexdigest(),
    )
    db.session.commit()
    let_in(page, world.admin)
    urls = _page_urls(
        world,
        lambda rule: (
            rule.rule.startswith("/staff/")
            or getattr(current_app.view_functions[rule.endpoint], ACCESS_ATTR, "") == "admin"
        ),
    )
    assert "/staff/audit" in urls
    for url in urls:
        visit(page, url, status=200)
    visit(page, "/staff/audit")
    for width in (1280, 640, 320):
        page.set_viewport_size({"width": width, "height": 900})
        _shot(page, f"audit-{width}.png")


def test_every_page_of_a_permit_reflows_for_its_owner(page: Page):
    world = build_world()
    let_in(page, world.owner)
    for url in _page_urls(world, lambda rule: "permit_id" in rule.arguments) + ["/permits/"]:
        response = page.goto(url)
        # Some of a permit's pages answer only in a state this world is not in.
        if response is not None and response.status == 200:
            visit(page, url)


def _menu_row(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const grid = document.querySelector('.usa-nav__inner').getBoundingClientRect();
            const items = [...document.querySelectorAll('.usa-nav__primary > li'),
                           ...document.querySelectorAll('.usa-nav__secondary-links > li')]
                .map(li => li.getBoundingClientRect());
            const buttons = [...document.querySelectorAll('.usa-nav__primary > li > button')]
                .map(b => b.getBoundingClientRect());
            return {
                right: grid.right,
                overflow: Math.max(...items.map(r => r.right)) - grid.right,
                rows: new Set(buttons.map(r => Math.round(r.top))).size,
                heights: buttons.map(r => r.height),
            };
        }"""
    )


def test_the_staff_menus_fit_one_row_and_work_with_the_keyboard(page: Page):
    world = build_world()
    let_in(page, world.admin)
    page.set_viewport_size({"width": 1280, "height": 800})
    visit(page, "/staff/inspection-types")
    row = _menu_row(page)
    assert row["rows"] == 1, row
    assert row["overflow"] <= 0, row
    # A label never wraps inside its button ("Staff / home").
    assert max(row["heights"]) < 60, row
    expect(page.get_by_role("button", name="Admin")).to_have_class(re.compile("usa-current"))
    expect(page.locator(".usa-nav a[aria-current]")).to_have_text("Inspection types")
    _shot(page, "header-1280.png")

    work = page.get_by_role("button", name="Work queues")
    work.focus()
    page.keyboard.press("Enter")
    expect(work).to_have_attribute("aria-expanded", "true")
    applications = page.get_by_role("link", name="Applications", exact=True)
    expect(applications).to_be_visible()
    check_axe(page)
    _shot(page, "header-1280-open.png")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(applications).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    expect(page.get_by_role("link", name="Applications", exact=True)).to_be_hidden()

    for width in (640, 320):
        page.set_viewport_size({"width": width, "height": 800})
        page.get_by_role("button", name="Menu").click()
        # The menu has slid fully into view, its groups and the account links in it.
        expect(page.get_by_role("button", name="Records")).to_be_in_viewport(ratio=1)
        expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)
        _shot(page, f"header-{width}.png")
        page.get_by_role("button", name="Close the menu").click()


def test_the_staff_menus_are_open_without_uswds_script(browser: Browser, base_url: str):
    world = build_world()
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    # USWDS's script fails to load: its menus stay open and every item can be followed.
    context.route("**/uswds.min.js*", lambda route: route.abort())
    page = context.new_page()
    let_in(page, world.admin)
    page.goto("/staff/")
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()
    expect(page.get_by_role("link", name="Staff accounts")).to_be_visible()
    _shot(page, "header-1280-no-uswds.png")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    context.close()

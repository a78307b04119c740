"""In a real browser: an admin changes an inspector's daily capacity (after a typing
mistake) and adds a holiday, and every settings page passes axe."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal import calendar
from portal.auth.models import Role
from portal.extensions import db
from portal.settings.models import Holiday, PortalSettings
from tests.browser.helpers import check_axe, expect_error_summary, open_menu_item, sign_in, visit
from tests.factories import make_permit, make_user

pytestmark = pytest.mark.browser


def test_an_admin_changes_the_capacity_and_adds_a_holiday(page: Page):
    admin = make_user(email="ada@example.com", role=Role.ADMIN, name="Ada Admin")
    sign_in(page, admin)
    open_menu_item(page, "Admin", "Settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    check_axe(page)

    capacity = page.get_by_label("Inspections one inspector can take in a day")
    capacity.fill("eighty")
    page.get_by_role("button", name="Save the rules").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Enter a whole number, like 12")
    expect(capacity).to_have_value("eighty")
    check_axe(page)
    capacity.fill("5")
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_role("status").first).to_contain_text("The settings are saved")
    expect(capacity).to_have_value("5")
    db.session.expire_all()
    assert db.session.get(PortalSettings, 1).inspector_daily_capacity == 5

    day = calendar.local_today() + timedelta(days=45)
    while db.session.scalar(select(Holiday.id).where(Holiday.day == day)):
        day += timedelta(days=1)
    page.get_by_role("link", name="Holidays").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Holidays")
    check_axe(page)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Name").fill("Department training day")
    page.get_by_role("button", name="Add the holiday").click()
    expect(page.get_by_role("status").first).to_contain_text("is a holiday now")
    expect(page.get_by_role("row").filter(has_text="Department training day")).to_be_visible()
    check_axe(page)

    visit(page, "/staff/settings/fees")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fee schedule")


def test_an_admin_maps_a_permit_type_for_the_open_data_export(page: Page):
    make_permit(permit_num="BP-WRECK-1", permit_type="Wrecking")
    sign_in(page, make_user(email="ada@example.com", role=Role.ADMIN, name="Ada Admin"))
    open_menu_item(page, "Admin", "Settings")
    page.get_by_role("link", name="Permit types in the open-data export").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Permit types in the open-data export"
    )
    expect(page.get_by_role("region", name="Permit types without a BLDS type")).to_contain_text(
        "Wrecking (1 permit)"
    )
    check_axe(page)

    page.get_by_label("Permit type", exact=True).fill("Wrecking")
    page.get_by_role("button", name="Save the permit type").click()
    expect(expect_error_summary(page)).to_contain_text("Choose one of the BLDS permit types")
    expect(page.get_by_label("Permit type", exact=True)).to_have_value("Wrecking")
    check_axe(page)

    page.get_by_label("BLDS permit type").select_option("Demolition")
    page.get_by_role("button", name="Save the permit type").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Permits of type Wrecking now export as Demolition."
    )
    expect(page.get_by_role("row").filter(has_text="Wrecking")).to_contain_text("Demolition")
    check_axe(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

"""In a real browser: staff ask for the permits' BLDS export, after a backwards date range
and a range with no permits; its page says it is waiting, the job runs, a refresh shows it
ready, and the Download button gives the file. Each page passes axe and reflows at 320 px
(helpers.visit and check_axe)."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from portal.permits.models import PermitStatus
from tests.browser.helpers import (
    check_axe,
    check_reflow,
    expect_error_summary,
    open_menu_item,
    shoot,
    sign_in,
    visit,
)
from tests.factories import make_permit, make_user
from tests.support.jobs import run_jobs

pytestmark = pytest.mark.browser


def test_staff_export_the_permits_file_through_its_job(page: Page):
    make_permit(
        permit_num="BP-BROWSER-1",
        issued_date=date(2026, 2, 10),
        status_current=PermitStatus.INSPECTION_PHASE,
    )
    sign_in(page, make_user(role=Role.STAFF, name="Sam Staff"))
    open_menu_item(page, "Records", "Exports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data exports")
    expect(page.get_by_text("You have not exported anything yet.")).to_be_visible()
    check_axe(page)

    page.get_by_label("Issued on or after").fill("2026-03-01")
    page.get_by_label("Issued on or before").fill("2026-01-01")
    page.get_by_role("button", name="Export permits").click()
    expect(expect_error_summary(page)).to_contain_text("must be on or after the other date")

    page.get_by_label("Issued on or after").fill("2025-01-01")
    page.get_by_label("Issued on or before").fill("2025-12-31")
    page.get_by_role("button", name="Export permits").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "No permits were issued between 1 January 2025 and 31 December 2025."
    )
    expect(page.get_by_label("Issued on or after")).to_have_value("2025-01-01")
    check_axe(page)

    page.get_by_label("Issued on or before").fill("2026-12-31")
    page.get_by_role("button", name="Export permits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Export: Permits")
    expect(page.get_by_role("status")).to_contain_text("The export is waiting to be written")
    expect(page.locator(".portal-summary-list")).to_contain_text(
        "Issued between 1 January 2025 and 31 December 2026"
    )
    check_axe(page)
    check_reflow(page)
    shoot(page, "export-waiting")

    run_jobs()
    page.get_by_role("link", name="Refresh this page").click()
    expect(page.get_by_role("status")).to_contain_text("The file is ready")
    expect(page.get_by_role("status")).to_contain_text("1 row, written")
    expect(page.get_by_role("link", name="Refresh this page")).to_have_count(0)
    check_axe(page)
    check_reflow(page)
    shoot(page, "export-ready")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download permits-").click()
    assert download.value.suggested_filename.startswith("permits-")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("PermitNum,Description,")
    assert "BP-BROWSER-1" in text
    assert "Inspection Phase,Inspection Phase" in text

    page.get_by_role("link", name="Back to Open data exports").click()
    expect(page.get_by_role("table")).to_contain_text("Ready to download")
    check_axe(page)
    shoot(page, "exports-list")


def test_nothing_to_export_names_the_status_in_spanish(page: Page):
    make_permit(permit_num="BP-BROWSER-ES")  # issued, none expired
    sign_in(page, make_user(role=Role.STAFF, name="Sol Staff"))
    visit(page, "/staff/exports")
    page.get_by_role("button", name="Español").click()
    page.get_by_label("Estado del permiso").select_option(PermitStatus.EXPIRED.value)
    page.locator("form").filter(has=page.get_by_label("Estado del permiso")).get_by_role(
        "button"
    ).click()
    message = page.get_by_role("status").first
    expect(message).to_contain_text("“Vencido”")
    expect(message).not_to_contain_text("Expired")
    check_axe(page)
    check_reflow(page)
    shoot(page, "exports-nothing-es")

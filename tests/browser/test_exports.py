"""In a real browser: staff download the permits' BLDS file, after a backwards date range
and a range with no permits, and the exports page passes axe each time."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from portal.permits.models import PermitStatus
from tests.browser.helpers import check_axe, expect_error_summary, open_menu_item, sign_in
from tests.factories import make_permit, make_user

pytestmark = pytest.mark.browser


def test_staff_download_the_permits_file(page: Page):
    make_permit(
        permit_num="BP-BROWSER-1",
        issued_date=date(2026, 2, 10),
        status_current=PermitStatus.INSPECTION_PHASE,
    )
    sign_in(page, make_user(role=Role.STAFF, name="Sam Staff"))
    open_menu_item(page, "Records", "Exports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data exports")
    check_axe(page)

    page.get_by_label("Issued on or after").fill("2026-03-01")
    page.get_by_label("Issued on or before").fill("2026-01-01")
    page.get_by_role("button", name="Download permits (CSV)").click()
    expect(expect_error_summary(page)).to_contain_text("must be on or after the other date")

    page.get_by_label("Issued on or after").fill("2025-01-01")
    page.get_by_label("Issued on or before").fill("2025-12-31")
    page.get_by_role("button", name="Download permits (CSV)").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "No permits were issued between 1 January 2025 and 31 December 2025."
    )
    check_axe(page)

    page.get_by_label("Issued on or before").fill("2026-12-31")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download permits (CSV)").click()
    assert download.value.suggested_filename.startswith("permits-")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("PermitNum,Description,")
    assert "BP-BROWSER-1" in text
    assert "Inspection Phase,Inspection Phase" in text

"""In a real browser: an admin uploads a permit file, sees its import waiting, the job
runs, and a refresh shows it imported; a file with errors shows them by row and column.
Each page passes axe and reflows at 320 px (helpers.visit and check_axe)."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from tests.browser.helpers import check_axe, check_reflow, let_in, open_menu_item, shoot, visit
from tests.factories import make_user
from tests.support.jobs import run_jobs
from tests.support.permit_csv import csv_bytes, permit_row

pytestmark = pytest.mark.browser

FILE_INPUT = "Drag file here or choose from folder"  # the name USWDS gives a file input


def _upload(page: Page, path: Path) -> None:
    page.get_by_label(FILE_INPUT).set_input_files(path)
    page.get_by_role("button", name="Import permits").click()


def test_an_admin_imports_a_file_through_its_job(page: Page, tmp_path):
    let_in(page, make_user(role=Role.ADMIN, name="Ada Admin", email="ada@example.com"))
    visit(page, "/staff/")
    open_menu_item(page, "Records", "Import permits")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import permits")
    expect(page.get_by_text("No file has been imported yet.")).to_be_visible()

    good = tmp_path / "march.csv"
    good.write_bytes(csv_bytes([permit_row(PermitNum="BP-WEB-1"), permit_row()]))
    _upload(page, good)
    expect(page.get_by_role("heading", level=1)).to_have_text("Permit import: march.csv")
    expect(page.get_by_role("status")).to_contain_text("The file is waiting to be imported")
    expect(page.locator(".portal-summary-list")).to_contain_text("Waiting")
    check_axe(page)
    check_reflow(page)
    shoot(page, "import-waiting")

    run_jobs()
    page.get_by_role("link", name="Refresh this page").click()
    expect(page.get_by_role("status")).to_contain_text("The file was imported")
    expect(page.get_by_role("status")).to_contain_text("2 rows: 2 new permits, 0 permits updated.")
    expect(page.get_by_role("link", name="Refresh this page")).to_have_count(0)
    check_axe(page)
    check_reflow(page)
    shoot(page, "import-done")

    bad = tmp_path / "april.csv"
    bad.write_bytes(csv_bytes([permit_row(), permit_row(OriginalZip="ABCDE")]))
    page.get_by_role("link", name="Import another file").click()
    _upload(page, bad)
    run_jobs()
    page.get_by_role("link", name="Refresh this page").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported")
    errors = page.get_by_role("table", name="Errors in the file")
    expect(errors).to_contain_text("OriginalZip")
    check_axe(page)
    check_reflow(page)
    shoot(page, "import-rejected")

    visit(page, "/permits/import")
    recent = page.get_by_role("table", name="Recent imports, newest first")
    expect(recent).to_contain_text("april.csv")
    expect(recent).to_contain_text("Not imported: errors in the file")
    expect(recent).to_contain_text("Imported")
    shoot(page, "import-list")

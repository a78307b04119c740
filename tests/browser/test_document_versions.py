"""Documents keep their history in a real browser: during "information requested" the owner
replaces the plans and resubmits; the reviewer sees the old and the new version."""

import pytest
from flask import current_app
from playwright.sync_api import Page, expect

from portal.applications import review
from portal.auth.models import Role
from tests.browser.helpers import check_axe, sign_in, visit
from tests.factories import make_user
from tests.factories.applications import build_application
from tests.factories.permits import owner_with_permit
from tests.support.files import write_pdf

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 700})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 320px"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_owner_replaces_the_plans_and_the_reviewer_sees_both_versions(
    page: Page, new_context, tmp_path
):
    owner, permit = owner_with_permit()
    application = build_application(permit, owner, complete=True, submit=True)
    staff = make_user(role=Role.STAFF, name="Sam Staff")
    with current_app.test_request_context():
        review.request_information(
            application, staff, application.version, "The plans are not stamped."
        )

    sign_in(page, owner)
    visit(page, f"/permits/{permit.id}/application/documents")
    page.get_by_label("Document type").select_option(label="Stamped plans")
    page.get_by_label("Drag files here or choose from folder").set_input_files(
        write_pdf(tmp_path, "stamped-plans-v2.pdf")
    )
    page.get_by_label("Is this a new version of a document already uploaded?").select_option(
        label="Yes, it replaces stamped-plans.pdf (Stamped plans)"
    )
    page.get_by_role("button", name="Upload and add more").click()
    expect(page.get_by_role("status").first).to_have_text("1 document uploaded.")
    # The owner sees the current set only.
    documents = page.get_by_role("table", name="Documents uploaded")
    expect(documents.get_by_role("link", name="stamped-plans-v2.pdf")).to_be_visible()
    expect(documents.get_by_role("link", name="stamped-plans.pdf", exact=True)).to_have_count(0)
    check_axe(page)
    _no_sideways_scroll(page)
    visit(page, f"/permits/{permit.id}/application/check")
    page.get_by_role("button", name="Resubmit the application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Application resubmitted")

    staff_page = new_context().new_page()
    sign_in(staff_page, staff)
    visit(staff_page, f"/staff/applications/{application.id}")
    changes = staff_page.get_by_role("region", name="Documents changed since the last submission")
    expect(changes).to_contain_text("Replaced: stamped-plans.pdf (Stamped plans)")
    expect(changes.get_by_role("link", name="stamped-plans.pdf", exact=True)).to_be_visible()
    expect(changes.get_by_role("link", name="stamped-plans-v2.pdf")).to_be_visible()
    _no_sideways_scroll(staff_page)
    # The first version is still there to read.
    with staff_page.expect_download() as download:
        changes.get_by_role("link", name="stamped-plans.pdf", exact=True).click()
    assert download.value.suggested_filename == "stamped-plans.pdf"

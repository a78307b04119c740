"""Forms on a phone (issue 16): the inspection result's photo input on a touch screen in
Spanish (no "drag", the drop zone's words translated, the camera offered), and the
contacts and documents pages at 320 px with "Add me as a contact"."""

import os

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from portal.extensions import db
from tests.browser.helpers import check_axe, choose, let_in, visit
from tests.factories import make_user
from tests.factories.applications import build_application
from tests.factories.inspections import TODAY, make_request, schedule
from tests.factories.permits import owner_with_permit
from tests.support.files import JPEG

pytestmark = pytest.mark.browser

# Set to a folder to keep screenshots of these pages at 1280 and 375 px for a look.
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def _fits_320(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def _shots(page: Page, name: str) -> None:
    if not SHOTS:
        return
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


def test_photos_from_a_touch_phone_in_spanish(
    fixed_today, permit, contractor, inspector, new_context, tmp_path
):
    inspector.locale = "es"
    db.session.commit()
    visit_ = schedule(make_request(permit, contractor), inspector, day=TODAY)
    phone = new_context(has_touch=True, is_mobile=True, viewport={"width": 320, "height": 800})
    page = phone.new_page()
    let_in(page, inspector)
    visit(page, f"/staff/inspections/{visit_.id}/result")
    photos = page.locator("input#photos")
    expect(photos).to_have_attribute("capture", "environment")
    expect(photos).to_have_attribute(
        "accept", ".png,.jpg,.jpeg,.heic,.heif,image/png,image/jpeg,image/heic,image/heif"
    )
    expect(photos).to_have_attribute("multiple", "")
    zone = page.locator(".usa-file-input")
    expect(zone).to_contain_text("Elija en su dispositivo")
    # A finger cannot drag a file: the drop zone says nothing about dragging, in any language.
    expect(zone).not_to_contain_text("Drag")
    expect(zone).not_to_contain_text("Arrastre")
    expect(zone).not_to_contain_text("folder")
    shots = []
    for n in (1, 2):
        path = tmp_path / f"IMG_000{n}.jpg"
        path.write_bytes(JPEG + bytes([n]))
        shots.append(path)
    photos.set_input_files(shots)
    expect(zone).to_contain_text("2 archivos seleccionados")
    expect(zone).to_contain_text("Cambiar los archivos")
    check_axe(page)
    _fits_320(page)
    _shots(page, "result-photos-es")


def test_contacts_and_documents_on_a_phone(page: Page):
    owner, permit = owner_with_permit()
    build_application(permit, owner, complete=False, submit=False)
    let_in(page, owner)
    visit(page, f"/permits/{permit.id}/application/contacts")
    _fits_320(page)
    page.get_by_role("button", name="Add me as a contact").click()
    expect(page.get_by_role("status").first).to_have_text(f"Contact added: {owner.name}.")
    expect(page.get_by_role("table", name="Contacts added")).to_contain_text(owner.name)
    expect(page.get_by_role("button", name="Add me as a contact")).to_have_count(0)
    check_axe(page)
    _fits_320(page)
    _shots(page, "contacts")
    # Typed on a phone, then the primary button: kept, and on to the documents.
    page.get_by_label("Role").select_option(label="Architect or engineer of record")
    page.get_by_label("Full name").fill("Ines Architect")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    expect(page.get_by_label("Full name")).to_have_value("Ines Architect")
    page.get_by_label("License number").fill("AR-001234")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    check_axe(page)
    _fits_320(page)
    _shots(page, "documents")


def test_follow_up_questions_appear_when_relevant(page: Page, browser):
    owner, permit = owner_with_permit()
    build_application(permit, owner, complete=False, submit=False)
    let_in(page, owner)
    visit(page, f"/permits/{permit.id}/application/building")
    previous_use = page.get_by_label("If the occupancy changes: the previous use")
    portion = page.get_by_label("For a partial certificate: which portion")
    reason = page.get_by_label("For a temporary certificate: why it is needed")
    for question in (previous_use, portion, reason):
        expect(question).to_be_hidden()
    choose(page, "Yes", group="Is this a change of occupancy?")
    expect(previous_use).to_be_visible()
    choose(page, "Partial", group="Which certificate are you requesting?")
    expect(portion).to_be_visible()
    expect(reason).to_be_hidden()
    choose(page, "Temporary", group="Which certificate are you requesting?")
    expect(reason).to_be_visible()
    expect(portion).to_be_hidden()
    check_axe(page)
    _fits_320(page)

    # Without JavaScript every follow-up question is on the page, its label saying when.
    origin = page.url.split("/permits/")[0]
    plain = browser.new_context(java_script_enabled=False, base_url=origin)
    plain.add_cookies(page.context.cookies())
    no_js = plain.new_page()
    no_js.goto(f"/permits/{permit.id}/application/building")
    for label in (
        "If the occupancy changes: the previous use",
        "For a partial certificate: which portion",
        "For a temporary certificate: why it is needed",
    ):
        expect(no_js.get_by_label(label)).to_be_visible()
    plain.close()


def test_one_decision_form_and_a_confirmation_for_a_rejection(page: Page):
    owner, permit = owner_with_permit()
    application = build_application(permit, owner, complete=True, submit=True)
    let_in(page, make_user(role=Role.STAFF))
    visit(page, f"/staff/applications/{application.id}")
    expect(page.get_by_label("Message to the applicant")).to_have_count(1)
    _fits_320(page)
    _shots(page, "review")
    choose(page, "Reject the application", group="Your decision")
    page.get_by_label("Message to the applicant").fill("The plans are for another building.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Reject application {application.confirmation_number}?"
    )
    expect(page.get_by_text("The plans are for another building.")).to_be_visible()
    check_axe(page)
    _fits_320(page)
    _shots(page, "confirm-reject")
    # Going back keeps the decision and the reason.
    page.get_by_role("button", name="No, change the decision").click()
    expect(page.get_by_label("Reject the application")).to_be_checked()
    expect(page.get_by_label("Message to the applicant")).to_have_value(
        "The plans are for another building."
    )
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_role("button", name="Yes, reject the application").click()
    expect(page.get_by_role("status").first).to_have_text("Application rejected.")
    check_axe(page)

"""The C of O application in a real browser: filled over two visits and submitted, reviewed
by staff with a request for information, resubmitted and accepted; and a double click on
Submit."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal.applications.models import ApplicationStatus, CofOApplication
from portal.auth.models import Role
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeline import TimelineEntry
from tests.browser.helpers import check_axe, choose, open_menu_item, sign_in, sign_out, visit
from tests.factories import make_user
from tests.factories.applications import build_application
from tests.factories.permits import owner_with_permit
from tests.support.files import write_pdf
from tests.support.mail import newest_email_to

pytestmark = pytest.mark.browser


def _open_task(page: Page, section: str) -> None:
    page.get_by_role("link", name=section, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(section)
    check_axe(page)


def _task(page: Page, section: str):
    # Each task's link is described by its status tag.
    return page.get_by_role("link", name=section, exact=True)


def _fill_building(page: Page) -> None:
    choose(page, "R-2 Residential: apartments, dormitories", group="Occupancy group or groups")
    page.get_by_label("Portion of the building this certificate covers").fill("Entire building")
    page.get_by_label("Proposed occupancy load (people)").fill("40")
    page.get_by_label("Total floor area, in square feet").fill("7,200")
    page.get_by_label("Of which used for anything other than homes").fill("0")
    page.get_by_label("Dwelling units").fill("6")
    page.get_by_label("Sleeping units").fill("0")
    page.get_by_label("Stories above grade").fill("4")
    page.get_by_label("Construction type").select_option("VA")
    choose(page, "Yes", group="Is the building fully sprinklered?")
    choose(page, "No", group="Is this a change of occupancy?")
    choose(page, "Full", group="Which certificate are you requesting?")


def _type_contact(page: Page, role: str, name: str, license_number: str = "") -> None:
    page.get_by_label("Role").select_option(label=role)
    page.get_by_label("Full name").fill(name)
    if license_number:
        page.get_by_label("License number").fill(license_number)


def test_owner_fills_the_application_over_two_visits_and_submits_it(page: Page, tmp_path):
    owner, permit = owner_with_permit()

    # First visit: start, answer the building questions, save for later, sign out.
    sign_in(page, owner)
    page.get_by_role("link", name=permit.permit_num).click()
    check_axe(page)
    page.get_by_role("link", name="Start your C of O application").click()
    check_axe(page)
    page.get_by_role("button", name="Start the application").click()
    expect(_task(page, "Building and occupancy")).to_have_accessible_description("Not started")
    check_axe(page)
    _open_task(page, "Building and occupancy")
    _fill_building(page)
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("status").first).to_contain_text("Your answers are saved")
    expect(_task(page, "Building and occupancy")).to_have_accessible_description("Completed")
    expect(_task(page, "Contacts")).to_have_accessible_description("Not started")
    check_axe(page)
    sign_out(page)

    # Second visit: the home page says what to do next and the answers are still there.
    sign_in(page, owner)
    page.get_by_role("link", name="Continue your draft application").click()
    check_axe(page)
    _open_task(page, "Building and occupancy")
    expect(page.get_by_label("Total floor area, in square feet")).to_have_value("7200")
    expect(page.get_by_label("Construction type")).to_have_value("VA")
    page.get_by_role("link", name="Back to the application").click()
    check_axe(page)

    _open_task(page, "Contacts")
    _type_contact(page, "Owner", "Olivia Owner")
    page.get_by_role("button", name="Save and add another contact").click()
    expect(page.get_by_role("status").first).to_have_text("Contact added: Olivia Owner.")
    expect(page.get_by_role("table", name="Contacts added")).to_contain_text("Olivia Owner")
    check_axe(page)
    # Typed, then the primary button: the contact is saved on the way (issue 16 item 1).
    _type_contact(page, "Architect or engineer of record", "Ines Architect", "AR-001234")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(page.get_by_role("status").first).to_have_text("Contact added: Ines Architect.")
    check_axe(page)

    page.get_by_label("Document type").select_option(label="Stamped plans")
    # USWDS lays the file input over its drop zone and names it after the zone's text.
    page.get_by_label("Drag files here or choose from folder").set_input_files(write_pdf(tmp_path))
    page.get_by_role("button", name="Upload and add more").click()
    expect(page.get_by_role("status").first).to_have_text("1 document uploaded.")
    expect(page.get_by_role("link", name="stamped-plans.pdf")).to_be_visible()
    check_axe(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestations")
    check_axe(page)

    for statement in (
        "The building's owner has been involved in the project",
        "The architect or engineer of record and the contractors are licensed in Chicago",
        "All related permits for this building are finaled",
        "The information in this application is true and complete",
    ):
        page.get_by_text(statement).click()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting"
    )
    expect(page.get_by_text("Some answers are still missing")).to_have_count(0)
    expect(page.get_by_text("AR-001234")).to_be_visible()
    check_axe(page)

    page.get_by_role("button", name="Submit the application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Application submitted")
    check_axe(page)
    db.session.expire_all()
    application = db.session.scalar(select(CofOApplication))
    assert application.status == ApplicationStatus.SUBMITTED
    number = application.confirmation_number
    expect(page.get_by_role("region", name="Your confirmation number")).to_contain_text(number)
    email = newest_email_to(owner.email)
    assert number in email.subject
    assert number in email.body_text


def _timeline(page: Page) -> list[tuple[str, str]]:
    """(what happened, who) for each entry on the permit's timeline, newest first."""
    entries = []
    for item in (
        page.get_by_role("heading", name="Timeline").locator("~ ol").first.locator("> li").all()
    ):
        what, when_who = (" ".join(p.split()) for p in item.locator("p").all_inner_texts())
        entries.append((what, when_who.rsplit(" · ", 1)[1]))
    return entries


REPLY = "The alarm certificate is uploaded; the stories were wrong and are now 5."


def test_staff_request_information_the_owner_resubmits_and_staff_accept(page: Page, new_context):
    owner, permit = owner_with_permit()
    application = build_application(permit, owner, complete=True, submit=True)
    staff = make_user(role=Role.STAFF, name="Sam Staff")
    staff_page = new_context().new_page()
    message = "Please upload the fire alarm certificate for the ground floor."

    sign_in(staff_page, staff)
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Staff home")
    open_menu_item(staff_page, "Work queues", "Applications")
    queue = staff_page.get_by_role("table", name="Applications")
    queue.get_by_role("link", name=application.confirmation_number).click()
    check_axe(staff_page)
    choose(staff_page, "Request more information from the applicant", group="Your decision")
    staff_page.get_by_label("Message to the applicant").fill(message)
    staff_page.get_by_role("button", name="Record the decision").click()
    expect(staff_page.get_by_role("status").first).to_have_text(
        "Information requested from the applicant."
    )
    check_axe(staff_page)
    assert message in newest_email_to(owner.email).body_text

    # The owner sees the message, changes an answer and resubmits.
    sign_in(page, owner)
    page.get_by_role("link", name="Respond to the department's request").click()
    expect(page.get_by_text(message)).to_be_visible()
    check_axe(page)
    _open_task(page, "Building and occupancy")
    page.get_by_label("Stories above grade").fill("5")
    page.get_by_role("button", name="Save and come back later").click()
    check_axe(page)
    page.get_by_role("link", name="Check your answers and submit").click()
    check_axe(page)
    # A reply in their own words goes with the resubmission.
    expect(page.get_by_text(message)).to_be_visible()
    page.get_by_label("Your reply to the department (optional)").fill(REPLY)
    page.get_by_role("button", name="Resubmit the application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Application resubmitted")
    expect(page.get_by_text("Status: Resubmitted")).to_contain_text("Resubmitted ")
    check_axe(page)

    staff_page.get_by_role("link", name="Back to the review queue").click()
    check_axe(staff_page)
    staff_page.get_by_role("link", name=application.confirmation_number).click()
    expect(staff_page.locator(".usa-tag", has_text="Resubmitted")).to_be_visible()
    # The reviewer reads the reply beside the request.
    expect(staff_page.get_by_text(message)).to_be_visible()
    expect(staff_page.get_by_text(REPLY)).to_be_visible()
    check_axe(staff_page)
    choose(staff_page, "Accept the application", group="Your decision")
    staff_page.get_by_role("button", name="Record the decision").click()
    expect(staff_page.get_by_role("status").first).to_have_text("Application accepted.")
    check_axe(staff_page)

    visit(page, f"/permits/{permit.id}")
    expect(page.get_by_text("Accepted", exact=True)).to_be_visible()
    who = owner.name
    assert _timeline(page) == [
        ("Application accepted; inspections can be scheduled", "The department"),
        (f"Application resubmitted with a reply: {REPLY}", who),
        (f"More information requested: {message}", "The department"),
        (f"Application submitted (confirmation {application.confirmation_number})", who),
        ("Document uploaded: stamped-plans.pdf", who),
        ("Certificate of Occupancy application started", who),
    ]
    expect(page.get_by_text(staff.name)).to_have_count(0)


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _submitted_once(page: Page, owner) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Application submitted")
    check_axe(page)
    assert _count(OutboxMessage, OutboxMessage.to_address == owner.email) == 1
    assert _count(TimelineEntry, TimelineEntry.event == "application.submitted") == 1
    application = db.session.scalar(select(CofOApplication))
    assert application.status == ApplicationStatus.SUBMITTED
    expect(page.get_by_text(application.confirmation_number)).to_be_visible()


def test_double_click_on_submit_submits_once(page: Page):
    owner, permit = owner_with_permit()
    build_application(permit, owner, complete=True, submit=False)
    sign_in(page, owner)
    visit(page, f"/permits/{permit.id}/application/check")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    page.get_by_role("button", name="Submit the application").dblclick()
    _submitted_once(page, owner)
    assert len(posts) == 1


def test_submit_again_from_a_second_tab_shows_the_first_submission(page: Page):
    owner, permit = owner_with_permit()
    build_application(permit, owner, complete=True, submit=False)
    sign_in(page, owner)
    other_tab = page.context.new_page()
    for tab in (page, other_tab):
        visit(tab, f"/permits/{permit.id}/application/check")

    page.get_by_role("button", name="Submit the application").click()
    _submitted_once(page, owner)
    # The second tab still shows the button; pressing it is harmless.
    other_tab.get_by_role("button", name="Submit the application").click()
    _submitted_once(other_tab, owner)

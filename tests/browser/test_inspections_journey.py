"""Inspections in a real browser: a contractor requests one, staff schedule it, the owner
sees it; staff record "No access", the reinspection fee blocks the next request until staff
waive it; then every required inspection passes and the accepted application moves to
"Inspections complete". And the request form's error path.

Dates come from the portal's own business-day calendar, so the test holds on any day.
"""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal import calendar
from portal.applications.models import ApplicationStatus
from portal.auth.models import Role, User
from portal.extensions import db
from portal.inspections import catalogue, deadlines
from portal.inspections.forms import DUTY_LABELS
from portal.models import utcnow
from portal.notifications.models import OutboxMessage
from portal.payments.models import Fee, FeeKind, FeeStatus
from portal.permits.models import PartyRole, Permit
from tests.browser.helpers import check_axe, choose, expect_error_summary, sign_in, visit
from tests.factories import add_party, make_application, make_permit, make_user
from tests.factories.inspections import on_day
from tests.support.mail import newest_email_to

pytestmark = pytest.mark.browser

MORNING = "Morning (8 am to 12 noon)"
REFRIGERATION = "Final refrigeration"
COFO_DOB = "Certificate of Occupancy (Department of Buildings)"
COFO_FPB = "Certificate of Occupancy (Fire Prevention Bureau)"
BUREAU = "Chicago Fire Department, Fire Prevention Bureau"
# What the Inspection list shows: stage, then name.
CHOICES = {
    REFRIGERATION: f"Final: {REFRIGERATION}",
    COFO_DOB: f"Certificate of Occupancy: {COFO_DOB}",
}
BLOCKED_NEXT_STEP = "Pay the reinspection fee: inspection requests wait for it"
BLOCKED_HEADING = "Pay the reinspection fee before requesting inspections"


def _site(scope: list[str]) -> tuple[Permit, User, User, User]:
    """A permit with its owner and a contractor, the seeded catalogue, and an inspector."""
    catalogue.seed_types()
    owner = make_user(name="Olivia Owner", email="olivia.owner@example.com")
    contractor = make_user(
        name="Carlos Contractor", email="carlos@example.com", phone="312-555-0147"
    )
    inspector = make_user(name="Ines Inspector", email="ines@example.com", role=Role.STAFF)
    permit = make_permit(scope=scope, description="Walk-in coolers for a grocery")
    add_party(permit, owner, PartyRole.OWNER)
    add_party(permit, contractor, PartyRole.CONTRACTOR, trade="refrigeration")
    catalogue.derive_required({permit.id: permit.scope})
    db.session.commit()
    return permit, owner, contractor, inspector


def _business_days(count: int) -> list[date]:
    """The first days a request made today may name, by the portal's calendar."""
    days = [deadlines.earliest_inspection_day()]
    while len(days) < count:
        days.append(calendar.add_business_days(days[-1], 1))
    return days


def _shown(day: date, weekday: bool = False) -> str:
    """A date as the portal's messages write it: "5 December 2026", with the day's name."""
    return (f"{day:%A} " if weekday else "") + f"{day.day} {day:%B} {day.year}"


def _open_request_form(page: Page, permit: Permit) -> None:
    visit(page, f"/permits/{permit.id}")
    page.get_by_role("link", name="Request an inspection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request an inspection")
    check_axe(page)


def _fill_request(page: Page, name: str, days: list[date], *, duties: bool = True) -> None:
    page.get_by_label("Inspection", exact=True).select_option(label=CHOICES[name])
    for label, day in zip(("First preferred date", "Second preferred date"), days, strict=False):
        page.get_by_label(label).fill(day.isoformat())
    choose(page, MORNING, group="Time of day")
    page.get_by_label("Access notes").fill("Loading dock on the alley; ring the site office")
    if duties:
        for label in DUTY_LABELS.values():
            choose(page, str(label))


def _request(page: Page, permit: Permit, name: str, days: list[date]) -> None:
    """The contractor asks for an inspection from the permit page, confirming every duty."""
    _open_request_form(page, permit)
    # The on-site contact starts as the person asking.
    expect(page.get_by_label("On-site contact name")).to_have_value("Carlos Contractor")
    expect(page.get_by_label("On-site contact phone")).to_have_value("312-555-0147")
    _fill_request(page, name, days)
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status").first).to_contain_text("Your request was sent")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} inspection")
    check_axe(page)


def _queue(page: Page, show: str) -> None:
    visit(page, "/staff/inspections")
    check_axe(page)
    page.get_by_label("Show").select_option(label=show)
    page.get_by_role("button", name="Filter").click()
    check_axe(page)


def _schedule(page: Page, permit: Permit, name: str, inspector: User, day: date) -> None:
    """Staff take the request from the queue and book it on its first preferred date."""
    _queue(page, "To schedule (requested)")
    page.get_by_role("link", name=f"Schedule {permit.permit_num} {name}").click()
    check_axe(page)
    expect(page.get_by_label("Inspection date")).to_have_value(day.isoformat())
    page.get_by_label("Inspector").select_option(label=inspector.name)
    page.get_by_role("button", name="Schedule and email the applicant").click()
    expect(page.get_by_role("status").first).to_have_text(
        "The inspection is scheduled and the applicant has been emailed."
    )
    check_axe(page)


def _record(page: Page, permit: Permit, name: str, result: str, day: date) -> None:
    """Staff record the result on the visit's day (the server's calendar says it has come)."""
    with on_day(day):
        _record_today(page, permit, name, result)


def _record_today(page: Page, permit: Permit, name: str, result: str) -> None:
    _queue(page, "To record results (scheduled)")
    page.get_by_role("link", name=f"Record the result {permit.permit_num} {name}").click()
    check_axe(page)
    choose(page, result, group="Result")
    page.get_by_role("button", name="Record the result").click()
    expect(page.get_by_role("status").first).to_have_text(
        "The result is recorded and the applicant has been emailed."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} inspection")
    check_axe(page)


def _checklist_row(page: Page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def _subjects(address: str) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.to_address == address))
    )


def _fees() -> list[Fee]:
    db.session.expire_all()
    return list(db.session.scalars(select(Fee).order_by(Fee.id)))


def test_no_access_a_waived_reinspection_fee_and_every_inspection_passed(page: Page, new_context):
    permit, owner, contractor, inspector = _site(["refrigeration"])
    make_application(
        permit,
        owner,
        status=ApplicationStatus.ACCEPTED,
        confirmation_number="CO-2026-INSP01",
        submitted_at=utcnow(),
    )
    days = _business_days(2)
    owner_page = new_context().new_page()
    staff_page = new_context().new_page()

    # The contractor asks for the final refrigeration inspection.
    sign_in(page, contractor.email)
    visit(page, f"/permits/{permit.id}")
    expect(_checklist_row(page, REFRIGERATION)).to_contain_text("Not requested")
    _request(page, permit, REFRIGERATION, days)
    expect(page.get_by_text(f"by {contractor.name}")).to_be_visible()
    assert REFRIGERATION in newest_email_to(contractor.email).subject

    # Staff book it; the owner sees the booking on the permit and gets the invitation.
    sign_in(staff_page, inspector.email)
    _schedule(staff_page, permit, REFRIGERATION, inspector, days[0])
    sign_in(owner_page, owner.email)
    visit(owner_page, f"/permits/{permit.id}")
    expect(_checklist_row(owner_page, REFRIGERATION)).to_contain_text(
        f"Scheduled for {_shown(days[0])}, {MORNING.lower()}"
    )
    invitation = newest_email_to(owner.email)
    assert invitation.subject.startswith(f"Inspection scheduled: {REFRIGERATION}")
    assert [a["filename"] for a in invitation.attachments] == ["inspection.ics"]

    # Nobody let the inspector in: the permit is charged a reinspection fee.
    _record(staff_page, permit, REFRIGERATION, "No access / not ready", days[0])
    visit(owner_page, f"/permits/{permit.id}")
    expect(_checklist_row(owner_page, REFRIGERATION)).to_contain_text("No access / not ready")
    owner_page.get_by_role("link", name="See the fees").click()
    expect(owner_page.get_by_role("heading", level=1)).to_have_text(
        f"Fees for permit {permit.permit_num}"
    )
    expect(owner_page.get_by_role("heading", name="$150.00 outstanding")).to_be_visible()
    fee_row = owner_page.get_by_role("row").filter(
        has=owner_page.get_by_role("rowheader", name="Reinspection fee")
    )
    expect(fee_row).to_contain_text("Outstanding")
    expect(fee_row).to_contain_text("14A-5-501.4")
    check_axe(owner_page)
    assert f"A reinspection fee of $150.00 is due on permit {permit.permit_num}" in _subjects(
        owner.email
    )

    # The unpaid fee is said before anything is filled in: on My permits, on the permit page
    # and on the request form, each with the way to pay.
    visit(page, "/permits/")
    expect(page.get_by_role("link", name=BLOCKED_NEXT_STEP)).to_be_visible()
    check_axe(page)
    visit(page, f"/permits/{permit.id}")
    expect(page.get_by_text(BLOCKED_HEADING)).to_be_visible()
    expect(page.get_by_role("link", name="Request an inspection")).to_have_count(0)
    check_axe(page)
    visit(page, f"/permits/{permit.id}/inspections/request")
    blocked = page.locator("#fees-block-requests")
    expect(blocked).to_contain_text("Pay the reinspection fee first")
    expect(page.get_by_role("button", name="Send the request")).to_have_count(0)
    check_axe(page)
    blocked.get_by_role("link", name="Pay the fees on this permit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Fees for permit {permit.permit_num}"
    )
    check_axe(page)
    assert [f.status for f in _fees()] == [FeeStatus.OUTSTANDING]

    # Staff waive the fee from the permit, with a reason the people on it read.
    visit(staff_page, f"/permits/{permit.id}")
    staff_page.get_by_role("link", name="Fees on this permit", exact=True).click()
    check_axe(staff_page)
    staff_page.get_by_label("Reason for the waiver").fill(
        "The site office was closed by a city water main repair"
    )
    staff_page.get_by_role("button", name="Waive the fee").click()
    expect(staff_page.get_by_role("status").first).to_have_text("The fee was waived.")
    check_axe(staff_page)
    [fee] = _fees()
    assert (fee.kind, fee.status) == (FeeKind.REINSPECTION, FeeStatus.WAIVED)
    visit(owner_page, f"/permits/{permit.id}/fees")
    expect(owner_page.get_by_text("Nothing is outstanding on this permit.")).to_be_visible()
    expect(owner_page.get_by_text("Waived: The site office was closed")).to_be_visible()

    # Now the request goes through, marked as a reinspection, and passes.
    _request(page, permit, REFRIGERATION, days)
    expect(page.get_by_text("Yes: an earlier visit did not pass")).to_be_visible()
    _schedule(staff_page, permit, REFRIGERATION, inspector, days[0])
    _record(staff_page, permit, REFRIGERATION, "Passed", days[0])

    # The Department's C of O inspection is requested here (the application is accepted);
    # the Fire Prevention Bureau books its own: the permit gives its contacts, staff record
    # the result it reports.
    _request(page, permit, COFO_DOB, days)
    _schedule(staff_page, permit, COFO_DOB, inspector, days[0])
    _record(staff_page, permit, COFO_DOB, "Granted and fully completed", days[0])
    visit(page, f"/permits/{permit.id}")
    expect(page.get_by_role("heading", name=f"Booking with the {BUREAU}")).to_be_visible()
    expect(_checklist_row(page, COFO_FPB)).to_contain_text(f"Contact the {BUREAU} to book it")
    check_axe(page)
    visit(staff_page, f"/staff/permits/{permit.id}/required-inspections")
    staff_page.locator('a[href$="/agency-result"]').click()
    check_axe(staff_page)
    staff_page.get_by_label("Day the agency inspected").fill(calendar.local_today().isoformat())
    choose(staff_page, "Granted and fully completed", group="Result the agency reported")
    staff_page.get_by_role("button", name="Record the result").click()
    expect(staff_page.get_by_role("status").first).to_have_text(
        "The result is recorded and the applicant has been emailed."
    )
    check_axe(staff_page)

    visit(owner_page, f"/permits/{permit.id}")
    expect(owner_page.get_by_text("Every required inspection has passed")).to_be_visible()
    for name in (REFRIGERATION, COFO_DOB, COFO_FPB):
        expect(_checklist_row(owner_page, name)).to_contain_text("Nothing to do: passed")
    expect(owner_page.get_by_text("Inspections complete", exact=True)).to_be_visible()
    expect(owner_page.get_by_role("link", name="Request an inspection")).to_have_count(0)


def _next_saturday(after: date) -> date:
    return after + timedelta(days=(5 - after.weekday()) % 7 or 7)


def test_a_weekend_date_and_unconfirmed_duties_come_back_with_the_answers_kept(page: Page):
    permit, _owner, contractor, _inspector = _site(["refrigeration"])
    weekday = _business_days(1)[0]
    saturday = _next_saturday(weekday)
    sign_in(page, contractor.email)
    _open_request_form(page, permit)

    _fill_request(page, REFRIGERATION, [weekday, saturday], duties=False)
    choose(page, str(DUTY_LABELS["confirm_present"]))
    page.get_by_role("button", name="Send the request").click()

    summary = expect_error_summary(page)
    unconfirmed = [label for key, label in DUTY_LABELS.items() if key != "confirm_present"]
    # The summary names each missing confirmation, not one sentence repeated (issue 16).
    for label in unconfirmed:
        expect(summary.get_by_role("link", name=f"Confirm: {label}")).to_be_visible()
    expect(
        summary.get_by_role("link", name=f"Confirm: {DUTY_LABELS['confirm_present']}")
    ).to_have_count(0)
    expect(summary).to_contain_text(f"{_shown(saturday, weekday=True)} is a weekend day")
    expect(page.get_by_label("Inspection", exact=True).locator("option:checked")).to_have_text(
        CHOICES[REFRIGERATION]
    )
    expect(page.get_by_label("First preferred date")).to_have_value(weekday.isoformat())
    expect(page.get_by_label("Second preferred date")).to_have_value(saturday.isoformat())
    expect(page.get_by_label(MORNING)).to_be_checked()
    expect(page.get_by_label("Access notes")).to_have_value(
        "Loading dock on the alley; ring the site office"
    )
    expect(page.get_by_label(str(DUTY_LABELS["confirm_present"]))).to_be_checked()
    for label in unconfirmed:
        expect(page.get_by_label(str(label))).not_to_be_checked()

    # The first error's link leads to its field.
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Second preferred date")).to_be_focused()

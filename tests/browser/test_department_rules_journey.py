"""Issue 12 in a real browser: a repeatable inspection (rebar before each pour) requested
again after it passed, each visit listed; the request form telling the free-change cut-off
of the date being typed; a result that waits for the visit's day and one withdrawn when
recorded by mistake; and the "Add to calendar" download. Axe checks each page.

Dates come from the portal's own business-day calendar, so the test holds on any day.
"""

from datetime import date
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from portal import calendar
from portal.auth.models import Role, User
from portal.extensions import db
from portal.inspections import catalogue, deadlines
from portal.inspections.forms import DUTY_LABELS
from portal.permits.models import PartyRole, Permit
from tests.browser.helpers import check_axe, choose, sign_in, visit
from tests.factories import add_party, make_permit, make_user
from tests.factories.inspections import on_day

pytestmark = pytest.mark.browser

REBAR = "Rebar and structural steel before pours"
MORNING = "Morning (8 am to 12 noon)"


def _site() -> tuple[Permit, User, User]:
    catalogue.seed_types()
    contractor = make_user(name="Carla Concrete", email="carla@example.com", phone="312-555-0101")
    inspector = make_user(name="Ines Inspector", email="ines@example.com", role=Role.STAFF)
    permit = make_permit(scope=["foundations"], description="Six-storey frame on a raft")
    add_party(permit, contractor, PartyRole.CONTRACTOR, trade="concrete")
    catalogue.derive_required({permit.id: permit.scope})
    db.session.commit()
    return permit, contractor, inspector


def _shown(day: date, weekday: bool = False) -> str:
    return (f"{day:%A} " if weekday else "") + f"{day.day} {day:%B} {day.year}"


def _request_rebar(page: Page, permit: Permit, day: date) -> None:
    visit(page, f"/permits/{permit.id}/inspections/request")
    page.get_by_label("Inspection", exact=True).select_option(label=f"Underground: {REBAR}")
    page.get_by_label("First preferred date").fill(day.isoformat())
    choose(page, MORNING, group="Time of day")
    for label in DUTY_LABELS.values():
        choose(page, str(label))
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{REBAR} inspection")
    check_axe(page)


def _schedule(page: Page, inspector: User, day: date) -> None:
    visit(page, "/staff/inspections")
    page.get_by_role("link", name="Schedule").first.click()
    page.get_by_label("Inspection date").fill(day.isoformat())
    page.get_by_label("Inspector").select_option(label=inspector.name)
    page.get_by_role("button", name="Schedule and email the applicant").click()
    expect(page.get_by_role("status").first).to_contain_text("The inspection is scheduled")


def test_rebar_before_each_pour_the_cut_off_and_a_withdrawn_result(page: Page, new_context):
    """Long because it follows one permit's rebar inspection through two pours."""
    permit, contractor, inspector = _site()
    earliest = deadlines.earliest_inspection_day()
    later = calendar.add_business_days(earliest, 1)
    staff_page = new_context().new_page()
    sign_in(page, contractor.email)
    sign_in(staff_page, inspector.email)

    # The request form says the cut-off before anything is sent, for the date being typed.
    visit(page, f"/permits/{permit.id}/inspections/request")
    cutoff_box = page.get_by_role("region", name="Until when you can change it for free")
    expect(cutoff_box).to_contain_text(
        f"For the earliest date, {_shown(earliest)}, that is "
        f"{_shown(deadlines.cutoff_day(earliest))}."
    )
    page.get_by_label("First preferred date").fill(later.isoformat())
    expect(page.locator("#chosen-cutoffs")).to_have_text(
        f"For {_shown(later, True)}: until {_shown(deadlines.cutoff_day(later), True)}"
    )
    check_axe(page)

    # The first pour: requested, booked; its result waits for the visit's day.
    _request_rebar(page, permit, earliest)
    detail_path = urlparse(page.url).path
    _schedule(staff_page, inspector, earliest)
    visit(page, detail_path)
    expect(page.get_by_role("link", name="Add to calendar")).to_be_visible()
    check_axe(page)
    visit(staff_page, "/staff/inspections?status=scheduled")
    staff_page.get_by_role("link", name="Record the result").first.click()
    result_path = urlparse(staff_page.url).path
    if calendar.local_today() < earliest:
        expect(
            staff_page.get_by_text("Its result can be recorded from that day on")
        ).to_be_visible()
        check_axe(staff_page)

    with on_day(earliest):
        # Recorded "No access" by mistake, then withdrawn with a reason.
        visit(staff_page, result_path)
        choose(staff_page, "No access / not ready", group="Result")
        staff_page.get_by_role("button", name="Record the result").click()
        visit(staff_page, result_path)
        expect(staff_page.get_by_role("heading", name="Recorded by mistake?")).to_be_visible()
        check_axe(staff_page)
        staff_page.get_by_label("Why is the result withdrawn?").fill("Recorded on the wrong permit")
        staff_page.get_by_role("button", name="Withdraw the result").click()
        expect(staff_page.get_by_role("status").first).to_contain_text("withdrawn")
        choose(staff_page, "Passed", group="Result")
        staff_page.get_by_role("button", name="Record the result").click()
        expect(staff_page.get_by_role("status").first).to_contain_text("The result is recorded")

    # The next pour: rebar can be requested again, and each visit is listed.
    visit(page, f"/permits/{permit.id}/inspections")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=REBAR))
    expect(row).to_contain_text("Passed once")
    check_axe(page)
    row.get_by_role("link", name="Request it again before the next stage of the work").click()
    check_axe(page)
    _request_rebar(page, permit, later)
    _schedule(staff_page, inspector, later)
    with on_day(later):
        visit(staff_page, "/staff/inspections?status=scheduled")
        staff_page.get_by_role("link", name="Record the result").first.click()
        choose(staff_page, "Passed", group="Result")
        staff_page.get_by_role("button", name="Record the result").click()
    visit(page, f"/permits/{permit.id}/inspections")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=REBAR))
    expect(row).to_contain_text("Passed 2 times")
    expect(row.get_by_role("link", name="Visit 1")).to_be_visible()
    expect(row.get_by_role("link", name="Visit 2")).to_be_visible()
    check_axe(page)

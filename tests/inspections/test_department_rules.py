"""Issue 12: repeat inspections, the inspecting agency, the free-change window, results that
wait for the visit (and their correction), unpaid fees said first, and the pages' wording."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.applications.models import ApplicationStatus
from portal.audit import AuditEvent
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections import catalogue, checklist, requests, results
from portal.inspections.errors import InvalidRequest
from portal.inspections.models import InspectionResult, InspectionStatus
from portal.payments import services as payments
from portal.payments.models import Fee, FeeKind, FeeStatus
from portal.permits.models import PartyRole
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_application, make_permit
from tests.factories.inspections import (
    THURSDAY,
    TODAY,
    WEDNESDAY,
    derive,
    form_data,
    make_request,
    on_day,
    reload,
    required_by_code,
    schedule,
    type_by_code,
)
from tests.factories.settings import set_settings
from tests.support.mail import outbox
from tests.support.pages import check_page

TUESDAY = date(2026, 5, 19)


@pytest.fixture
def pour_permit(seeded, owner, contractor):
    """A permit whose scope needs the rebar inspection before each pour."""
    permit = make_permit(scope=["foundations", "electrical"])
    add_party(permit, owner, PartyRole.OWNER)
    add_party(permit, contractor, PartyRole.CONTRACTOR, trade="concrete")
    derive(permit)
    return permit


def record(inspection_request, staff, result, **fields):
    visit = reload(inspection_request)
    with on_day(visit.visit_date):
        return results.record_result(
            visit,
            staff,
            result=result,
            remarks=fields.get("remarks", ""),
            orders="",
            deficiencies=fields.get("deficiencies", []),
            photos=[],
            version=visit.version,
        )


def passed_visit(permit, requester, staff, code="STR-REBAR"):
    visit = schedule(make_request(permit, requester, code), staff, day=THURSDAY)
    return record(visit, staff, InspectionResult.PASSED)


# ---- 1. repeat inspections --------------------------------------------------------------


def test_rebar_is_repeatable_in_the_seeded_catalogue(seeded):
    assert type_by_code("STR-REBAR").repeatable
    assert not type_by_code("ELEC-RGH").repeatable


def test_a_repeatable_inspection_is_requested_again_after_it_passed(
    contractor_client, pour_permit, contractor, inspector
):
    first = passed_visit(pour_permit, contractor, inspector)
    rebar = required_by_code(pour_permit, "STR-REBAR")
    assert rebar in requests.requestable(pour_permit.id)

    page = contractor_client.get(f"/permits/{pour_permit.id}/inspections")
    check_page(page.data)
    assert b"Passed once" in page.data
    assert b"Request it again before the next stage of the work" in page.data

    response = contractor_client.post(
        f"/permits/{pour_permit.id}/inspections/request", data=form_data(rebar)
    )
    assert response.status_code == 302
    second = reload(first).required_inspection
    assert second.passed_at is not None
    # Open again: it does not count as passed for the C of O until this visit passes.
    assert rebar.id in {r.id for r in catalogue.not_yet_passed(pour_permit.id)}
    (item,) = [i for i in checklist.checklist(pour_permit.id).items if i.required.id == rebar.id]
    assert item.latest.is_open
    # The next pour's visit is a new inspection, not a reinspection of a failure.
    assert not item.visits[-1].reinspection


def test_each_visit_is_listed_with_its_own_result(
    contractor_client, pour_permit, contractor, inspector
):
    passed_visit(pour_permit, contractor, inspector)
    failed = schedule(make_request(pour_permit, contractor, "STR-REBAR"), inspector, day=THURSDAY)
    record(failed, inspector, InspectionResult.FAILED, remarks="Bars too close to the form")
    passed_visit(pour_permit, contractor, inspector)
    page = contractor_client.get(f"/permits/{pour_permit.id}/inspections")
    check_page(page.data)
    html = page.data.decode()
    assert "Visit 1" in html
    assert "Visit 2" in html
    assert "Visit 3" in html
    assert "Passed 2 times" in html
    assert "Failed (correction required)" in html
    rebar = required_by_code(pour_permit, "STR-REBAR")
    assert rebar.id not in {r.id for r in catalogue.not_yet_passed(pour_permit.id)}


def test_a_one_time_inspection_still_cannot_be_requested_after_it_passed(
    pour_permit, contractor, inspector
):
    passed_visit(pour_permit, contractor, inspector, code="ELEC-RGH")
    with pytest.raises(InvalidRequest, match="already passed"):
        make_request(pour_permit, contractor, "ELEC-RGH")


def test_an_open_repeat_visit_holds_back_inspections_complete(
    pour_permit, contractor, inspector, owner
):
    application = make_application(pour_permit, owner, status=ApplicationStatus.ACCEPTED)
    passed_visit(pour_permit, contractor, inspector)
    again = make_request(pour_permit, contractor, "STR-REBAR")
    for required in catalogue.required_inspections(pour_permit.id):
        if required.inspection_type.code != "STR-REBAR":
            required.passed_at = required.passed_at or required.created_at
    db.session.commit()
    catalogue.complete_if_all_passed(pour_permit, inspector)
    assert db.session.get(type(application), application.id).status == ApplicationStatus.ACCEPTED
    requests.cancel_request(reload(again), contractor, reload(again).version)
    catalogue.complete_if_all_passed(pour_permit, inspector)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(application), application.id).status == (
        ApplicationStatus.INSPECTIONS_COMPLETE
    )


# ---- 4. no result before the visit, and withdrawing one recorded by mistake --------------


def test_a_result_waits_for_the_visit_s_day(staff_client, permit, contractor, inspector):
    visit = schedule(make_request(permit, contractor), inspector, day=THURSDAY)
    with pytest.raises(DomainError, match="from that day on"):
        results.record_result(
            reload(visit),
            inspector,
            result=InspectionResult.NO_ACCESS,
            remarks="",
            orders="",
            deficiencies=[],
            photos=[],
            version=reload(visit).version,
        )
    assert reload(visit).status == InspectionStatus.SCHEDULED
    assert not db.session.scalars(select(Fee)).all()
    page = staff_client.get(f"/staff/inspections/{visit.id}/result")
    check_page(page.data)
    assert b"Its result can be recorded from that day on" in page.data
    assert b'name="result"' not in page.data
    refused = staff_client.post(
        f"/staff/inspections/{visit.id}/result",
        data={"result": "no_access", "version": str(reload(visit).version)},
    )
    assert refused.status_code == 200
    assert reload(visit).status == InspectionStatus.SCHEDULED
    with on_day(THURSDAY):
        form = staff_client.get(f"/staff/inspections/{visit.id}/result")
        check_page(form.data)
        assert b"Record the result on or after the day of the visit" in form.data
        record(visit, inspector, InspectionResult.PASSED)
    assert reload(visit).status == InspectionStatus.PASSED


def test_a_no_access_recorded_by_mistake_is_withdrawn_and_its_fee_waived(
    staff_client, owner, permit, contractor, inspector
):
    visit = schedule(make_request(permit, contractor), inspector, day=TODAY)
    record(visit, inspector, InspectionResult.NO_ACCESS)
    (fee,) = db.session.scalars(select(Fee).where(Fee.kind == FeeKind.REINSPECTION)).all()
    page = staff_client.get(f"/staff/inspections/{visit.id}/result")
    check_page(page.data)
    assert b"Recorded by mistake?" in page.data
    empty = staff_client.post(
        f"/staff/inspections/{visit.id}/result/withdraw",
        data={"version": str(reload(visit).version), "reason": ""},
    )
    check_page(empty.data)
    assert b"Enter why the result is withdrawn" in empty.data
    response = staff_client.post(
        f"/staff/inspections/{visit.id}/result/withdraw",
        data={"version": str(reload(visit).version), "reason": "Recorded on the wrong permit"},
    )
    assert response.status_code == 302
    withdrawn = reload(visit)
    assert withdrawn.status == InspectionStatus.SCHEDULED
    assert withdrawn.result is None
    assert withdrawn.inspected_at is None
    assert db.session.get(Fee, fee.id).status == FeeStatus.WAIVED
    audit = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "inspection.result_withdrawn")
    )
    assert audit.details["result"] == "no_access"
    assert audit.details["reason"] == "Recorded on the wrong permit"
    assert db.session.scalar(
        select(TimelineEntry.id).where(TimelineEntry.event == "inspection.result_withdrawn")
    )
    assert any("Recorded on the wrong permit" in m.body_text for m in outbox(owner.email))
    # The right result can now be recorded.
    record(visit, inspector, InspectionResult.PASSED)
    assert reload(visit).status == InspectionStatus.PASSED


def test_a_withdrawn_pass_no_longer_checks_the_inspection_off(permit, contractor, inspector):
    visit = schedule(make_request(permit, contractor), inspector, day=TODAY)
    record(visit, inspector, InspectionResult.PASSED)
    results.withdraw_result(
        reload(visit), inspector, reason="Wrong inspection", version=reload(visit).version
    )
    assert required_by_code(permit, "ELEC-RGH").passed_at is None


def test_a_pass_the_certificate_moved_on_from_stays(permit, contractor, inspector, owner):
    application = make_application(permit, owner, status=ApplicationStatus.ACCEPTED)
    visit = schedule(make_request(permit, contractor), inspector, day=TODAY)
    record(visit, inspector, InspectionResult.PASSED)
    application.status = ApplicationStatus.INSPECTIONS_COMPLETE
    db.session.commit()
    with pytest.raises(DomainError, match="moved on"):
        results.withdraw_result(
            reload(visit), inspector, reason="Wrong", version=reload(visit).version
        )


# ---- 3. the free-change window ---------------------------------------------------------------


def test_the_earliest_date_leaves_a_business_day_to_change_it(
    contractor_client, permit, contractor, owner, inspector
):
    required = required_by_code(permit, "ELEC-RGH")
    page = contractor_client.get(f"/permits/{permit.id}/inspections/request")
    check_page(page.data)
    # Asked on Monday 18 May for the earliest date, Wednesday 20 May: free through Tuesday.
    assert b"For the earliest date, 20 May 2026, that is 19 May 2026." in page.data
    assert b"2026-05-20" in page.data  # the cut-offs the page's script shows as dates are typed
    chosen = contractor_client.post(
        f"/permits/{permit.id}/inspections/request",
        data=form_data(required, contact_name="", preferred_date_1="2026-05-21"),
    )
    assert b"For Thursday 21 May 2026: until Wednesday 20 May 2026" in chosen.data

    visit = make_request(permit, contractor, preferred_date_1=WEDNESDAY)
    schedule(visit, inspector, day=WEDNESDAY)
    (email,) = [m for m in outbox(owner.email) if m.subject.startswith("Inspection scheduled")]
    assert "until the end of 19 May 2026" in email.body_text
    assert not requests.cancellation_is_late(reload(visit))


def test_no_email_states_a_cut_off_already_past(permit, contractor, owner, inspector):
    schedule(make_request(permit, contractor), inspector, day=TODAY)
    (email,) = [m for m in outbox(owner.email) if m.subject.startswith("Inspection scheduled")]
    assert "until" not in email.body_text.split("Inspector:")[1].split("attached")[0]
    assert "booked at short notice" in email.body_text


# ---- 5. unpaid fees tell you first --------------------------------------------------------------


def test_an_unpaid_reinspection_fee_is_said_before_any_form(
    contractor_client, permit, contractor, inspector
):
    visit = schedule(make_request(permit, contractor), inspector, day=TODAY)
    record(visit, inspector, InspectionResult.NO_ACCESS)
    permit_page = contractor_client.get(f"/permits/{permit.id}")
    check_page(permit_page.data)
    assert b"Pay the reinspection fee before requesting inspections" in permit_page.data
    assert b"Pay the reinspection fee first" in permit_page.data
    form = contractor_client.get(f"/permits/{permit.id}/inspections/request")
    check_page(form.data)
    assert b"Pay the reinspection fee first" in form.data
    assert b"Send the request" not in form.data
    home = contractor_client.get("/permits/")
    check_page(home.data)
    assert b"Pay the reinspection fee: inspection requests wait for it" in home.data

    (fee,) = db.session.scalars(select(Fee).where(Fee.kind == FeeKind.REINSPECTION)).all()
    payments.record_waiver(fee, "Paid at the counter")
    db.session.commit()
    assert (
        b"Pay the reinspection fee first"
        not in contractor_client.get(f"/permits/{permit.id}/inspections/request").data
    )


def test_the_home_says_nothing_of_a_reinspection_fee_when_the_rule_is_off(
    contractor_client, permit, contractor, inspector
):
    visit = schedule(make_request(permit, contractor), inspector, day=TODAY)
    record(visit, inspector, InspectionResult.NO_ACCESS)
    blocked = b"Pay the reinspection fee: inspection requests wait for it"
    assert blocked in contractor_client.get("/permits/").data
    set_settings(block_requests_when_fees_unpaid=False)
    home = contractor_client.get("/permits/")
    check_page(home.data)
    assert blocked not in home.data
    assert b"$150.00" in home.data


# ---- 6. wording ----------------------------------------------------------------------------


def test_no_access_without_deficiencies_asks_for_access_not_corrections(
    contractor_client, permit, contractor, inspector
):
    visit = schedule(make_request(permit, contractor), inspector, day=TODAY)
    record(visit, inspector, InspectionResult.NO_ACCESS)
    (item,) = [
        i
        for i in checklist.checklist(permit.id).items
        if i.required.inspection_type.code == "ELEC-RGH"
    ]
    assert "Correct the deficiencies" not in item.next_step
    assert "can get in" in item.next_step


def test_preferred_times_read_without_doubled_brackets(
    contractor_client, permit, contractor, inspector
):
    visit = schedule(make_request(permit, contractor), inspector, day=THURSDAY)
    page = contractor_client.get(f"/permits/{permit.id}/inspections/{visit.id}")
    check_page(page.data)
    html = page.data.decode()
    assert "21 May 2026, morning (8 am to 12 noon)" in html
    assert "(Morning (8 am to 12 noon))" not in html


# ---- 2. who inspects -----------------------------------------------------------------------


def test_the_fire_bureau_s_inspection_shows_its_contacts_instead_of_a_request(
    app, contractor_client, permit, contractor, inspector, owner
):
    from portal.auth.models import Role
    from portal.settings.models import InspectingAgency
    from tests.factories import make_user, sign_in_as

    bureau = db.session.scalar(select(InspectingAgency).where(InspectingAgency.code == "fpb"))
    assert type_by_code("COFO-FPB").agency_id == bureau.id
    assert type_by_code("COFO-DOB").agency.name == "Department of Buildings"
    admin_client = app.test_client()
    admin = make_user(role=Role.ADMIN)
    sign_in_as(admin_client, admin)
    page = admin_client.get(f"/staff/settings/agencies/{bureau.id}")
    check_page(page.data)
    saved = admin_client.post(
        f"/staff/settings/agencies/{bureau.id}",
        data={
            "version": str(bureau.version),
            "name": bureau.name,
            "phone": "312-555-0147",
            "email": "fpb@example.gov",
            "address": "3510 S. Michigan Avenue",
            "schedules_directly": "y",
            "instructions": "Call the Bureau to book the fire inspection.",
        },
    )
    assert saved.status_code == 302
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "inspecting_agency.changed")
    )

    make_application(permit, owner, status=ApplicationStatus.ACCEPTED)
    listing = contractor_client.get(f"/permits/{permit.id}/inspections")
    check_page(listing.data)
    assert b"Booking with the Chicago Fire Department, Fire Prevention Bureau" in listing.data
    assert b"312-555-0147" in listing.data
    assert b"Call the Bureau to book the fire inspection." in listing.data
    fire = required_by_code(permit, "COFO-FPB")
    assert fire not in requests.requestable(permit.id)
    with pytest.raises(InvalidRequest, match="books this inspection itself"):
        make_request(permit, contractor, "COFO-FPB")

    staff_client = app.test_client()
    sign_in_as(staff_client, inspector)
    url = f"/staff/permits/{permit.id}/required-inspections/{fire.id}/agency-result"
    form = staff_client.get(url)
    check_page(form.data)
    future = staff_client.post(url, data={"day": "2026-05-20", "result": "granted_complete"})
    check_page(future.data)
    assert b"today or earlier" in future.data
    done = staff_client.post(url, data={"day": "2026-05-18", "result": "granted_complete"})
    assert done.status_code == 302
    db.session.expire_all()
    assert required_by_code(permit, "COFO-FPB").passed_at is not None
    assert (
        staff_client.get(
            f"/staff/permits/{permit.id}/required-inspections/"
            f"{required_by_code(permit, 'ELEC-RGH').id}/agency-result"
        ).status_code
        == 404
    )


def test_a_cancelled_inspection_s_reschedule_page_does_not_offer_to_cancel_it(
    owner_client, permit, contractor
):
    visit = make_request(permit, contractor)
    requests.cancel_request(reload(visit), contractor, reload(visit).version)
    response = owner_client.get(
        f"/permits/{permit.id}/inspections/{visit.id}/reschedule", follow_redirects=True
    )
    check_page(response.data)
    assert b"You can still cancel it" not in response.data
    assert b"is cancelled, so it cannot be rescheduled" in response.data


# ---- 13. staff links ----------------------------------------------------------------------


def test_staff_pages_link_to_the_staff_permit_record(staff_client, permit, contractor, inspector):
    visit = schedule(make_request(permit, contractor), inspector, day=THURSDAY)
    record_url = f"/staff/permits/{permit.id}".encode()
    for path in (
        "/staff/inspections?status=scheduled",
        f"/staff/inspections/{visit.id}/schedule",
        f"/staff/inspections/{visit.id}/result",
        f"/staff/permits/{permit.id}/required-inspections",
        f"/permits/{permit.id}/inspections/{visit.id}",
    ):
        page = staff_client.get(path)
        check_page(page.data)
        assert record_url + b'"' in page.data, path
        assert f'href="/permits/{permit.id}"'.encode() not in page.data, path


# ---- 7. calendar files on the pages -------------------------------------------------------


def test_the_inspection_page_offers_an_add_to_calendar_download(
    contractor_client, permit, contractor, inspector
):
    visit = schedule(make_request(permit, contractor), inspector, day=THURSDAY)
    page = contractor_client.get(f"/permits/{permit.id}/inspections/{visit.id}")
    check_page(page.data)
    link = f"/permits/{permit.id}/inspections/{visit.id}/calendar.ics"
    assert link.encode() in page.data
    assert b"Add to calendar" in page.data
    download = contractor_client.get(link)
    assert download.status_code == 200
    assert download.mimetype == "text/calendar"
    assert "attachment" in download.headers["Content-Disposition"]
    assert b"UID:inspection-request-" in download.data
    assert b"DTSTART;TZID=America/Chicago:20260521T080000" in download.data
    unbooked = make_request(permit, contractor, "PLB-RGH")
    assert (
        contractor_client.get(
            f"/permits/{permit.id}/inspections/{unbooked.id}/calendar.ics"
        ).status_code
        == 404
    )


def test_the_payment_received_page_offers_to_request_the_inspection_now(
    contractor_client, permit, contractor
):
    from portal.payments.models import PaymentStatus
    from tests.factories.payments import make_payment

    payment = make_payment(permit, contractor, PaymentStatus.SUCCEEDED)
    payment.lines[0].fee.kind = FeeKind.REINSPECTION
    db.session.commit()
    page = contractor_client.get(f"/permits/{permit.id}/payments/{payment.id}")
    check_page(page.data)
    assert b"Payment received" in page.data
    assert b"Request the inspection now" in page.data
    assert f'href="/permits/{permit.id}/inspections/request"'.encode() in page.data

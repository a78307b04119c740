"""Results, deficiencies, photos, reinspection fees, cancellation and the move to Inspections
Complete."""

import io
from datetime import date

import pillow_heif
import pytest
from PIL import Image
from sqlalchemy import select

from portal.applications.models import ApplicationStatus, CofOApplication
from portal.audit import AuditEvent
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections import catalogue, checklist, deadlines, requests, results, scheduling
from portal.inspections.errors import InvalidRequest
from portal.inspections.models import InspectionResult, InspectionStatus
from portal.payments.models import Fee, FeeKind, FeeSchedule, FeeScheduleEntry, FeeStatus
from portal.timeline import TimelineEntry
from tests.factories import make_application
from tests.factories.inspections import (
    FRIDAY,
    NEXT_TUESDAY,
    TODAY,
    form_data,
    make_request,
    on_day,
    reload,
    required_by_code,
    schedule,
)
from tests.support.files import PDF, PNG
from tests.support.mail import outbox
from tests.support.pages import check_page
from tests.support.stored import store_settings

PASSED = InspectionResult.PASSED


def scheduled(permit, contractor, inspector, code="ELEC-RGH", day=TODAY):
    """A visit booked for today by default, so its result can be recorded now."""
    return schedule(make_request(permit, contractor, code), inspector, day=day)


def record(inspection_request, inspector, result, **fields):
    """Record the result on the visit's day."""
    visit = reload(inspection_request)
    with on_day(visit.visit_date):
        return results.record_result(
            visit,
            inspector,
            result=result,
            remarks=fields.get("remarks", ""),
            orders=fields.get("orders", ""),
            deficiencies=fields.get("deficiencies", []),
            photos=fields.get("photos", []),
            version=visit.version,
        )


def result_url(inspection_request) -> str:
    return f"/staff/inspections/{inspection_request.id}/result"


def fees() -> list[Fee]:
    return list(db.session.scalars(select(Fee).order_by(Fee.id)))


def test_no_access_assesses_a_reinspection_fee_from_the_schedule_in_force(
    permit, contractor, inspector, owner
):
    later = FeeSchedule(name="From June", effective_from=date(2026, 6, 1))
    later.entries.append(FeeScheduleEntry(kind=FeeKind.REINSPECTION, amount_cents=20000))
    db.session.add(later)
    db.session.commit()
    visit = scheduled(permit, contractor, inspector)
    record(visit, inspector, InspectionResult.NO_ACCESS, remarks="Gate locked")
    assert reload(visit).status == InspectionStatus.NO_ACCESS
    (fee,) = fees()
    assert (fee.kind, fee.amount_cents, fee.status) == (
        FeeKind.REINSPECTION,
        15000,
        FeeStatus.OUTSTANDING,
    )
    assert "14A-5-501.4" in fee.reason
    assert fee.inspection_request_id == visit.id
    assert any("reinspection fee" in m.subject for m in outbox(owner.email))

    db.session.execute(db.update(Fee).values(status=FeeStatus.WAIVED))
    db.session.commit()
    june = scheduled(permit, contractor, inspector, "PLB-RGH", day=date(2026, 6, 2))
    record(june, inspector, InspectionResult.NO_ACCESS)
    assert fees()[-1].amount_cents == 20000


def test_the_fee_then_blocks_requests_until_waived(
    contractor_client, staff_client, permit, contractor, inspector
):
    visit = scheduled(permit, contractor, inspector)
    record(visit, inspector, InspectionResult.NO_ACCESS)
    required = required_by_code(permit, "ELEC-RGH")
    refused = contractor_client.post(
        f"/permits/{permit.id}/inspections/request", data=form_data(required)
    )
    assert b"reinspection fee on this permit is unpaid" in refused.data
    (fee,) = fees()
    waived = staff_client.post(
        f"/staff/fees/{fee.id}/waive",
        data={
            f"fee-{fee.id}-csrf_token": staff_client.csrf_token(),
            f"fee-{fee.id}-version": str(fee.version),
            f"fee-{fee.id}-reason": "Inspector arrived early",
        },
    )
    assert waived.status_code == 302
    accepted = contractor_client.post(
        f"/permits/{permit.id}/inspections/request", data=form_data(required)
    )
    assert accepted.status_code == 302
    latest = checklist.checklist(permit.id)
    item = next(i for i in latest.items if i.required.id == required.id)
    assert item.latest.reinspection is True


def test_a_failed_inspection_lists_its_deficiencies_and_returns_to_request_again(
    owner_client, permit, contractor, inspector, owner
):
    visit = scheduled(permit, contractor, inspector)
    record(
        visit,
        inspector,
        InspectionResult.FAILED,
        deficiencies=[
            results.DeficiencyAnswer(
                "14E-3-300", "Missing GFCI in kitchen", "Unit 2", date(2026, 6, 15)
            )
        ],
        orders="Correct and call for reinspection",
    )
    message = [m for m in outbox(owner.email) if "result" in m.subject][-1]
    assert "Missing GFCI in kitchen" in message.body_text
    assert "14E-3-300" in message.body_text
    page = owner_client.get(f"/permits/{permit.id}")
    check_page(page.data)
    assert b"Missing GFCI in kitchen" in page.data
    assert b"Correct the deficiencies, then request it again" in page.data
    detail = owner_client.get(f"/permits/{permit.id}/inspections/{visit.id}")
    check_page(detail.data)
    assert b"Correct and call for reinspection" in detail.data
    assert fees() == []


def test_a_failure_needs_a_reason(permit, contractor, inspector):
    visit = scheduled(permit, contractor, inspector)
    with pytest.raises(InvalidRequest, match="deficiencies"):
        record(visit, inspector, InspectionResult.FAILED)
    assert reload(visit).status == InspectionStatus.SCHEDULED


def test_a_result_recorded_twice_is_refused(staff_client, permit, contractor, inspector):
    visit = scheduled(permit, contractor, inspector)
    form = staff_client.get(result_url(visit))
    check_page(form.data)
    version = str(reload(visit).version)
    first = staff_client.post(result_url(visit), data={"result": "passed", "version": version})
    assert first.status_code == 302
    second = staff_client.post(
        result_url(visit), data={"result": "failed", "version": version, "remarks": "Oops"}
    )
    assert second.status_code == 200
    check_page(second.data)
    assert b"A result is already recorded for this inspection: Passed" in second.data
    assert reload(visit).status == InspectionStatus.PASSED
    with pytest.raises(DomainError, match="already recorded"):
        record(visit, inspector, InspectionResult.FAILED, remarks="x")


def test_a_photo_that_is_not_an_image_records_nothing(staff_client, permit, contractor, inspector):
    visit = scheduled(permit, contractor, inspector)
    response = staff_client.post(
        result_url(visit),
        data={
            "result": "failed",
            "version": str(reload(visit).version),
            "remarks": "Panel cover missing",
            "deficiency_1_description": "Panel cover missing",
            "photos": [(io.BytesIO(PDF), "photo.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"The selected file must be" in response.data
    assert b"Panel cover missing" in response.data
    assert reload(visit).status == InspectionStatus.SCHEDULED
    assert reload(visit).deficiencies == []


def test_photos_are_stored_and_served_to_the_permit_s_people(
    staff_client, owner_client, permit, contractor, inspector
):
    visit = scheduled(permit, contractor, inspector)
    response = staff_client.post(
        result_url(visit),
        data={
            "result": "partial",
            "version": str(reload(visit).version),
            "deficiency_1_description": "Second floor not ready",
            "deficiency_1_location": "Floor 2",
            # A NUL in the name was a 500 on PostgreSQL: control characters are dropped.
            "photos": [(io.BytesIO(PNG), "floor\x002.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (photo,) = reload(visit).photos
    assert photo.filename == "floor2.png"
    download = owner_client.get(f"/permits/{permit.id}/inspections/{visit.id}/photos/{photo.id}")
    assert download.status_code == 200
    assert download.data == PNG
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]


def test_cofo_results_and_the_move_to_inspections_complete(permit, contractor, inspector, owner):
    application = make_application(
        permit, owner, status=ApplicationStatus.ACCEPTED, confirmation_number="CO-2026-TEST01"
    )
    cofo = scheduled(permit, contractor, inspector, "COFO-DOB")
    assert reload(cofo).inspection_type.results[:3] == [
        InspectionResult.GRANTED_COMPLETE,
        InspectionResult.GRANTED_OUTSTANDING,
        InspectionResult.COFO_FAILED,
    ]
    with pytest.raises(InvalidRequest):
        record(cofo, inspector, InspectionResult.PASSED)

    codes = [r.inspection_type.code for r in catalogue.required_inspections(permit.id)]
    for code in codes:
        if code == "COFO-DOB":
            record(
                cofo,
                inspector,
                InspectionResult.GRANTED_OUTSTANDING,
                remarks="Handrail to be finished",
            )
            continue
        assert db.session.get(CofOApplication, application.id).status == ApplicationStatus.ACCEPTED
        if code == "COFO-FPB":
            # The Fire Prevention Bureau books its own visit; staff record what it reports.
            results.record_agency_visit(
                permit,
                required_by_code(permit, code),
                inspector,
                day=TODAY,
                result=InspectionResult.GRANTED_COMPLETE,
                remarks="",
            )
            continue
        record(scheduled(permit, contractor, inspector, code, day=FRIDAY), inspector, PASSED)
    db.session.expire_all()
    assert db.session.get(CofOApplication, application.id).status == (
        ApplicationStatus.INSPECTIONS_COMPLETE
    )
    assert checklist.checklist(permit.id).complete
    events = [e.event for e in db.session.scalars(select(TimelineEntry))]
    assert "application.inspections_complete" in events
    assert any("All inspections passed" in m.subject for m in outbox(owner.email))


def test_removing_the_last_open_inspection_completes_too(permit, contractor, inspector, owner):
    application = make_application(permit, owner, status=ApplicationStatus.ACCEPTED)
    items = catalogue.required_inspections(permit.id)
    for required in items[:-1]:
        required.passed_at = required.created_at
    db.session.commit()
    catalogue.remove_required(permit, items[-1].id, "Not in scope after all", inspector)
    assert db.session.get(CofOApplication, application.id).status == (
        ApplicationStatus.INSPECTIONS_COMPLETE
    )


def test_cancelling_before_the_cutoff_is_free(owner_client, permit, contractor, inspector):
    visit = scheduled(permit, contractor, inspector, day=NEXT_TUESDAY)
    page = owner_client.get(f"/permits/{permit.id}/inspections/{visit.id}/cancel")
    check_page(page.data)
    assert b"There is no fee" in page.data
    response = owner_client.post(
        f"/permits/{permit.id}/inspections/{visit.id}/cancel",
        data={"version": str(reload(visit).version)},
    )
    assert response.status_code == 302
    cancelled = reload(visit)
    assert cancelled.status == InspectionStatus.CANCELLED
    assert cancelled.late_cancel is False
    assert fees() == []


def test_cancelling_before_the_cutoff_waives_the_inspection_fee_quietly(
    owner_client, permit, contractor, inspector, owner
):
    electrical = required_by_code(permit, "ELEC-RGH").inspection_type
    electrical.fee_cents = 7500
    plumbing = required_by_code(permit, "PLB-RGH").inspection_type
    plumbing.fee_cents = 5000
    db.session.commit()
    visit = scheduled(permit, contractor, inspector, day=NEXT_TUESDAY)
    paid = make_request(permit, contractor, "PLB-RGH")
    paid_fee = fees()[-1]
    paid_fee.status = FeeStatus.PAID
    db.session.commit()
    emails_before = len(outbox(owner.email))
    for cancelled in (visit, paid):
        response = owner_client.post(
            f"/permits/{permit.id}/inspections/{cancelled.id}/cancel",
            data={"version": str(reload(cancelled).version)},
        )
        assert response.status_code == 302
    waived, still_paid = fees()
    assert (waived.status, waived.waiver_reason, waived.waived_by_id) == (
        FeeStatus.WAIVED,
        "Request cancelled before the cut-off",
        None,
    )
    # A fee already paid stays paid: a refund is the department's decision.
    assert still_paid.status == FeeStatus.PAID
    entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "fee.waived")).all()
    assert [(e.record_id, e.details["reason"]) for e in entries] == [
        (waived.id, "Request cancelled before the cut-off")
    ]
    # The cancellation email says it all: no separate fee email, no fee line in the timeline.
    subjects = [m.subject for m in outbox(owner.email)[emails_before:]]
    assert len(subjects) == 2
    assert all(s.startswith("Inspection cancelled") for s in subjects)
    assert not db.session.scalar(
        select(TimelineEntry.id).where(TimelineEntry.event == "fee.waived")
    )


def test_cancelling_after_the_cutoff_is_late_and_draws_the_fee(
    owner_client, permit, contractor, inspector
):
    visit = scheduled(permit, contractor, inspector, day=TODAY)
    assert deadlines.is_past_cutoff(TODAY)
    page = owner_client.get(f"/permits/{permit.id}/inspections/{visit.id}/cancel")
    check_page(page.data)
    assert b"A reinspection fee applies" in page.data
    response = owner_client.post(
        f"/permits/{permit.id}/inspections/{visit.id}/cancel",
        data={"version": str(reload(visit).version)},
    )
    assert response.status_code == 302
    assert reload(visit).late_cancel is True
    (fee,) = fees()
    assert fee.kind == FeeKind.REINSPECTION
    assert "cancelled after the cut-off" in fee.reason
    assert "14A-5-501.4" in fee.reason


def test_rescheduling_before_the_cutoff_releases_the_visit(
    owner_client, permit, contractor, inspector
):
    visit = scheduled(permit, contractor, inspector, day=NEXT_TUESDAY)
    page = owner_client.get(f"/permits/{permit.id}/inspections/{visit.id}/reschedule")
    check_page(page.data)
    bad = owner_client.post(
        f"/permits/{permit.id}/inspections/{visit.id}/reschedule",
        data={
            "version": str(reload(visit).version),
            "preferred_date_1": "2026-05-23",
            "window": "afternoon",
        },
    )
    check_page(bad.data)
    assert b"weekend day" in bad.data
    response = owner_client.post(
        f"/permits/{permit.id}/inspections/{visit.id}/reschedule",
        data={
            "version": str(reload(visit).version),
            "preferred_date_1": "2026-05-27",
            "window": "afternoon",
        },
    )
    assert response.status_code == 302
    moved = reload(visit)
    assert moved.status == InspectionStatus.REQUESTED
    assert moved.scheduled_date is None
    assert moved.preferred_dates == [date(2026, 5, 27)]
    assert scheduling.visits_on(inspector.id, NEXT_TUESDAY) == 0


def test_rescheduling_after_the_cutoff_is_refused(owner_client, permit, contractor, inspector):
    visit = scheduled(permit, contractor, inspector, day=TODAY)
    response = owner_client.get(f"/permits/{permit.id}/inspections/{visit.id}/reschedule")
    assert response.status_code == 302
    with pytest.raises(DomainError, match="past the cut-off"):
        requests.reschedule_request(
            reload(visit),
            contractor,
            {"preferred_date_1": date(2026, 5, 27), "window": "morning"},
            reload(visit).version,
        )


# ---- photos from a phone (issue 16) ----------------------------------------------------------


def _phone_photo(n: int, size: int = 4_200_000) -> bytes:
    """A JPEG as big as an ordinary phone photo: the store checks the first bytes only."""
    head = b"\xff\xd8\xff\xe1" + f"photo {n}".encode()
    return head + b"\0" * (size - len(head))


def _failed_with_photos(visit, photos: list[tuple[bytes, str]]) -> dict:
    return {
        "result": "failed",
        "version": str(reload(visit).version),
        "remarks": "Panel cover missing on the second floor",
        "deficiency_1_description": "Panel cover missing",
        "photos": [(io.BytesIO(data), name) for data, name in photos],
    }


def test_six_ordinary_phone_photos_are_accepted(staff_client, permit, contractor, inspector):
    visit = scheduled(permit, contractor, inspector)
    photos = [(_phone_photo(n), f"IMG_00{n}.jpg") for n in range(1, 7)]
    response = staff_client.post(
        result_url(visit),
        data=_failed_with_photos(visit, photos),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert sorted(p.filename for p in reload(visit).photos) == [name for _d, name in photos]
    assert reload(visit).status == InspectionStatus.FAILED


def test_a_heic_photo_is_stored_as_a_jpeg(staff_client, permit, contractor, inspector):
    visit = scheduled(permit, contractor, inspector)
    heic = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (80, 60), (20, 90, 160))).save(heic, quality=60)
    response = staff_client.post(
        result_url(visit),
        data=_failed_with_photos(visit, [(heic.getvalue(), "IMG_0001.HEIC")]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (photo,) = reload(visit).photos
    assert photo.filename == "IMG_0001.jpg"
    assert photo.stored_file.content_type == "image/jpeg"
    page = staff_client.get(result_url(scheduled(permit, contractor, inspector, "PLB-RGH")))
    assert b'capture="environment"' in page.data
    assert b'accept=".png,.jpg,.jpeg,.heic' in page.data


def test_a_photo_over_the_file_limit_is_named_and_the_remarks_kept(
    app, staff_client, permit, contractor, inspector, monkeypatch
):
    visit = scheduled(permit, contractor, inspector)
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024 * 1024)
    photos = [(_phone_photo(1, 100_000), "small.jpg"), (_phone_photo(2, 2_000_000), "IMG_0002.jpg")]
    response = staff_client.post(
        result_url(visit),
        data=_failed_with_photos(visit, photos),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"IMG_0002.jpg: The selected file must be smaller than 1 MB." in response.data
    assert b"Panel cover missing on the second floor</textarea>" in response.data
    assert b'value="failed" checked' in response.data
    assert reload(visit).status == InspectionStatus.SCHEDULED


def test_a_request_over_the_limit_comes_back_with_the_typed_result(
    app, staff_client, permit, contractor, inspector, monkeypatch
):
    visit = scheduled(permit, contractor, inspector)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    photos = [(_phone_photo(n, 600_000), f"IMG_{n}.jpg") for n in range(1, 4)]
    response = staff_client.post(
        result_url(visit),
        data=_failed_with_photos(visit, photos),
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    check_page(response.data)
    assert b"The files you chose add up to more than 1 MB" in response.data
    assert b"Panel cover missing on the second floor</textarea>" in response.data
    assert b"Panel cover missing</textarea>" in response.data
    assert b'value="failed" checked' in response.data
    assert reload(visit).status == InspectionStatus.SCHEDULED
    assert reload(visit).photos == []


def test_a_photo_the_store_cannot_take_records_nothing_and_keeps_the_form(
    app, staff_client, permit, contractor, inspector, store_down
):
    with store_settings(app, ""):  # booked (its invitation stored) while the store was up
        visit = scheduled(permit, contractor, inspector)
    response = staff_client.post(
        result_url(visit),
        data={
            "result": "failed",
            "version": str(reload(visit).version),
            "remarks": "Panel cover missing",
            "deficiency_1_description": "Panel cover missing",
            "photos": [(io.BytesIO(PNG), "panel.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"The document store cannot be reached just now" in response.data
    assert b"Panel cover missing" in response.data
    assert reload(visit).status == InspectionStatus.SCHEDULED
    assert (reload(visit).deficiencies, reload(visit).photos) == ([], [])

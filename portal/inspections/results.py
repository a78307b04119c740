"""Staff record what the inspector found: the result, deficiencies, orders and photos.

A visit gets one result, from its day on; one recorded by mistake is withdrawn with a
reason (corrections.py). No access draws a reinspection fee (14A-5-501.4); a pass checks
the permit's required inspection off, and the last one completes the C of O application.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import calendar, events
from portal.applications import services as applications
from portal.applications.models import ApplicationStatus
from portal.documents import images, oversize
from portal.documents.store import RejectedUpload, save_upload, upload_name
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections.catalogue import complete_if_all_passed
from portal.inspections.errors import STALE_MESSAGE, InvalidRequest
from portal.inspections.fees import charge_reinspection_fee
from portal.inspections.models import (
    INSPECTION_TRANSITIONS,
    RESULT_STATUS,
    Deficiency,
    InspectionPhoto,
    InspectionRequest,
    InspectionResult,
    InspectionStatus,
    Window,
)
from portal.inspections.notices import email_people, people_to_notify
from portal.languages import weekday_date
from portal.models import utcnow
from portal.payments import services as payments
from portal.payments.models import Fee, FeeKind, FeeStatus
from portal.workflow import check_version, stale_guard

IS = InspectionStatus
PHOTO_TYPES = ("image/png", "image/jpeg")
# Results staff may withdraw; a cancellation is undone by requesting again.
WITHDRAWABLE = {IS.PASSED, IS.FAILED, IS.PARTIAL, IS.NO_ACCESS}
# A pass these applications were built on stays: the certificate rests on it.
MOVED_ON = {ApplicationStatus.INSPECTIONS_COMPLETE, ApplicationStatus.COFO_ISSUED}


@dataclass(frozen=True)
class DeficiencyAnswer:
    code_section: str
    description: str
    location: str
    correct_by: date | None


def _check_result(
    inspection_request: InspectionRequest,
    result: InspectionResult,
    remarks: str,
    deficiencies: list[DeficiencyAnswer],
    version,
) -> InspectionStatus:
    """The status the result moves a scheduled visit to, if the rules allow it: one result
    per visit, one its type offers, and a failure says what to correct."""
    if inspection_request.status in {IS.PASSED, IS.FAILED, IS.PARTIAL, IS.NO_ACCESS, IS.CANCELLED}:
        raise DomainError(
            _(
                "A result is already recorded for this inspection: %(result)s.",
                result=inspection_request.result_label,
            )
        )
    if inspection_request.status != IS.SCHEDULED:
        raise DomainError(_l("Schedule the inspection before recording its result."))
    check_version(inspection_request, version, STALE_MESSAGE)
    check_visit_day_reached(inspection_request)
    if result not in inspection_request.inspection_type.results:
        raise InvalidRequest(_l("Choose one of the results offered"), field="result")
    target = RESULT_STATUS[result]
    INSPECTION_TRANSITIONS.check(inspection_request.status, target)
    if target in (IS.FAILED, IS.PARTIAL) and not deficiencies and not remarks.strip():
        raise InvalidRequest(
            _l("Record the deficiencies (or remarks) so the applicant knows what to correct"),
            field="remarks",
        )
    return target


def check_visit_day_reached(inspection_request: InspectionRequest) -> None:
    """A result describes a visit, so it waits for the visit's day (the department's date):
    "no access" recorded days ahead once charged a reinspection fee for a visit not made."""
    if calendar.local_today() < inspection_request.visit_date:
        raise DomainError(
            _(
                "The visit is on %(day)s: its result can be recorded from that day on.",
                day=weekday_date(inspection_request.visit_date),
            )
        )


class RefusedPhoto(RejectedUpload):
    """A photo refused on its own (size, type): the message names the file; shown by the
    photos field."""

    field = "photos"


def _store_photos(photos: list) -> list[tuple]:
    """Each upload checked as an image on its own (a HEIC photo as the JPEG it becomes) and
    stored, with the file's own name (no path)."""
    stored_photos = []
    for upload in photos:
        try:
            photo = images.accepted_form(upload)
            stored = save_upload(photo, allowed=PHOTO_TYPES)
        except RejectedUpload as error:
            raise RefusedPhoto(oversize.naming(upload, error.message)) from error
        stored_photos.append((stored, upload_name(photo, "photo")))
    return stored_photos


def _set_result(
    inspection_request: InspectionRequest,
    actor,
    target: InspectionStatus,
    result: InspectionResult,
    remarks: str,
    orders: str,
) -> None:
    now = utcnow()
    INSPECTION_TRANSITIONS.move(inspection_request, target)
    inspection_request.result = result
    inspection_request.remarks = remarks.strip()
    inspection_request.orders = orders.strip()
    inspection_request.inspected_at = now
    inspection_request.result_by_id = actor.id
    if target == IS.CANCELLED:
        inspection_request.cancelled_at = now
        inspection_request.cancelled_by_id = actor.id
    if target == IS.PASSED:
        inspection_request.required_inspection.passed_at = now


def _add_findings(
    inspection_request: InspectionRequest,
    actor,
    deficiencies: list[DeficiencyAnswer],
    stored_photos: list[tuple],
) -> None:
    for answer in deficiencies:
        inspection_request.deficiencies.append(
            Deficiency(
                code_section=answer.code_section.strip(),
                description=answer.description.strip(),
                location=answer.location.strip(),
                correct_by=answer.correct_by,
            )
        )
    for stored, filename in stored_photos:
        inspection_request.photos.append(
            InspectionPhoto(stored_file_id=stored.id, filename=filename, uploaded_by_id=actor.id)
        )


@stale_guard(STALE_MESSAGE)
def record_result(
    inspection_request: InspectionRequest,
    actor,
    *,
    result: InspectionResult,
    remarks: str,
    orders: str,
    deficiencies: list[DeficiencyAnswer],
    photos: list,
    version,
) -> InspectionRequest:
    """Record what the inspector found, once. No access draws a reinspection fee; a pass
    checks the permit off, and the last one moves the C of O application to Inspections
    Complete. Photos are checked as images before anything is recorded."""
    target = _check_result(inspection_request, result, remarks, deficiencies, version)
    stored_photos = _store_photos(photos)

    _set_result(inspection_request, actor, target, result, remarks, orders)
    _add_findings(inspection_request, actor, deficiencies, stored_photos)
    db.session.flush()
    permit = inspection_request.permit
    name = inspection_request.inspection_type.name
    events.happened(
        "inspection.result_recorded",
        inspection_request,
        actor=actor,
        on=permit,
        timeline_event="inspection.result",
        shown={"name": name, "result": result.label},
        result=result.value,
        deficiencies=len(deficiencies),
        photos=len(stored_photos),
    )
    if target == IS.NO_ACCESS:
        charge_reinspection_fee(
            inspection_request, "no access or not ready", on=inspection_request.visit_date
        )

    email_people(
        inspection_request,
        people_to_notify(inspection_request),
        _l(
            "Inspection result: %(name)s %(result)s, permit %(num)s",
            name=name,
            result=result.label,
            num=permit.permit_num,
        ),
        "inspections_result",
    )
    if target == IS.PASSED:
        complete_if_all_passed(permit, actor)
    db.session.commit()
    return inspection_request


# ---- a visit another agency booked itself -----------------------------------------------


def record_agency_visit(
    permit, required, actor, *, day: date, result: InspectionResult, remarks: str
) -> InspectionRequest:
    """Staff record the result an agency that books its own inspections (the Fire Prevention
    Bureau) reports: the visit is entered as booked on the day it took place, then its result
    is recorded like any other (audited, on the timeline, emailed)."""
    agency = required.inspection_type.agency
    if agency is None or not agency.schedules_directly:
        raise DomainError(
            _l("This inspection is booked through the portal: record its result there.")
        )
    if day > calendar.local_today():
        raise InvalidRequest(
            _l("Enter the day the agency inspected: today or earlier"), field="day"
        )
    visit = InspectionRequest(
        permit_id=permit.id,
        required_inspection_id=required.id,
        inspection_type_id=required.inspection_type_id,
        status=IS.REQUESTED,
        requested_by_id=actor.id,
        preferred_date_1=day,
        window=Window.MORNING,
        contact_name=agency.name,
        contact_phone=agency.phone,
    )
    db.session.add(visit)
    INSPECTION_TRANSITIONS.move(visit, IS.SCHEDULED)
    visit.scheduled_date = day
    visit.scheduled_window = Window.MORNING
    visit.scheduled_by_id = actor.id
    visit.scheduled_at = utcnow()
    db.session.flush()
    visit.permit = permit
    visit.required_inspection = required
    visit.inspection_type = required.inspection_type
    return record_result(
        visit,
        actor,
        result=result,
        remarks=remarks,
        orders="",
        deficiencies=[],
        photos=[],
        version=visit.version,
    )


# ---- withdrawing a result recorded by mistake --------------------------------------------


def _check_withdrawable(inspection_request: InspectionRequest, reason: str, version) -> None:
    check_version(inspection_request, version, STALE_MESSAGE)
    if inspection_request.status not in WITHDRAWABLE:
        raise DomainError(
            _l("Only a recorded pass, failure, partial or no-access result can be withdrawn.")
        )
    if not reason.strip():
        raise InvalidRequest(_l("Enter why the result is withdrawn"), field="reason")
    if inspection_request.status == IS.PASSED:
        application = applications.latest_application(inspection_request.permit)
        if application is not None and application.status in MOVED_ON:
            raise DomainError(
                _l(
                    "The C of O application has moved on since this pass (%(status)s), so the "
                    "pass cannot be withdrawn here. Ask an administrator.",
                    status=application.status.label,
                )
            )


def _undo_consequences(inspection_request: InspectionRequest, reason: str, actor) -> None:
    """A withdrawn no-access result's unpaid reinspection fee is waived; a withdrawn pass no
    longer checks the required inspection off (unless another visit passed it)."""
    if inspection_request.status == IS.NO_ACCESS:
        for fee in db.session.scalars(
            select(Fee).where(
                Fee.inspection_request_id == inspection_request.id,
                Fee.kind == FeeKind.REINSPECTION,
                Fee.status == FeeStatus.OUTSTANDING,
            )
        ):
            payments.record_waiver(fee, reason, actor)
    if inspection_request.status == IS.PASSED:
        required = inspection_request.required_inspection
        required.passed_at = db.session.scalar(
            select(func.max(InspectionRequest.inspected_at)).where(
                InspectionRequest.required_inspection_id == required.id,
                InspectionRequest.id != inspection_request.id,
                InspectionRequest.status == IS.PASSED,
            )
        )


@stale_guard(STALE_MESSAGE)
def withdraw_result(
    inspection_request: InspectionRequest, actor, *, reason: str, version
) -> InspectionRequest:
    """Staff withdraw a result recorded by mistake, with a reason: the visit is scheduled
    again, ready for the right result; the audit log keeps what was withdrawn and why, the
    applicant reads it on the timeline and by email. A no-access result's unpaid reinspection
    fee is waived; a pass the C of O application has moved on from stays."""
    _check_withdrawable(inspection_request, reason, version)
    withdrawn = inspection_request.result_label
    # What the audit entry keeps of the withdrawn result.
    was = inspection_request.result.value if inspection_request.result else ""
    inspected_at = str(inspection_request.inspected_at)
    remarks, orders = inspection_request.remarks, inspection_request.orders
    deficiencies = len(inspection_request.deficiencies)
    photos = len(inspection_request.photos)
    _undo_consequences(inspection_request, reason.strip(), actor)
    INSPECTION_TRANSITIONS.move(inspection_request, IS.SCHEDULED)
    inspection_request.result = None
    inspection_request.inspected_at = None
    inspection_request.result_by_id = None
    inspection_request.remarks = ""
    inspection_request.orders = ""
    inspection_request.deficiencies.clear()
    inspection_request.photos.clear()
    permit = inspection_request.permit
    name = inspection_request.inspection_type.name
    events.happened(
        "inspection.result_withdrawn",
        inspection_request,
        actor=actor,
        on=permit,
        shown={"name": name, "result": withdrawn, "reason": reason.strip()},
        reason=reason.strip(),
        result=was,
        inspected_at=inspected_at,
        remarks=remarks,
        orders=orders,
        deficiencies=deficiencies,
        photos=photos,
    )
    email_people(
        inspection_request,
        people_to_notify(inspection_request),
        _l(
            "Inspection result withdrawn: %(name)s, permit %(num)s",
            name=name,
            num=permit.permit_num,
        ),
        "inspections_result_withdrawn",
        withdrawn=withdrawn,
        reason=reason.strip(),
    )
    db.session.commit()
    return inspection_request

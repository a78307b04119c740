"""Staff record what the inspector found: the result, deficiencies, orders and photos.

A visit gets one result. No access draws a reinspection fee (14A-5-501.4); a pass checks
the permit's required inspection off, and the last one completes the C of O application.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import events
from portal.documents.store import save_upload, upload_name
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
)
from portal.inspections.notices import email_people, people_to_notify
from portal.models import utcnow
from portal.workflow import check_version, stale_guard

IS = InspectionStatus
PHOTO_TYPES = ("image/png", "image/jpeg")


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


def _store_photos(photos: list) -> list[tuple]:
    """Each upload checked as an image and stored, with the file's own name (no path)."""
    stored_photos = []
    for upload in photos:
        stored = save_upload(upload, allowed=PHOTO_TYPES)
        stored_photos.append((stored, upload_name(upload, "photo")))
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

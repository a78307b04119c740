"""Requesting an inspection, and cancelling or rescheduling the request.

The people on a permit (or staff for them) ask for a required inspection on up to three
preferred dates; whoever asked, the owner, an agent or staff may cancel or give new dates.
Each change checks its rule (INSPECTION_TRANSITIONS and the guards), writes the audit log
and the permit's timeline, queues email (a cancelled visit's invitation is withdrawn) and
commits once.
"""

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import calendar, events
from portal.applications import services as applications
from portal.applications.models import ApplicationStatus
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections import deadlines
from portal.inspections.catalogue import required_inspections, still_required
from portal.inspections.errors import STALE_MESSAGE, InvalidRequest
from portal.inspections.fees import (
    charge_inspection_fee,
    charge_reinspection_fee,
    release_inspection_fee,
)
from portal.inspections.models import (
    INSPECTION_TRANSITIONS,
    OPEN_STATES,
    InspectionRequest,
    InspectionResult,
    InspectionStatus,
    RequiredInspection,
    Window,
)
from portal.inspections.notices import attach_invitation, email_people, people_to_notify
from portal.languages import weekday_date
from portal.models import utcnow
from portal.payments import services as payments
from portal.permits.models import PartyRole, Permit, PermitParty, PermitStatus
from portal.settings import services as settings
from portal.settings.models import Holiday
from portal.template_helpers import contact_link
from portal.workflow import check_version, stale_guard

IS = InspectionStatus
CLOSED_PERMIT = {PermitStatus.FINALED, PermitStatus.EXPIRED, PermitStatus.REVOKED}
DATE_FIELDS = ("preferred_date_1", "preferred_date_2", "preferred_date_3")
DUTIES = (
    "confirm_present",
    "confirm_trades",
    "confirm_plans",
    "confirm_access",
    "confirm_equipment",
)

if TYPE_CHECKING:
    # The permit page's checklist asks it of its column-only rows too.
    from portal.inspections import checklist


def requestable(permit_id: int) -> list[RequiredInspection]:
    """The required inspections a new request may name: not passed (or repeatable), none
    open."""
    open_ids = set(
        db.session.scalars(
            select(InspectionRequest.required_inspection_id).where(
                InspectionRequest.permit_id == permit_id,
                InspectionRequest.status.in_(OPEN_STATES),
            )
        )
    )
    return [
        required
        for required in required_inspections(permit_id)
        if (required.passed_at is None or required.inspection_type.repeatable)
        and required.id not in open_ids
        and not booked_by_agency(required)
    ]


def booked_by_agency(required: "RequiredInspection | checklist.Required") -> bool:
    """The inspection's agency takes its own bookings: the applicant contacts it."""
    agency = required.inspection_type.agency
    return bool(agency and agency.schedules_directly)


def check_preferred_dates(dates: Mapping[str, date | None]) -> list[date]:
    """Business days only, at least the lead time ahead, no repeats; the first date is required."""
    today = calendar.local_today()
    earliest = deadlines.earliest_inspection_day(today)
    latest = deadlines.latest_inspection_day(today)
    given = [(name, day) for name in DATE_FIELDS if (day := dates.get(name)) is not None]
    if not given or given[0][0] != DATE_FIELDS[0]:
        raise InvalidRequest(_l("Enter your first preferred date"), field=DATE_FIELDS[0])
    last = max(day for _name, day in given)
    holidays = {
        h.day: h.name
        for h in db.session.scalars(select(Holiday).where(Holiday.day.between(today, last)))
    }
    seen: set[date] = set()
    for name, day in given:
        shown = weekday_date(day)
        if day <= today:
            raise InvalidRequest(
                _("%(day)s has passed or is today: choose a later date.", day=shown), field=name
            )
        if day.weekday() >= calendar.SATURDAY:
            raise InvalidRequest(
                _("%(day)s is a weekend day: choose a weekday.", day=shown), field=name
            )
        if day in holidays:
            raise InvalidRequest(
                _(
                    "%(day)s is a holiday (%(name)s): choose another day.",
                    day=shown,
                    name=holidays[day],
                ),
                field=name,
            )
        if day < earliest:
            raise InvalidRequest(
                _(
                    "%(day)s is too soon: inspections need %(n)s business days' notice, so the "
                    "earliest date is %(earliest)s.",
                    day=shown,
                    n=settings.current().inspection_lead_business_days,
                    earliest=weekday_date(earliest),
                ),
                field=name,
            )
        if day > latest:
            raise InvalidRequest(
                _(
                    "%(day)s is too far ahead: choose a date up to %(latest)s.",
                    day=shown,
                    latest=weekday_date(latest),
                ),
                field=name,
            )
        if day in seen:
            raise InvalidRequest(_("Give a different date for each choice."), field=name)
        seen.add(day)
    return [day for _name, day in given]


def _check_can_request(permit: Permit, user) -> None:
    if permit.status_current in CLOSED_PERMIT:
        raise InvalidRequest(
            contact_link(
                _(
                    "Permit %(num)s is %(status)s, so no more inspections can be requested. "
                    "Contact the department if work is still going on.",
                    num=permit.permit_num,
                    status=permit.status_current.label,
                )
            )
        )
    if settings.current().block_requests_when_fees_unpaid and payments.unpaid_reinspection_fees(
        permit.id
    ):
        raise InvalidRequest(
            _(
                "A reinspection fee on this permit is unpaid. Pay it (or ask the department "
                "about it) and then request the inspection."
            ),
            fees_link=True,
        )
    if not user.is_staff:
        party = db.session.scalar(
            select(PermitParty.id).where(
                PermitParty.permit_id == permit.id, PermitParty.user_id == user.id
            )
        )
        if party is None:
            raise DomainError(_l("Only people on the permit can request its inspections."))


def _requestable_inspection(permit: Permit, required_id) -> RequiredInspection:
    """The permit's required inspection a new request names: still required, not passed,
    not already requested, and for the C of O ones, the application accepted."""
    required = still_required(permit, required_id)
    if required is None:
        raise InvalidRequest(
            _l("Choose one of this permit's required inspections."), field="required_inspection"
        )
    if booked_by_agency(required):
        agency = required.inspection_type.agency
        raise InvalidRequest(
            _(
                "The %(agency)s books this inspection itself: contact it to arrange the visit. "
                "Its details are on the permit's inspections page.",
                agency=agency.name if agency else "",
            ),
            field="required_inspection",
        )
    if required.passed_at is not None and not required.inspection_type.repeatable:
        raise InvalidRequest(
            _l("This inspection has already passed; there is no need to request it again."),
            field="required_inspection",
        )
    already = db.session.scalar(
        select(InspectionRequest.id).where(
            InspectionRequest.required_inspection_id == required.id,
            InspectionRequest.status.in_(OPEN_STATES),
        )
    )
    if already is not None:
        raise InvalidRequest(
            _l(
                "This inspection has already been requested. Reschedule or cancel that request "
                "from the permit page instead."
            ),
            field="required_inspection",
        )
    if required.inspection_type.is_cofo:
        application = applications.open_application(permit)
        if application is None or application.status != ApplicationStatus.ACCEPTED:
            raise InvalidRequest(
                _l(
                    "The Certificate of Occupancy inspections can be requested once the "
                    "department has accepted your C of O application."
                ),
                field="required_inspection",
            )
    return required


def _check_duties(answers: Mapping) -> None:
    for duty in DUTIES:
        if not answers.get(duty):
            raise InvalidRequest(_l("Confirm each of the duties on the day"), field=duty)


def _new_request(
    permit: Permit, required: RequiredInspection, user, dates: list[date], answers: Mapping
) -> InspectionRequest:
    """The request, marked a reinspection when the last visit failed or found no access (a
    repeatable inspection's next visit after a pass is a new one, not a reinspection)."""
    last_visit = db.session.scalar(
        select(InspectionRequest.status)
        .where(
            InspectionRequest.required_inspection_id == required.id,
            InspectionRequest.status.in_((IS.PASSED, IS.FAILED, IS.PARTIAL, IS.NO_ACCESS)),
        )
        .order_by(InspectionRequest.id.desc())
        .limit(1)
    )
    inspection_request = InspectionRequest(
        permit_id=permit.id,
        required_inspection_id=required.id,
        inspection_type_id=required.inspection_type_id,
        requested_by_id=user.id,
        reinspection=last_visit in (IS.FAILED, IS.PARTIAL, IS.NO_ACCESS),
        window=Window(answers["window"]),
        contact_name=answers["contact_name"].strip(),
        contact_phone=answers["contact_phone"].strip(),
        access_notes=(answers.get("access_notes") or "").strip(),
        **dict.fromkeys(DUTIES, True),
    )
    _set_preferred_dates(inspection_request, dates)
    db.session.add(inspection_request)
    db.session.flush()
    inspection_request.permit = permit
    inspection_request.inspection_type = required.inspection_type
    inspection_request.requested_by = user
    return inspection_request


def _set_preferred_dates(inspection_request: InspectionRequest, dates: list[date]) -> None:
    inspection_request.preferred_date_1 = dates[0]
    inspection_request.preferred_date_2 = dates[1] if len(dates) > 1 else None
    inspection_request.preferred_date_3 = dates[2] if len(dates) > 2 else None


@stale_guard(STALE_MESSAGE)
def request_inspection(permit: Permit, user, answers: Mapping) -> InspectionRequest:
    """An owner, agent or contractor (or staff for them) asks for a required inspection.

    Refused with the reason when the permit is closed, a reinspection fee is unpaid (a
    setting), the inspection is not required, already passed or already requested, the
    C of O inspections come before the application is accepted, a date breaks the rules
    or a duty on the day is not confirmed. A type with a fee charges it now.
    """
    _check_can_request(permit, user)
    required = _requestable_inspection(permit, answers["required_inspection_id"])
    dates = check_preferred_dates(answers)
    _check_duties(answers)

    inspection_request = _new_request(permit, required, user, dates, answers)
    charge_inspection_fee(inspection_request, user)
    name = required.inspection_type.name
    events.happened(
        "inspection.requested",
        inspection_request,
        actor=user,
        on=permit,
        shown={"name": name},
        permit=permit.permit_num,
        code=required.inspection_type.code,
        dates=", ".join(str(d) for d in dates),
    )

    email_people(
        inspection_request,
        people_to_notify(inspection_request),
        _l(
            "Inspection request received: %(name)s, permit %(num)s",
            name=name,
            num=permit.permit_num,
        ),
        "inspections_requested",
    )
    db.session.commit()
    return inspection_request


def request_for_permit(permit_id: int, request_id: int) -> InspectionRequest | None:
    """The request if it belongs to this permit: another permit's id is a miss (404)."""
    return db.session.scalar(
        select(InspectionRequest)
        .where(InspectionRequest.id == request_id, InspectionRequest.permit_id == permit_id)
        .options(
            joinedload(InspectionRequest.inspection_type),
            joinedload(InspectionRequest.inspector),
            joinedload(InspectionRequest.requested_by),
            selectinload(InspectionRequest.deficiencies),
            selectinload(InspectionRequest.photos),
        )
    )


def request_for_staff(request_id: int) -> InspectionRequest | None:
    return db.session.scalar(
        select(InspectionRequest)
        .where(InspectionRequest.id == request_id)
        .options(
            joinedload(InspectionRequest.permit),
            joinedload(InspectionRequest.inspection_type),
            joinedload(InspectionRequest.inspector),
            joinedload(InspectionRequest.requested_by),
            selectinload(InspectionRequest.deficiencies),
            selectinload(InspectionRequest.photos),
        )
    )


# ---- cancelling and rescheduling -----------------------------------------------------------


def may_change(inspection_request: InspectionRequest, user) -> bool:
    """Who may cancel or reschedule a request: whoever made it, the permit's owner and
    agents (who answer for the permit), and staff. Another contractor on the permit may
    not: a late cancellation charges the whole permit a reinspection fee."""
    if user.is_staff or inspection_request.requested_by_id == user.id:
        return True
    answerable = db.session.scalar(
        select(PermitParty.id).where(
            PermitParty.permit_id == inspection_request.permit_id,
            PermitParty.user_id == user.id,
            PermitParty.role.in_((PartyRole.OWNER, PartyRole.AGENT)),
        )
    )
    return answerable is not None


def _check_may_change(inspection_request: InspectionRequest, user) -> None:
    if not may_change(inspection_request, user):
        raise DomainError(
            _l(
                "Only the person who asked for this inspection, the owner or an agent "
                "can change it."
            )
        )


def cancellation_is_late(inspection_request: InspectionRequest) -> bool:
    """Cancelling a scheduled visit after the cut-off draws the reinspection fee."""
    return inspection_request.status == IS.SCHEDULED and deadlines.is_past_cutoff(
        inspection_request.visit_date
    )


def _withdraw_invitation(
    inspection_request: InspectionRequest, recipients: list[str]
) -> list[dict]:
    """The visit is off: the invitation goes again as a CANCEL with a higher SEQUENCE."""
    inspection_request.ics_sequence += 1
    return attach_invitation(inspection_request, recipients, cancel=True)


@stale_guard(STALE_MESSAGE)
def cancel_request(inspection_request: InspectionRequest, user, version) -> InspectionRequest:
    """The requester (or the permit's owner or agent, or staff) cancels an open request.

    After the cut-off the cancellation is marked late and a reinspection fee is assessed
    (14A-5-501.4); the page says so before the user confirms. Before it, the inspection
    fee the request drew is waived. A scheduled visit's invitation is withdrawn.
    """
    _check_may_change(inspection_request, user)
    check_version(inspection_request, version, STALE_MESSAGE)
    INSPECTION_TRANSITIONS.check(inspection_request.status, IS.CANCELLED)
    was_scheduled = inspection_request.status == IS.SCHEDULED
    late = cancellation_is_late(inspection_request)
    permit = inspection_request.permit
    INSPECTION_TRANSITIONS.move(inspection_request, IS.CANCELLED)
    inspection_request.result = InspectionResult.CANCELLED
    inspection_request.cancelled_at = utcnow()
    inspection_request.cancelled_by_id = user.id
    inspection_request.late_cancel = late
    name = inspection_request.inspection_type.name
    events.happened(
        "inspection.cancelled",
        inspection_request,
        actor=user,
        on=permit,
        timeline_event="inspection.cancelled_late" if late else "inspection.cancelled",
        shown={"name": name},
        late=late,
    )
    if late:
        charge_reinspection_fee(
            inspection_request, "cancelled after the cut-off", on=calendar.local_today()
        )
    else:
        release_inspection_fee(inspection_request, "Request cancelled before the cut-off")

    recipients = people_to_notify(inspection_request)
    attachments = _withdraw_invitation(inspection_request, recipients) if was_scheduled else []
    email_people(
        inspection_request,
        recipients,
        _l("Inspection cancelled: %(name)s, permit %(num)s", name=name, num=permit.permit_num),
        "inspections_cancelled",
        attachments=attachments,
        late=late,
    )
    db.session.commit()
    return inspection_request


@stale_guard(STALE_MESSAGE)
def reschedule_request(
    inspection_request: InspectionRequest, user, answers: Mapping, version
) -> InspectionRequest:
    """The requester (or the permit's owner or agent, or staff) gives new dates; a scheduled
    visit is released (before the cut-off only) and its invitation withdrawn."""
    _check_may_change(inspection_request, user)
    check_version(inspection_request, version, STALE_MESSAGE)
    if inspection_request.status not in OPEN_STATES:
        raise DomainError(_l("Only an open request can be rescheduled."))
    if cancellation_is_late(inspection_request):
        raise DomainError(
            _l(
                "It is past the cut-off for changing this inspection. You can still cancel it, "
                "which draws a reinspection fee."
            )
        )
    dates = check_preferred_dates(answers)

    was_scheduled = inspection_request.status == IS.SCHEDULED
    recipients = people_to_notify(inspection_request)
    attachments = []
    if was_scheduled:
        INSPECTION_TRANSITIONS.check(inspection_request.status, IS.REQUESTED)
        attachments = _withdraw_invitation(inspection_request, recipients)
        INSPECTION_TRANSITIONS.move(inspection_request, IS.REQUESTED)
        inspection_request.scheduled_date = None
        inspection_request.scheduled_window = None
        inspection_request.inspector_id = None
    _set_preferred_dates(inspection_request, dates)
    inspection_request.window = Window(answers["window"])
    permit = inspection_request.permit
    name = inspection_request.inspection_type.name
    events.happened(
        "inspection.reschedule_requested",
        inspection_request,
        actor=user,
        on=permit,
        shown={"name": name},
        dates=", ".join(str(d) for d in dates),
    )

    email_people(
        inspection_request,
        recipients,
        _l("New dates requested: %(name)s, permit %(num)s", name=name, num=permit.permit_num),
        "inspections_reschedule_requested",
        attachments=attachments,
        was_scheduled=was_scheduled,
    )
    db.session.commit()
    return inspection_request

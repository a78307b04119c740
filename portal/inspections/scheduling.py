"""Staff book a visit: the inspectors, their daily capacity, the booking and the day list.

Capacity is counted under a lock on the inspector's day, so of two staff booking the last
place one succeeds and one is refused; a booking emails a calendar invitation.
"""

from collections.abc import Sequence
from datetime import date

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import calendar, events
from portal.auth.models import Role, User
from portal.db_locks import begin_write
from portal.extensions import db
from portal.inspections import deadlines
from portal.inspections.errors import STALE_MESSAGE, CapacityFull, InvalidRequest
from portal.inspections.models import (
    INSPECTION_TRANSITIONS,
    VISIT_STATES,
    WINDOW_PHRASES,
    InspectionRequest,
    InspectionStatus,
    InspectorDay,
    Window,
)
from portal.inspections.notices import attach_invitation, email_people, people_to_notify
from portal.languages import weekday_date
from portal.models import utcnow
from portal.settings import services as settings
from portal.workflow import check_version, stale_guard

IS = InspectionStatus


def inspectors() -> Sequence[User]:
    return db.session.scalars(
        select(User)
        .where(User.role.in_((Role.STAFF, Role.ADMIN)), User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()


def _lock_inspector_day(inspector_id: int, day: date) -> InspectorDay:
    """Lock the inspector's day row (created on first use) until the transaction ends.

    The second of two concurrent bookings waits here for the first to commit, then counts
    its visit: on PostgreSQL at the row lock, on SQLite (which ignores FOR UPDATE) at the
    write lock begin_write takes.
    """
    begin_write()
    query = (
        select(InspectorDay)
        .where(InspectorDay.inspector_id == inspector_id, InspectorDay.day == day)
        .with_for_update()
    )
    row = db.session.scalar(query)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(InspectorDay(inspector_id=inspector_id, day=day))
        except IntegrityError:
            pass
        row = db.session.scalars(query.execution_options(populate_existing=True)).one()
    return row


def visits_on(inspector_id: int, day: date, excluding: int | None = None) -> int:
    query = select(func.count(InspectionRequest.id)).where(
        InspectionRequest.inspector_id == inspector_id,
        InspectionRequest.scheduled_date == day,
        InspectionRequest.status.in_(VISIT_STATES),
    )
    if excluding is not None:
        query = query.where(InspectionRequest.id != excluding)
    return db.session.scalar(query) or 0


def _bookable_inspector(inspector_id: int) -> User:
    inspector = db.session.get(User, inspector_id)
    if inspector is None or not inspector.is_staff or not inspector.active:
        raise InvalidRequest(_l("Choose an inspector"), field="inspector")
    return inspector


def _check_visit_day(day: date) -> None:
    """Staff may book sooner than the applicants' lead time, but not a past or closed day."""
    if day < calendar.local_today():
        raise InvalidRequest(_l("The date has passed: choose a later date."), field="day")
    if not calendar.is_business_day(day, calendar.holidays_between(day, day)):
        raise InvalidRequest(
            _l("That date is a weekend day or a holiday: choose a business day."), field="day"
        )


def _check_capacity(inspection_request: InspectionRequest, inspector: User, day: date) -> None:
    """Count the inspector's visits that day under the day's lock (held until the commit);
    moving a visit within the same day does not count it twice."""
    _lock_inspector_day(inspector.id, day)
    capacity = settings.current().inspector_daily_capacity
    if visits_on(inspector.id, day, excluding=inspection_request.id) >= capacity:
        raise CapacityFull(
            _(
                "%(name)s already has %(n)s inspections on %(day)s, the most in one day. "
                "Choose another day or another inspector.",
                name=inspector.name,
                n=capacity,
                day=weekday_date(day),
            )
        )


def _book(
    inspection_request: InspectionRequest, actor, inspector: User, day: date, window: Window
) -> bool:
    """Book the visit; True when it moves one booked before (a new invitation SEQUENCE)."""
    rescheduled = inspection_request.status == IS.SCHEDULED or inspection_request.ics_sequence > 0
    if rescheduled:
        inspection_request.ics_sequence += 1
    INSPECTION_TRANSITIONS.move(inspection_request, IS.SCHEDULED)
    inspection_request.scheduled_date = day
    inspection_request.scheduled_window = window
    inspection_request.inspector_id = inspector.id
    inspection_request.inspector = inspector
    inspection_request.scheduled_by_id = actor.id
    inspection_request.scheduled_at = utcnow()
    return rescheduled


def _email_booking(inspection_request: InspectionRequest, rescheduled: bool) -> None:
    """The people on the permit get the date, the cut-off for changes (never one already
    past: a visit booked at short notice says so instead) and the invitation."""
    permit = inspection_request.permit
    day = inspection_request.visit_date
    cutoff = deadlines.cutoff_day(day)
    recipients = people_to_notify(inspection_request)
    attachments = attach_invitation(inspection_request, recipients, cancel=False)
    email_people(
        inspection_request,
        recipients,
        _l(
            "Inspection %(what)s: %(name)s on %(day)s, permit %(num)s",
            what=_l("rescheduled") if rescheduled else _l("scheduled"),
            name=inspection_request.inspection_type.name,
            day=LazyString(weekday_date, day),
            num=permit.permit_num,
        ),
        "inspections_scheduled",
        attachments=attachments,
        rescheduled=rescheduled,
        cutoff=cutoff if cutoff >= calendar.local_today() else None,
    )


@stale_guard(STALE_MESSAGE)
def schedule(
    inspection_request: InspectionRequest,
    actor,
    *,
    day: date,
    window: Window,
    inspector_id: int,
    version,
) -> InspectionRequest:
    """Staff book a date, window and active staff inspector on a business day not past;
    the inspector's daily capacity is enforced under a row lock, so of two staff booking
    the last place one succeeds and one is refused. A second scheduling moves the visit:
    the invitation keeps its UID, SEQUENCE rises."""
    check_version(inspection_request, version, STALE_MESSAGE)
    INSPECTION_TRANSITIONS.check(inspection_request.status, IS.SCHEDULED)
    inspector = _bookable_inspector(inspector_id)
    _check_visit_day(day)
    _check_capacity(inspection_request, inspector, day)

    rescheduled = _book(inspection_request, actor, inspector, day, window)
    permit = inspection_request.permit
    name = inspection_request.inspection_type.name
    events.happened(
        "inspection.scheduled",
        inspection_request,
        actor=actor,
        on=permit,
        shown={"name": name, "date": day, "window": WINDOW_PHRASES[window]},
        day=str(day),
        window=window.value,
        inspector_id=inspector.id,
        sequence=inspection_request.ics_sequence,
    )

    _email_booking(inspection_request, rescheduled)
    db.session.commit()
    return inspection_request


def day_list(inspector_id: int, day: date) -> Sequence[InspectionRequest]:
    """An inspector's visits on a day, morning first, with what the printout needs."""
    return db.session.scalars(
        select(InspectionRequest)
        .where(
            InspectionRequest.inspector_id == inspector_id,
            InspectionRequest.scheduled_date == day,
            InspectionRequest.status.in_(VISIT_STATES),
        )
        .options(
            joinedload(InspectionRequest.permit),
            joinedload(InspectionRequest.inspection_type),
        )
        .order_by(
            case((InspectionRequest.scheduled_window == Window.MORNING, 0), else_=1),
            InspectionRequest.id,
        )
    ).all()

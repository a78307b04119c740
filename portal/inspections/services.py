"""Inspections: the catalogue, what each permit must pass, requests, scheduling and results.

Every change here checks its rule (INSPECTION_TRANSITIONS and the guards), changes the
record, writes the audit log and the permit's timeline, queues email (with a calendar
invitation once scheduled) and commits once. Staff actions carry the version they saw,
so the second of two staff acting on the same request is refused, not silently applied.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal import audit, timeline
from portal.applications import services as applications
from portal.applications.models import ApplicationStatus
from portal.auth.models import Role, User
from portal.db_locks import begin_write
from portal.documents.store import save_bytes, save_upload, upload_name
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections import calendar, ics
from portal.inspections.models import (
    INSPECTION_TRANSITIONS,
    OPEN_STATES,
    RESULT_STATUS,
    STAGE_ORDER,
    VISIT_STATES,
    Deficiency,
    Holiday,
    InspectionPhoto,
    InspectionRequest,
    InspectionResult,
    InspectionStage,
    InspectionStatus,
    InspectionType,
    InspectorDay,
    RequiredInspection,
    Window,
)
from portal.models import utcnow
from portal.notifications.services import email_link, queue_email
from portal.payments import services as payments
from portal.payments.models import Fee, FeeKind, FeeStatus
from portal.permits.models import PartyRole, Permit, PermitParty, PermitStatus
from portal.settings import services as settings
from portal.template_helpers import long_date
from portal.workflow import check_version, stale_guard

IS = InspectionStatus
PHOTO_TYPES = ("image/png", "image/jpeg")
STALE_MESSAGE = _l(
    "This inspection changed since you opened the page. Its current state is shown: "
    "check it and try again if you still need to."
)
REINSPECTION_RULE = "14A-5-501.4"
HOLIDAY_YEARS = (2026, 2027)

# The Chicago catalogue (DESIGN.md): code, name, stage, bureau, BLDS InspTypeMapped, trades.
# An empty trade list means every permit needs it (the C of O inspections).
S = InspectionStage
CATALOGUE = (
    (
        "PLB-UG",
        "Plumbing underground",
        S.UNDERGROUND,
        "Plumbing",
        "Plumbing Underground",
        ["plumbing"],
    ),
    (
        "STR-REBAR",
        "Rebar and structural steel before pours",
        S.UNDERGROUND,
        "New Construction",
        "Foundation",
        ["foundations", "iron"],
    ),
    (
        "CARP-RGH",
        "Rough carpentry (new construction)",
        S.ROUGH,
        "New Construction",
        "Framing",
        ["new_construction"],
    ),
    ("ELEC-RGH", "Rough electrical", S.ROUGH, "Electrical", "Electrical Rough", ["electrical"]),
    ("IRON-RGH", "Rough iron", S.ROUGH, "Iron", "Structural Steel", ["iron"]),
    ("PLB-RGH", "Rough plumbing", S.ROUGH, "Plumbing", "Plumbing Rough", ["plumbing"]),
    ("VENT-RGH", "Rough ventilation", S.ROUGH, "Ventilation", "Mechanical Rough", ["ventilation"]),
    ("BOIL-FIN", "Final boilers", S.FINAL, "Boiler", "Boiler Final", ["boiler"]),
    (
        "CARP-FIN",
        "Final carpentry (new construction)",
        S.FINAL,
        "New Construction",
        "Building Final",
        ["new_construction"],
    ),
    ("ELEC-FIN", "Final electrical", S.FINAL, "Electrical", "Electrical Final", ["electrical"]),
    ("IRON-FIN", "Final iron", S.FINAL, "Iron", "Structural Final", ["iron"]),
    ("PLB-FIN", "Final plumbing", S.FINAL, "Plumbing", "Plumbing Final", ["plumbing"]),
    (
        "REFR-FIN",
        "Final refrigeration",
        S.FINAL,
        "Refrigeration",
        "Refrigeration Final",
        ["refrigeration"],
    ),
    ("VENT-FIN", "Final ventilation", S.FINAL, "Ventilation", "Mechanical Final", ["ventilation"]),
    (
        "COFO-DOB",
        "Certificate of Occupancy (Department of Buildings)",
        S.COFO,
        "New Construction",
        "Certificate of Occupancy",
        [],
    ),
    (
        "COFO-FPB",
        "Certificate of Occupancy (Fire Prevention Bureau)",
        S.COFO,
        "Fire Prevention Bureau",
        "Fire Final",
        [],
    ),
)


class InvalidRequest(DomainError):
    """A request the rules refuse; ``field`` names the form field to attach the message to."""

    def __init__(self, message=None, field: str | None = None, fees_link: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.fees_link = fees_link


class CapacityFull(DomainError):
    default_message = _l("That inspector's day is full. Choose another day or another inspector.")


def _day(value: date) -> str:
    return format_date(value, "EEEE d MMMM y")


# ---- the catalogue and holidays -----------------------------------------------------------


def seed_types(actor=None) -> int:
    """Add the catalogue's missing types, the federal holidays and the first fee schedule.

    Idempotent, and it never overwrites what an admin changed. Returns the types added.
    """
    known = set(db.session.scalars(select(InspectionType.code)))
    added = 0
    for order, (code, name, stage, bureau, mapped, trades) in enumerate(CATALOGUE):
        if code in known:
            continue
        db.session.add(
            InspectionType(
                code=code,
                name=name,
                stage=stage,
                bureau=bureau,
                blds_type_mapped=mapped,
                trades=trades,
                sort_order=order,
            )
        )
        added += 1
    seed_holidays(HOLIDAY_YEARS)
    payments.ensure_default_schedule(actor)
    if added:
        audit.record("inspection_types.seeded", actor=actor, added=added)
    db.session.commit()
    return added


def seed_holidays(years: Iterable[int]) -> None:
    known = set(db.session.scalars(select(Holiday.day)))
    for year in years:
        for day, name in calendar.us_federal_holidays(year):
            if day not in known:
                db.session.add(Holiday(day=day, name=name))
                known.add(day)


def inspection_types() -> list[InspectionType]:
    return db.session.scalars(
        select(InspectionType).order_by(InspectionType.sort_order, InspectionType.id)
    ).all()


def update_type(inspection_type: InspectionType, answers: Mapping, actor) -> None:
    """Admins edit a type's name, bureau, fee, BLDS mapping and whether it is in use."""
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the inspection catalogue."))
    if answers["fee_cents"] < 0:
        raise InvalidRequest(_l("The fee cannot be negative"), field="fee_cents")
    changes = {}
    for name in ("name", "bureau", "fee_cents", "active", "blds_type_mapped"):
        if getattr(inspection_type, name) != answers[name]:
            changes[name] = f"{getattr(inspection_type, name)} -> {answers[name]}"
            setattr(inspection_type, name, answers[name])
    audit.record("inspection_type.updated", inspection_type, actor=actor, **changes)
    db.session.commit()


# ---- what each permit must pass ----------------------------------------------------------


def _types_for_scope(types: list[InspectionType], scope: Iterable[str]) -> list[InspectionType]:
    trades = set(scope or [])
    return [t for t in types if t.active and (not t.trades or trades & set(t.trades))]


def derive_required(permit_scopes: Mapping[int, Iterable[str]]) -> int:
    """Add each permit's missing required inspections from its scope, in bulk (no commit).

    Three statements whatever the number of permits: the catalogue, the pairs already
    there, one INSERT. Inspections already required (or removed by staff) are left alone.
    """
    if not permit_scopes:
        return 0
    types = db.session.scalars(select(InspectionType).where(InspectionType.active)).all()
    if not types:
        return 0
    table = RequiredInspection.__table__
    existing = set(
        db.session.execute(
            select(table.c.permit_id, table.c.inspection_type_id).where(
                table.c.permit_id.in_(list(permit_scopes))
            )
        ).all()
    )
    now = utcnow()
    rows = [
        {
            "permit_id": permit_id,
            "inspection_type_id": t.id,
            "added_reason": "",
            "removed_reason": "",
            "created_at": now,
            "updated_at": now,
        }
        for permit_id, scope in permit_scopes.items()
        for t in _types_for_scope(types, scope)
        if (permit_id, t.id) not in existing
    ]
    if rows:
        db.session.execute(insert(table), rows)
    return len(rows)


def required_inspections(permit_id: int, include_removed: bool = False) -> list[RequiredInspection]:
    query = (
        select(RequiredInspection)
        .join(RequiredInspection.inspection_type)
        .where(RequiredInspection.permit_id == permit_id)
        .options(contains_eager(RequiredInspection.inspection_type))
        .order_by(InspectionType.sort_order, InspectionType.id)
    )
    if not include_removed:
        query = query.where(RequiredInspection.removed_at.is_(None))
    return db.session.scalars(query).all()


def add_required(permit: Permit, inspection_type_id: int, reason: str, actor) -> RequiredInspection:
    """Staff add an inspection the scope did not call for, with a reason (audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRequest(_l("Enter the reason"), field="reason")
    inspection_type = db.session.get(InspectionType, inspection_type_id)
    if inspection_type is None:
        raise InvalidRequest(_l("Choose an inspection"), field="inspection_type")
    required = db.session.scalar(
        select(RequiredInspection).where(
            RequiredInspection.permit_id == permit.id,
            RequiredInspection.inspection_type_id == inspection_type_id,
        )
    )
    if required is not None and required.removed_at is None:
        raise InvalidRequest(
            _l("This permit already requires that inspection."), field="inspection_type"
        )
    if required is None:
        required = RequiredInspection(permit_id=permit.id, inspection_type_id=inspection_type_id)
        db.session.add(required)
    required.removed_at = None
    required.removed_by_id = None
    required.removed_reason = ""
    required.added_by_id = actor.id
    required.added_reason = reason
    db.session.flush()
    audit.record(
        "required_inspection.added",
        required,
        actor=actor,
        permit=permit.permit_num,
        code=inspection_type.code,
        reason=reason,
    )
    timeline.add(
        permit, "inspection.required_added", actor=actor, name=inspection_type.name, reason=reason
    )
    db.session.commit()
    return required


def remove_required(permit: Permit, required_id: int, reason: str, actor) -> RequiredInspection:
    """Staff remove a required inspection with a reason; an open request must be cancelled first."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRequest(_l("Enter the reason"), field="reason")
    required = db.session.scalar(
        select(RequiredInspection).where(
            RequiredInspection.id == required_id,
            RequiredInspection.permit_id == permit.id,
            RequiredInspection.removed_at.is_(None),
        )
    )
    if required is None:
        raise DomainError(_l("That inspection is not required on this permit."))
    open_request = db.session.scalar(
        select(InspectionRequest.id).where(
            InspectionRequest.required_inspection_id == required.id,
            InspectionRequest.status.in_(OPEN_STATES),
        )
    )
    if open_request is not None:
        raise DomainError(
            _l("This inspection has an open request. Cancel the request before removing it.")
        )
    required.removed_at = utcnow()
    required.removed_by_id = actor.id
    required.removed_reason = reason
    name = required.inspection_type.name
    audit.record(
        "required_inspection.removed",
        required,
        actor=actor,
        permit=permit.permit_num,
        code=required.inspection_type.code,
        reason=reason,
    )
    timeline.add(permit, "inspection.required_removed", actor=actor, name=name, reason=reason)
    _complete_if_all_passed(permit, actor)
    db.session.commit()
    return required


# ---- the checklist the permit page shows -------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    required: RequiredInspection
    latest: InspectionRequest | None
    state: str
    next_step: str
    can_request: bool


@dataclass
class Checklist:
    stages: list[tuple[InspectionStage, list[ChecklistItem]]] = field(default_factory=list)

    @property
    def items(self) -> list[ChecklistItem]:
        return [item for _stage, items in self.stages for item in items]

    @property
    def complete(self) -> bool:
        items = self.items
        return bool(items) and all(item.required.passed_at for item in items)


def _latest_requests(permit_id: int) -> dict[int, InspectionRequest]:
    requests = db.session.scalars(
        select(InspectionRequest)
        .where(InspectionRequest.permit_id == permit_id)
        .options(selectinload(InspectionRequest.deficiencies))
        .order_by(InspectionRequest.id)
    ).all()
    return {request.required_inspection_id: request for request in requests}


def _item(required: RequiredInspection, latest: InspectionRequest | None) -> ChecklistItem:
    if required.passed_at is not None:
        label = latest.result_label if latest and latest.status == IS.PASSED else _("Passed")
        return ChecklistItem(required, latest, label, _("Nothing to do: passed"), False)
    if latest is None:
        return ChecklistItem(required, None, _("Not requested"), _("Request this inspection"), True)
    if latest.status == IS.REQUESTED:
        return ChecklistItem(
            required,
            latest,
            latest.status.label,
            _("Waiting for the department to schedule it"),
            False,
        )
    if latest.status == IS.SCHEDULED:
        state = _(
            "Scheduled for %(day)s, %(window)s",
            day=long_date(latest.scheduled_date),
            window=latest.scheduled_window.label,
        )
        return ChecklistItem(required, latest, state, _("Be on site with the stamped plans"), False)
    if latest.status == IS.CANCELLED:
        return ChecklistItem(required, latest, latest.result_label, _("Request it again"), True)
    return ChecklistItem(
        required,
        latest,
        latest.result_label,
        _("Correct the deficiencies, then request it again"),
        True,
    )


def checklist(permit_id: int) -> Checklist:
    """The permit's required inspections by stage, each with its state and the next step."""
    latest = _latest_requests(permit_id)
    grouped: dict[InspectionStage, list[ChecklistItem]] = {}
    for required in required_inspections(permit_id):
        grouped.setdefault(required.inspection_type.stage, []).append(
            _item(required, latest.get(required.id))
        )
    return Checklist([(stage, grouped[stage]) for stage in STAGE_ORDER if stage in grouped])


@dataclass(frozen=True)
class PermitPanel:
    """What the permit page shows about inspections and fees."""

    checklist: Checklist
    fees: payments.FeeSummary
    can_request: bool


def permit_panel(permit: Permit) -> PermitPanel:
    items = checklist(permit.id)
    return PermitPanel(
        checklist=items,
        fees=payments.fee_summary(permit.id),
        can_request=any(item.can_request for item in items.items)
        and permit.status_current not in _CLOSED_PERMIT,
    )


# ---- requesting ----------------------------------------------------------------------------

_CLOSED_PERMIT = {PermitStatus.FINALED, PermitStatus.EXPIRED, PermitStatus.REVOKED}
DATE_FIELDS = ("preferred_date_1", "preferred_date_2", "preferred_date_3")


def requestable(permit_id: int) -> list[RequiredInspection]:
    """The required inspections a new request may name: not passed, none open."""
    open_ids = select(InspectionRequest.required_inspection_id).where(
        InspectionRequest.permit_id == permit_id, InspectionRequest.status.in_(OPEN_STATES)
    )
    return [
        required
        for required in required_inspections(permit_id)
        if required.passed_at is None and required.id not in set(db.session.scalars(open_ids))
    ]


def check_preferred_dates(dates: Mapping[str, date | None]) -> list[date]:
    """Business days only, at least the lead time ahead, no repeats; the first date is required."""
    today = calendar.local_today()
    earliest = calendar.earliest_inspection_day(today)
    given = [(name, dates.get(name)) for name in DATE_FIELDS if dates.get(name)]
    if not given or given[0][0] != DATE_FIELDS[0]:
        raise InvalidRequest(_l("Enter your first preferred date"), field=DATE_FIELDS[0])
    last = max(day for _name, day in given)
    holidays = {
        h.day: h.name
        for h in db.session.scalars(select(Holiday).where(Holiday.day.between(today, last)))
    }
    seen: set[date] = set()
    for name, day in given:
        shown = _day(day)
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
                    earliest=_day(earliest),
                ),
                field=name,
            )
        if day in seen:
            raise InvalidRequest(_("Give a different date for each choice."), field=name)
        seen.add(day)
    return [day for _name, day in given]


def _check_can_request(permit: Permit, user) -> None:
    if permit.status_current in _CLOSED_PERMIT:
        raise InvalidRequest(
            _(
                "Permit %(num)s is %(status)s, so no more inspections can be requested. "
                "Contact the department if work is still going on.",
                num=permit.permit_num,
                status=permit.status_current.label,
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


def people_to_notify(inspection_request: InspectionRequest) -> list[str]:
    """The requester, then the owner and agents: the people who act on the inspection."""
    emails = []
    if inspection_request.requested_by and not inspection_request.requested_by.is_staff:
        emails.append(inspection_request.requested_by.email)
    parties = db.session.scalars(
        select(PermitParty).where(
            PermitParty.permit_id == inspection_request.permit_id,
            PermitParty.role.in_((PartyRole.OWNER, PartyRole.AGENT)),
        )
    ).all()
    for party in parties:
        if party.user.email not in emails:
            emails.append(party.user.email)
    return emails


@stale_guard(STALE_MESSAGE)
def request_inspection(permit: Permit, user, answers: Mapping) -> InspectionRequest:
    """An owner, agent or contractor (or staff for them) asks for a required inspection.

    Refused with the reason when the permit is closed, a reinspection fee is unpaid (a
    setting), the inspection is not required, already passed or already requested, the
    C of O inspections come before the application is accepted, or a date breaks the rules.
    """
    _check_can_request(permit, user)
    required = db.session.scalar(
        select(RequiredInspection).where(
            RequiredInspection.id == answers["required_inspection_id"],
            RequiredInspection.permit_id == permit.id,
            RequiredInspection.removed_at.is_(None),
        )
    )
    if required is None:
        raise InvalidRequest(
            _l("Choose one of this permit's required inspections."), field="required_inspection"
        )
    inspection_type = required.inspection_type
    if required.passed_at is not None:
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
    if inspection_type.is_cofo:
        application = applications.open_application(permit)
        if application is None or application.status != ApplicationStatus.ACCEPTED:
            raise InvalidRequest(
                _l(
                    "The Certificate of Occupancy inspections can be requested once the "
                    "department has accepted your C of O application."
                ),
                field="required_inspection",
            )
    dates = check_preferred_dates(answers)
    for duty in DUTIES:
        if not answers.get(duty):
            raise InvalidRequest(_l("Confirm each of the duties on the day"), field=duty)
    earlier = db.session.scalar(
        select(func.count(InspectionRequest.id)).where(
            InspectionRequest.required_inspection_id == required.id,
            InspectionRequest.status.in_((IS.FAILED, IS.PARTIAL, IS.NO_ACCESS)),
        )
    )
    inspection_request = InspectionRequest(
        permit_id=permit.id,
        required_inspection_id=required.id,
        inspection_type_id=inspection_type.id,
        requested_by_id=user.id,
        reinspection=bool(earlier),
        preferred_date_1=dates[0],
        preferred_date_2=dates[1] if len(dates) > 1 else None,
        preferred_date_3=dates[2] if len(dates) > 2 else None,
        window=Window(answers["window"]),
        contact_name=answers["contact_name"].strip(),
        contact_phone=answers["contact_phone"].strip(),
        access_notes=(answers.get("access_notes") or "").strip(),
        **dict.fromkeys(DUTIES, True),
    )
    db.session.add(inspection_request)
    db.session.flush()
    inspection_request.permit = permit
    inspection_request.inspection_type = inspection_type
    inspection_request.requested_by = user
    if inspection_type.fee_cents:
        payments.assess_fee(
            permit,
            FeeKind.INSPECTION,
            amount_cents=inspection_type.fee_cents,
            reason=f"{inspection_type.name} inspection",
            actor=user,
            inspection_request=inspection_request,
        )
    audit.record(
        "inspection.requested",
        inspection_request,
        actor=user,
        permit=permit.permit_num,
        code=inspection_type.code,
        dates=", ".join(str(d) for d in dates),
    )
    timeline.add(permit, "inspection.requested", actor=user, name=inspection_type.name)
    for email in people_to_notify(inspection_request):
        queue_email(
            email,
            _(
                "Inspection request received: %(name)s, permit %(num)s",
                name=inspection_type.name,
                num=permit.permit_num,
            ),
            "inspections_requested",
            inspection=inspection_request,
            permit=permit,
            link=email_link(
                "inspections.detail", permit_id=permit.id, request_id=inspection_request.id
            ),
        )
    db.session.commit()
    return inspection_request


DUTIES = (
    "confirm_present",
    "confirm_trades",
    "confirm_plans",
    "confirm_access",
    "confirm_equipment",
)


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
    return inspection_request.status == IS.SCHEDULED and calendar.is_past_cutoff(
        inspection_request.scheduled_date
    )


def _reinspection_reason(inspection_request: InspectionRequest, why: str) -> str:
    return (
        f"Reinspection fee ({payments.REINSPECTION_AUTHORITY}): {why} "
        f"({inspection_request.inspection_type.name}, "
        f"{inspection_request.scheduled_date.isoformat()})"
    )


def _attach_invitation(
    inspection_request: InspectionRequest, recipients: list[str], cancel: bool
) -> list[dict]:
    data = ics.invitation(inspection_request, recipients, cancel=cancel)
    stored = save_bytes(data, "text/calendar")
    return [
        {
            "filename": "inspection.ics",
            "content_type": "text/calendar",
            "sha256": stored.sha256,
        }
    ]


def _waive_inspection_fee(inspection_request: InspectionRequest, why: str) -> None:
    """A timely cancellation releases the inspection fee the request drew."""
    fees = db.session.scalars(
        select(Fee).where(
            Fee.inspection_request_id == inspection_request.id,
            Fee.kind == FeeKind.INSPECTION,
            Fee.status == FeeStatus.OUTSTANDING,
        )
    ).all()
    for fee in fees:
        fee.status = FeeStatus.WAIVED
        fee.waived_at = utcnow()
        fee.waiver_reason = why
        audit.record("fee.waived", fee, actor=None, reason=why)


@stale_guard(STALE_MESSAGE)
def cancel_request(inspection_request: InspectionRequest, user, version) -> InspectionRequest:
    """The requester (or the permit's owner or agent, or staff) cancels an open request.

    After the cut-off the cancellation is marked late and a reinspection fee is assessed
    (14A-5-501.4); the page says so before the user confirms.
    """
    _check_may_change(inspection_request, user)
    check_version(inspection_request, version, STALE_MESSAGE)
    INSPECTION_TRANSITIONS.check(inspection_request.status, IS.CANCELLED)
    was_scheduled = inspection_request.status == IS.SCHEDULED
    late = cancellation_is_late(inspection_request)
    permit = inspection_request.permit
    inspection_request.status = IS.CANCELLED
    inspection_request.result = InspectionResult.CANCELLED
    inspection_request.cancelled_at = utcnow()
    inspection_request.cancelled_by_id = user.id
    inspection_request.late_cancel = late
    name = inspection_request.inspection_type.name
    audit.record("inspection.cancelled", inspection_request, actor=user, late=late)
    timeline.add(
        permit,
        "inspection.cancelled_late" if late else "inspection.cancelled",
        actor=user,
        name=name,
    )
    if late:
        payments.assess_fee(
            permit,
            FeeKind.REINSPECTION,
            on=calendar.local_today(),
            reason=_reinspection_reason(inspection_request, "cancelled after the cut-off"),
            inspection_request=inspection_request,
        )
    else:
        _waive_inspection_fee(inspection_request, "Request cancelled before the cut-off")
    recipients = people_to_notify(inspection_request)
    attachments = []
    if was_scheduled:
        inspection_request.ics_sequence += 1
        attachments = _attach_invitation(inspection_request, recipients, cancel=True)
    for email in recipients:
        queue_email(
            email,
            _("Inspection cancelled: %(name)s, permit %(num)s", name=name, num=permit.permit_num),
            "inspections_cancelled",
            attachments=attachments,
            inspection=inspection_request,
            permit=permit,
            late=late,
            link=email_link(
                "inspections.detail", permit_id=permit.id, request_id=inspection_request.id
            ),
        )
    db.session.commit()
    return inspection_request


@stale_guard(STALE_MESSAGE)
def reschedule_request(
    inspection_request: InspectionRequest, user, answers: Mapping, version
) -> InspectionRequest:
    """The requester (or the permit's owner or agent, or staff) gives new dates; a scheduled
    visit is released (before the cut-off only)."""
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
        inspection_request.ics_sequence += 1
        attachments = _attach_invitation(inspection_request, recipients, cancel=True)
        inspection_request.status = IS.REQUESTED
        inspection_request.scheduled_date = None
        inspection_request.scheduled_window = None
        inspection_request.inspector_id = None
    inspection_request.preferred_date_1 = dates[0]
    inspection_request.preferred_date_2 = dates[1] if len(dates) > 1 else None
    inspection_request.preferred_date_3 = dates[2] if len(dates) > 2 else None
    inspection_request.window = Window(answers["window"])
    permit = inspection_request.permit
    name = inspection_request.inspection_type.name
    audit.record(
        "inspection.reschedule_requested",
        inspection_request,
        actor=user,
        dates=", ".join(str(d) for d in dates),
    )
    timeline.add(permit, "inspection.reschedule_requested", actor=user, name=name)
    for email in recipients:
        queue_email(
            email,
            _("New dates requested: %(name)s, permit %(num)s", name=name, num=permit.permit_num),
            "inspections_reschedule_requested",
            attachments=attachments,
            inspection=inspection_request,
            permit=permit,
            was_scheduled=was_scheduled,
            link=email_link(
                "inspections.detail", permit_id=permit.id, request_id=inspection_request.id
            ),
        )
    db.session.commit()
    return inspection_request


# ---- staff: scheduling ----------------------------------------------------------------------


def inspectors() -> list[User]:
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
        row = db.session.scalar(query.execution_options(populate_existing=True))
    return row


def visits_on(inspector_id: int, day: date, excluding: int | None = None) -> int:
    query = select(func.count(InspectionRequest.id)).where(
        InspectionRequest.inspector_id == inspector_id,
        InspectionRequest.scheduled_date == day,
        InspectionRequest.status.in_(VISIT_STATES),
    )
    if excluding is not None:
        query = query.where(InspectionRequest.id != excluding)
    return db.session.scalar(query)


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
    """Staff book a date, window and inspector; the inspector's daily capacity is enforced
    under a row lock, so of two staff booking the last place one succeeds and one is refused.
    A second scheduling moves the visit: the invitation keeps its UID, SEQUENCE rises."""
    check_version(inspection_request, version, STALE_MESSAGE)
    INSPECTION_TRANSITIONS.check(inspection_request.status, IS.SCHEDULED)
    inspector = db.session.get(User, inspector_id)
    if inspector is None or not inspector.is_staff or not inspector.active:
        raise InvalidRequest(_l("Choose an inspector"), field="inspector")
    today = calendar.local_today()
    if day < today:
        raise InvalidRequest(_l("The date has passed: choose a later date."), field="day")
    if not calendar.is_business_day(day, calendar.holidays_between(day, day)):
        raise InvalidRequest(
            _l("That date is a weekend day or a holiday: choose a business day."), field="day"
        )
    _lock_inspector_day(inspector.id, day)
    capacity = settings.current().inspector_daily_capacity
    if visits_on(inspector.id, day, excluding=inspection_request.id) >= capacity:
        raise CapacityFull(
            _(
                "%(name)s already has %(n)s inspections on %(day)s, the most in one day. "
                "Choose another day or another inspector.",
                name=inspector.name,
                n=capacity,
                day=_day(day),
            )
        )
    rescheduled = inspection_request.status == IS.SCHEDULED or inspection_request.ics_sequence > 0
    if rescheduled:
        inspection_request.ics_sequence += 1
    inspection_request.status = IS.SCHEDULED
    inspection_request.scheduled_date = day
    inspection_request.scheduled_window = window
    inspection_request.inspector_id = inspector.id
    inspection_request.inspector = inspector
    inspection_request.scheduled_by_id = actor.id
    inspection_request.scheduled_at = utcnow()
    permit = inspection_request.permit
    name = inspection_request.inspection_type.name
    audit.record(
        "inspection.scheduled",
        inspection_request,
        actor=actor,
        day=str(day),
        window=window.value,
        inspector_id=inspector.id,
        sequence=inspection_request.ics_sequence,
    )
    timeline.add(
        permit,
        "inspection.scheduled",
        actor=actor,
        name=name,
        date=_day(day),
        window=window.label,
    )
    recipients = people_to_notify(inspection_request)
    attachments = _attach_invitation(inspection_request, recipients, cancel=False)
    for email in recipients:
        queue_email(
            email,
            _(
                "Inspection %(what)s: %(name)s on %(day)s, permit %(num)s",
                what=_("rescheduled") if rescheduled else _("scheduled"),
                name=name,
                day=_day(day),
                num=permit.permit_num,
            ),
            "inspections_scheduled",
            attachments=attachments,
            inspection=inspection_request,
            permit=permit,
            rescheduled=rescheduled,
            cutoff=calendar.cutoff_day(day),
            link=email_link(
                "inspections.detail", permit_id=permit.id, request_id=inspection_request.id
            ),
        )
    db.session.commit()
    return inspection_request


# ---- staff: results ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeficiencyAnswer:
    code_section: str
    description: str
    location: str
    correct_by: date | None


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
    inspection_type = inspection_request.inspection_type
    if result not in inspection_type.results:
        raise InvalidRequest(_l("Choose one of the results offered"), field="result")
    target = RESULT_STATUS[result]
    INSPECTION_TRANSITIONS.check(inspection_request.status, target)
    if target in (IS.FAILED, IS.PARTIAL) and not deficiencies and not remarks.strip():
        raise InvalidRequest(
            _l("Record the deficiencies (or remarks) so the applicant knows what to correct"),
            field="remarks",
        )
    stored_photos = []
    for upload in photos:
        stored = save_upload(upload, allowed=PHOTO_TYPES)
        stored_photos.append((stored, upload_name(upload, "photo")))

    now = utcnow()
    permit = inspection_request.permit
    inspection_request.status = target
    inspection_request.result = result
    inspection_request.remarks = remarks.strip()
    inspection_request.orders = orders.strip()
    inspection_request.inspected_at = now
    inspection_request.result_by_id = actor.id
    if target == IS.CANCELLED:
        inspection_request.cancelled_at = now
        inspection_request.cancelled_by_id = actor.id
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
    if target == IS.PASSED:
        inspection_request.required_inspection.passed_at = now
    db.session.flush()
    audit.record(
        "inspection.result_recorded",
        inspection_request,
        actor=actor,
        result=result.value,
        deficiencies=len(deficiencies),
        photos=len(stored_photos),
    )
    timeline.add(
        permit, "inspection.result", actor=actor, name=inspection_type.name, result=result.label
    )
    if target == IS.NO_ACCESS:
        payments.assess_fee(
            permit,
            FeeKind.REINSPECTION,
            on=inspection_request.scheduled_date,
            reason=_reinspection_reason(inspection_request, "no access or not ready"),
            inspection_request=inspection_request,
        )
    for email in people_to_notify(inspection_request):
        queue_email(
            email,
            _(
                "Inspection result: %(name)s %(result)s, permit %(num)s",
                name=inspection_type.name,
                result=result.label,
                num=permit.permit_num,
            ),
            "inspections_result",
            inspection=inspection_request,
            permit=permit,
            link=email_link(
                "inspections.detail", permit_id=permit.id, request_id=inspection_request.id
            ),
        )
    if target == IS.PASSED:
        _complete_if_all_passed(permit, actor)
    db.session.commit()
    return inspection_request


def _complete_if_all_passed(permit: Permit, actor) -> None:
    """Every active required inspection passed: the accepted application moves on."""
    counts = db.session.execute(
        select(func.count(RequiredInspection.id), func.count(RequiredInspection.passed_at)).where(
            RequiredInspection.permit_id == permit.id, RequiredInspection.removed_at.is_(None)
        )
    ).one()
    required, passed = counts
    if not required or passed < required:
        return
    application = applications.open_application(permit)
    if application is not None and application.status == ApplicationStatus.ACCEPTED:
        applications.inspections_complete(application, actor)


# ---- staff lists ---------------------------------------------------------------------------


def bureaus() -> list[str]:
    return list(
        db.session.scalars(select(InspectionType.bureau).distinct().order_by(InspectionType.bureau))
    )


def day_list(inspector_id: int, day: date) -> list[InspectionRequest]:
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

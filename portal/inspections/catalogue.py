"""The inspection catalogue and what each permit must pass.

The Chicago catalogue of inspection types (admins edit names, bureaus and fees), the
holidays no inspection falls on, and each permit's required inspections: derived from
its scope, added or removed by staff with a reason, and checked off as they pass (the
last pass moves the accepted C of O application to Inspections Complete).
"""

from collections.abc import Iterable, Mapping, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import contains_eager

from portal import audit, blds, calendar, events
from portal.applications import review
from portal.applications import services as applications
from portal.applications.models import ApplicationStatus
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections.errors import InvalidRequest
from portal.inspections.models import (
    OPEN_STATES,
    InspectionRequest,
    InspectionStage,
    InspectionType,
    RequiredInspection,
)
from portal.models import utcnow
from portal.payments import services as payments
from portal.permits.models import Permit
from portal.settings.models import Holiday, InspectingAgency

HOLIDAY_YEARS = (2026, 2027)

# The Chicago catalogue (DESIGN.md): code, name, stage, bureau, BLDS InspTypeMapped (one of
# Appendix A's values, blds.INSP_TYPE_MAPPED), trades.
# An empty trade list means every permit needs it (the C of O inspections).
S = InspectionStage
CATALOGUE: tuple[tuple[str, str, InspectionStage, str, str, list[str]], ...] = (
    (
        "PLB-UG",
        "Plumbing underground",
        S.UNDERGROUND,
        "Plumbing",
        "Rough In",
        ["plumbing"],
    ),
    (
        "STR-REBAR",
        "Rebar and structural steel before pours",
        S.UNDERGROUND,
        "New Construction",
        "Rough",
        ["foundations", "iron"],
    ),
    (
        "CARP-RGH",
        "Rough carpentry (new construction)",
        S.ROUGH,
        "New Construction",
        "Rough Frame",
        ["new_construction"],
    ),
    ("ELEC-RGH", "Rough electrical", S.ROUGH, "Electrical", "Rough In", ["electrical"]),
    ("IRON-RGH", "Rough iron", S.ROUGH, "Iron", "Frame", ["iron"]),
    ("PLB-RGH", "Rough plumbing", S.ROUGH, "Plumbing", "Rough In", ["plumbing"]),
    ("VENT-RGH", "Rough ventilation", S.ROUGH, "Ventilation", "Rough In", ["ventilation"]),
    ("BOIL-FIN", "Final boilers", S.FINAL, "Boiler", "Final", ["boiler"]),
    (
        "CARP-FIN",
        "Final carpentry (new construction)",
        S.FINAL,
        "New Construction",
        "Final",
        ["new_construction"],
    ),
    ("ELEC-FIN", "Final electrical", S.FINAL, "Electrical", "Final", ["electrical"]),
    ("IRON-FIN", "Final iron", S.FINAL, "Iron", "Final", ["iron"]),
    ("PLB-FIN", "Final plumbing", S.FINAL, "Plumbing", "Final", ["plumbing"]),
    (
        "REFR-FIN",
        "Final refrigeration",
        S.FINAL,
        "Refrigeration",
        "Final",
        ["refrigeration"],
    ),
    ("VENT-FIN", "Final ventilation", S.FINAL, "Ventilation", "Final", ["ventilation"]),
    (
        "COFO-DOB",
        "Certificate of Occupancy (Department of Buildings)",
        S.COFO,
        "New Construction",
        "Final",
        [],
    ),
    (
        "COFO-FPB",
        "Certificate of Occupancy (Fire Prevention Bureau)",
        S.COFO,
        "Fire Prevention Bureau",
        "Final",
        [],
    ),
)


# "Rebar, structural steel prior to concrete pours (initial and ongoing)": once per pour.
REPEATABLE = frozenset({"STR-REBAR"})
# The agencies that inspect (code, name, schedules directly, what the applicant does) and the
# types another agency than the Department of Buildings carries out. Admins keep the contact
# details current in the settings.
DOB, FPB = "dob", "fpb"
AGENCIES: tuple[tuple[str, str, bool, str], ...] = (
    (
        DOB,
        "Department of Buildings",
        False,
        "Request the inspection here. The Department contacts you to schedule it.",
    ),
    (
        FPB,
        "Chicago Fire Department, Fire Prevention Bureau",
        True,
        "The Fire Prevention Bureau schedules its own inspections: contact the Bureau to book "
        "the fire inspection once the Department has accepted your C of O application.",
    ),
)
AGENCY_OF = {"COFO-FPB": FPB}


# ---- the catalogue and holidays -----------------------------------------------------------


def seed_types(actor=None) -> int:
    """Add the catalogue's missing types, the federal holidays and the first fee schedule.

    Idempotent, and it never overwrites what an admin changed. Returns the types added.
    """
    agencies = seed_agencies()
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
                repeatable=code in REPEATABLE,
                agency=agencies[AGENCY_OF.get(code, DOB)],
            )
        )
        added += 1
    seed_holidays(HOLIDAY_YEARS)
    payments.ensure_default_schedule(actor)
    if added:
        audit.record("inspection_types.seeded", actor=actor, added=added)
    db.session.commit()
    return added


def seed_agencies() -> dict[str, InspectingAgency]:
    """The agencies by code, adding the missing ones (never overwriting an admin's edits)."""
    known = {agency.code: agency for agency in db.session.scalars(select(InspectingAgency))}
    for code, name, direct, instructions in AGENCIES:
        if code not in known:
            known[code] = InspectingAgency(
                code=code, name=name, schedules_directly=direct, instructions=instructions
            )
            db.session.add(known[code])
    return known


def seed_holidays(years: Iterable[int]) -> None:
    known = set(db.session.scalars(select(Holiday.day)))
    for year in years:
        for day, name in calendar.us_federal_holidays(year):
            if day not in known:
                db.session.add(Holiday(day=day, name=name))
                known.add(day)


def inspection_types() -> Sequence[InspectionType]:
    return db.session.scalars(
        select(InspectionType).order_by(InspectionType.sort_order, InspectionType.id)
    ).all()


def update_type(inspection_type: InspectionType, answers: Mapping, actor) -> None:
    """Admins edit a type's name, bureau, fee, BLDS mapping, agency, whether it is repeated
    and whether it is in use."""
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the inspection catalogue."))
    if answers["fee_cents"] < 0:
        raise InvalidRequest(_l("The fee cannot be negative"), field="fee_cents")
    if answers["blds_type_mapped"] and answers["blds_type_mapped"] not in blds.INSP_TYPE_MAPPED:
        raise InvalidRequest(
            _l(
                "Enter one of the BLDS inspection types (Appendix A): %(values)s",
                values=", ".join(blds.INSP_TYPE_MAPPED),
            ),
            field="blds_type_mapped",
        )
    changes = {}
    agency_id = answers.get("agency_id")
    if agency_id and db.session.get(InspectingAgency, agency_id) is None:
        raise InvalidRequest(_l("Choose the inspecting agency"), field="agency_id")
    names = ("name", "bureau", "fee_cents", "active", "blds_type_mapped", "repeatable", "agency_id")
    # The answers given: a caller that leaves a field out leaves it as it is.
    for name in (name for name in names if name in answers):
        if getattr(inspection_type, name) != answers[name]:
            changes[name] = f"{getattr(inspection_type, name)} -> {answers[name]}"
            setattr(inspection_type, name, answers[name])
    audit.record("inspection_type.updated", inspection_type, actor=actor, **changes)
    db.session.commit()


# Built once: the inspections queue's filter asks on every request (issue 17).
_BUREAUS = select(InspectionType.bureau).distinct().order_by(InspectionType.bureau)


def bureaus() -> list[str]:
    return list(db.session.scalars(_BUREAUS))


# ---- what each permit must pass ----------------------------------------------------------


def _types_for_scope(types: Sequence[InspectionType], scope: Iterable[str]) -> list[InspectionType]:
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


def still_required(permit: Permit, required_id) -> RequiredInspection | None:
    """One of the permit's required inspections that staff have not removed, or None."""
    return db.session.scalar(
        select(RequiredInspection).where(
            RequiredInspection.id == required_id,
            RequiredInspection.permit_id == permit.id,
            RequiredInspection.removed_at.is_(None),
        )
    )


def required_inspections(
    permit_id: int, include_removed: bool = False
) -> Sequence[RequiredInspection]:
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
    events.happened(
        "required_inspection.added",
        required,
        actor=actor,
        on=permit,
        timeline_event="inspection.required_added",
        shown={"name": inspection_type.name, "reason": reason},
        permit=permit.permit_num,
        code=inspection_type.code,
        reason=reason,
    )
    db.session.commit()
    return required


def remove_required(permit: Permit, required_id: int, reason: str, actor) -> RequiredInspection:
    """Staff remove a required inspection with a reason; an open request must be cancelled first."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRequest(_l("Enter the reason"), field="reason")
    required = still_required(permit, required_id)
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
    events.happened(
        "required_inspection.removed",
        required,
        actor=actor,
        on=permit,
        timeline_event="inspection.required_removed",
        shown={"name": name, "reason": reason},
        permit=permit.permit_num,
        code=required.inspection_type.code,
        reason=reason,
    )
    complete_if_all_passed(permit, actor)
    db.session.commit()
    return required


def not_yet_passed(permit_id: int) -> Sequence[RequiredInspection]:
    """The permit's active required inspections that do not count as passed for the C of O:
    never passed, or a repeatable one with a visit still requested or scheduled."""
    open_request = (
        select(InspectionRequest.id)
        .where(
            InspectionRequest.required_inspection_id == RequiredInspection.id,
            InspectionRequest.status.in_(OPEN_STATES),
        )
        .exists()
    )
    return db.session.scalars(
        select(RequiredInspection)
        .join(RequiredInspection.inspection_type)
        .where(
            RequiredInspection.permit_id == permit_id,
            RequiredInspection.removed_at.is_(None),
            or_(
                RequiredInspection.passed_at.is_(None),
                and_(InspectionType.repeatable, open_request),
            ),
        )
        .options(contains_eager(RequiredInspection.inspection_type))
        .order_by(RequiredInspection.id)
    ).all()


def complete_if_all_passed(permit: Permit, actor) -> None:
    """Every active required inspection passed (none waiting for another visit): the accepted
    application moves on."""
    required = db.session.scalar(
        select(func.count(RequiredInspection.id)).where(
            RequiredInspection.permit_id == permit.id, RequiredInspection.removed_at.is_(None)
        )
    )
    if not required or not_yet_passed(permit.id):
        return
    application = applications.open_application(permit)
    if application is not None and application.status == ApplicationStatus.ACCEPTED:
        review.inspections_complete(application, actor)

"""Building blocks for the inspection and fee tests: the fixed clock's days, seeded types,
required inspections, requests and their answers as services take them and as forms post them."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

from sqlalchemy import select

from portal import calendar
from portal.extensions import db
from portal.inspections import catalogue, deadlines, requests, scheduling
from portal.inspections.models import (
    InspectionRequest,
    InspectionType,
    RequiredInspection,
    Window,
)

# A Monday, a week before Memorial Day (2026-05-25).
TODAY = date(2026, 5, 18)
WEDNESDAY = date(2026, 5, 20)
THURSDAY = date(2026, 5, 21)
FRIDAY = date(2026, 5, 22)
MEMORIAL_DAY = date(2026, 5, 25)
NEXT_TUESDAY = date(2026, 5, 26)


def type_by_code(code: str) -> InspectionType:
    return db.session.scalar(select(InspectionType).where(InspectionType.code == code))


def derive(permit) -> list[RequiredInspection]:
    catalogue.derive_required({permit.id: permit.scope})
    db.session.commit()
    return catalogue.required_inspections(permit.id)


def required_by_code(permit, code: str) -> RequiredInspection:
    return next(
        r for r in catalogue.required_inspections(permit.id) if r.inspection_type.code == code
    )


def request_answers(required: RequiredInspection, **overrides) -> dict:
    answers = {
        "required_inspection_id": required.id,
        "preferred_date_1": WEDNESDAY,
        "preferred_date_2": THURSDAY,
        "preferred_date_3": None,
        "window": Window.MORNING.value,
        "contact_name": "Carla Site",
        "contact_phone": "312-555-0199",
        "access_notes": "Gate code 4412",
        **dict.fromkeys(requests.DUTIES, True),
    }
    answers.update(overrides)
    return answers


def form_data(required: RequiredInspection, **overrides) -> dict:
    data = {
        "required_inspection": str(required.id),
        "preferred_date_1": WEDNESDAY.isoformat(),
        "preferred_date_2": THURSDAY.isoformat(),
        "preferred_date_3": "",
        "window": "morning",
        "contact_name": "Carla Site",
        "contact_phone": "312-555-0199",
        "access_notes": "Gate code 4412",
        **dict.fromkeys(requests.DUTIES, "y"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_request(permit, user, code: str = "ELEC-RGH", **overrides) -> InspectionRequest:
    return requests.request_inspection(
        permit, user, request_answers(required_by_code(permit, code), **overrides)
    )


def schedule(
    inspection_request,
    staff_user,
    day: date = THURSDAY,
    inspector=None,
    window: Window = Window.MORNING,
) -> InspectionRequest:
    return scheduling.schedule(
        inspection_request,
        staff_user,
        day=day,
        window=window,
        inspector_id=(inspector or staff_user).id,
        version=inspection_request.version,
    )


def reload(inspection_request) -> InspectionRequest:
    db.session.expire_all()
    return db.session.get(InspectionRequest, inspection_request.id)


def preferred_days(count: int, after: int = 0) -> list[str]:
    """Business days a request may name today, skipping the first ``after`` of them: for
    tests on the real clock, where the fixed days above may be in the past."""
    days = [deadlines.earliest_inspection_day()]
    while len(days) < count + after:
        days.append(calendar.add_business_days(days[-1], 1))
    return [day.isoformat() for day in days[after:]]


@contextmanager
def on_day(day: date) -> Iterator[date]:
    """The department's calendar says today is ``day``: a visit's result waits for its day."""
    with patch.object(calendar, "local_today", lambda: day):
        yield day

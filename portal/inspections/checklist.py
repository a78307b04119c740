"""The checklist the permit page shows: each required inspection's state and next step."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.inspections.catalogue import required_inspections
from portal.inspections.models import (
    STAGE_ORDER,
    InspectionRequest,
    InspectionStage,
    InspectionStatus,
    RequiredInspection,
)
from portal.inspections.requests import CLOSED_PERMIT
from portal.payments import services as payments
from portal.permits.models import Permit
from portal.template_helpers import long_date

IS = InspectionStatus


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
            day=long_date(latest.visit_date),
            window=latest.visit_window.label,
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
class PublicInspection:
    """One required inspection as the public sees it: passed when, or the next visit's day;
    not who meets the inspector, the visit window or the deficiencies."""

    name: str
    stage: str
    passed_at: datetime | None
    next_visit: date | None


def public_checklist(permit_id: int) -> list[PublicInspection]:
    return [
        PublicInspection(
            name=item.required.inspection_type.name,
            stage=stage.label,
            passed_at=item.required.passed_at,
            next_visit=item.latest.visit_date
            if item.latest is not None
            and item.latest.status == IS.SCHEDULED
            and item.required.passed_at is None
            else None,
        )
        for stage, items in checklist(permit_id).stages
        for item in items
    ]


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
        and permit.status_current not in CLOSED_PERMIT,
    )

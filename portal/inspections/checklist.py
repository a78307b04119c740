"""The checklist the permit page shows: each required inspection's state and next step."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import BindParameter, bindparam, select

from portal import reads
from portal.inspections.models import (
    STAGE_ORDER,
    Deficiency,
    InspectionRequest,
    InspectionResult,
    InspectionStage,
    InspectionStatus,
    InspectionType,
    RequiredInspection,
    VisitFacts,
    Window,
)
from portal.inspections.requests import CLOSED_PERMIT, booked_by_agency
from portal.payments import services as payments
from portal.permits.models import Permit
from portal.routing import url_template
from portal.settings import services as settings
from portal.settings.models import InspectingAgency
from portal.template_helpers import long_date

IS = InspectionStatus


@dataclass(frozen=True)
class Agency:
    """An inspecting agency, as the checklist shows it."""

    id: int
    name: str
    instructions: str
    phone: str
    email: str
    address: str
    schedules_directly: bool


@dataclass(frozen=True)
class CheckType:
    code: str
    name: str
    bureau: str
    stage: InspectionStage
    repeatable: bool
    agency: Agency | None


@dataclass(frozen=True)
class Required:
    """A required inspection not removed (the attributes the page reads of the model's)."""

    id: int
    passed_at: datetime | None
    inspection_type: CheckType


@dataclass(frozen=True)
class VisitDeficiency:
    description: str
    location: str


@dataclass(frozen=True)
class Visit(VisitFacts):
    """An inspection request: its state, booking and deficiencies (VisitFacts reads them)."""

    id: int
    required_inspection_id: int
    status: InspectionStatus
    result: InspectionResult | None
    reinspection: bool
    scheduled_date: date | None
    scheduled_window: Window | None
    deficiencies: list[VisitDeficiency] = field(default_factory=list)


@dataclass(frozen=True)
class ChecklistItem:
    required: Required
    latest: Visit | None
    state: str
    next_step: str
    can_request: bool
    # A repeatable inspection's visits, each with its own result (oldest first).
    visits: list[Visit] = field(default_factory=list)

    @property
    def agency(self) -> Agency | None:
        return self.required.inspection_type.agency

    @property
    def booked_by_agency(self) -> bool:
        """The applicant books this one with the agency, not through the portal."""
        return booked_by_agency(self.required)

    @property
    def settled(self) -> bool:
        """Passed, with nothing to request and no visit open: a stage of only these folds
        away on the permit page."""
        return (
            self.required.passed_at is not None
            and not self.can_request
            and not (self.latest and self.latest.is_open)
        )


@dataclass
class Checklist:
    stages: list[tuple[InspectionStage, list[ChecklistItem]]] = field(default_factory=list)

    @property
    def items(self) -> list[ChecklistItem]:
        return [item for _stage, items in self.stages for item in items]

    @property
    def complete(self) -> bool:
        items = self.items
        return bool(items) and all(
            item.required.passed_at and not (item.latest and item.latest.is_open) for item in items
        )

    @property
    def direct_agencies(self) -> list[Agency]:
        """The agencies the applicant contacts for an inspection not yet passed."""
        found: dict[int, Agency] = {}
        for item in self.items:
            if item.booked_by_agency and item.agency and not item.required.passed_at:
                found.setdefault(item.agency.id, item.agency)
        return list(found.values())


# Issue 17: the permit page reads its checklist as columns, not ORM entities, in one
# statement built once (the permit's id a bound parameter): a row per deficiency of each
# visit of each required inspection (or one for a visit with none, one for an inspection
# never requested).
_PERMIT_ID: BindParameter[int] = bindparam("permit_id")
_CHECKLIST = (
    select(
        RequiredInspection.id,
        RequiredInspection.passed_at,
        InspectionType.code,
        InspectionType.name,
        InspectionType.bureau,
        InspectionType.stage,
        InspectionType.repeatable,
        InspectingAgency.id.label("agency_id"),
        InspectingAgency.name.label("agency_name"),
        InspectingAgency.instructions,
        InspectingAgency.phone,
        InspectingAgency.email,
        InspectingAgency.address,
        InspectingAgency.schedules_directly,
        InspectionRequest.id.label("visit_id"),
        InspectionRequest.status,
        InspectionRequest.result,
        InspectionRequest.reinspection,
        InspectionRequest.scheduled_date,
        InspectionRequest.scheduled_window,
        Deficiency.id.label("deficiency_id"),
        Deficiency.description,
        Deficiency.location,
    )
    .join(InspectionType, InspectionType.id == RequiredInspection.inspection_type_id)
    .outerjoin(InspectingAgency, InspectingAgency.id == InspectionType.agency_id)
    .outerjoin(InspectionRequest, InspectionRequest.required_inspection_id == RequiredInspection.id)
    .outerjoin(Deficiency, Deficiency.inspection_request_id == InspectionRequest.id)
    .where(RequiredInspection.permit_id == _PERMIT_ID, RequiredInspection.removed_at.is_(None))
    .order_by(
        InspectionType.sort_order,
        InspectionType.id,
        RequiredInspection.id,
        InspectionRequest.id,
        Deficiency.id,
    )
)


def _required(row) -> Required:
    agency = None
    if row.agency_id is not None:
        agency = Agency(
            row.agency_id,
            row.agency_name,
            row.instructions,
            row.phone,
            row.email,
            row.address,
            row.schedules_directly,
        )
    kind = CheckType(row.code, row.name, row.bureau, row.stage, row.repeatable, agency)
    return Required(row.id, row.passed_at, kind)


def _required_with_visits(permit_id: int) -> list[tuple[Required, list[Visit]]]:
    """The required inspections in the catalogue's order, each with its visits, oldest first."""
    found: dict[int, tuple[Required, dict[int, Visit]]] = {}
    for row in reads.rows(_CHECKLIST, {"permit_id": permit_id}):
        entry = found.get(row.id)
        if entry is None:
            entry = found[row.id] = (_required(row), {})
        if row.visit_id is None:
            continue
        visit = entry[1].get(row.visit_id)
        if visit is None:
            visit = entry[1][row.visit_id] = Visit(
                row.visit_id,
                row.id,
                row.status,
                row.result,
                row.reinspection,
                row.scheduled_date,
                row.scheduled_window,
            )
        if row.deficiency_id is not None:
            visit.deficiencies.append(VisitDeficiency(row.description, row.location))
    return [(required, list(visits.values())) for required, visits in found.values()]


def _after_visit(latest: Visit) -> str:
    """What to do after a visit that did not pass: a no-access visit with nothing to correct
    asks for access, not corrections."""
    if latest.status == IS.NO_ACCESS and not latest.deficiencies:
        return _("Make sure the inspector can get in and the work is ready, then request it again")
    if latest.deficiencies:
        return _("Correct the deficiencies, then request it again")
    return _("Do what the inspector asked, then request it again")


def _item(required: Required, requests: list[Visit]) -> ChecklistItem:
    """Long because each state of a required inspection has its own words: open, passed
    (once, or repeatable), never requested, cancelled, booked with another agency, failed."""
    latest = requests[-1] if requests else None
    repeatable = required.inspection_type.repeatable
    visits = [r for r in requests if r.status != IS.CANCELLED] if repeatable else []
    agency = required.inspection_type.agency
    direct = booked_by_agency(required)
    if latest is not None and latest.status == IS.REQUESTED:
        return ChecklistItem(
            required,
            latest,
            latest.status.label,
            _("Waiting for the department to schedule it"),
            False,
            visits,
        )
    if latest is not None and latest.status == IS.SCHEDULED:
        state = _(
            "Scheduled for %(day)s, %(window)s",
            day=long_date(latest.visit_date),
            window=latest.visit_window.phrase,
        )
        return ChecklistItem(
            required, latest, state, _("Be on site with the stamped plans"), False, visits
        )
    if required.passed_at is not None and repeatable:
        passes = sum(1 for r in visits if r.status == IS.PASSED)
        state = ngettext("Passed once", "Passed %(num)s times", passes) if passes else _("Passed")
        next_step = _("Request it again before the next stage of the work (each pour)")
        if latest is not None and latest.status in (IS.FAILED, IS.PARTIAL, IS.NO_ACCESS):
            state, next_step = latest.result_label, _after_visit(latest)
        return ChecklistItem(required, latest, state, next_step, not direct, visits)
    if required.passed_at is not None:
        label = latest.result_label if latest and latest.status == IS.PASSED else _("Passed")
        return ChecklistItem(required, latest, label, _("Nothing to do: passed"), False, visits)
    if direct and agency is not None:
        state = latest.result_label if latest else _("Not booked yet")
        next_step = _("Contact the %(agency)s to book it (details below)", agency=agency.name)
        return ChecklistItem(required, latest, state, next_step, False, visits)
    if latest is None:
        return ChecklistItem(
            required, None, _("Not requested"), _("Request this inspection"), True, visits
        )
    if latest.status == IS.CANCELLED:
        return ChecklistItem(
            required, latest, latest.result_label, _("Request it again"), True, visits
        )
    return ChecklistItem(required, latest, latest.result_label, _after_visit(latest), True, visits)


def checklist(permit_id: int) -> Checklist:
    """The permit's required inspections by stage, each with its state and the next step."""
    grouped: dict[InspectionStage, list[ChecklistItem]] = {}
    for required, visits in _required_with_visits(permit_id):
        grouped.setdefault(required.inspection_type.stage, []).append(_item(required, visits))
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
    """What the permit page shows about inspections (the fees are payments' own panel)."""

    checklist: Checklist
    can_request: bool
    # An unpaid reinspection fee stops new requests (a setting): said before any form.
    blocked_by_fees: bool
    # Each row's links, as str.format templates built once a page (routing.url_template):
    # a visit's page ({request_id}) and the request form for one inspection ({required}).
    detail_url: str
    request_url: str


def blocked_by_fees(permit_id: int) -> bool:
    """An unpaid reinspection fee blocks new requests on the permit (when the setting says so).

    The fees first: most permits owe none, and then the settings row is not read (issue 17:
    loading it was 5% of the permit page)."""
    return bool(
        payments.unpaid_reinspection_fees(permit_id)
        and settings.current().block_requests_when_fees_unpaid
    )


def permit_panel(permit: Permit) -> PermitPanel:
    items = checklist(permit.id)
    return PermitPanel(
        checklist=items,
        can_request=any(item.can_request for item in items.items)
        and permit.status_current not in CLOSED_PERMIT,
        blocked_by_fees=blocked_by_fees(permit.id),
        detail_url=url_template("inspections.detail", "request_id", permit_id=permit.id),
        request_url=url_template("inspections.request_inspection", "required", permit_id=permit.id),
    )


@dataclass(frozen=True)
class InspectionSummary:
    """The permit page summary's inspections line: how many required inspections passed and
    the next visit booked, if any."""

    passed: int
    required: int
    next_visit: ChecklistItem | None


def summary(panel: PermitPanel) -> InspectionSummary:
    """The summary's line, read from the permit's panel."""
    items = panel.checklist.items
    visits = [
        (item.latest.visit_date, index, item)
        for index, item in enumerate(items)
        if item.latest is not None and item.latest.status == IS.SCHEDULED
    ]
    return InspectionSummary(
        passed=sum(1 for item in items if item.required.passed_at is not None),
        required=len(items),
        next_visit=min(visits)[2] if visits else None,
    )

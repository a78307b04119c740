"""Inspection types, the inspections each permit needs, requests, results and the calendar."""

from datetime import date, datetime
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.errors import IllegalTransition
from portal.models import Base, TimestampMixin, VersionedMixin, enum_column, utcnow
from portal.settings.models import InspectingAgency
from portal.workflow import LabelledStatus, TransitionTable


class InspectionStage(LabelledStatus):
    UNDERGROUND = "underground", _l("Underground")
    ROUGH = "rough", _l("Rough")
    FINAL = "final", _l("Final")
    COFO = "cofo", _l("Certificate of Occupancy")


STAGE_ORDER = list(InspectionStage)


class InspectionStatus(LabelledStatus):
    REQUESTED = "requested", _l("Requested")
    SCHEDULED = "scheduled", _l("Scheduled")
    PASSED = "passed", _l("Passed")
    FAILED = "failed", _l("Failed")
    PARTIAL = "partial", _l("Partial")
    NO_ACCESS = "no_access", _l("No access / not ready")
    CANCELLED = "cancelled", _l("Cancelled")


IS = InspectionStatus
RESULT_STATES = {IS.PASSED, IS.FAILED, IS.PARTIAL, IS.NO_ACCESS, IS.CANCELLED}
INSPECTION_TRANSITIONS = TransitionTable(
    {
        IS.REQUESTED: {IS.SCHEDULED, IS.CANCELLED},
        # Scheduled -> scheduled is staff moving the visit; -> requested is the
        # requester asking for new dates before the cut-off.
        IS.SCHEDULED: RESULT_STATES | {IS.SCHEDULED, IS.REQUESTED},
        # A result recorded by mistake is withdrawn (audited): the visit is scheduled again.
        IS.PASSED: {IS.SCHEDULED},
        IS.FAILED: {IS.SCHEDULED},
        IS.PARTIAL: {IS.SCHEDULED},
        IS.NO_ACCESS: {IS.SCHEDULED},
    }
)
OPEN_STATES = {IS.REQUESTED, IS.SCHEDULED}
# States in which an inspector spent the visit: they count against the day's capacity.
VISIT_STATES = {IS.SCHEDULED, IS.PASSED, IS.FAILED, IS.PARTIAL, IS.NO_ACCESS}


class InspectionResult(LabelledStatus):
    """What the inspector recorded; several results lead to the same status."""

    PASSED = "passed", _l("Passed")
    FAILED = "failed", _l("Failed (correction required)")
    PARTIAL = "partial", _l("Partial")
    NO_ACCESS = "no_access", _l("No access / not ready")
    CANCELLED = "cancelled", _l("Cancelled")
    GRANTED_COMPLETE = "granted_complete", _l("Granted and fully completed")
    GRANTED_OUTSTANDING = "granted_outstanding", _l("Granted, but outstanding matters")
    COFO_FAILED = "cofo_failed", _l("Failed")


R = InspectionResult
RESULT_STATUS = {
    R.PASSED: IS.PASSED,
    R.FAILED: IS.FAILED,
    R.PARTIAL: IS.PARTIAL,
    R.NO_ACCESS: IS.NO_ACCESS,
    R.CANCELLED: IS.CANCELLED,
    R.GRANTED_COMPLETE: IS.PASSED,
    R.GRANTED_OUTSTANDING: IS.PASSED,
    R.COFO_FAILED: IS.FAILED,
}
TRADE_RESULTS = [R.PASSED, R.FAILED, R.PARTIAL, R.NO_ACCESS, R.CANCELLED]
COFO_RESULTS = [R.GRANTED_COMPLETE, R.GRANTED_OUTSTANDING, R.COFO_FAILED, R.NO_ACCESS, R.CANCELLED]
# BLDS ResultMapped
RESULT_MAPPED = {
    IS.PASSED: "Passed",
    IS.FAILED: "Rejected",
    IS.NO_ACCESS: "Rejected",
    IS.PARTIAL: "Partial",
    IS.CANCELLED: "Cancelled",
}


class Window(LabelledStatus):
    MORNING = "morning", _l("Morning (8 am to 12 noon)")
    AFTERNOON = "afternoon", _l("Afternoon (12 noon to 4 pm)")

    @property
    def phrase(self) -> str:
        """The window after a date: "8 December 2026, morning (8 am to 12 noon)"."""
        return str(WINDOW_PHRASES[self])


WINDOW_PHRASES = {
    Window.MORNING: _l("morning (8 am to 12 noon)"),
    Window.AFTERNOON: _l("afternoon (12 noon to 4 pm)"),
}


# Local hours of each window: (start, end)
WINDOW_HOURS = {Window.MORNING: (8, 12), Window.AFTERNOON: (12, 16)}


class InspectionType(TimestampMixin, Base):
    """The catalogue: admins edit it; `trades` says which permit scopes need it (empty: all)."""

    __tablename__ = "inspection_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[InspectionStage] = mapped_column(enum_column(InspectionStage))
    bureau: Mapped[str] = mapped_column(String(100), index=True)
    fee_cents: Mapped[int] = mapped_column(default=0)
    blds_type_mapped: Mapped[str] = mapped_column(String(100), default="")
    trades: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # Needed again and again on one permit (rebar before each pour): a pass does not close it.
    repeatable: Mapped[bool] = mapped_column(default=False)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("inspecting_agencies.id"))

    agency: Mapped[InspectingAgency | None] = relationship(lazy="joined")

    @property
    def is_cofo(self) -> bool:
        return self.stage == InspectionStage.COFO

    @property
    def results(self) -> list[InspectionResult]:
        return COFO_RESULTS if self.is_cofo else TRADE_RESULTS


class RequiredInspection(TimestampMixin, Base):
    """An inspection a permit must pass; removed ones stay for the record (removed_at set)."""

    __tablename__ = "required_inspections"
    __table_args__ = (
        UniqueConstraint("permit_id", "inspection_type_id", name="uq_required_inspections_type"),
        # The dashboard's stale permits: a permit's inspections not yet passed, index-only.
        Index(
            "ix_required_inspections_outstanding",
            "permit_id",
            sqlite_where=text("passed_at IS NULL AND removed_at IS NULL"),
            postgresql_where=text("passed_at IS NULL AND removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id", ondelete="CASCADE"))
    inspection_type_id: Mapped[int] = mapped_column(ForeignKey("inspection_types.id"))
    # None and "" when derived from the permit's scope.
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_reason: Mapped[str] = mapped_column(Text, default="")
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    passed_at: Mapped[datetime | None]

    inspection_type: Mapped[InspectionType] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class _VisitColumns(Protocol):
    @property
    def status(self) -> InspectionStatus: ...
    @property
    def result(self) -> "InspectionResult | None": ...
    @property
    def scheduled_date(self) -> date | None: ...
    @property
    def scheduled_window(self) -> "Window | None": ...


class VisitFacts:
    """What a request's status, result and booking say: shared by the model and by the
    column-only rows the permit page reads (inspections.checklist.Visit)."""

    @property
    def is_open(self: _VisitColumns) -> bool:
        return self.status in OPEN_STATES

    @property
    def visit_date(self: _VisitColumns) -> date:
        """The booked day of a scheduled (or visited) request; asking it of a request that was
        never scheduled is a workflow mistake, refused like any other illegal move."""
        if self.scheduled_date is None:
            raise IllegalTransition()
        return self.scheduled_date

    @property
    def visit_window(self: _VisitColumns) -> "Window":
        if self.scheduled_window is None:
            raise IllegalTransition()
        return self.scheduled_window

    @property
    def result_label(self: _VisitColumns) -> str:
        return str(self.result.label) if self.result else str(self.status.label)


class InspectionRequest(VisitFacts, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "inspection_requests"
    __table_args__ = (
        # The staff queue's sort orders (with the two below), each within one status.
        Index("ix_inspection_requests_status_preferred", "status", "preferred_date_1", "id"),
        Index("ix_inspection_requests_inspector_day", "inspector_id", "scheduled_date"),
        Index("ix_inspection_requests_required", "required_inspection_id"),
        Index("ix_inspection_requests_permit", "permit_id"),
        # The dashboard: requests to schedule by age, visits due by date, results by week.
        # The id ends them for the staff queue's keyset pages.
        Index("ix_inspection_requests_status_requested", "status", "requested_at", "id"),
        Index("ix_inspection_requests_status_scheduled", "status", "scheduled_date", "id"),
        Index("ix_inspection_requests_inspected", "inspected_at", "status"),
        # The dashboard's visits per inspector today, answered from the index alone.
        Index(
            "ix_inspection_requests_day_load",
            "scheduled_date",
            "status",
            "inspector_id",
            "scheduled_window",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id"))
    required_inspection_id: Mapped[int] = mapped_column(ForeignKey("required_inspections.id"))
    inspection_type_id: Mapped[int] = mapped_column(ForeignKey("inspection_types.id"))
    status: Mapped[InspectionStatus] = mapped_column(
        enum_column(InspectionStatus), default=InspectionStatus.REQUESTED
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    reinspection: Mapped[bool] = mapped_column(default=False)

    preferred_date_1: Mapped[date]
    preferred_date_2: Mapped[date | None]
    preferred_date_3: Mapped[date | None]
    window: Mapped[Window] = mapped_column(enum_column(Window))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(40))
    access_notes: Mapped[str] = mapped_column(Text, default="")
    # The duties the department asks of applicants, each confirmed on the form.
    confirm_present: Mapped[bool] = mapped_column(default=False)
    confirm_trades: Mapped[bool] = mapped_column(default=False)
    confirm_plans: Mapped[bool] = mapped_column(default=False)
    confirm_access: Mapped[bool] = mapped_column(default=False)
    confirm_equipment: Mapped[bool] = mapped_column(default=False)

    scheduled_date: Mapped[date | None]
    scheduled_window: Mapped[Window | None] = mapped_column(enum_column(Window))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scheduled_at: Mapped[datetime | None]
    # The calendar invitation's SEQUENCE: it rises with every change after the first.
    ics_sequence: Mapped[int] = mapped_column(default=0)

    result: Mapped[InspectionResult | None] = mapped_column(enum_column(InspectionResult))
    inspected_at: Mapped[datetime | None]
    result_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    remarks: Mapped[str] = mapped_column(Text, default="")
    orders: Mapped[str] = mapped_column(Text, default="")

    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late_cancel: Mapped[bool] = mapped_column(default=False)

    permit = relationship("Permit")
    inspection_type: Mapped[InspectionType] = relationship()
    required_inspection: Mapped[RequiredInspection] = relationship()
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    inspector = relationship("User", foreign_keys=[inspector_id])
    deficiencies: Mapped[list["Deficiency"]] = relationship(
        back_populates="inspection_request", cascade="all, delete-orphan", order_by="Deficiency.id"
    )
    photos: Mapped[list["InspectionPhoto"]] = relationship(
        back_populates="inspection_request",
        cascade="all, delete-orphan",
        order_by="InspectionPhoto.id",
    )

    @property
    def preferred_dates(self) -> list[date]:
        return [
            d
            for d in (self.preferred_date_1, self.preferred_date_2, self.preferred_date_3)
            if d is not None
        ]


class Deficiency(TimestampMixin, Base):
    __tablename__ = "inspection_deficiencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_request_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_requests.id", ondelete="CASCADE"), index=True
    )
    code_section: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200), default="")
    correct_by: Mapped[date | None]

    inspection_request: Mapped[InspectionRequest] = relationship(back_populates="deficiencies")


class InspectionPhoto(TimestampMixin, Base):
    __tablename__ = "inspection_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_request_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_requests.id", ondelete="CASCADE"), index=True
    )
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    inspection_request: Mapped[InspectionRequest] = relationship(back_populates="photos")
    stored_file = relationship("StoredFile", lazy="joined")


class InspectorDay(Base):
    """One row per inspector and day, locked while a visit is booked on that day.

    Scheduling counts the day's visits under this row's lock, so two staff booking
    the last place at the same moment cannot both succeed.
    """

    __tablename__ = "inspector_days"
    __table_args__ = (UniqueConstraint("inspector_id", "day", name="uq_inspector_days_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date]

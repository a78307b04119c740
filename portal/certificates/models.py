"""Certificates of Occupancy, their versions, and the counter where the hard copy is picked up."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import CertificateType
from portal.models import Base, TimestampMixin, VersionedMixin, enum_column
from portal.workflow import LabelledStatus, TransitionTable

NUMBER_PREFIX = "CO"


class CertificateKind(LabelledStatus):
    """What a certificate allows: part of the building, the building until a date, or the
    whole building for good (only the final certificate finals the permit)."""

    PARTIAL = "partial", _l("Partial")
    TEMPORARY = "temporary", _l("Temporary")
    FINAL = "final", _l("Final")


# The certificate type staff choose on the issue form (the application's words) names the kind.
KIND_OF_TYPE = {
    CertificateType.FULL: CertificateKind.FINAL,
    CertificateType.PARTIAL: CertificateKind.PARTIAL,
    CertificateType.TEMPORARY: CertificateKind.TEMPORARY,
}
TYPE_OF_KIND = {kind: certificate_type for certificate_type, kind in KIND_OF_TYPE.items()}


class CertificateCounter(Base):
    """The last number issued in a year; locked while a number is taken, so numbers have
    no gaps and no duplicates however many staff issue at once."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Certificate(TimestampMixin, Base):
    """A certificate of the permit: partial and temporary ones while work finishes, one
    final certificate per application; what each says lives in its versions."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("year", "sequence", name="uq_certificates_year_sequence"),
        # The staff list of issued certificates, newest or oldest first.
        Index("ix_certificates_created", "created_at", "id"),
        # One final certificate per application, enforced by the database as well.
        Index(
            "uq_certificates_one_final",
            "application_id",
            unique=True,
            sqlite_where=text("kind = 'final'"),
            postgresql_where=text("kind = 'final'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("cofo_applications.id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(
        enum_column(CertificateKind), default=CertificateKind.FINAL, server_default="final"
    )
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The last version number handed out: regeneration locks this row and adds one.
    last_version: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    # A partial or temporary certificate ends when the final one is issued.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    superseded_at: Mapped[datetime | None]

    permit = relationship("Permit", lazy="joined")
    superseded_by: Mapped["Certificate | None"] = relationship(remote_side=[id])
    versions: Mapped[list["CertificateVersion"]] = relationship(
        back_populates="certificate",
        order_by="CertificateVersion.version_number.desc()",
        cascade="all, delete-orphan",
    )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_superseded(self) -> bool:
        return self.superseded_at is not None

    @property
    def current_version(self) -> "CertificateVersion | None":
        return next((v for v in self.versions if v.status == VersionStatus.CURRENT), None)

    @property
    def latest_version(self) -> "CertificateVersion | None":
        return self.versions[0] if self.versions else None


class VersionStatus(LabelledStatus):
    CURRENT = "current", _l("Current")
    SUPERSEDED = "superseded", _l("Superseded")
    REVOKED = "revoked", _l("Revoked")


VERSION_TRANSITIONS = TransitionTable(
    {VersionStatus.CURRENT: {VersionStatus.SUPERSEDED, VersionStatus.REVOKED}}
)


class CertificateVersion(TimestampMixin, Base):
    """What one PDF says, immutable once written: a correction is a new version."""

    __tablename__ = "certificate_versions"
    __table_args__ = (
        UniqueConstraint("certificate_id", "version_number", name="uq_certificate_versions_number"),
        # At most one current version, enforced by the database as well as by the row lock.
        Index(
            "uq_certificate_versions_one_current",
            "certificate_id",
            unique=True,
            sqlite_where=text("status = 'current'"),
            postgresql_where=text("status = 'current'"),
        ),
        # Versions whose PDF is still to render (certificates/rendering.py), for the sweep.
        Index(
            "ix_certificate_versions_pdf_pending",
            "id",
            sqlite_where=text("stored_file_id IS NULL"),
            postgresql_where=text("stored_file_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"))
    version_number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        enum_column(VersionStatus), default=VersionStatus.CURRENT
    )
    certificate_type: Mapped[CertificateType] = mapped_column(enum_column(CertificateType))
    portion_of_building: Mapped[str] = mapped_column(String(300))
    occupancy_load: Mapped[int]
    occupancy_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    construction_type: Mapped[str] = mapped_column(String(20), default="")
    granted_date: Mapped[date]
    expires_on: Mapped[date | None]
    description: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    # What is left to finish: a temporary certificate must list it.
    outstanding_matters: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What the PDF printed, as it was at the time: a later change of owner or official
    # does not rewrite an issued certificate.
    permit_num: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(400))
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    owner_address: Mapped[str] = mapped_column(String(300), default="")
    official_name: Mapped[str] = mapped_column(String(200))
    official_title: Mapped[str] = mapped_column(String(200))
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    # The PDF and its hash, set once by the render job after the version's commit: until
    # then the version is issued (it verifies) and its PDF is being prepared.
    stored_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    # The emails that carry this version's PDF, queued by the render job once the PDF
    # exists: {"template": "certificates_issued", "to": [...]}; None once queued (or none).
    pending_emails: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]

    certificate: Mapped[Certificate] = relationship(back_populates="versions")
    stored_file = relationship("StoredFile", lazy="joined")

    @property
    def code(self) -> str:
        """The number with the version: what the QR code and the verification URL name."""
        return f"{self.certificate.number}-V{self.version_number}"

    @property
    def filename(self) -> str:
        return f"{self.certificate.number}-v{self.version_number}.pdf"

    @property
    def pdf_ready(self) -> bool:
        return self.stored_file_id is not None


class PickupSlot(TimestampMixin, Base):
    """A weekly opening of the counter: e.g. every Tuesday 9:00 to 10:00, six people."""

    __tablename__ = "pickup_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int]  # Monday is 0
    start: Mapped[time]
    end: Mapped[time]
    capacity: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class ClosedDay(TimestampMixin, Base):
    __tablename__ = "pickup_closed_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class PickupSlotDay(Base):
    """One row per slot and date, locked while a seat is taken, so two people booking the
    last seat at the same moment cannot both get it."""

    __tablename__ = "pickup_slot_days"
    __table_args__ = (UniqueConstraint("slot_id", "day", name="uq_pickup_slot_days_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("pickup_slots.id"))
    day: Mapped[date]


class PickupStatus(LabelledStatus):
    BOOKED = "booked", _l("Booked")
    PICKED_UP = "picked_up", _l("Picked up")
    NO_SHOW = "no_show", _l("Did not come")
    CANCELLED = "cancelled", _l("Cancelled")


PICKUP_TRANSITIONS = TransitionTable(
    {
        PickupStatus.BOOKED: {
            PickupStatus.BOOKED,  # rescheduled
            PickupStatus.PICKED_UP,
            PickupStatus.NO_SHOW,
            PickupStatus.CANCELLED,
        }
    }
)
# Seats these appointments hold in their slot.
SEAT_STATES = {PickupStatus.BOOKED, PickupStatus.PICKED_UP}


class PickupAppointment(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "pickup_appointments"
    __table_args__ = (
        Index("ix_pickup_appointments_slot_day", "slot_id", "day", "status"),
        # Covers the staff dashboard's "today's pickups" (count and first time of a day's
        # booked appointments) and the counter's day list without reading the table.
        Index("ix_pickup_appointments_day_status_starts", "day", "status", "starts_at"),
        # One open booking per certificate: a second is a reschedule, not a new seat.
        Index(
            "uq_pickup_appointments_one_booked",
            "certificate_id",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"))
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("pickup_slots.id"))
    day: Mapped[date]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[PickupStatus] = mapped_column(
        enum_column(PickupStatus), default=PickupStatus.BOOKED
    )
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ics_sequence: Mapped[int] = mapped_column(default=0)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None]
    identity_checked: Mapped[bool] = mapped_column(default=False)
    collected_by: Mapped[str] = mapped_column(String(200), default="")
    cancelled_at: Mapped[datetime | None]

    certificate: Mapped[Certificate] = relationship()
    permit = relationship("Permit")
    slot: Mapped[PickupSlot] = relationship(lazy="joined")
    booked_by = relationship("User", foreign_keys=[booked_by_id], lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.status == PickupStatus.BOOKED


class RequestKind(LabelledStatus):
    """What the owner or agent asks of the department about occupancy."""

    PARTIAL = "partial", _l("Partial occupancy")
    TEMPORARY = "temporary", _l("Temporary occupancy")
    EXTENSION = "extension", _l("Extension of a temporary certificate")
    # Chicago: a project that needs no C of O may request one, before any work begins.
    OPTIONAL = "optional", _l("A C of O for a project that does not require one")


class RequestStatus(LabelledStatus):
    REQUESTED = "requested", _l("Requested")
    ACCEPTED = "accepted", _l("Accepted")
    REFUSED = "refused", _l("Refused")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


REQUEST_TRANSITIONS = TransitionTable(
    {
        RequestStatus.REQUESTED: {
            RequestStatus.ACCEPTED,
            RequestStatus.REFUSED,
            RequestStatus.WITHDRAWN,
        }
    }
)
# What an occupancy request's kind issues when staff accept it.
KIND_OF_REQUEST = {
    RequestKind.PARTIAL: CertificateKind.PARTIAL,
    RequestKind.TEMPORARY: CertificateKind.TEMPORARY,
}


class OccupancyRequest(TimestampMixin, VersionedMixin, Base):
    """The owner's or agent's request for partial or temporary occupancy, for more time on a
    temporary certificate, or for an optional C of O; staff accept or refuse it."""

    __tablename__ = "occupancy_requests"
    __table_args__ = (
        # The staff queue: open requests, oldest first.
        Index("ix_occupancy_requests_status_created", "status", "created_at", "id"),
        # One open request of each kind per permit, so two clicks make one request.
        Index(
            "uq_occupancy_requests_one_open",
            "permit_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind))
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus), default=RequestStatus.REQUESTED
    )
    portion: Mapped[str] = mapped_column(String(300), default="")
    wanted_from: Mapped[date | None]
    # An extension: the date the owner asks the temporary certificate to run to.
    extend_to: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    # The temporary certificate an extension is for; the certificate an acceptance issued.
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    permit = relationship("Permit", lazy="joined")
    certificate: Mapped[Certificate | None] = relationship()
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    documents: Mapped[list["OccupancyRequestDocument"]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="OccupancyRequestDocument.id",
    )

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.REQUESTED


class OccupancyRequestDocument(TimestampMixin, Base):
    __tablename__ = "occupancy_request_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("occupancy_requests.id", ondelete="CASCADE"), index=True
    )
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    request: Mapped[OccupancyRequest] = relationship(back_populates="documents")
    stored_file = relationship("StoredFile", lazy="joined")

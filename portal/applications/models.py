"""The online Certificate of Occupancy application, its contacts and its documents."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models import Base, TimestampMixin, VersionedMixin, enum_column
from portal.workflow import LabelledStatus, TransitionTable


class ApplicationStatus(LabelledStatus):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    UNDER_REVIEW = "under_review", _l("Under review")
    INFORMATION_REQUESTED = "information_requested", _l("Information requested")
    RESUBMITTED = "resubmitted", _l("Resubmitted")
    ACCEPTED = "accepted", _l("Accepted")
    INSPECTIONS_COMPLETE = "inspections_complete", _l("Inspections complete")
    COFO_ISSUED = "cofo_issued", _l("C of O issued")
    REJECTED = "rejected", _l("Rejected")
    NOT_APPLICABLE = "not_applicable", _l("Not applicable")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


S = ApplicationStatus
_REVIEWABLE = {S.ACCEPTED, S.INFORMATION_REQUESTED, S.REJECTED, S.NOT_APPLICABLE}
APPLICATION_TRANSITIONS = TransitionTable(
    {
        S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
        S.SUBMITTED: {S.UNDER_REVIEW, S.WITHDRAWN} | _REVIEWABLE,
        S.UNDER_REVIEW: _REVIEWABLE | {S.WITHDRAWN},
        S.INFORMATION_REQUESTED: {S.RESUBMITTED, S.WITHDRAWN},
        S.RESUBMITTED: {S.UNDER_REVIEW, S.WITHDRAWN} | _REVIEWABLE,
        S.ACCEPTED: {S.INSPECTIONS_COMPLETE, S.COFO_ISSUED, S.NOT_APPLICABLE},
        S.INSPECTIONS_COMPLETE: {S.COFO_ISSUED, S.NOT_APPLICABLE},
    }
)
# States in which the applicant may edit the answers.
EDITABLE_STATES = {S.DRAFT, S.INFORMATION_REQUESTED}
# States staff act on from the review queue.
REVIEW_QUEUE_STATES = {S.SUBMITTED, S.UNDER_REVIEW, S.RESUBMITTED}
# An application in any other state is finished; a permit may start a new one then.
CLOSED_STATES = {S.REJECTED, S.NOT_APPLICABLE, S.WITHDRAWN, S.COFO_ISSUED}
_OPEN_CONDITION = "status NOT IN ({})".format(
    ", ".join(f"'{state.value}'" for state in sorted(CLOSED_STATES))
)
# States in which staff may issue the certificate (or decide it is not applicable).
ISSUABLE_STATES = {S.ACCEPTED, S.INSPECTIONS_COMPLETE}
_READY_CONDITION = "status IN ({})".format(
    ", ".join(f"'{state.value}'" for state in sorted(ISSUABLE_STATES))
)


class CertificateType(LabelledStatus):
    FULL = "full", _l("Full")
    PARTIAL = "partial", _l("Partial")
    TEMPORARY = "temporary", _l("Temporary")


class ContactRole(LabelledStatus):
    OWNER = "owner", _l("Owner")
    APPLICANT = "applicant", _l("Applicant or agent")
    ARCHITECT = "architect", _l("Architect or engineer of record")
    GENERAL_CONTRACTOR = "general_contractor", _l("General contractor")
    TRADE_CONTRACTOR = "trade_contractor", _l("Trade contractor")


class DocumentType(LabelledStatus):
    STAMPED_PLANS = "stamped_plans", _l("Stamped plans")
    FLOOR_PLAN = "floor_plan", _l("Floor plan with occupancy load")
    FIRE_ALARM = "fire_alarm", _l("Fire alarm or sprinkler certificate")
    ELEVATOR = "elevator", _l("Elevator certificate")
    SPECIAL_INSPECTIONS = "special_inspections", _l("Special inspections report")
    OTHER = "other", _l("Other")


class CofOApplication(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "cofo_applications"
    __table_args__ = (
        # The staff queue's single-status and "any status" views, and the certificates list.
        Index("ix_cofo_applications_status_submitted", "status", "submitted_at", "id"),
        # The dashboard's "waiting since": nothing edits an application that has reached
        # Inspections Complete, so updated_at is when it got there.
        Index("ix_cofo_applications_status_updated", "status", "updated_at"),
        Index(
            "ix_cofo_applications_submitted",
            "submitted_at",
            "id",
            sqlite_where=text("submitted_at IS NOT NULL"),
            postgresql_where=text("submitted_at IS NOT NULL"),
        ),
        Index(
            "ix_cofo_applications_ready_to_issue",
            "submitted_at",
            "id",
            sqlite_where=text(_READY_CONDITION),
            postgresql_where=text(_READY_CONDITION),
        ),
        Index(
            "ix_cofo_applications_review_queue",
            "queued_at",
            "id",
            sqlite_where=text("queued_at IS NOT NULL"),
            postgresql_where=text("queued_at IS NOT NULL"),
        ),
        # One open application per permit, enforced by the database so two starts cannot both win.
        Index(
            "uq_cofo_applications_one_open",
            "permit_id",
            unique=True,
            sqlite_where=text(_OPEN_CONDITION),
            postgresql_where=text(_OPEN_CONDITION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.DRAFT
    )
    confirmation_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    # Indexed for the staff person page, which lists the applications someone started.
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    # Building and occupancy
    occupancy_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    portion_of_building: Mapped[str] = mapped_column(String(300), default="")
    occupancy_load: Mapped[int | None]
    floor_area_sq_ft: Mapped[int | None]
    # The requirement rule counts only floor area used for something other than homes.
    non_residential_sq_ft: Mapped[int | None]
    dwelling_units: Mapped[int | None]
    sleeping_units: Mapped[int | None]
    stories: Mapped[int | None]
    construction_type: Mapped[str] = mapped_column(String(20), default="")
    sprinklered: Mapped[bool | None]
    change_of_occupancy: Mapped[bool | None]
    previous_use: Mapped[str] = mapped_column(String(300), default="")
    certificate_type: Mapped[CertificateType | None] = mapped_column(enum_column(CertificateType))
    partial_portion: Mapped[str] = mapped_column(String(300), default="")
    temporary_reason: Mapped[str] = mapped_column(Text, default="")

    # Attestations, each a statement the owner or agent confirms
    attest_owner_involved: Mapped[bool] = mapped_column(default=False)
    attest_professionals: Mapped[bool] = mapped_column(default=False)
    attest_permits_finaled: Mapped[bool] = mapped_column(default=False)
    attest_true: Mapped[bool] = mapped_column(default=False)
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attested_at: Mapped[datetime | None]

    # The first submission: the confirmation's date, and the queue's order.
    submitted_at: Mapped[datetime | None]
    # Set while the application waits in the staff queue (to its first submission time),
    # cleared when it leaves: the queue is then one short partial-index range scan.
    queued_at: Mapped[datetime | None]
    resubmitted_at: Mapped[datetime | None]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    # What the reviewer last told the applicant: the information wanted or the reason.
    staff_message: Mapped[str] = mapped_column(Text, default="")
    # The applicant's reply to the last request for information, sent with the resubmission.
    applicant_reply: Mapped[str] = mapped_column(Text, default="")
    # How many times it has been sent to the department (submit, then each resubmission):
    # documents record the submission that first carried them and the one that dropped them.
    submission_count: Mapped[int] = mapped_column(default=0)

    permit = relationship("Permit", lazy="joined")
    contacts: Mapped[list["ApplicationContact"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationContact.id"
    )
    # The current set: what the applicant sees and the next submission carries. Documents
    # dropped after a submission stay (removed_in set) so the reviewer can see the history.
    documents: Mapped[list["ApplicationDocument"]] = relationship(
        back_populates="application",
        primaryjoin="and_(CofOApplication.id == ApplicationDocument.application_id, "
        "ApplicationDocument.removed_in.is_(None))",
        cascade="all, delete-orphan",
        order_by="ApplicationDocument.id",
    )
    # Every version ever submitted, current or not: the reviewer's "changed since" list.
    document_history: Mapped[list["ApplicationDocument"]] = relationship(
        viewonly=True, order_by="ApplicationDocument.id"
    )

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES


class ApplicationContact(TimestampMixin, Base):
    __tablename__ = "application_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("cofo_applications.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[ContactRole] = mapped_column(enum_column(ContactRole))
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    trade: Mapped[str] = mapped_column(String(100), default="")
    license_number: Mapped[str] = mapped_column(String(60), default="")

    application: Mapped[CofOApplication] = relationship(back_populates="contacts")


class ApplicationDocument(TimestampMixin, Base):
    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("cofo_applications.id", ondelete="CASCADE"), index=True
    )
    document_type: Mapped[DocumentType] = mapped_column(enum_column(DocumentType))
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The submission that first carries this version, and the one that no longer does (it was
    # removed or replaced); a version is never deleted once a submission has carried it.
    added_in: Mapped[int] = mapped_column(default=1)
    removed_in: Mapped[int | None]
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_documents.id", ondelete="SET NULL")
    )

    application: Mapped[CofOApplication] = relationship(back_populates="documents")
    replaces: Mapped["ApplicationDocument | None"] = relationship(
        remote_side=[id], lazy="joined", join_depth=1
    )
    stored_file = relationship("StoredFile", lazy="joined")

"""Permits (BLDS core fields), the parties who may act on them, and invitations."""

from datetime import date, datetime
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.models import Base, TimestampMixin, VersionedMixin, enum_column
from portal.search_keys import (
    KEY_LENGTH,
    SEARCH_TEXT_LENGTH,
    address_key,
    from_parameter,
    permit_search_default,
    permit_search_text,
    search_key_type,
)
from portal.workflow import LabelledStatus, TransitionTable


class Trade(LabelledStatus):
    """What the permitted work covers; the inspections feature derives required inspections."""

    NEW_CONSTRUCTION = "new_construction", _l("New construction (carpentry)")
    FOUNDATIONS = "foundations", _l("Foundations and structural concrete")
    ELECTRICAL = "electrical", _l("Electrical")
    PLUMBING = "plumbing", _l("Plumbing")
    VENTILATION = "ventilation", _l("Ventilation")
    IRON = "iron", _l("Structural iron and steel")
    REFRIGERATION = "refrigeration", _l("Refrigeration")
    BOILER = "boiler", _l("Boilers")
    FIRE_PROTECTION = "fire_protection", _l("Fire protection")


class PermitStatus(LabelledStatus):
    ISSUED = "Issued", _l("Issued")
    INSPECTION_PHASE = "Inspection Phase", _l("Inspection phase")
    FINALED = "Finaled", _l("Finaled")
    EXPIRED = "Expired", _l("Expired")
    REVOKED = "Revoked", _l("Revoked")


# Work still under way. Written out as SQL so a partial index can be matched: a query
# must repeat this text (bound parameters would hide the values from the planner). NOT IN,
# because no index can seek on it: the planner then takes the partial index, in order,
# rather than the status index followed by a sort of every open permit.
OPEN_PERMIT_CONDITION = "status_current NOT IN ('Expired', 'Finaled', 'Revoked')"


class PartyRole(LabelledStatus):
    OWNER = "owner", _l("Owner")
    AGENT = "agent", _l("Agent")
    CONTRACTOR = "contractor", _l("Contractor")


class AddressColumns(Protocol):
    """A permit, or a row of a list that read the permit's address columns."""

    original_address1: str
    original_address2: str
    original_city: str
    original_state: str
    original_zip: str


def printed_address(place: AddressColumns) -> str:
    """The address as the portal prints it, from the permit's address columns (lists read
    the columns without loading the permit)."""
    street = ", ".join(p for p in (place.original_address1, place.original_address2) if p)
    return f"{street}, {place.original_city}, {place.original_state} {place.original_zip}"


class Permit(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "permits"
    __table_args__ = (
        # The dashboard's stale permits: open permits, oldest issued first.
        Index(
            "ix_permits_open_issued",
            "issued_date",
            "id",
            sqlite_where=text(OPEN_PERMIT_CONDITION),
            postgresql_where=text(OPEN_PERMIT_CONDITION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_num: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    applied_date: Mapped[date | None]
    # Indexed for the open-data export's issued-date filter.
    issued_date: Mapped[date | None] = mapped_column(index=True)
    status_current: Mapped[PermitStatus] = mapped_column(
        enum_column(PermitStatus), default=PermitStatus.ISSUED, index=True
    )
    original_address1: Mapped[str] = mapped_column(String(200))
    # original_address1 as search types it (portal/search.py). Inserts fill it from the
    # row, Core bulk inserts included; ORM updates through the validator below. A Core
    # UPDATE that changes the address must set it too (the importer does).
    address_key: Mapped[str] = mapped_column(
        search_key_type(KEY_LENGTH),
        default=from_parameter("original_address1", address_key),
        index=True,
    )
    original_address2: Mapped[str] = mapped_column(String(200), default="")
    original_city: Mapped[str] = mapped_column(String(100))
    original_state: Mapped[str] = mapped_column(String(2))
    original_zip: Mapped[str] = mapped_column(String(10))
    permit_type: Mapped[str] = mapped_column(String(100), default="")
    work_class: Mapped[str] = mapped_column(String(100), default="")
    proposed_use: Mapped[str] = mapped_column(String(200), default="")
    total_sq_ft: Mapped[int | None]
    housing_units: Mapped[int | None]
    est_project_cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    # The printed address as the staff search's words (portal/search_index.py), kept like
    # address_key: a Core UPDATE of the address must set it too (the importer does).
    search_text: Mapped[str] = mapped_column(
        String(SEARCH_TEXT_LENGTH), default=permit_search_default, server_default=""
    )
    contractor_company_name: Mapped[str] = mapped_column(String(200), default="")
    contractor_lic_num: Mapped[str] = mapped_column(String(60), default="")
    # BLDS ContractorStateLic and ContractorTrade, when the import file gives them.
    contractor_state_lic: Mapped[str] = mapped_column(String(60), default="", server_default="")
    contractor_trade: Mapped[str] = mapped_column(String(100), default="", server_default="")
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)
    access_code: Mapped[str] = mapped_column(String(32))

    parties: Mapped[list["PermitParty"]] = relationship(
        back_populates="permit", cascade="all, delete-orphan", order_by="PermitParty.id"
    )

    @validates(
        "original_address1", "original_address2", "original_city", "original_state", "original_zip"
    )
    def _keep_search_keys(self, key: str, value: str) -> str:
        parts = {
            name: getattr(self, name)
            for name in (
                "original_address1",
                "original_address2",
                "original_city",
                "original_state",
                "original_zip",
            )
        }
        parts[key] = value
        if key == "original_address1":
            self.address_key = address_key(value)
        self.search_text = permit_search_text(*parts.values())
        return value

    @property
    def address(self) -> str:
        return printed_address(self)

    @property
    def owner_party(self) -> "PermitParty | None":
        return next((p for p in self.parties if p.role == PartyRole.OWNER), None)

    @property
    def owner_language(self) -> str:
        """The language the owner reads (certificates, receipts, calendar files); English
        while the permit has no owner."""
        owner = self.owner_party
        return owner.user.locale if owner is not None else "en"

    @property
    def trades(self) -> list[Trade]:
        return [Trade(value) for value in self.scope or [] if value in Trade._value2member_map_]


class PermitParty(TimestampMixin, Base):
    """A person who may act on a permit; being a party is what grants access to it."""

    __tablename__ = "permit_parties"
    __table_args__ = (
        Index("uq_permit_parties_permit_user", "permit_id", "user_id", unique=True),
        # One owner per permit, enforced by the database so two claims cannot both win.
        Index(
            "uq_permit_parties_one_owner",
            "permit_id",
            unique=True,
            sqlite_where=text("role = 'owner'"),
            postgresql_where=text("role = 'owner'"),
        ),
        Index("ix_permit_parties_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[PartyRole] = mapped_column(enum_column(PartyRole))
    trade: Mapped[str] = mapped_column(String(100), default="")
    license_number: Mapped[str] = mapped_column(String(60), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    permit: Mapped[Permit] = relationship(back_populates="parties")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def trade_label(self) -> str:
        return trade_label(self.trade)


class Invitation(TimestampMixin, Base):
    """An owner's invitation to a contractor or agent, accepted through a signed link."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[PartyRole] = mapped_column(enum_column(PartyRole))
    trade: Mapped[str] = mapped_column(String(100), default="")
    license_number: Mapped[str] = mapped_column(String(60), default="")
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    permit: Mapped[Permit] = relationship()
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def trade_label(self) -> str:
        return trade_label(self.trade)


def trade_label(value: str) -> str:
    """Show a Trade by its label; a trade recorded as free text shows as written."""
    try:
        return str(Trade(value).label)
    except ValueError:
        return value


class ImportStatus(LabelledStatus):
    QUEUED = "queued", _l("Waiting")
    RUNNING = "running", _l("Importing")
    DONE = "done", _l("Imported")
    REJECTED = "rejected", _l("Not imported: errors in the file")
    FAILED = "failed", _l("Not imported: it could not be finished")


# queued -> running -> done | rejected | failed. A run that fails goes back to queued for
# its retry (or to failed after its last one); a retry from the Background jobs page takes
# a failed import again; a run may take over from one that was killed mid-way
# (running -> running), and then only the newest run's outcome can be committed.
IMPORT_TRANSITIONS = TransitionTable(
    {
        ImportStatus.QUEUED: {ImportStatus.RUNNING},
        ImportStatus.RUNNING: {
            ImportStatus.RUNNING,
            ImportStatus.QUEUED,
            ImportStatus.DONE,
            ImportStatus.REJECTED,
            ImportStatus.FAILED,
        },
        ImportStatus.FAILED: {ImportStatus.RUNNING},
    }
)
# The outcomes: an import in one of these is over, and the job does nothing.
IMPORT_OVER = (ImportStatus.DONE, ImportStatus.REJECTED)


class PermitImport(TimestampMixin, Base):
    """An admin's permit file, stored in the document store, and what its import did: the
    `permits.import_file` job validates the whole file and writes it, all or nothing.

    `attempt` numbers the runs: a run claims the import by raising it, and only the run
    whose number is still the import's may record the outcome (with the permits it wrote,
    in one commit), so a run killed mid-way, or overtaken, writes nothing."""

    __tablename__ = "permit_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), default=ImportStatus.QUEUED, index=True
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempt: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    rows: Mapped[int] = mapped_column(default=0)
    created_permits: Mapped[int] = mapped_column(default=0)
    updated_permits: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    # The first errors, [row, column, message] each (the page lists at most this many).
    errors: Mapped[list] = mapped_column(JSON, default=list)
    # Why the last run could not finish, as a key of imports.FAILURES ("" when it did).
    failure: Mapped[str] = mapped_column(String(40), default="")

    stored_file = relationship("StoredFile")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])

    @property
    def is_over(self) -> bool:
        return self.status in IMPORT_OVER

    @property
    def errors_not_listed(self) -> int:
        return self.error_count - len(self.errors)


class ExportStatus(LabelledStatus):
    QUEUED = "queued", _l("Waiting")
    RUNNING = "running", _l("Being written")
    DONE = "done", _l("Ready to download")
    FAILED = "failed", _l("Not written: it could not be finished")
    EXPIRED = "expired", _l("Removed after its time")


# queued -> running -> done | failed, as a permit import: a run that fails goes back to
# queued for its retry (or to failed after its last one), a retry from the Background jobs
# page takes a failed export again, a run may take over from one killed mid-way. A done
# export's file is removed after EXPORT_KEPT_DAYS (done -> expired).
EXPORT_TRANSITIONS = TransitionTable(
    {
        ExportStatus.QUEUED: {ExportStatus.RUNNING},
        ExportStatus.RUNNING: {
            ExportStatus.RUNNING,
            ExportStatus.QUEUED,
            ExportStatus.DONE,
            ExportStatus.FAILED,
        },
        ExportStatus.FAILED: {ExportStatus.RUNNING},
        ExportStatus.DONE: {ExportStatus.EXPIRED},
    }
)
# An export in one of these is over: its job does nothing.
EXPORT_OVER = (ExportStatus.DONE, ExportStatus.EXPIRED)


class DataExport(TimestampMixin, Base):
    """A staff member's open-data export (BLDS CSV), written by the `exports.write_csv`
    job into the document store and downloaded from its page.

    `kind` names a registered export (permits.exports.KINDS: permits, inspections) and
    `filters` its filters as given (ISO dates, status values). `attempt` numbers the runs,
    as on a permit import: only the run whose number is still the export's may record the
    file, so a run killed mid-way, or overtaken, records nothing."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    # The file starts with a byte-order mark for Excel on Windows (csv_export.BOM).
    for_excel: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ExportStatus] = mapped_column(
        enum_column(ExportStatus), default=ExportStatus.QUEUED, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    attempt: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    rows: Mapped[int | None]
    size: Mapped[int | None] = mapped_column(BigInteger)
    # Set once by the run that wrote the file; cleared when the file is removed.
    stored_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # Why the last run could not finish, as a key of exports.FAILURES ("" when it did).
    failure: Mapped[str] = mapped_column(String(40), default="")

    stored_file = relationship("StoredFile")
    requested_by = relationship("User", foreign_keys=[requested_by_id])

    @property
    def is_over(self) -> bool:
        return self.status in EXPORT_OVER

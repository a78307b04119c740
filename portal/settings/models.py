"""The department's working rules that admins change without a deployment, and its holidays."""

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models import Base, TimestampMixin, VersionedMixin

DEFAULTS = {
    # The cut-off must come before the earliest day a request may name (issue 12): with two
    # business days' notice and a one-day cut-off, a request for the earliest date can still
    # be changed for free through the whole business day after it was made.
    "inspection_lead_business_days": 2,
    "inspection_cutoff_business_days": 1,
    "inspector_daily_capacity": 8,
    "block_requests_when_fees_unpaid": True,
    "stale_inspection_days": 60,
}


class PortalSettings(TimestampMixin, VersionedMixin, Base):
    """A single row (id 1); until an admin first saves, the defaults above apply."""

    __tablename__ = "portal_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Requests need at least this many business days' notice.
    inspection_lead_business_days: Mapped[int] = mapped_column(
        default=DEFAULTS["inspection_lead_business_days"]
    )
    # Cancelling or rescheduling after the end of the business day this many business days
    # before the visit is late; always fewer than the lead time (settings.services checks).
    inspection_cutoff_business_days: Mapped[int] = mapped_column(
        default=DEFAULTS["inspection_cutoff_business_days"]
    )
    inspector_daily_capacity: Mapped[int] = mapped_column(
        default=DEFAULTS["inspector_daily_capacity"]
    )
    # An unpaid reinspection fee blocks new inspection requests on the permit.
    block_requests_when_fees_unpaid: Mapped[bool] = mapped_column(
        default=DEFAULTS["block_requests_when_fees_unpaid"]
    )
    # The dashboard lists permits whose required inspections have waited longer than this.
    stale_inspection_days: Mapped[int] = mapped_column(default=DEFAULTS["stale_inspection_days"])


# What the help page says until an admin saves the department's own details (Settings,
# Contact details), as PortalSettings falls back on DEFAULTS.
CONTACT_DEFAULTS = {
    "phone": "312-744-3449",
    "email": "buildings@cityofchicago.org",
    "counter_address": "City Hall, Room 900\n121 N LaSalle St\nChicago, IL 60602",
    "opening_hours": "Monday to Friday, 9:00 a.m. to 4:00 p.m., except city holidays",
    "processing_times": (
        "We review a complete Certificate of Occupancy application within 10 business days.\n"
        "Inspections are scheduled within 5 business days of the date you ask for.\n"
        "We issue the certificate within 3 business days of the last passed inspection."
    ),
}


class ContactDetails(TimestampMixin, VersionedMixin, Base):
    """How the public reaches the department: a single row (id 1), shown on the help page,
    the pickup page, the emails and the receipts; until an admin first saves,
    CONTACT_DEFAULTS apply. The row also holds the seal certificates print (settings/seal.py)."""

    __tablename__ = "contact_details"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))
    counter_address: Mapped[str] = mapped_column(Text)
    opening_hours: Mapped[str] = mapped_column(Text)
    processing_times: Mapped[str] = mapped_column(Text)
    # The department's seal or logo as an admin uploaded it; None prints the neutral
    # placeholder shipped in static/img (never a real city's seal).
    seal_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))

    seal_file = relationship("StoredFile")


class Holiday(Base):
    """A day the department does not work; business days skip it."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100))


class PermitTypeMapping(TimestampMixin, Base):
    """How the BLDS export names one of the department's permit types: the BLDS
    PermitTypeMapped value and the longer PermitTypeDesc. Admins keep the list on the
    settings page; a permit type with no row exports PermitTypeMapped blank."""

    __tablename__ = "permit_type_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # As the permits spell it, matched without regard to case or surrounding spaces.
    permit_type: Mapped[str] = mapped_column(String(100))
    permit_type_key: Mapped[str] = mapped_column(String(100), unique=True)
    blds_type: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200), default="")


class InspectingAgency(TimestampMixin, VersionedMixin, Base):
    """Who carries out an inspection (the Department of Buildings, the Fire Department's Fire
    Prevention Bureau, ...) and how applicants reach it; admins keep the contacts current.

    An agency that schedules directly takes its bookings itself: the applicant contacts it
    instead of asking the portal, and staff record the result it reports.
    """

    __tablename__ = "inspecting_agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    schedules_directly: Mapped[bool] = mapped_column(default=False)
    # What the applicant does to get the inspection, in the agency's own words.
    instructions: Mapped[str] = mapped_column(Text, default="")

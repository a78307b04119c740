"""Issuing the Certificate of Occupancy, its versions and revocation, public verification,
and pickup of the hard copy at the counter.

Every change here checks its transition (VERSION_TRANSITIONS, PICKUP_TRANSITIONS,
APPLICATION_TRANSITIONS) and guards, changes the records, writes the audit log and the
permit's timeline, queues email, and commits once: issuing a certificate (number, PDF,
application, permit, emails) is one transaction that happens entirely or not at all.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, timeline
from portal.applications import services as applications
from portal.applications.models import (
    APPLICATION_TRANSITIONS,
    ISSUABLE_STATES,
    ApplicationStatus,
    CertificateType,
    CofOApplication,
    ContactRole,
)
from portal.certificates import pdf
from portal.certificates.models import (
    NUMBER_PREFIX,
    PICKUP_TRANSITIONS,
    SEAT_STATES,
    VERSION_TRANSITIONS,
    Certificate,
    CertificateCounter,
    CertificateVersion,
    ClosedDay,
    PickupAppointment,
    PickupSlot,
    PickupSlotDay,
    PickupStatus,
    ReminderSent,
    VersionStatus,
)
from portal.db_locks import begin_write
from portal.documents.store import save_bytes
from portal.errors import DomainError, IllegalTransition
from portal.extensions import db
from portal.inspections import calendar, ics
from portal.inspections import services as inspection_services
from portal.inspections.models import (
    InspectionRequest,
    InspectionResult,
    InspectionStatus,
    RequiredInspection,
)
from portal.models import utcnow
from portal.money import format_cents
from portal.notifications.services import email_link, queue_email
from portal.payments import services as payments
from portal.permits import services as permits
from portal.permits.models import PartyRole, Permit, PermitParty
from portal.workflow import check_version, stale_guard

S = ApplicationStatus
STALE_MESSAGE = _l(
    "This record changed since you opened the page. Its current state is shown: "
    "check it and try again if you still need to."
)
# CO-2026-000123, optionally with the version: CO-2026-000123-V2
CODE_PATTERN = re.compile(rf"^{NUMBER_PREFIX}-(\d{{4}})-(\d{{6}})(?:-V([1-9]\d{{0,3}}))?$")
MAX_LOAD = 1_000_000


class InvalidCertificate(DomainError):
    """An answer on the certificate form is wrong; ``field`` names it for the form."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class GuardsFailed(DomainError):
    default_message = _l("The certificate cannot be issued yet: see what is missing below.")


class SlotFull(DomainError):
    default_message = _l(
        "Sorry, that time was taken while you were choosing: no seats are left. "
        "Choose another time."
    )


def format_number(year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{sequence:06d}"


# ---- reading --------------------------------------------------------------------------------


def certificate_for_application(application_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.application_id == application_id)
        .options(selectinload(Certificate.versions))
    )


def certificate_for_permit(permit: Permit) -> Certificate | None:
    """The permit's newest certificate, with its versions."""
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.permit_id == permit.id)
        .options(selectinload(Certificate.versions))
        .order_by(Certificate.id.desc())
        .limit(1)
    )


def certificate_for_staff(certificate_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(selectinload(Certificate.versions))
    )


def application_for_issue(application_id: int) -> CofOApplication | None:
    return db.session.scalar(
        select(CofOApplication)
        .where(CofOApplication.id == application_id)
        .options(
            joinedload(CofOApplication.permit).selectinload(Permit.parties),
            selectinload(CofOApplication.contacts),
        )
    )


def cofo_granted_with_outstanding_matters(permit_id: int) -> bool:
    """Whether a C of O inspection was granted with outstanding matters: the certificate
    must then state them."""
    found = db.session.scalar(
        select(InspectionRequest.id)
        .where(
            InspectionRequest.permit_id == permit_id,
            InspectionRequest.status == InspectionStatus.PASSED,
            InspectionRequest.result == InspectionResult.GRANTED_OUTSTANDING,
        )
        .limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class Guard:
    label: str
    ok: bool
    detail: str = ""
    link_text: str = ""
    link_url: str = ""


def issue_guards(application: CofOApplication) -> list[Guard]:
    """What must hold before the certificate is issued, each with what is missing and where
    to put it right."""
    permit = application.permit
    pending = db.session.scalars(
        select(RequiredInspection).where(
            RequiredInspection.permit_id == permit.id,
            RequiredInspection.removed_at.is_(None),
            RequiredInspection.passed_at.is_(None),
        )
    ).all()
    fees = payments.fee_summary(permit.id)
    existing = certificate_for_application(application.id)
    permit_url = url_for("permits.permit", permit_id=permit.id)
    return [
        Guard(
            str(_l("The application is accepted or its inspections are complete")),
            application.status in ISSUABLE_STATES,
            _("The application is %(status)s.", status=application.status.label),
            str(_l("Review the application")),
            url_for("applications.review", application_id=application.id),
        ),
        Guard(
            str(_l("Every required inspection has passed or been granted")),
            not pending,
            _(
                "Not passed yet: %(names)s.",
                names=", ".join(r.inspection_type.name for r in pending),
            )
            if pending
            else "",
            str(_l("See the inspections")),
            permit_url + "#inspections",
        ),
        Guard(
            str(_l("No fee is outstanding")),
            fees.outstanding_count == 0,
            _("%(amount)s is outstanding.", amount=format_cents(fees.outstanding_cents))
            if fees.outstanding_count
            else "",
            str(_l("See the fees")),
            url_for("payments.fees", permit_id=permit.id),
        ),
        Guard(
            str(_l("No certificate has been issued for this application")),
            existing is None,
            _("Certificate %(number)s was issued.", number=existing.number) if existing else "",
            str(_l("Open the certificate")) if existing else "",
            url_for("certificates.staff_certificate", certificate_id=existing.id)
            if existing
            else "",
        ),
    ]


# ---- issuing --------------------------------------------------------------------------------

ANSWER_FIELDS = (
    "certificate_type",
    "portion_of_building",
    "occupancy_load",
    "occupancy_groups",
    "construction_type",
    "granted_date",
    "expires_on",
    "description",
    "conditions",
)
CONFIRMATIONS = ("confirm_owner_involved", "confirm_professionals", "confirm_records_finaled")


def check_answers(answers: Mapping, permit_id: int) -> dict:
    """The certificate's fields, checked: the form checks them too, but the rule lives here."""
    certificate_type = answers.get("certificate_type")
    if isinstance(certificate_type, str):
        certificate_type = CertificateType._value2member_map_.get(certificate_type)
    if certificate_type is None:
        raise InvalidCertificate(_l("Choose the certificate type"), "certificate_type")
    portion = (answers.get("portion_of_building") or "").strip()
    if not portion:
        raise InvalidCertificate(
            _l("Enter the portion of the building the certificate covers"), "portion_of_building"
        )
    load = answers.get("occupancy_load")
    if not isinstance(load, int) or isinstance(load, bool) or not 0 < load <= MAX_LOAD:
        raise InvalidCertificate(
            _l("Enter the occupancy load as a whole number above 0, like 40"), "occupancy_load"
        )
    granted = answers.get("granted_date")
    if not isinstance(granted, date):
        raise InvalidCertificate(_l("Enter the granted date"), "granted_date")
    expires = answers.get("expires_on")
    if certificate_type == CertificateType.TEMPORARY:
        if not isinstance(expires, date):
            raise InvalidCertificate(
                _l("Enter the date the temporary certificate expires"), "expires_on"
            )
        if expires <= granted:
            raise InvalidCertificate(
                _l("The expiry date must be after the granted date"), "expires_on"
            )
    else:
        expires = None
    conditions = (answers.get("conditions") or "").strip()
    if not conditions and cofo_granted_with_outstanding_matters(permit_id):
        raise InvalidCertificate(
            _l(
                "The C of O inspection was granted with outstanding matters: "
                "enter them as conditions"
            ),
            "conditions",
        )
    return {
        "certificate_type": certificate_type,
        "portion_of_building": portion,
        "occupancy_load": load,
        "occupancy_groups": list(answers.get("occupancy_groups") or []),
        "construction_type": (answers.get("construction_type") or "").strip(),
        "granted_date": granted,
        "expires_on": expires,
        "description": (answers.get("description") or "").strip(),
        "conditions": conditions,
    }


def _take_number(year: int) -> int:
    """The next number of the year, under the counter row's lock (created on first use).

    A second issuer waits here until the first commits or rolls back (on SQLite, which
    ignores FOR UPDATE, at begin_write's write lock), so numbers are never shared and a
    rolled-back issue leaves no gap.
    """
    begin_write()
    query = (
        select(CertificateCounter)
        .where(CertificateCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter = db.session.scalar(query)
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(CertificateCounter(year=year, last_number=0))
        except IntegrityError:
            pass
        counter = db.session.scalar(query)
    counter.last_number += 1
    return counter.last_number


def _owner_details(application: CofOApplication) -> tuple[str, str]:
    contact = next((c for c in application.contacts if c.role == ContactRole.OWNER), None)
    owner = application.permit.owner_party
    name = contact.name if contact else (owner.user.name if owner else "")
    return name, contact.address if contact else ""


def record_contacts(application: CofOApplication) -> list[str]:
    """Everyone on the record: the permit's parties and the application's contacts."""
    emails: list[str] = []
    parties = db.session.scalars(
        select(PermitParty)
        .where(PermitParty.permit_id == application.permit_id)
        .order_by(PermitParty.role != PartyRole.OWNER, PermitParty.id)
    ).all()
    candidates = [party.user.email for party in parties] + [
        contact.email for contact in application.contacts
    ]
    for email in candidates:
        if email and email.lower() not in {e.lower() for e in emails}:
            emails.append(email)
    return emails


def _write_version(certificate: Certificate, number: int, fields: dict, actor, **extra):
    # Attached to the certificate only once its PDF is stored: storing flushes, and the
    # version cannot be written before it has its file.
    version = CertificateVersion(
        version_number=number,
        status=VersionStatus.CURRENT,
        created_by_id=actor.id,
        official_name=current_app.config["PORTAL_BUILDING_OFFICIAL"],
        official_title=current_app.config["PORTAL_BUILDING_OFFICIAL_TITLE"],
        **fields,
        **extra,
    )
    rendered = pdf.render(
        pdf.certificate_data(
            version,
            code=f"{certificate.number}-V{number}",
            number=certificate.number,
        )
    )
    stored = save_bytes(rendered.data, "application/pdf")
    version.stored_file_id = stored.id
    version.stored_file = stored
    version.sha256 = stored.sha256
    version.certificate = certificate
    db.session.add(version)
    db.session.flush()
    return version


def _attachment(version: CertificateVersion) -> list[dict]:
    return [
        {
            "filename": version.filename,
            "content_type": "application/pdf",
            "sha256": version.sha256,
        }
    ]


@stale_guard(STALE_MESSAGE)
def issue(application: CofOApplication, actor, version, answers: Mapping) -> Certificate:
    """Issue the C of O, all in one transaction: the year's next number, the PDF and its
    hash, the application to "C of O Issued", the permit to "Finaled", the emails with the
    PDF, the timeline and the audit log. Refused while a guard fails."""
    check_version(application, version, STALE_MESSAGE)
    APPLICATION_TRANSITIONS.check(application.status, S.COFO_ISSUED)
    if not all(guard.ok for guard in issue_guards(application)):
        raise GuardsFailed()
    missing = [name for name in CONFIRMATIONS if not answers.get(name)]
    if missing:
        raise InvalidCertificate(_l("Confirm each of the three statements"), missing[0])
    fields = check_answers(answers, application.permit_id)
    permit = application.permit
    owner_name, owner_address = _owner_details(application)
    year = calendar.local_today().year
    sequence = _take_number(year)
    certificate = Certificate(
        number=format_number(year, sequence),
        year=year,
        sequence=sequence,
        permit_id=permit.id,
        application_id=application.id,
        issued_by_id=actor.id,
        last_version=1,
    )
    db.session.add(certificate)
    first = _write_version(
        certificate,
        1,
        fields,
        actor,
        permit_num=permit.permit_num,
        address=permit.address,
        owner_name=owner_name,
        owner_address=owner_address,
    )
    applications.certificate_issued(application, actor)
    permits.finalize(permit, actor)
    audit.record(
        "certificate.issued",
        certificate,
        actor=actor,
        number=certificate.number,
        sha256=first.sha256,
        confirmations=", ".join(CONFIRMATIONS),
    )
    timeline.add(permit, "certificate.issued", actor=actor, number=certificate.number)
    link = email_link("certificates.certificate", permit_id=permit.id)
    for email in record_contacts(application):
        queue_email(
            email,
            _(
                "Certificate of Occupancy %(number)s issued for permit %(permit)s",
                number=certificate.number,
                permit=permit.permit_num,
            ),
            "certificates_issued",
            attachments=_attachment(first),
            certificate=certificate,
            version=first,
            permit=permit,
            link=link,
        )
    db.session.commit()
    return certificate


@stale_guard(STALE_MESSAGE)
def mark_inspections_complete(application: CofOApplication, actor, version) -> None:
    """Staff record "Inspections Complete" themselves (the inspections feature does it on
    the last pass); every required inspection must have passed."""
    check_version(application, version, STALE_MESSAGE)
    APPLICATION_TRANSITIONS.check(application.status, S.INSPECTIONS_COMPLETE)
    guards = issue_guards(application)
    if not guards[1].ok:
        raise DomainError(guards[1].detail)
    applications.inspections_complete(application, actor)
    db.session.commit()


def _lock_certificate(certificate_id: int) -> Certificate:
    """Lock the certificate row: regenerations and revocations take turns on it (on
    SQLite, which ignores FOR UPDATE, at begin_write's write lock)."""
    begin_write()
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .with_for_update(of=Certificate)
        .execution_options(populate_existing=True)
    )


def _current_version(certificate_id: int) -> CertificateVersion | None:
    return db.session.scalar(
        select(CertificateVersion)
        .where(
            CertificateVersion.certificate_id == certificate_id,
            CertificateVersion.status == VersionStatus.CURRENT,
        )
        .execution_options(populate_existing=True)
    )


@stale_guard(STALE_MESSAGE)
def regenerate(
    certificate: Certificate, actor, answers: Mapping, reason: str
) -> CertificateVersion:
    """A correction: a new version with its own PDF and hash; the previous one becomes
    "superseded" and is kept. Under the certificate's row lock, so two staff at once get
    consecutive versions and exactly one current."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidCertificate(_l("Enter what was corrected"), "reason")
    certificate = _lock_certificate(certificate.id)
    if certificate.is_revoked:
        raise IllegalTransition(_l("This certificate was revoked, so it cannot be corrected."))
    previous = _current_version(certificate.id)
    if previous is None:
        raise IllegalTransition()
    VERSION_TRANSITIONS.check(previous.status, VersionStatus.SUPERSEDED)
    fields = check_answers(answers, certificate.permit_id)
    previous.status = VersionStatus.SUPERSEDED
    previous.ended_at = utcnow()
    db.session.flush()
    certificate.last_version += 1
    new = _write_version(
        certificate,
        certificate.last_version,
        fields,
        actor,
        permit_num=previous.permit_num,
        address=previous.address,
        owner_name=previous.owner_name,
        owner_address=previous.owner_address,
        correction_reason=reason,
    )
    permit = certificate.permit
    audit.record(
        "certificate.regenerated",
        certificate,
        actor=actor,
        version=new.version_number,
        superseded=previous.version_number,
        sha256=new.sha256,
        reason=reason,
    )
    timeline.add(
        permit,
        "certificate.regenerated",
        actor=actor,
        number=certificate.number,
        version=new.version_number,
        previous=previous.version_number,
    )
    application = db.session.get(CofOApplication, certificate.application_id)
    for email in record_contacts(application):
        queue_email(
            email,
            _(
                "Corrected Certificate of Occupancy %(number)s (version %(version)s)",
                number=certificate.number,
                version=new.version_number,
            ),
            "certificates_regenerated",
            attachments=_attachment(new),
            certificate=certificate,
            version=new,
            previous=previous,
            permit=permit,
            reason=reason,
            link=email_link("certificates.certificate", permit_id=permit.id),
        )
    db.session.commit()
    return new


@stale_guard(STALE_MESSAGE)
def revoke(certificate: Certificate, actor, reason: str) -> None:
    """Revoke with a reason: verification says "revoked", the owner can no longer download
    it, and open pickups are cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidCertificate(_l("Enter the reason for revoking the certificate"), "reason")
    certificate = _lock_certificate(certificate.id)
    current = _current_version(certificate.id)
    if certificate.is_revoked or current is None:
        raise IllegalTransition(_l("This certificate is already revoked."))
    VERSION_TRANSITIONS.check(current.status, VersionStatus.REVOKED)
    current.status = VersionStatus.REVOKED
    current.ended_at = utcnow()
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoked_reason = reason
    for appointment in db.session.scalars(
        select(PickupAppointment).where(
            PickupAppointment.certificate_id == certificate.id,
            PickupAppointment.status == PickupStatus.BOOKED,
        )
    ):
        appointment.status = PickupStatus.CANCELLED
        appointment.cancelled_at = utcnow()
    permit = certificate.permit
    audit.record("certificate.revoked", certificate, actor=actor, reason=reason)
    timeline.add(
        permit, "certificate.revoked", actor=actor, number=certificate.number, reason=reason
    )
    application = db.session.get(CofOApplication, certificate.application_id)
    for email in record_contacts(application):
        queue_email(
            email,
            _("Certificate of Occupancy %(number)s revoked", number=certificate.number),
            "certificates_revoked",
            certificate=certificate,
            permit=permit,
            reason=reason,
        )
    db.session.commit()


def version_answers(version: CertificateVersion) -> dict:
    """A version's fields, to fill the correction form."""
    return {name: getattr(version, name) for name in ANSWER_FIELDS}


# ---- public verification --------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    state: str  # valid, superseded, revoked, unknown, malformed
    code: str
    certificate: Certificate | None = None
    version: CertificateVersion | None = None
    current: CertificateVersion | None = None


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()


def verify(code: str) -> Verification:
    """What the public may know about a certificate number (optionally with -V<version>)."""
    code = normalise_code(code)
    match = CODE_PATTERN.match(code)
    if match is None:
        return Verification("malformed", code)
    number = format_number(int(match[1]), int(match[2]))
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.number == number)
        .options(selectinload(Certificate.versions))
    )
    if certificate is None:
        return Verification("unknown", code)
    current = certificate.current_version
    if match[3] is None:
        version = current or certificate.latest_version
    else:
        version = next((v for v in certificate.versions if v.version_number == int(match[3])), None)
    if version is None:
        return Verification("unknown", code)
    if certificate.is_revoked:
        return Verification("revoked", code, certificate, version)
    if version.status == VersionStatus.CURRENT:
        return Verification("valid", code, certificate, version, version)
    return Verification("superseded", code, certificate, version, current)


# ---- the counter's hours --------------------------------------------------------------------


def pickup_slots() -> list[PickupSlot]:
    return db.session.scalars(
        select(PickupSlot)
        .where(PickupSlot.active.is_(True))
        .order_by(PickupSlot.weekday, PickupSlot.start)
    ).all()


def closed_days(from_day: date) -> list[ClosedDay]:
    return db.session.scalars(
        select(ClosedDay).where(ClosedDay.day >= from_day).order_by(ClosedDay.day)
    ).all()


def add_slot(actor, *, weekday: int, start, end, capacity: int) -> PickupSlot:
    """An admin adds a weekly opening of the counter."""
    if not 0 <= weekday <= 6:
        raise InvalidCertificate(_l("Choose a day of the week"), "weekday")
    if end <= start:
        raise InvalidCertificate(_l("The end time must be after the start time"), "end")
    if capacity < 1:
        raise InvalidCertificate(_l("Enter how many people can come, 1 or more"), "capacity")
    slot = PickupSlot(weekday=weekday, start=start, end=end, capacity=capacity)
    db.session.add(slot)
    db.session.flush()
    audit.record(
        "pickup.slot_added",
        slot,
        actor=actor,
        weekday=weekday,
        start=start.isoformat(),
        end=end.isoformat(),
        capacity=capacity,
    )
    db.session.commit()
    return slot


def remove_slot(slot: PickupSlot, actor) -> None:
    """Stop offering a weekly opening; appointments already booked in it stand."""
    slot.active = False
    audit.record("pickup.slot_removed", slot, actor=actor)
    db.session.commit()


def add_closed_day(actor, day: date, reason: str) -> ClosedDay:
    if day < calendar.local_today():
        raise InvalidCertificate(_l("The date has passed: choose a later date"), "day")
    if db.session.scalar(select(ClosedDay.id).where(ClosedDay.day == day)) is not None:
        raise InvalidCertificate(_l("That day is already closed"), "day")
    closed = ClosedDay(day=day, reason=(reason or "").strip())
    db.session.add(closed)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidCertificate(_l("That day is already closed"), "day") from None
    audit.record("pickup.closed_day_added", closed, actor=actor, day=day.isoformat())
    db.session.commit()
    return closed


def remove_closed_day(closed: ClosedDay, actor) -> None:
    audit.record("pickup.closed_day_removed", closed, actor=actor, day=closed.day.isoformat())
    db.session.delete(closed)
    db.session.commit()


# ---- pickup appointments --------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    slot: PickupSlot
    day: date
    starts_at: datetime
    ends_at: datetime
    seats_left: int

    @property
    def value(self) -> str:
        return f"{self.slot.id}:{self.day.isoformat()}"

    @property
    def label(self) -> str:
        return describe(self.day, self.slot)


def describe(day: date, slot: PickupSlot) -> str:
    return _(
        "%(day)s, %(start)s to %(end)s",
        day=format_date(day, "EEEE d MMMM y"),
        start=format_time(slot.start, "h:mm a"),
        end=format_time(slot.end, "h:mm a"),
    )


def _local(day: date, moment) -> datetime:
    return datetime.combine(day, moment, tzinfo=calendar.department_zone())


def _closed(start: date, end: date) -> set[date]:
    closed = set(db.session.scalars(select(ClosedDay.day).where(ClosedDay.day.between(start, end))))
    return closed | calendar.holidays_between(start, end)


def openings(excluding: int | None = None) -> list[Opening]:
    """Times with a seat left in the booking window, soonest first; past, closed and full
    times are left out. Two queries whatever the number of slots and days."""
    today = calendar.local_today()
    last = today + timedelta(days=current_app.config["PICKUP_BOOKING_DAYS"])
    slots = pickup_slots()
    closed = _closed(today, last)
    taken_query = (
        select(PickupAppointment.slot_id, PickupAppointment.day, func.count())
        .where(
            PickupAppointment.day.between(today, last),
            PickupAppointment.status.in_(SEAT_STATES),
        )
        .group_by(PickupAppointment.slot_id, PickupAppointment.day)
    )
    if excluding is not None:
        taken_query = taken_query.where(PickupAppointment.id != excluding)
    taken = {(slot_id, day): n for slot_id, day, n in db.session.execute(taken_query)}
    now = utcnow()
    found = []
    day = today
    while day <= last:
        if day not in closed:
            for slot in slots:
                if slot.weekday != day.weekday():
                    continue
                starts = _local(day, slot.start)
                left = slot.capacity - taken.get((slot.id, day), 0)
                if starts > now and left > 0:
                    found.append(Opening(slot, day, starts, _local(day, slot.end), left))
        day += timedelta(days=1)
    return found


def _parse_choice(choice: str) -> tuple[int, date]:
    try:
        slot_id, day = (choice or "").split(":", 1)
        return int(slot_id), date.fromisoformat(day)
    except ValueError:
        raise InvalidCertificate(
            _l("Choose a time to pick up the certificate"), "opening"
        ) from None


def _check_opening(choice: str) -> tuple[PickupSlot, date, datetime, datetime]:
    """The slot and day a choice names, if a booking may name them (a seat is counted
    later, under the lock)."""
    slot_id, day = _parse_choice(choice)
    slot = db.session.get(PickupSlot, slot_id)
    if slot is None or not slot.active or slot.weekday != day.weekday():
        raise InvalidCertificate(
            _l("The counter is not open at that time: choose another"), "opening"
        )
    starts = _local(day, slot.start)
    if starts <= utcnow():
        raise InvalidCertificate(_l("That time has passed: choose a later one"), "opening")
    if day > calendar.local_today() + timedelta(days=current_app.config["PICKUP_BOOKING_DAYS"]):
        raise InvalidCertificate(_l("That date is too far ahead: choose an earlier one"), "opening")
    if day in _closed(day, day):
        raise InvalidCertificate(
            _l("The counter is closed that day: choose another day"), "opening"
        )
    return slot, day, starts, _local(day, slot.end)


def _lock_slot_day(slot_id: int, day: date) -> None:
    """Lock the slot's row for the day (created on first use) until the transaction ends
    (on SQLite, which ignores FOR UPDATE, begin_write's write lock does it)."""
    begin_write()
    query = (
        select(PickupSlotDay)
        .where(PickupSlotDay.slot_id == slot_id, PickupSlotDay.day == day)
        .with_for_update()
    )
    if db.session.scalar(query) is None:
        try:
            with db.session.begin_nested():
                db.session.add(PickupSlotDay(slot_id=slot_id, day=day))
        except IntegrityError:
            pass
        db.session.scalar(query.execution_options(populate_existing=True))


def _seats_taken(slot_id: int, day: date, excluding: int | None = None) -> int:
    query = select(func.count(PickupAppointment.id)).where(
        PickupAppointment.slot_id == slot_id,
        PickupAppointment.day == day,
        PickupAppointment.status.in_(SEAT_STATES),
    )
    if excluding is not None:
        query = query.where(PickupAppointment.id != excluding)
    return db.session.scalar(query)


def _take_seat(slot: PickupSlot, day: date, excluding: int | None = None) -> None:
    _lock_slot_day(slot.id, day)
    if _seats_taken(slot.id, day, excluding) >= slot.capacity:
        raise SlotFull()


def open_appointment(certificate_id: int) -> PickupAppointment | None:
    return db.session.scalar(
        select(PickupAppointment).where(
            PickupAppointment.certificate_id == certificate_id,
            PickupAppointment.status == PickupStatus.BOOKED,
        )
    )


def appointment_for_permit(permit: Permit, appointment_id: int) -> PickupAppointment | None:
    return db.session.scalar(
        select(PickupAppointment).where(
            PickupAppointment.id == appointment_id, PickupAppointment.permit_id == permit.id
        )
    )


def booking_problem(certificate: Certificate | None) -> str | None:
    """Why the owner cannot book a pickup now, or None."""
    if certificate is None or certificate.current_version is None or certificate.is_revoked:
        return _("A pickup can be booked once the certificate is issued.")
    if payments.fee_summary(certificate.permit_id).outstanding_count:
        return _("Pay the outstanding fees on this permit before you book a pickup.")
    if open_appointment(certificate.id) is not None:
        return _("You already have a pickup booked: reschedule or cancel it instead.")
    collected = db.session.scalar(
        select(PickupAppointment.id).where(
            PickupAppointment.certificate_id == certificate.id,
            PickupAppointment.status == PickupStatus.PICKED_UP,
            PickupAppointment.created_at >= certificate.current_version.created_at,
        )
    )
    if collected is not None:
        return _("The hard copy of this certificate has already been picked up.")
    return None


def _pickup_recipients(appointment: PickupAppointment) -> list[str]:
    emails = [appointment.booked_by.email]
    owner = appointment.permit.owner_party
    if owner is not None and owner.user.email not in emails:
        emails.append(owner.user.email)
    return emails


def _pickup_invitation(appointment: PickupAppointment, cancel: bool) -> list[dict]:
    permit = appointment.permit
    config = current_app.config
    data = ics.build(
        uid=ics.uid("pickup-appointment", appointment.id),
        sequence=appointment.ics_sequence,
        start=appointment.starts_at,
        end=appointment.ends_at,
        summary=f"Pick up Certificate of Occupancy {appointment.certificate.number}",
        location=f"{config['PORTAL_DEPARTMENT']} permit counter",
        description="\n".join(
            (
                f"Certificate {appointment.certificate.number}, permit {permit.permit_num}",
                f"Property: {permit.address}",
                "Bring photo identification.",
            )
        ),
        attendees=_pickup_recipients(appointment),
        cancel=cancel,
    )
    stored = save_bytes(data, "text/calendar")
    return [{"filename": "pickup.ics", "content_type": "text/calendar", "sha256": stored.sha256}]


def _when(appointment: PickupAppointment) -> str:
    return describe(appointment.day, appointment.slot)


def _pickup_emails(appointment: PickupAppointment, template: str, subject, cancel: bool) -> None:
    attachments = _pickup_invitation(appointment, cancel)
    for email in _pickup_recipients(appointment):
        queue_email(
            email,
            subject,
            template,
            attachments=attachments,
            appointment=appointment,
            permit=appointment.permit,
            when=_when(appointment),
            link=email_link("certificates.certificate", permit_id=appointment.permit_id),
        )


@stale_guard(STALE_MESSAGE)
def book_pickup(permit: Permit, user, choice: str) -> PickupAppointment:
    """Book a seat at the counter once the certificate is issued and nothing is owed; the
    seat is counted under the slot-day lock, so of two people taking the last seat at once,
    one gets it and the other is told it is gone."""
    certificate = certificate_for_permit(permit)
    problem = booking_problem(certificate)
    if problem:
        raise DomainError(problem)
    slot, day, starts, ends = _check_opening(choice)
    _take_seat(slot, day)
    appointment = PickupAppointment(
        certificate_id=certificate.id,
        permit_id=permit.id,
        slot_id=slot.id,
        day=day,
        starts_at=starts,
        ends_at=ends,
        booked_by_id=user.id,
    )
    db.session.add(appointment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(
            _l("You already have a pickup booked: reschedule or cancel it instead.")
        ) from None
    appointment.slot = slot
    appointment.certificate = certificate
    appointment.booked_by = user
    audit.record("pickup.booked", appointment, actor=user, slot_id=slot.id, day=day.isoformat())
    timeline.add(permit, "pickup.booked", actor=user, when=_when(appointment))
    _pickup_emails(
        appointment,
        "certificates_pickup_booked",
        _(
            "Pickup booked: certificate %(number)s, %(when)s",
            number=certificate.number,
            when=_when(appointment),
        ),
        cancel=False,
    )
    db.session.commit()
    return appointment


def _check_changeable(appointment: PickupAppointment) -> None:
    if appointment.status != PickupStatus.BOOKED:
        raise IllegalTransition(_l("This pickup is no longer booked, so it cannot be changed."))
    if appointment.starts_at <= utcnow():
        raise IllegalTransition(
            _l("This pickup time has started, so it can no longer be changed online.")
        )


@stale_guard(STALE_MESSAGE)
def reschedule_pickup(appointment: PickupAppointment, user, choice: str, version) -> None:
    """Move a booking to another time, until its slot starts; the calendar event moves
    (same UID, higher SEQUENCE)."""
    check_version(appointment, version, STALE_MESSAGE)
    _check_changeable(appointment)
    PICKUP_TRANSITIONS.check(appointment.status, PickupStatus.BOOKED)
    slot, day, starts, ends = _check_opening(choice)
    if slot.id == appointment.slot_id and day == appointment.day:
        raise InvalidCertificate(_l("Choose a different time from your booking"), "opening")
    _take_seat(slot, day, excluding=appointment.id)
    appointment.slot_id = slot.id
    appointment.slot = slot
    appointment.day = day
    appointment.starts_at = starts
    appointment.ends_at = ends
    appointment.ics_sequence += 1
    audit.record(
        "pickup.rescheduled", appointment, actor=user, slot_id=slot.id, day=day.isoformat()
    )
    timeline.add(appointment.permit, "pickup.rescheduled", actor=user, when=_when(appointment))
    _pickup_emails(
        appointment,
        "certificates_pickup_booked",
        _(
            "Pickup moved: certificate %(number)s, %(when)s",
            number=appointment.certificate.number,
            when=_when(appointment),
        ),
        cancel=False,
    )
    db.session.commit()


@stale_guard(STALE_MESSAGE)
def cancel_pickup(appointment: PickupAppointment, user, version) -> None:
    """Cancel a booking until its slot starts; the seat is free again."""
    check_version(appointment, version, STALE_MESSAGE)
    _check_changeable(appointment)
    PICKUP_TRANSITIONS.check(appointment.status, PickupStatus.CANCELLED)
    appointment.status = PickupStatus.CANCELLED
    appointment.cancelled_at = utcnow()
    appointment.ics_sequence += 1
    audit.record("pickup.cancelled", appointment, actor=user)
    timeline.add(appointment.permit, "pickup.cancelled", actor=user)
    _pickup_emails(
        appointment,
        "certificates_pickup_cancelled",
        _("Pickup cancelled: certificate %(number)s", number=appointment.certificate.number),
        cancel=True,
    )
    db.session.commit()


@stale_guard(STALE_MESSAGE)
def mark_picked_up(
    appointment: PickupAppointment, actor, *, identity_checked: bool, collected_by: str, version
) -> None:
    """Staff hand over the hard copy, recording that they checked the collector's identity."""
    check_version(appointment, version, STALE_MESSAGE)
    PICKUP_TRANSITIONS.check(appointment.status, PickupStatus.PICKED_UP)
    if not identity_checked:
        raise InvalidCertificate(
            _l("Check the collector's photo identification, then tick the box"),
            "identity_checked",
        )
    collected_by = (collected_by or "").strip()
    if not collected_by:
        raise InvalidCertificate(
            _l("Enter the name of the person who collected it"), "collected_by"
        )
    appointment.status = PickupStatus.PICKED_UP
    appointment.identity_checked = True
    appointment.collected_by = collected_by
    appointment.handled_by_id = actor.id
    appointment.handled_at = utcnow()
    audit.record(
        "pickup.picked_up",
        appointment,
        actor=actor,
        identity_checked=True,
        collected_by=collected_by,
    )
    timeline.add(appointment.permit, "pickup.picked_up", actor=actor)
    db.session.commit()


@stale_guard(STALE_MESSAGE)
def mark_no_show(appointment: PickupAppointment, actor, version) -> None:
    """Nobody came: once the slot has started; the owner may then book again."""
    check_version(appointment, version, STALE_MESSAGE)
    PICKUP_TRANSITIONS.check(appointment.status, PickupStatus.NO_SHOW)
    if appointment.starts_at > utcnow():
        raise IllegalTransition(_l("The pickup time has not started yet."))
    appointment.status = PickupStatus.NO_SHOW
    appointment.handled_by_id = actor.id
    appointment.handled_at = utcnow()
    audit.record("pickup.no_show", appointment, actor=actor)
    timeline.add(appointment.permit, "pickup.no_show", actor=actor, when=_when(appointment))
    db.session.commit()


def counter_day(day: date) -> list[PickupAppointment]:
    """Who is coming to the counter on a day, earliest first, with what the list shows."""
    return db.session.scalars(
        select(PickupAppointment)
        .where(PickupAppointment.day == day, PickupAppointment.status != PickupStatus.CANCELLED)
        .options(
            joinedload(PickupAppointment.permit),
            joinedload(PickupAppointment.certificate),
        )
        .order_by(PickupAppointment.starts_at, PickupAppointment.id)
    ).all()


def appointment_for_staff(appointment_id: int) -> PickupAppointment | None:
    return db.session.get(PickupAppointment, appointment_id)


# ---- the permit page ------------------------------------------------------------------------


@dataclass(frozen=True)
class PermitPanel:
    certificate: Certificate | None
    current: CertificateVersion | None
    appointment: PickupAppointment | None


def permit_panel(permit: Permit) -> PermitPanel:
    certificate = certificate_for_permit(permit)
    if certificate is None:
        return PermitPanel(None, None, None)
    return PermitPanel(certificate, certificate.current_version, open_appointment(certificate.id))


# ---- reminders ------------------------------------------------------------------------------


def _mark_sent(kind: str, record_id: int, day: date) -> bool:
    """Claim a reminder; False when it was already sent (by this run or another)."""
    exists = db.session.scalar(
        select(ReminderSent.id).where(
            ReminderSent.kind == kind,
            ReminderSent.record_id == record_id,
            ReminderSent.for_day == day,
        )
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                ReminderSent(kind=kind, record_id=record_id, for_day=day, sent_at=utcnow())
            )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class ReminderCount:
    pickups: int
    inspections: int


def send_reminders(today: date | None = None) -> ReminderCount:
    """Email tomorrow's pickups and inspections, once each however often this runs: a
    reminder's row in reminders_sent is written with its email, in one commit."""
    tomorrow = (today or calendar.local_today()) + timedelta(days=1)
    pickups = 0
    for appointment in db.session.scalars(
        select(PickupAppointment)
        .where(PickupAppointment.day == tomorrow, PickupAppointment.status == PickupStatus.BOOKED)
        .order_by(PickupAppointment.id)
    ).all():
        if not _mark_sent("pickup", appointment.id, tomorrow):
            continue
        pickups += 1
        for email in _pickup_recipients(appointment):
            queue_email(
                email,
                _(
                    "Reminder: pick up certificate %(number)s tomorrow",
                    number=appointment.certificate.number,
                ),
                "certificates_pickup_reminder",
                appointment=appointment,
                permit=appointment.permit,
                when=_when(appointment),
                link=email_link("certificates.certificate", permit_id=appointment.permit_id),
            )
    inspections = 0
    for request in db.session.scalars(
        select(InspectionRequest)
        .where(
            InspectionRequest.scheduled_date == tomorrow,
            InspectionRequest.status == InspectionStatus.SCHEDULED,
        )
        .order_by(InspectionRequest.id)
    ).all():
        if not _mark_sent("inspection", request.id, tomorrow):
            continue
        inspections += 1
        for email in inspection_services.people_to_notify(request):
            queue_email(
                email,
                _(
                    "Reminder: %(name)s inspection tomorrow, permit %(num)s",
                    name=request.inspection_type.name,
                    num=request.permit.permit_num,
                ),
                "certificates_inspection_reminder",
                inspection=request,
                permit=request.permit,
                window=request.scheduled_window.label,
                link=email_link(
                    "inspections.detail", permit_id=request.permit_id, request_id=request.id
                ),
            )
    db.session.commit()
    return ReminderCount(pickups, inspections)


DEFAULT_COUNTER_HOURS = ((time(9), time(10)), (time(13), time(14)))
DEFAULT_CAPACITY = 4


def seed_counter(actor=None) -> None:
    """The counter's first hours (weekdays, two slots a day) and the next closed day after
    Thanksgiving, if none are set yet. Idempotent; for the demo and a new installation."""
    if db.session.scalar(select(PickupSlot.id).limit(1)) is None:
        for weekday in range(5):
            for start, end in DEFAULT_COUNTER_HOURS:
                db.session.add(
                    PickupSlot(weekday=weekday, start=start, end=end, capacity=DEFAULT_CAPACITY)
                )
        audit.record("pickup.slots_seeded", actor=actor)
    today = calendar.local_today()
    for year in (today.year, today.year + 1):
        thanksgiving = next(
            day for day, name in calendar.us_federal_holidays(year) if name == "Thanksgiving Day"
        )
        closed = thanksgiving + timedelta(days=1)
        if closed >= today:
            if db.session.scalar(select(ClosedDay.id).where(ClosedDay.day == closed)) is None:
                db.session.add(ClosedDay(day=closed, reason="Day after Thanksgiving"))
            break
    db.session.commit()
